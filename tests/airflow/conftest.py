"""A real local Airflow for these tests: one migrated SQLite DB per session.

The environment is set when this file is imported, before anything imports
airflow; the waits are shortened (sensor timeout 3 s, retry after 1 s) so
failure paths run in seconds.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from crosscheck.orchestration import local

_ROOT = Path(tempfile.mkdtemp(prefix="cc-airflow-"))
AIRFLOW_HOME = local.configure(
    _ROOT / "airflow",
    CROSSCHECK_DELIVERY_TIMEOUT="3",
    CROSSCHECK_DELIVERY_POKE="1",
    CROSSCHECK_TASK_RETRIES="1",
    CROSSCHECK_RETRY_DELAY="1",
)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """The migrated metadata DB with the writer pool (once per session)."""
    local.migrate()
    yield AIRFLOW_HOME
    shutil.rmtree(_ROOT, ignore_errors=True)


@pytest.fixture
def crosscheck_home(tmp_path, monkeypatch) -> Path:
    """An empty CROSSCHECK_HOME (landing, warehouse, ops) for one test."""
    home = tmp_path / "home"
    monkeypatch.setenv("CROSSCHECK_HOME", str(home))
    monkeypatch.delenv("CROSSCHECK_LANDING", raising=False)
    monkeypatch.delenv("CROSSCHECK_WAREHOUSE", raising=False)
    return home


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_ROOT, ignore_errors=True)
    os.environ.pop("AIRFLOW_HOME", None)
