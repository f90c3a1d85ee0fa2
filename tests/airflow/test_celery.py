"""The DAGs under the CeleryExecutor (the compose profile `celery`): the same
files, the same tasks, the same writer pool.

With Celery the scheduler hands workers serialized DAGs and each worker
parses the DAG files itself. Here the CeleryExecutor is loaded from the
installed provider with the compose file's broker settings, and every DAG
goes through the serialization round trip: task ids, pools, slots and
retries come back unchanged. Running tasks on a worker needs Redis and an
api-server: that is docker compose's job, not this suite's.
"""

from __future__ import annotations

import pytest

from crosscheck.orchestration import local, settings


@pytest.fixture(scope="module")
def bag():
    return local.dagbag()


def test_celery_executor_loads_from_the_installed_provider(monkeypatch):
    from importlib import import_module

    from airflow.executors.base_executor import BaseExecutor
    from airflow.executors.executor_loader import ExecutorLoader

    monkeypatch.setenv("AIRFLOW__CELERY__BROKER_URL", "redis://redis:6379/0")
    # AIRFLOW__CORE__EXECUTOR=CeleryExecutor resolves to the provider's class
    path = ExecutorLoader.executors["CeleryExecutor"]
    module, _, name = path.rpartition(".")
    assert issubclass(getattr(import_module(module), name), BaseExecutor)
    # the Celery app the compose file's worker health check pings
    from airflow.providers.celery.executors.celery_executor import app

    assert app.conf.broker_url == "redis://redis:6379/0"


def test_serialized_dags_keep_tasks_and_the_writer_pool(bag):
    from airflow.serialization.serialized_objects import DagSerialization

    writers = set()
    for dag_id, dag in bag.dags.items():
        back = DagSerialization.from_dict(DagSerialization.to_dict(dag))
        before = {t.task_id: (t.pool, t.pool_slots, t.retries) for t in dag.tasks}
        after = {t.task_id: (t.pool, t.pool_slots, t.retries) for t in back.tasks}
        assert after == before, dag_id
        writers |= {f"{dag_id}.{t}" for t, v in after.items() if v[0] == settings.POOL}
    # every writer of the warehouse takes the pool's one slot, whichever worker runs it
    assert {
        "crosscheck_nightly.load_feedback",
        "crosscheck_nightly.dbt_staging",
        "crosscheck_nightly.dbt_intermediate",
        "crosscheck_nightly.dbt_rules",
        "crosscheck_nightly.dbt_marts",
        "crosscheck_nightly.publish",
        "crosscheck_weekly.build_weekly",
        "crosscheck_weekly.publish",
    } <= writers
