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
