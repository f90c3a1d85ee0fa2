"""How every entry point of the package ends: a quiet exit.

DuckDB's Python module (nanobind) reports the objects still alive when the
interpreter tears down ("nanobind: leaked …", dozens of lines) — GX's
SQLAlchemy engine, dbt's adapter and Airflow's caches keep DuckDB objects
referenced until then. The lines mean nothing once the work is done, but
operators take them for a crash. Every `__main__` (the `crosscheck`
command, `make demo`, `make benchmark`, the benchmark scripts) ends here:
run the atexit handlers, flush, and leave without the teardown.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Callable
from typing import NoReturn


def quiet_libraries() -> None:
    """Silence what libraries print that is no news to an operator: PySpark's
    warning about pandas 3 when GX probes for it."""
    import warnings

    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )


def exit_quietly(rc: int | None) -> NoReturn:
    """Exit with `rc` after the atexit handlers, skipping interpreter teardown."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc or 0)


def run(main: Callable[[], int | None]) -> NoReturn:
    """`main()`, then a quiet exit with its return code (1 on an uncaught error)."""
    try:
        rc = main()
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if not isinstance(e.code, int | None):
            print(e.code, file=sys.stderr)
    except BaseException:
        import traceback

        traceback.print_exc()
        rc = 1
    exit_quietly(rc)
