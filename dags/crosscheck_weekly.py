"""The weekly DAG: weekly marts, the leaders' report, housekeeping.

Wiring only: every task calls one function of crosscheck.orchestration.tasks.
"""

from __future__ import annotations

from airflow.sdk import DAG, CronTriggerTimetable, task

from crosscheck.orchestration import notify, settings, tasks

CFG = settings.load()

BUILD_DOC = """
**Builds the warehouse, weekly marts included, as of the Sunday that ended
the reported ISO week** (the Monday run reports on the week before). One
`dbt build`, writer lock, pool `crosscheck_warehouse`.
*When it fails*: as for the nightly `build` task; fix, then **clear the task**.
"""

LINK_DOC = """**Links questioned IDs** for the Sunday, as the nightly `link_identities`
task does (`linkage.identity_links`), so the weekly build raises the same
LINKED findings. *When it fails*, fix and **clear the task**.
"""

PUBLISH_DOC = """**Publishes the serving copy** the report reads (atomic swap).
*When it fails*, readers keep the previous copy; fix (disk space?) and clear it."""

REPORT_DOC = """
**Renders the leaders' weekly report** for the ISO week from the serving
copy. *When it fails*, the marts are still built and published; fix and clear
the task (re-rendering a week gives the same report).
"""

DISTRIBUTE_DOC = """
**Sends the brief** (PDF attached) through the Airflow connections
`crosscheck_report_smtp` (mail) and `crosscheck_report_apprise` (DingTalk,
WeCom, Feishu, mail); none configured: nothing is sent, the log says so.
*When it fails* (a server refused?), the brief is written; fix the
connection and **clear the task** to resend.
"""

HOUSEKEEPING_DOC = f"""
**Retention**: removes dbt logs and artefacts, data docs, Airflow task logs
and stale temporary copies older than {CFG.retention_days} days before the
run's date (`CROSSCHECK_RETENTION_DAYS`). Never touches landing, the
warehouse (raw, meta, review), the serving copy, exports or reports.
*When it fails* (permissions?): nothing is lost; fix and clear the task.
"""

with DAG(
    dag_id="crosscheck_weekly",
    description="Weekly marts and the leaders' report; retention",
    schedule=CronTriggerTimetable("0 7 * * 1", timezone=settings.TIMEZONE),
    start_date=settings.START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**CFG.default_args, "on_failure_callback": notify.on_failure_callback},
    tags=["crosscheck", "weekly", "report"],
    doc_md="""
### Weekly report and housekeeping

Monday 07:00 Asia/Shanghai. `link_weekly` → `build_weekly` → `publish` → `report` →
`distribute` for the ISO week that ended on the Sunday before; `housekeeping` beside them.
See dags/README.md.
""",
) as dag:

    @task(task_id="link_weekly", pool=settings.POOL, doc_md=LINK_DOC)
    def link_weekly(logical_date=None) -> dict:
        sunday, _week = tasks.week_of(tasks.local_date(logical_date))
        return tasks.link_identities(sunday)

    @task(task_id="build_weekly", pool=settings.POOL, doc_md=BUILD_DOC)
    def build_weekly(linked: dict, logical_date=None) -> dict:
        sunday, _week = tasks.week_of(tasks.local_date(logical_date))
        return tasks.build_warehouse(sunday)

    @task(task_id="publish", pool=settings.POOL, doc_md=PUBLISH_DOC)
    def publish(built: dict) -> str:
        return tasks.publish_serving()

    @task(task_id="report", doc_md=REPORT_DOC)
    def report(published: str, logical_date=None) -> dict:
        _sunday, week = tasks.week_of(tasks.local_date(logical_date))
        return tasks.weekly_report(week)

    @task(task_id="distribute", doc_md=DISTRIBUTE_DOC)
    def distribute(files: dict, **context) -> dict:
        return notify.distribute_report(files, context)

    @task(task_id="housekeeping", doc_md=HOUSEKEEPING_DOC)
    def housekeeping(logical_date=None) -> dict:
        return tasks.housekeeping(tasks.local_date(logical_date))

    distribute(report(publish(build_weekly(link_weekly()))))
    housekeeping()
