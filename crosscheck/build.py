"""Running dbt: one `dbt build` invocation per nightly run, in-process.

The CLI (`crosscheck run`) and the Airflow cross-check DAG both call
`build`, so a run with Airflow and one without take the same path.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from crosscheck.config import DBT_PROJECT_DIR, duckdb_settings
from crosscheck.errors import CrosscheckError

log = logging.getLogger(__name__)


@dataclass
class BuildResult:
    as_of: dt.date
    success: bool
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    nodes: int = 0
    unit_tests: int = 0


def dbt_args(
    command: str,
    warehouse: Path,
    *,
    full_refresh: bool = False,
    select: str | None = None,
    extra_vars: dict | None = None,
    target: str = "duckdb",
    exclude: str | None = None,
    indirect_selection: str | None = None,
) -> list[str]:
    """The dbt command line for a warehouse; target and logs live beside it.

    The as-of date is not on it: `run_dbt` hands it to dbt in the environment
    (CROSSCHECK_AS_OF, macros/portable.sql `as_of()`), so that dbt's partial
    parsing survives a new night; `--vars` (which makes dbt re-parse every
    file when it changes) carries only `extra_vars`."""
    work = Path(warehouse).resolve().parent / ("dbt" if target == "duckdb" else f"dbt-{target}")
    args = [
        command,
        "--target",
        target,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    if extra_vars:
        args += ["--vars", json.dumps(extra_vars)]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]
    if exclude:
        args += ["--exclude", exclude]
    if indirect_selection:
        args += ["--indirect-selection", indirect_selection]
    return args


# The as-of date reaches dbt's as_of() macro through this variable (dbt_args).
AS_OF_ENV = "CROSSCHECK_AS_OF"

# dbt-duckdb reads the warehouse path as a URL to name the database: these
# characters would cut it short (`a;b.duckdb` → database "a").
URL_CHARS = ";?#"
# dbt-duckdb also splices the database name (the file's stem) into SQL
# literals and identifiers unescaped: a file name must not hold quotes.
NAME_CHARS = URL_CHARS + "'\"\\"


def check_warehouse_name(warehouse: Path | str) -> None:
    """Refuse, before any work, a warehouse file name dbt cannot use."""
    name = Path(warehouse).name
    bad = sorted({c for c in name if c in NAME_CHARS})
    if bad:
        raise CrosscheckError(
            f"warehouse file name {name!r} contains {' '.join(bad)}: dbt cannot use it as a "
            "database name; rename the file (its folder may hold any character)"
        )


@contextmanager
def _dbt_path(warehouse: Path) -> Iterator[str]:
    """The warehouse path as dbt-duckdb can read it.

    A folder whose path holds ; ? or # is reached through a private symlink
    to the folder (not the file: DuckDB's .wal stays beside the warehouse).
    """
    real = Path(warehouse).resolve()
    check_warehouse_name(real)
    if not any(c in str(real.parent) for c in URL_CHARS):
        yield str(real)
        return
    tmp = Path(tempfile.mkdtemp(prefix="crosscheck-dbt-"))  # 0700
    link = tmp / "warehouse-dir"
    link.symlink_to(real.parent, target_is_directory=True)
    try:
        yield str(link / real.name)
    finally:
        link.unlink()
        tmp.rmdir()


def _import_dbt_without_iri_grammar() -> None:
    """Import dbt without building jsonschema's IRI grammar (issue 11: ~1 s of CPU
    of every night's build process).

    jsonschema imports rfc3987_syntax, when installed, for its "iri" format
    checker, and that module compiles a Lark grammar at import. dbt never checks
    that format. Marking the module absent while dbt (and through it jsonschema)
    is first imported makes jsonschema skip the checker, as it does when the
    package is not installed; a process that imported jsonschema before keeps
    what it has."""
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # import → ImportError
    try:
        import dbt.cli.main  # noqa: F401
    finally:
        del sys.modules["rfc3987_syntax"]


def run_dbt(args: list[str], warehouse: Path, as_of: dt.date | None):
    """Invoke dbt in-process against `warehouse` for the as-of date; return
    dbt's result object. `as_of=None`: the project's default (a command that
    renders no model, e.g. `ls` or `seed`).

    A Spark target (`--target spark…`) reads the Parquet export beside the
    warehouse (crosscheck/spark.py) and keeps its tables there too.
    """
    _import_dbt_without_iri_grammar()
    from dbt.cli.main import dbtRunner

    if any(a.startswith("spark") for a in args):
        from crosscheck.spark import spark_env

        os.environ.update(spark_env(warehouse))
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    old = os.umask(0o077)  # dbt's logs and target may quote identifiers
    try:
        with _dbt_path(warehouse) as path:
            from crosscheck.warehouse import dbt_env

            os.environ["CROSSCHECK_WAREHOUSE"] = path
            os.environ.update(dbt_env(path))
            settings = duckdb_settings(warehouse)  # profiles.yml + macros/spill.sql
            os.environ["CROSSCHECK_DUCKDB_MEMORY_LIMIT"] = settings["memory_limit"]
            os.environ["CROSSCHECK_DUCKDB_TEMP_DIRECTORY"] = settings["temp_directory"]
            if as_of is None:
                os.environ.pop(AS_OF_ENV, None)
            else:
                os.environ[AS_OF_ENV] = as_of.isoformat()
            return dbtRunner().invoke(args)
    finally:
        os.umask(old)


def build(
    warehouse: Path | str,
    as_of: dt.date,
    *,
    full_refresh: bool = False,
    select: str | None = None,
    extra_vars: dict | None = None,
    unit_tests: bool = False,
    target: str = "duckdb",
    exclude: str | None = None,
    indirect_selection: str | None = None,
) -> BuildResult:
    """`dbt build` (seeds, models, data tests) for the as-of date.

    dbt's unit tests prove the SQL, not the data: they run in CI
    (`unit_tests=True`, as the test suite does) and are left out of the
    nightly run, where they would only add minutes.

    `target="spark"` builds the same models with a local Spark session on the
    Parquet export of the warehouse (`crosscheck.spark.export_sources` first,
    after `crosscheck.ingest.status.record_source_states` for D).
    """
    warehouse = Path(warehouse)
    if target == "duckdb" and warehouse.exists():
        # the snapshot sources' history, view and macro the staging models read
        # (a warehouse from before issue 11 is folded into history first)
        from crosscheck.ingest import history
        from crosscheck.ingest.sources import load_sources
        from crosscheck.ingest.status import record_source_states
        from crosscheck.warehouse import connect, has_table

        con = connect(warehouse)
        try:
            for source in load_sources().values():
                if source.kind == "snapshot" and has_table(con, "meta", "loads"):
                    history.migrate(con, source)
                    for stmt in history.create_sql(source):
                        con.execute(stmt)
            if has_table(con, "meta", "loads"):
                # each source's state as of D, the one definition that
                # `crosscheck status` also runs; marts.source_status reads it
                record_source_states(con, as_of)
        finally:
            con.close()
    args = dbt_args(
        "build",
        warehouse,
        full_refresh=full_refresh,
        select=select,
        extra_vars=extra_vars,
        target=target,
        exclude=exclude,
        indirect_selection=indirect_selection,
    )
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    res = run_dbt(args, warehouse, as_of)
    out = BuildResult(as_of=as_of, success=bool(res.success))
    if res.exception is not None:
        raise CrosscheckError(f"dbt build failed to run: {res.exception}")
    for r in res.result or []:
        out.nodes += 1
        node = getattr(r, "node", None)
        out.unit_tests += getattr(node, "resource_type", None) == "unit_test"
        status = str(getattr(r, "status", ""))
        name = getattr(getattr(r, "node", None), "unique_id", "?")
        if status in ("error", "fail"):
            out.failures.append(f"{name}: {getattr(r, 'message', '')}")
        elif status == "warn":
            out.warnings.append(f"{name}: {getattr(r, 'message', '')}")
    return out
