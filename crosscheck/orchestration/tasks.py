"""The task callables of the DAGs: each calls one function of the package.

The cross-check steps are crosscheck.pipeline's (the same functions
`crosscheck run` calls in order): feedback_step, link_step, build_step,
publish_step; ingestion is crosscheck.ingest.api's, one delivery per task.

Every function takes its dates as arguments (the DAGs pass the logical
date's calendar date in Asia/Shanghai) and never reads the clock, so a retry
or a backfill of a date does the same work. Writers go through
`locking.run_as_writer`: one writer at a time, DuckDB lock errors retried.
Heavy modules (dbt, GX, DuckDB) are imported inside the functions, so DAG
files parse fast.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from pathlib import Path
from typing import Any

from crosscheck.errors import CrosscheckError
from crosscheck.locking import run_as_writer
from crosscheck.orchestration import notify, settings

log = logging.getLogger(__name__)

PROMOTED = "loaded"


def local_date(ts) -> dt.date:
    """The calendar date in Asia/Shanghai of an Airflow logical date."""
    if ts is None:
        raise CrosscheckError("this run has no logical date; trigger it with one")
    if isinstance(ts, dt.datetime):
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=dt.UTC)
        return ts.astimezone(settings.TIMEZONE).date()
    if isinstance(ts, dt.date):
        return ts
    return dt.date.fromisoformat(str(ts)[:10])


def as_of_for_run(logical_date, triggering_asset_events=None) -> dt.date:
    """The as-of date of a cross-check run.

    Runs with a logical date (manual, backfill, `dags test`) use its date in
    Asia/Shanghai. Asset-triggered runs have none in Airflow 3: they use the
    latest extract date among the promoted deliveries that triggered them.
    """
    if logical_date is not None:
        return local_date(logical_date)
    dates = []
    for events in (triggering_asset_events or {}).values():
        for event in events:
            extra = getattr(event, "extra", None) or {}
            if extra.get("extract_date"):
                dates.append(dt.date.fromisoformat(str(extra["extract_date"])))
    if not dates:
        raise CrosscheckError(
            "cannot tell the as-of date: no logical date and no triggering delivery; "
            "trigger the DAG with a logical date"
        )
    return max(dates)


def delivery_folder(source: str, extract_date: dt.date, landing: Path | None = None) -> Path:
    landing = Path(landing or settings.landing())
    return landing / source / extract_date.strftime("%Y%m%d")


def delivery_ready(source: str, extract_date: dt.date, landing: Path | None = None) -> bool:
    """Whether the department has finished writing the delivery (_SUCCESS is there)."""
    marker = delivery_folder(source, extract_date, landing) / "_SUCCESS"
    ready = marker.is_file()
    log.info("%s %s", marker, "found" if ready else "not there yet")
    return ready


def _as_dict(report) -> dict:
    if dataclasses.is_dataclass(report) and not isinstance(report, type):
        return dataclasses.asdict(report)
    if isinstance(report, dict):
        return dict(report)
    return dict(vars(report))


def summarize_delivery(report) -> dict:
    """The JSON-safe essentials of an ingest report (pushed to XCom)."""
    d = _as_dict(report)
    keep = ("source", "extract_date", "status", "load_id", "rows_loaded", "rows_rejected")
    out: dict[str, Any] = {k: d.get(k) for k in keep if k in d}
    out["reasons"] = [str(r) for r in (d.get("reasons") or [])]
    # the same bytes again (a retry, a rerun): ingestion says "skipped, already <status>"
    if out.get("status") == "skipped" and out["reasons"][:1]:
        first = out["reasons"][0]
        if first.startswith("already "):
            out["status"] = first.removeprefix("already ").strip()
            out["already_seen"] = True
    if out.get("extract_date") is not None:
        out["extract_date"] = str(out["extract_date"])[:10]
    return out


def ingest_source(
    source: str,
    extract_date: dt.date,
    landing: Path | None = None,
    warehouse: Path | None = None,
) -> dict:
    """Verify, load, validate, then promote or quarantine one delivery."""
    from crosscheck.ingest.api import ingest_delivery

    landing = Path(landing or settings.landing())
    warehouse = Path(warehouse or settings.warehouse())
    # ingest_delivery takes the writer lock itself; we add the DuckDB-lock retry
    report = run_as_writer(
        warehouse, ingest_delivery, landing, warehouse, source, extract_date, hold_lock=False
    )
    summary = summarize_delivery(report)
    summary.setdefault("source", source)
    summary.setdefault("extract_date", extract_date.isoformat())
    status = summary.get("status")
    log.info("%s %s: %s %s", source, extract_date, status, summary)
    if status in ("quarantined", "rejected") and not summary.get("already_seen"):
        notify.alert(
            f"delivery_{status}",
            f"{source} {extract_date} was {status}: " + "; ".join(summary["reasons"][:3]),
            key=source,
            extract_date=extract_date.isoformat(),
            load_id=summary.get("load_id"),
        )
    return summary


def record_late(
    source: str, extract_date: dt.date, warehouse: Path | None = None
) -> dict[str, str]:
    """Record the missing delivery in meta.late_deliveries (crosscheck.ingest.bookkeeping's
    one definition; reported for its own due date, once)."""
    from crosscheck.ingest.bookkeeping import LateDelivery
    from crosscheck.ingest.bookkeeping import record_late as record
    from crosscheck.warehouse import open_warehouse

    warehouse = Path(warehouse or settings.warehouse())

    def _write() -> None:
        con = open_warehouse(warehouse)
        try:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            record(con, [LateDelivery(source, extract_date, extract_date)], now)
        finally:
            con.close()

    run_as_writer(warehouse, _write)
    log.warning(
        "%s delivery for %s is late: recorded in meta.late_deliveries", source, extract_date
    )
    return {"source": source, "extract_date": extract_date.isoformat(), "status": "late"}


def load_review_feedback(
    as_of: dt.date, landing: Path | None = None, warehouse: Path | None = None
) -> dict:
    """Load the township workbooks returned to <landing>/review_feedback/ (before the build)."""
    from crosscheck.pipeline import feedback_step

    landing = Path(landing or settings.landing())
    warehouse = Path(warehouse or settings.warehouse())
    if not warehouse.exists():
        log.info("no warehouse yet at %s: no feedback to load", warehouse)
        return {"files": 0, "decisions_loaded": 0, "cells_rejected": 0}
    result = run_as_writer(warehouse, feedback_step, landing, warehouse, as_of, hold_lock=False)
    summary = {
        "files": len(result.files),
        "decisions_loaded": result.decisions_loaded,
        "cells_rejected": result.cells_rejected,
    }
    log.info("review feedback for %s: %s", as_of, summary)
    if result.cells_rejected:
        notify.alert(
            "feedback_cells_rejected",
            f"{result.cells_rejected} cells of returned workbooks were rejected "
            f"(see review.feedback_rejects and the report beside each workbook)",
            key="review_feedback",
            as_of=as_of.isoformat(),
        )
    return summary


def link_identities(as_of: dt.date, warehouse: Path | None = None) -> dict:
    """Identity linking for the as-of date (before the build): linkage.identity_links."""
    from crosscheck.pipeline import link_step

    warehouse = Path(warehouse or settings.warehouse())
    line = run_as_writer(warehouse, link_step, warehouse, as_of)
    log.info(line)
    return {"as_of": as_of.isoformat(), "summary": line}


def build_warehouse(
    as_of: dt.date,
    warehouse: Path | None = None,
    select: str | None = None,
) -> dict:
    """One `dbt build` for the as-of date (crosscheck.pipeline.build_step: raises
    the same one line as `crosscheck run` when a model or test fails)."""
    from crosscheck.pipeline import build_step

    warehouse = Path(warehouse or settings.warehouse())
    result = run_as_writer(warehouse, build_step, warehouse, as_of, select=select)
    for w in result.warnings:
        log.warning("dbt warning: %s", w)
    return {"as_of": as_of.isoformat(), "nodes": result.nodes, "warnings": len(result.warnings)}


def publish_serving(warehouse: Path | None = None) -> str:
    """Swap in the readers' copy of the warehouse (after a successful build)."""
    from crosscheck.pipeline import publish_step

    warehouse = Path(warehouse or settings.warehouse())
    target = run_as_writer(warehouse, publish_step, warehouse, take_lock=False)
    log.info("serving copy published: %s", target)
    return str(target)


