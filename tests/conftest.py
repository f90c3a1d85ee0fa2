"""Shared fixtures."""

from __future__ import annotations

import importlib.machinery
import sys
from pathlib import Path

import pytest

# pytest-xdist's workers run as `python -c` (execnet): their __main__ has no
# __file__ or __spec__, which pyspark.sql.connect (imported by GX) takes for
# its own doctest run and answers with sys.exit(0) when grpcio-status is
# missing; the worker dies at collection (INTERNALERROR). A spec named
# __main__ says otherwise, and multiprocessing's spawn (which re-imports a
# main module by its spec or file) leaves such a main alone.
_MAIN = sys.modules["__main__"]
if getattr(_MAIN, "__spec__", None) is None and not hasattr(_MAIN, "__file__"):
    _MAIN.__spec__ = importlib.machinery.ModuleSpec("__main__", None)

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"

# Modules whose tests run the real nightly job end to end (a generated county
# through `crosscheck run` and dbt, Airflow DAG runs, a full dbt build):
# marked `slow` here so that `make test-fast` (-m "not slow") leaves them out.
# Tests using the session's end-to-end counties (`county`, `nights`) are too.
# So are the modules that build the review side's generated county through the
# nightly job (tests/review_fixtures.generated_county) and those that run dbt
# on the whole project for something other than its unit tests.
END_TO_END = {
    "airflow/test_dbt_layers.py",
    "airflow/test_failure_paths.py",
    "airflow/test_nightly_e2e.py",
    "dbt/test_docs.py",
    "dbt/test_memory_settings.py",
    "ingestion/test_generated_county.py",
    "ingestion/test_kill_trials.py",
    "marts/test_marts_empty_warehouse.py",
    "notebooks/test_notebooks.py",
    "outcomes/test_recovery_and_rates.py",
    "outcomes/test_risk_score.py",
    "outcomes/test_sample.py",
    "report/test_weekly_report.py",
    "review/test_holds_and_lookups.py",
}
END_TO_END_FIXTURES = {"nights"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        rel = item.path.relative_to(TESTS).as_posix() if item.path.is_relative_to(TESTS) else ""
        fixtures = set(getattr(item, "fixturenames", ()))
        pipeline_county = rel.startswith("pipeline/") and "county" in fixtures
        if rel in END_TO_END or fixtures & END_TO_END_FIXTURES or pipeline_county:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


_EXIT: dict[str, int] = {}


def pytest_sessionfinish(session, exitstatus):
    _EXIT["status"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """End the test process as every entry point of the package ends
    (crosscheck.process): no "nanobind: leaked …" teardown lines under the
    summary. xdist workers end normally (their controller talks to them)."""
    if hasattr(config, "workerinput") or "status" not in _EXIT:
        return
    from crosscheck.process import exit_quietly

    exit_quietly(_EXIT["status"])
