"""Where things live by default: one git-ignored working folder.

Every path can be overridden by an environment variable or a CLI option;
nothing here reads the clock.

The package runs from a checkout (an editable install: the checkout's
dbt_project/ and work/) or installed from a wheel, which carries the dbt
project as package data (crosscheck/dbt_project, mapped from the checkout's
dbt_project/ by pyproject.toml). CROSSCHECK_DBT_PROJECT names another one.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent  # the checkout, when running from one (is_checkout)


def is_checkout() -> bool:
    """Whether the package runs from a source checkout (not an installed wheel)."""
    return (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "dbt_project").is_dir()


def dbt_project_dir() -> Path:
    """The dbt project: $CROSSCHECK_DBT_PROJECT, the checkout's, or the packaged copy."""
    if os.environ.get("CROSSCHECK_DBT_PROJECT"):
        return Path(os.environ["CROSSCHECK_DBT_PROJECT"]).resolve()
    if is_checkout():
        return REPO_ROOT / "dbt_project"
    return PACKAGE_DIR / "dbt_project"


DBT_PROJECT_DIR = dbt_project_dir()


def home() -> Path:
    """The working folder (landing, warehouse, exports…): $CROSSCHECK_HOME, else
    work/ in the checkout, or in the current folder for an installed package."""
    default = (REPO_ROOT if is_checkout() else Path.cwd()) / "work"
    return Path(os.environ.get("CROSSCHECK_HOME", default)).resolve()


def deployment_file() -> Path | None:
    """This deployment's differences from crosscheck/ingest/sources.yml (a delivery
    format, a cadence; see crosscheck/ingest/sources.py): $CROSSCHECK_DEPLOYMENT,
    else `<home>/deployment.yml` when it exists, else none."""
    configured = os.environ.get("CROSSCHECK_DEPLOYMENT", "").strip()
    if configured:
        return Path(configured).resolve()
    default = home() / "deployment.yml"
    return default if default.is_file() else None


def default_landing() -> Path:
    return Path(os.environ.get("CROSSCHECK_LANDING", home() / "landing"))


def default_warehouse() -> Path:
    return Path(os.environ.get("CROSSCHECK_WAREHOUSE", home() / "warehouse.duckdb"))


def serving_path(warehouse: Path) -> Path:
    """The readers' copy of a warehouse: <stem>.serving.duckdb beside it."""
    warehouse = Path(warehouse)
    return warehouse.with_name(f"{warehouse.stem}.serving.duckdb")


# DuckDB's own default is 80%: half leaves room for the Python side (memory_limit below)
DEFAULT_MEMORY_LIMIT = "50%"


def memory_limit() -> str:
    """DuckDB's memory_limit for every writer (ingest, linking, dbt, publish).

    CROSSCHECK_MEMORY_LIMIT (a DuckDB size: "3GB", "40%"); default "50%" of
    the machine's memory (DuckDB's own default is 80%), leaving room for the
    Python side (pandas, GX, dbt) so DuckDB spills to temp_directory instead
    of the machine running out.
    """
    return os.environ.get("CROSSCHECK_MEMORY_LIMIT", "").strip() or DEFAULT_MEMORY_LIMIT


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
    """SET memory_limit and temp_directory on a writer connection.

    temp_directory only when it differs: DuckDB refuses any SET of it, even to
    the same folder, once the instance has spilled there, and a second
    connection of this process to the same file shares that instance."""
    for key, value in duckdb_settings(warehouse).items():
        if key == "temp_directory":
            current = con.execute("SELECT current_setting('temp_directory')").fetchone()
            if current and current[0] == value:
                continue
        con.execute(f"SET {key} = '{value.replace(chr(39), chr(39) * 2)}'")
