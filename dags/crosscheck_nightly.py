"""The cross-check DAG: the dbt build for the as-of date, layer by layer, then publish.

Wiring only: every task calls one function of crosscheck.orchestration.tasks.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import DAG, AssetAny, task

from crosscheck.ingest.sources import load_sources
from crosscheck.orchestration import dbt_layers, notify, settings, tasks
from crosscheck.orchestration.assets import source_asset

CFG = settings.load()

FEEDBACK_DOC = """
**Loads returned verification workbooks** from `<landing>/review_feedback/`
into the append-only `review.decisions` before the build, so tonight's marts
show the townships' conclusions. Bad cells are rejected with a report beside
the workbook (`review.feedback_rejects`); good rows still load. The same
file twice changes nothing. *When it fails*: the log names the workbook;
move a broken file aside and **clear the task** (the build waits for it).
"""

LINK_DOC = """
**Links questioned IDs** (invalid, absent from hukou, or another person's) to
register persons with the saved Splink model, replacing
`linkage.identity_links` for the as-of date; the build raises LINKED findings
from it. *When it fails* (model file?), nothing else changed; fix and **clear
the task**.
"""

PUBLISH_DOC = """
**Publishes the serving copy** `<stem>.serving.duckdb` (atomic swap) that
notebooks, exports and reports read. Holds the writer lock while copying.
*When it fails* (disk full?), readers still have the previous copy; fix and
**clear the task**.
"""

HOLDS_DOC = """
**Writes the 暂停支付清单** for the payment desk from the just-published
`marts.hold_list`: `<CROSSCHECK_HOME>/holds/暂停支付清单_<county>_<YYYYMMDD>.xlsx`
and `.csv` (identifiers masked). *When it fails*, the build and the serving
copy stand; fix and **clear the task** (or run `crosscheck holds`).
"""

with DAG(
    dag_id="crosscheck_nightly",
    description="Cross-check: dbt build for the as-of date, then publish the serving copy",
    schedule=AssetAny(*(source_asset(name) for name in load_sources())),
    start_date=settings.START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**CFG.default_args, "on_failure_callback": notify.on_failure_callback},
    tags=["crosscheck", "nightly", "dbt"],
    doc_md="""
### Nightly cross-check

Triggered whenever a source's delivery is promoted (Assets
`crosscheck_raw_<source>`), or by hand with a logical date (backfills).
`load_feedback` → `link_identities` → `dbt_staging` → `dbt_intermediate` → `dbt_rules` →
`dbt_marts` → `publish` → `hold_list`: one `dbt build --select <layer>` per task, with
`as_of` = the logical date in Asia/Shanghai (asset-triggered runs: the latest promoted
extract date); a failed layer names the failing model and publishes nothing; `hold_list`
writes the payment desk's 暂停支付清单. One run at a time. See dags/README.md.
""",
) as dag:

    @task(task_id="load_feedback", pool=settings.POOL, doc_md=FEEDBACK_DOC)
    def load_feedback(logical_date=None, triggering_asset_events=None) -> str:
        as_of = tasks.as_of_for_run(logical_date, triggering_asset_events)
        tasks.load_review_feedback(as_of)
        return as_of.isoformat()

    @task(task_id="link_identities", pool=settings.POOL, doc_md=LINK_DOC)
    def link_identities(as_of: str) -> str:
        tasks.link_identities(dt.date.fromisoformat(as_of))
        return as_of

    @task(task_id="publish", pool=settings.POOL, doc_md=PUBLISH_DOC)
    def publish(built: str) -> str:
        return tasks.publish_serving()

    @task(task_id="hold_list", doc_md=HOLDS_DOC)
    def hold_list(published: str, logical_date=None, triggering_asset_events=None) -> dict:
        return tasks.hold_list(tasks.as_of_for_run(logical_date, triggering_asset_events))

    hold_list(publish(dbt_layers.layer_tasks(link_identities(load_feedback()), settings.POOL)))
