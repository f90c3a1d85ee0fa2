"""Running dbt: one `dbt build` invocation per nightly run, in-process.

The CLI (`crosscheck run`) and the Airflow cross-check DAG both call
`build`, so a run with Airflow and one without take the same path.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from crosscheck.config import DBT_PROJECT_DIR
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
    as_of: dt.date,
    *,
    full_refresh: bool = False,
    select: str | None = None,
    extra_vars: dict | None = None,
    target: str = "duckdb",
    exclude: str | None = None,
) -> list[str]:
    """The dbt command line for a warehouse; target and logs live beside it."""
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
        "--vars",
        json.dumps({"as_of": as_of.isoformat(), **(extra_vars or {})}),
    ]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]
    if exclude:
        args += ["--exclude", exclude]
    return args


def run_dbt(args: list[str], warehouse: Path):
    """Invoke dbt in-process against `warehouse`; return dbt's result object.

    A Spark target (`--target spark…`) reads the Parquet export beside the
    warehouse (crosscheck/spark.py) and keeps its tables there too.
    """
    from dbt.cli.main import dbtRunner

    os.environ["CROSSCHECK_WAREHOUSE"] = str(Path(warehouse).resolve())
    if any(a.startswith("spark") for a in args):
        from crosscheck.spark import spark_env

        os.environ.update(spark_env(warehouse))
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return dbtRunner().invoke(args)


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
) -> BuildResult:
    """`dbt build` (seeds, models, data tests) for the as-of date.

    dbt's unit tests prove the SQL, not the data: they run in CI
    (`unit_tests=True`, as the test suite does) and are left out of the
    nightly run, where they would only add minutes.

    `target="spark"` builds the same models with a local Spark session on the
    Parquet export of the warehouse (`crosscheck.spark.export_sources` first).
    """
    warehouse = Path(warehouse)
    args = dbt_args(
        "build",
        warehouse,
        as_of,
        full_refresh=full_refresh,
        select=select,
        extra_vars=extra_vars,
        target=target,
        exclude=exclude,
    )
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    res = run_dbt(args, warehouse)
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
