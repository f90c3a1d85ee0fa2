"""The DAG files parse cleanly, fast, and say what an operator needs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from crosscheck.ingest.sources import load_sources
from crosscheck.orchestration import local, settings

DAG_FILES = sorted(p.name for p in local.DAGS_FOLDER.glob("*.py"))
HEAVY = ("duckdb", "dbt", "great_expectations", "pandas")
WRITERS = {
    "crosscheck_nightly": {
        "load_feedback",
        "link_identities",
        "dbt_staging",
        "dbt_intermediate",
        "dbt_rules",
        "dbt_marts",
        "publish",
    },
    "crosscheck_weekly": {"link_weekly", "build_weekly", "publish"},
}


@pytest.fixture(scope="module")
def bag():
    return local.dagbag()


def test_no_import_errors_and_one_ingest_dag_per_source(bag):
    assert bag.import_errors == {}
    ingest = {d for d in bag.dags if d.startswith("crosscheck_ingest_")}
    assert ingest == {local.ingest_dag_id(s) for s in load_sources()}
    assert {"crosscheck_nightly", "crosscheck_weekly"} <= set(bag.dags)


def test_every_dag_has_tags_owner_retries_and_docs(bag):
    for dag in bag.dags.values():
        assert dag.tags, dag.dag_id
        assert dag.doc_md and len(dag.doc_md) > 80, dag.dag_id
        assert dag.timetable is not None
        for t in dag.tasks:
            assert t.owner == settings.OWNER, (dag.dag_id, t.task_id)
            assert t.retries >= 1, (dag.dag_id, t.task_id)
            assert t.retry_exponential_backoff > 1, (dag.dag_id, t.task_id)
            assert t.doc_md and "fail" in t.doc_md.lower(), (dag.dag_id, t.task_id)
            assert t.on_failure_callback, (dag.dag_id, t.task_id)


def test_schedules_follow_cadence_in_shanghai(bag):
    for name, src in load_sources().items():
        dag = bag.dags[local.ingest_dag_id(name)]
        tt = dag.timetable
        assert str(tt.timezone) == "Asia/Shanghai"
        assert tt.expression == f"30 23 {src.cron}"
    weekly = bag.dags["crosscheck_weekly"].timetable
    assert weekly.expression == "0 7 * * 1"
    assert str(weekly.timezone) == "Asia/Shanghai"
    nightly = bag.dags["crosscheck_nightly"]
    assert nightly.timetable.asset_condition is not None
    assert nightly.max_active_runs == 1 and bag.dags["crosscheck_weekly"].max_active_runs == 1


def test_sensor_frees_its_slot_and_writers_use_the_pool(bag):
    for name in load_sources():
        dag = bag.dags[local.ingest_dag_id(name)]
        sensor = dag.get_task("wait_for_delivery")
        assert sensor.mode == "reschedule"
        assert sensor.timeout == 3  # the tests' CROSSCHECK_DELIVERY_TIMEOUT
        assert dag.get_task("ingest").pool == settings.POOL
        assert dag.get_task("report_late").pool == settings.POOL
        assert [o.name for o in dag.get_task("announce_promoted").outlets] == [
            f"crosscheck_raw_{name}"
        ]
    for dag_id, writers in WRITERS.items():
        dag = bag.dags[dag_id]
        for t in dag.tasks:
            if t.task_id in writers:
                assert t.pool == settings.POOL, (dag_id, t.task_id)


PROBE = """
import importlib.util, json, sys
import airflow.sdk  # the shared cost of every DAG file, paid by Airflow itself
heavy = sys.argv[1].split(",")
out = {}
for path in sys.argv[2:]:
    spec = importlib.util.spec_from_file_location("dagfile_" + str(len(out)), path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out[path.rsplit("/", 1)[-1]] = [m for m in heavy if m in sys.modules]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def import_probe() -> dict:
    """Import each DAG file in a fresh interpreter; which heavy modules came with it."""
    files = [str(local.DAGS_FOLDER / name) for name in DAG_FILES]
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(HEAVY), *files],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", DAG_FILES)
def test_dag_file_imports_no_heavy_module(name, import_probe):
    heavy = import_probe[name]
    assert heavy == [], f"{name} imports {heavy} at parse time"


def test_nightly_loads_review_feedback_and_links_identities_before_the_build(bag):
    dag = bag.dags["crosscheck_nightly"]
    assert dag.get_task("load_feedback").downstream_task_ids == {"link_identities"}
    # the dbt build, a task per layer, after identity linking
    order = ["link_identities", "dbt_staging", "dbt_intermediate", "dbt_rules", "dbt_marts"]
    for task, after in zip(order, order[1:] + ["publish"], strict=True):
        assert dag.get_task(task).downstream_task_ids == {after}, task
    # the payment desk's list is written from what was just published; it only reads
    assert dag.get_task("publish").downstream_task_ids == {"hold_list"}
    assert dag.get_task("hold_list").pool != settings.POOL


def test_weekly_links_identities_before_its_build(bag):
    dag = bag.dags["crosscheck_weekly"]
    assert dag.get_task("link_weekly").downstream_task_ids == {"build_weekly"}