def hold_list(as_of: dt.date, warehouse: Path | None = None, out: Path | None = None) -> dict:
    """Write the county-wide 暂停支付清单 (xlsx + CSV, masked) for the payment desk,
    after the build is published: <CROSSCHECK_HOME>/holds/暂停支付清单_<county>_<YYYYMMDD>.*"""
    from crosscheck.review.holds import write_holds

    warehouse = Path(warehouse or settings.warehouse())
    res = write_holds(warehouse, as_of, out)
    return {
        "as_of": as_of.isoformat(),
        "payments": res.payments,
        "amount": str(res.amount),
        "files": [str(p) for p in res.files],
    }


def week_of(monday_run: dt.date) -> tuple[dt.date, str]:
    """The week a Monday run reports on: (its Sunday = as-of, 'YYYY-Www')."""
    sunday = monday_run - dt.timedelta(days=monday_run.weekday() + 1)
    year, week, _ = sunday.isocalendar()
    return sunday, f"{year}-W{week:02d}"


def weekly_report(week: str, warehouse: Path | None = None) -> dict:
    """Render the leaders' report for an ISO week from the serving copy.

    The HTML page always; the PNG and PDF where Chromium is installed (the
    production image has it), so a machine without a browser still reports.
    """
    import shutil

    from crosscheck.report import browser, render_weekly

    warehouse = Path(warehouse or settings.warehouse())
    with_browser = any(shutil.which(name) for name in browser.CANDIDATES)
    if not with_browser:
        log.warning("chromium not found: writing the HTML report only (no PNG/PDF)")
    files = render_weekly(warehouse, week, png=with_browser, pdf=with_browser)
    return {
        "week": files.iso_week,
        "headline": files.headline,
        **{
            k: str(v)
            for k, v in (
                ("html", files.html),
                ("pages", files.pages),
                ("png", files.png),
                ("pdf", files.pdf),
            )
            if v
        },
    }


def housekeeping(as_of: dt.date, retention_days: int | None = None) -> dict:
    """Prune regenerated files older than the retention; never raw/meta/review data."""
    import os

    from crosscheck.orchestration.housekeeping import prune

    days = settings.load().retention_days if retention_days is None else retention_days
    airflow_home = os.environ.get("AIRFLOW_HOME")
    rep = prune(
        as_of,
        days,
        warehouse=settings.warehouse(),
        landing=settings.landing(),
        airflow_home=Path(airflow_home) if airflow_home else None,
    )
    return {"cutoff": rep.cutoff.date().isoformat(), "removed": len(rep.removed)}


def promoted_event_extra(summary: dict) -> dict | None:
    """The Asset event's extra for a promoted delivery; None when nothing was promoted."""
    if summary.get("status") != PROMOTED:
        return None
    return {
        "source": summary.get("source"),
        "extract_date": summary.get("extract_date"),
        "load_id": summary.get("load_id"),
    }
