"""Shared fixtures."""

from __future__ import annotations

import importlib.machinery
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import dbt_parse
import pytest
from counties import SHARED_ENV as _SHARED_ENV

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

# Two pytest-xdist workers (`make test`, `make test-fast`: -n 2 --dist loadgroup,
# --no-loadscope-reorder). A worker is a process of its own: a session fixture
# or a per-process cache is built again on each worker that needs it. So the
# tests are sent in groups: a module's tests go together (its module-scoped
# fixtures are built once), and so do all the tests that read one expensive
# set-up built once per process:
# - "pipeline-county": the pipeline tests taking the `county` fixture
#   (tests/pipeline/conftest.py: a county through ingest, dbt and `crosscheck run`);
# - "airflow-nights": the tests taking `nights` (two Airflow nights of DAG runs);
# - "review-county": the modules calling tests/review_fixtures.generated_county
#   or copy_county (the review county through the nightly job), found by reading
#   the module's text so that a new caller cannot be missed.
# The generated counties' files (tests/counties.py) are shared by the workers
# themselves (built once per run under a lock), so they need no group.
# xdist 3.8's own loadgroup cannot group under pytest 9 (it renames
# `item._nodeid`, which pytest 9 no longer reads: every test went alone, so
# module and session fixtures were built on both workers). So the workers
# write each test's group to the run's shared folder at collection and the
# controller's scheduler (GroupScheduling below) reads it; the xdist_group
# mark says the same for anyone reading a test's markers.
# HEAVY_FIRST: the longest groups are sent first (figures: docs/DECISIONS.md,
# "Test suite time"), so that no worker starts a long group when the other is
# nearly done.
HEAVY_FIRST = (
    "pipeline-county",
    "airflow-nights",
    "pipeline/test_night_orders.py",
    "review-county",
    "pipeline/test_province.py",
    "pipeline/test_bench_deployment.py",
    "airflow/test_standalone.py",
)
_REVIEW_COUNTY_CALL = re.compile(r"(?<![\w.])(fx\.)?(generated_county|copy_county)\(")
_CALLS_REVIEW_COUNTY: dict[Path, bool] = {}


def _calls_review_county(path: Path) -> bool:
    if path not in _CALLS_REVIEW_COUNTY:
        text = path.read_text(encoding="utf-8") if path.suffix == ".py" else ""
        _CALLS_REVIEW_COUNTY[path] = bool(_REVIEW_COUNTY_CALL.search(text))
    return _CALLS_REVIEW_COUNTY[path]


def xdist_group(rel: str, path: Path, fixtures: set[str]) -> str:
    """The group of a test under pytest-xdist (see HEAVY_FIRST above)."""
    if rel.startswith("pipeline/") and "county" in fixtures:
        return "pipeline-county"
    if "nights" in fixtures:
        return "airflow-nights"
    if _calls_review_county(path):
        return "review-county"
    return rel or path.name


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    groups = {}
    for item in items:
        rel = item.path.relative_to(TESTS).as_posix() if item.path.is_relative_to(TESTS) else ""
        fixtures = set(getattr(item, "fixturenames", ()))
        pipeline_county = rel.startswith("pipeline/") and "county" in fixtures
        if rel in END_TO_END or fixtures & END_TO_END_FIXTURES or pipeline_county:
            item.add_marker(pytest.mark.slow)
        group = xdist_group(rel, item.path, fixtures)
        item.add_marker(pytest.mark.xdist_group(group))
        groups[item.nodeid] = group
    if hasattr(config, "workerinput"):
        # an xdist worker (its controller does not collect; the workers send it
        # their collection, all sorted alike): a stable sort, the heavy groups
        # first, the rest in collection order
        first = {g: i for i, g in enumerate(HEAVY_FIRST)}
        items.sort(key=lambda item: first.get(groups[item.nodeid], len(first)))
        shared = os.environ.get(_SHARED_ENV)
        if shared:
            out = Path(shared) / f"groups-{config.workerinput['workerid']}.json"
            tmp = out.with_suffix(".tmp")
            tmp.write_text(json.dumps(groups), encoding="utf-8")
            tmp.replace(out)


def pytest_xdist_make_scheduler(config, log):
    """--dist loadgroup: our GroupScheduling (see HEAVY_FIRST above)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        """One work unit per group the workers wrote (tests/conftest.xdist_group)."""

        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                self.groups = {}
                for path in sorted(Path(os.environ[_SHARED_ENV]).glob("groups-*.json")):
                    self.groups.update(json.loads(path.read_text(encoding="utf-8")))
            return self.groups.get(nodeid, nodeid.split("::", 1)[0])

    return GroupScheduling(config, log)


def pytest_configure(config):
    """Under pytest-xdist, the controller makes the folder the workers share
    before it starts them; a worker ends quietly (below)."""
    if hasattr(config, "workerinput"):
        import atexit

        # atexit runs its handlers last registered first: this one runs after
        # every handler registered later (those of the package, dbt, Airflow,
        # the tests), before the few that pytest and its plugins registered on
        # import (logging's flush): the worker leaves without the interpreter's
        # teardown and its "nanobind: leaked …" lines, as the controller does
        atexit.register(_end_worker_quietly)
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        _SHARED.append(tempfile.mkdtemp(prefix="crosscheck-tests-"))
        os.environ[_SHARED_ENV] = _SHARED[0]
    else:
        # a test process (a worker, or pytest without workers): one dbt parse
        # per warehouse name, not one per folder (tests/dbt_parse.py;
        # tests/pipeline/test_shared_parse.py proves the builds the same)
        _SHARED.append(tempfile.mkdtemp(prefix="crosscheck-dbt-parse-"))
        dbt_parse.install(Path(_SHARED[-1]))


def _end_worker_quietly() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


_EXIT: dict[str, int] = {}
_SHARED: list[str] = []


def pytest_sessionfinish(session, exitstatus):
    _EXIT["status"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """End the test process as every entry point of the package ends
    (crosscheck.process): no "nanobind: leaked …" teardown lines under the
    summary. xdist workers end normally (their controller talks to them);
    their controller removes the folder they shared first."""
    for shared in _SHARED:
        shutil.rmtree(shared, ignore_errors=True)
    if hasattr(config, "workerinput") or "status" not in _EXIT:
        return
    from crosscheck.process import exit_quietly

    exit_quietly(_EXIT["status"])
