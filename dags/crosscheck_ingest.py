"""One ingest DAG per source, made by one factory from crosscheck/ingest/sources.yml.

Wiring only: every task calls one function of crosscheck.orchestration.tasks.
"""

from __future__ import annotations

from airflow.sdk import DAG, CronTriggerTimetable, TriggerRule, task
from airflow.sdk.exceptions import AirflowSkipException

from crosscheck.ingest.sources import Source, load_sources
from crosscheck.orchestration import notify, settings, tasks
from crosscheck.orchestration.assets import source_asset

CFG = settings.load()

WAIT_DOC = """
**Waits for the delivery's `_SUCCESS` marker** in
`<landing>/<source>/<YYYYMMDD>/` (YYYYMMDD = the logical date in Asia/Shanghai).
Reschedule mode: it holds no worker slot between looks.

*When it fails* (timed out): the department has not delivered. `report_late`
records it in `meta.late_deliveries` and an alert is in `ops/alerts.jsonl`.
Ask the department; once the files and `_SUCCESS` are there, **clear this
task** (downstream tasks follow). Nothing was written to the warehouse.
"""

INGEST_DOC = """
**Verifies, loads, validates and promotes or quarantines the delivery**
(`crosscheck.ingest.api.ingest_delivery`), holding the warehouse writer lock and the
1-slot pool `crosscheck_warehouse`. Idempotent: the same bytes again change
nothing; a corrected delivery replaces the earlier one wholly.

A *quarantined* delivery is not a task failure: the task succeeds, an alert
`delivery_quarantined` is written and `announce_promoted` is skipped, so the
rules keep using the last good data (`crosscheck status`, `marts.source_status`).
Release it after review with `crosscheck release`.

*When it fails*: read the one-line error. "warehouse is busy" means another
writer held the lock too long; anything else is a bug or a broken disk. Fix,
then **clear the task**: a load is one transaction, so a killed or failed try
leaves nothing behind.
"""

ANNOUNCE_DOC = """
**Updates the source's Airflow Asset** when the delivery was promoted, which
schedules the cross-check DAG. Skipped when the delivery was quarantined or
rejected. Writes nothing; *when it fails*, clear it.
"""

LATE_DOC = """
**Records a late delivery** in `meta.late_deliveries` (runs only when the
sensor failed). Idempotent per source and date. *When it fails*, clear it.
"""


def make_ingest_dag(source: Source) -> DAG:
    """The ingest DAG of one source, scheduled on the source's cadence."""
    asset = source_asset(source.name)
    with DAG(
        dag_id=f"crosscheck_ingest_{source.name}",
        description=f"Load {source.name} deliveries ({source.department})",
        schedule=CronTriggerTimetable(f"30 23 {source.cron}", timezone=settings.TIMEZONE),
        start_date=settings.START_DATE,
        catchup=False,
        max_active_runs=3,
        default_args={**CFG.default_args, "on_failure_callback": notify.on_failure_callback},
        params={"source": source.name},
        tags=["crosscheck", "ingest", source.kind, source.name],
        doc_md=f"""
### Ingest `{source.name}` — {source.department}

Runs at 23:30 Asia/Shanghai on each extract date the cadence expects
(`{source.cadence}`); the logical date's calendar date is the extract date.
`wait_for_delivery` → `ingest` → `announce_promoted` (Asset
`{asset.name}`), or `report_late` when nothing arrives within
{CFG.delivery_timeout / 3600:.1f} h. See dags/README.md.
""",
    ) as dag:

        @task.sensor(
            task_id="wait_for_delivery",
            mode="reschedule",
            poke_interval=CFG.delivery_poke,
            timeout=CFG.delivery_timeout,
            doc_md=WAIT_DOC,
        )
        def wait_for_delivery(logical_date=None) -> bool:
            return tasks.delivery_ready(source.name, tasks.local_date(logical_date))

        @task(task_id="ingest", pool=settings.POOL, doc_md=INGEST_DOC)
        def ingest(logical_date=None) -> dict:
            return tasks.ingest_source(source.name, tasks.local_date(logical_date))

        @task(task_id="announce_promoted", outlets=[asset], doc_md=ANNOUNCE_DOC)
        def announce_promoted(summary: dict, outlet_events=None) -> dict:
            extra = tasks.promoted_event_extra(summary)
            if extra is None:
                raise AirflowSkipException(f"not promoted: {summary.get('status')}")
            outlet_events[asset].extra = extra
            return extra

        @task(
            task_id="report_late",
            pool=settings.POOL,
            trigger_rule=TriggerRule.ALL_FAILED,
            doc_md=LATE_DOC,
        )
        def report_late(logical_date=None) -> dict:
            return tasks.record_late(source.name, tasks.local_date(logical_date))

        waited = wait_for_delivery()
        waited >> report_late()
        summary = ingest()
        waited >> summary
        announce_promoted(summary)
    return dag


for _source in load_sources().values():
    globals()[f"crosscheck_ingest_{_source.name}"] = make_ingest_dag(_source)
