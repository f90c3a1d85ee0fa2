"""A local Airflow for the demo and the tests: SQLite metadata DB, real DAGs.

`configure()` must run before anything imports airflow in the process: it
points AIRFLOW_HOME at <CROSSCHECK_HOME>/airflow and the DAG folder at dags/.
`run_dag` runs a DAG for one logical date with `dag.test()`, which really
executes every task in-process (sensors, pools' tasks, callbacks).
"""

from __future__ import annotations

import datetime as dt
import os
from functools import cache
from pathlib import Path

from crosscheck import config
from crosscheck.orchestration import settings

DAGS_FOLDER = config.REPO_ROOT / "dags"
NIGHTLY = "crosscheck_nightly"
WEEKLY = "crosscheck_weekly"


def ingest_dag_id(source: str) -> str:
    return f"crosscheck_ingest_{source}"


def airflow_env(airflow_home: Path) -> dict[str, str]:
    """The settings of a small local Airflow (also what `make airflow` uses)."""
    airflow_home = Path(airflow_home).resolve()
    return {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(airflow_home / "logs"),
        # task logs may quote a delivery's reasons: owner-only like everything else
        "AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FOLDER_PERMISSIONS": "0o700",
        "AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FILE_PERMISSIONS": "0o600",
    }


def configure(airflow_home: Path | None = None, **overrides: str) -> Path:
    """Set the environment of a local Airflow in this process; return AIRFLOW_HOME."""
    home = Path(airflow_home or config.home() / "airflow").resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(airflow_env(home))
    os.environ.update(overrides)
    return home


def migrate() -> None:
    """Create or upgrade the metadata DB and the 1-slot writer pool (idempotent)."""
    from airflow.models.pool import Pool
    from airflow.utils import db

    db.upgradedb()
    Pool.create_or_update_pool(
        settings.POOL,
        slots=1,
        description="one writer of the Crosscheck warehouse at a time",
        include_deferred=False,
    )


@cache
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    return bag


def logical_datetime(day: dt.date, hour: int = 23, minute: int = 30):
    """The logical date of a run for `day` (23:30 Asia/Shanghai, as scheduled)."""
    import pendulum

    return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=settings.TIMEZONE)


def run_dag(dag_id: str, day: dt.date):
    """Run one DAG for one date with dag.test(); return the DagRun.

    dag.test() records the run's start_date as its logical date (Airflow's
    `get_or_create_dagrun(start_date=logical_date)`), so a backfilled demo
    day showed a run of 54–57 days (logical date → wall-clock end) in the UI.
    The run's start is set to when it really started.
    """
    dag = dagbag().dags[dag_id]
    started = dt.datetime.now(dt.UTC)
    run = dag.test(logical_date=logical_datetime(day))
    if run is not None:
        _record_start(run, started)
    return run


def _record_start(run, started) -> None:
    from airflow import settings as airflow_settings
    from airflow.models.dagrun import DagRun

    session = airflow_settings.Session()
    try:
        session.query(DagRun).filter(DagRun.id == run.id).update(
            {DagRun.start_date: started}, synchronize_session=False
        )
        session.commit()
    finally:
        session.close()
    run.start_date = started


def task_states(dag_run) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}


def sources_for(day: dt.date, landing: Path) -> list[str]:
    """Sources whose ingest DAG runs for `day`: due by cadence, or delivered."""
    from crosscheck.ingest.sources import load_sources

    stamp = day.strftime("%Y%m%d")
    return [
        name
        for name, src in load_sources().items()
        if src.expected_on(day) or (Path(landing) / name / stamp).is_dir()
    ]


def drive_night(day: dt.date, landing: Path | None = None, echo=print) -> dict:
    """One day as the scheduler would run it: on Mondays the weekly DAG (07:00),
    then the due ingest DAGs (23:30), then the cross-check they trigger."""
    landing = Path(landing or settings.landing())
    states = {}
    if day.weekday() == 0:  # Monday 07:00: the week that ended yesterday, before tonight's runs
        run = run_dag(WEEKLY, day)
        states[WEEKLY] = str(run.state)
        echo(f"  {day} {WEEKLY:32s} {run.state}")
    for source in sources_for(day, landing):
        run = run_dag(ingest_dag_id(source), day)
        states[ingest_dag_id(source)] = str(run.state)
        echo(f"  {day} {ingest_dag_id(source):32s} {run.state}")
    run = run_dag(NIGHTLY, day)
    states[NIGHTLY] = str(run.state)
    echo(f"  {day} {NIGHTLY:32s} {run.state}")
    return states
