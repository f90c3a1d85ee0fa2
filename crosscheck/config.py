"""Where things live by default: one git-ignored working folder.

Every path can be overridden by an environment variable or a CLI option;
nothing here reads the clock.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def home() -> Path:
    """The working folder (landing, warehouse, exports…); default ./work."""
    return Path(os.environ.get("CROSSCHECK_HOME", REPO_ROOT / "work")).resolve()


def default_landing() -> Path:
    return Path(os.environ.get("CROSSCHECK_LANDING", home() / "landing"))


def default_warehouse() -> Path:
    return Path(os.environ.get("CROSSCHECK_WAREHOUSE", home() / "warehouse.duckdb"))


def serving_path(warehouse: Path) -> Path:
    """The readers' copy of a warehouse: <stem>.serving.duckdb beside it."""
    warehouse = Path(warehouse)
    return warehouse.with_name(f"{warehouse.stem}.serving.duckdb")


def memory_limit() -> str:
    """DuckDB's memory_limit for every writer (ingest, linking, dbt, publish).

    CROSSCHECK_MEMORY_LIMIT (a DuckDB size: "3GB", "40%"); default "50%" of
    the machine's memory (DuckDB's own default is 80%), leaving room for the
    Python side (pandas, GX, dbt) so DuckDB spills to temp_directory instead
    of the machine running out.
    """
    return os.environ.get("CROSSCHECK_MEMORY_LIMIT", "").strip() or "50%"


def temp_directory(warehouse: Path | str) -> Path:
    """Where DuckDB spills what does not fit in memory_limit.

    CROSSCHECK_TEMP_DIR, default `<warehouse>.tmp` beside the file (DuckDB's
    own default, made explicit so that dbt's connection spills there too).
    """
    configured = os.environ.get("CROSSCHECK_TEMP_DIR", "").strip()
    if configured:
        return Path(configured)
    warehouse = Path(warehouse).resolve()
    return warehouse.with_name(f"{warehouse.name}.tmp")


def duckdb_settings(warehouse: Path | str) -> dict[str, str]:
    """The settings every writer of `warehouse` applies (SET, not connect config:
    the same process may open the file through dbt-duckdb, whose instance must
    match ours)."""
    return {
        "memory_limit": memory_limit(),
        "temp_directory": str(temp_directory(warehouse)),
    }


def apply_duckdb_settings(con, warehouse: Path | str) -> None:
    """SET memory_limit and temp_directory on a writer connection."""
    for key, value in duckdb_settings(warehouse).items():
        con.execute(f"SET {key} = '{value.replace(chr(39), chr(39) * 2)}'")
