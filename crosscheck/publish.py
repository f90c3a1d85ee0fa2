"""The serving copy: what readers open, swapped in atomically after a build.

Readers (notebooks, exports, the report) never open the live warehouse, so
they never see a half-built state and never block the nightly writer.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from crosscheck.config import serving_path
from crosscheck.locking import writer_lock


def publish(warehouse: Path | str, *, take_lock: bool = True) -> Path:
    """Copy the warehouse to its serving path atomically; return that path."""
    warehouse = Path(warehouse)
    target = serving_path(warehouse)
    tmp = target.with_name(f".{target.name}.tmp")

    def _copy() -> None:
        con = duckdb.connect(str(warehouse))
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        old = os.umask(0o077)
        try:
            shutil.copyfile(warehouse, tmp)
        finally:
            os.umask(old)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)

    if take_lock:
        with writer_lock(warehouse):
            _copy()
    else:
        _copy()
    return target
