"""The nightly job, as steps: ingest (with the quality gate) → load review
feedback → identity linking → dbt build → publish → summarize.

Each step is one function here; `crosscheck run` calls them in order
(`run_nightly`), and the Airflow DAGs' tasks (crosscheck.orchestration.tasks)
call the same functions one per task, so a run with Airflow and one without
take the same path and judge success the same way. `run_nightly` holds the
writer lock for the whole run (re-entrant, so the steps' own takes of it are
free): no other writer slips in between ingest and build, and no reader ever
sees a half-built serving copy. With a `Progress`, every step prints one line
(counts, elapsed time) as it finishes.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from crosscheck.build import BuildResult, build, check_warehouse_name, dbt_work_dir
from crosscheck.errors import CrosscheckError
from crosscheck.locking import writer_lock
from crosscheck.progress import Progress
from crosscheck.publish import publish
from crosscheck.query import one

log = logging.getLogger("crosscheck.pipeline")


@dataclass
class RuleCount:
    rule_code: str
    findings: int
    amount_at_risk: Decimal


@dataclass
class StaleSource:
    source: str
    last_good: dt.date | None
    stale_since: dt.date | None
    reasons: str | None


@dataclass
class NightlySummary:
    """What one nightly run did and found (read back from the built marts)."""

    as_of: dt.date
    loaded: int = 0
    quarantined: int = 0
    rejected: int = 0
    already_loaded: int = 0
    late: list[str] = field(default_factory=list)
    stale: list[StaleSource] = field(default_factory=list)
    rules: list[RuleCount] = field(default_factory=list)
    findings: int = 0
    amount_at_risk: Decimal = Decimal("0.00")
    hold_list: int = 0
    hold_amount: Decimal = Decimal("0.00")
    build_warnings: list[str] = field(default_factory=list)
    serving: Path | None = None
    linking: str | None = None  # the identity linking step's one line
    feedback: str | None = None  # the review feedback step's one line

    def lines(self) -> list[str]:
        out = [
            f"as of {self.as_of}: deliveries {self.loaded} loaded, {self.quarantined} "
            f"quarantined, {self.rejected} rejected ({self.already_loaded} already loaded)"
        ]
        out.append("late sources: " + (", ".join(self.late) if self.late else "none"))
        if self.feedback:
            out.append(self.feedback)
        if self.linking:
            out.append(self.linking)
        if self.stale:
            out.append(
                "stale sources: "
                + ", ".join(
                    f"{s.source} since {s.stale_since or 'never loaded'}"
                    f" (last good {s.last_good or '-'})"
                    for s in self.stale
                )
            )
        else:
            out.append("stale sources: none")
        if self.rules:
            out.append(
                "findings by rule: " + ", ".join(f"{r.rule_code} {r.findings}" for r in self.rules)
            )
        out.append(f"findings: {self.findings}, amount at risk {self.amount_at_risk:,.2f}")
        out.append(f"hold list: {self.hold_list} pending payments, {self.hold_amount:,.2f}")
        if self.build_warnings:
            out.append(f"data-quality warnings: {len(self.build_warnings)} (see the dbt log)")
        return out


def dbt_log_path(warehouse: Path) -> Path:
    """Where crosscheck.build sends dbt's log for this warehouse."""
    return dbt_work_dir(warehouse) / "logs" / "dbt.log"


def _one_line(result: BuildResult, warehouse: Path) -> str:
    first = result.failures[0] if result.failures else "unknown failure"
    first = " ".join(first.split())
    if len(first) > 200:
        first = first[:197] + "..."
    more = f" (+{len(result.failures) - 1} more)" if len(result.failures) > 1 else ""
    return (
        f"dbt build for {result.as_of} failed: {first}{more}; details in {dbt_log_path(warehouse)}"
    )


def summarize(warehouse: Path, summary: NightlySummary) -> NightlySummary:
    """Fill the findings, hold list and stale sources from the built marts."""
    from crosscheck.warehouse import open_file

    con = open_file(warehouse, read_only=True)
    try:
        rows = con.execute(
            "select rule_code, count(*), coalesce(sum(amount_at_risk), 0) "
            "from marts.anomalies group by rule_code order by rule_code"
        ).fetchall()
        summary.rules = [RuleCount(r, int(n), Decimal(a)) for r, n, a in rows]
        summary.findings = sum(r.findings for r in summary.rules)
        summary.amount_at_risk = sum((r.amount_at_risk for r in summary.rules), Decimal("0.00"))
        n, amount = one(con, "select count(*), coalesce(sum(amount), 0) from marts.hold_list")
        summary.hold_list, summary.hold_amount = int(n), Decimal(amount)
        stale = con.execute(
            "select source, last_good_extract_date, stale_since, stale_reasons "
            "from marts.source_status where is_stale order by source"
        ).fetchall()
        summary.stale = [StaleSource(*r) for r in stale]
    finally:
        con.close()
    return summary


def run_nightly(
    landing: Path | str,
    warehouse: Path | str,
    as_of: dt.date | None = None,
    *,
    full_refresh: bool = False,
    progress: Progress | None = None,
) -> NightlySummary:
    """Ingest every new delivery ≤ D, load review feedback, link identities,
    build the warehouse for D, publish it; the summary read back from the marts."""
    from crosscheck.ingest.api import latest_complete_date

    landing, warehouse = Path(landing), Path(warehouse)
    if not landing.is_dir():
        raise CrosscheckError(f"landing folder {landing} does not exist")
    check_warehouse_name(warehouse)
    if as_of is None:
        as_of = latest_complete_date(landing)
        if as_of is None:
            raise CrosscheckError(f"no complete delivery in {landing}; nothing to run")
    progress = progress or Progress(quiet=True)
    with writer_lock(warehouse):
        summary = NightlySummary(as_of=as_of)
        report = ingest_step(landing, warehouse, as_of, progress)
        summary.loaded = report.count("loaded")
        summary.quarantined = report.count("quarantined")
        summary.rejected = report.count("rejected")
        summary.already_loaded = report.count("skipped")
        summary.late = [f"{x.source} ({x.extract_date})" for x in report.late]
        summary.feedback = feedback_line(feedback_step(landing, warehouse, as_of))
        progress.step(summary.feedback)
        summary.linking = link_step(warehouse, as_of)
        progress.step(summary.linking)
        result = build_step(warehouse, as_of, full_refresh=full_refresh)
        summary.build_warnings = list(result.warnings)
        progress.step(
            f"dbt build for {as_of}: {result.nodes} nodes, {len(result.warnings)} warnings"
        )
        summary.serving = publish_step(warehouse, take_lock=False)
        progress.step(f"published {summary.serving}")
    summary = summarize(summary.serving or warehouse, summary)
    progress.step(f"{summary.findings} findings, {summary.hold_list} on the hold list")
    return summary


def ingest_step(landing: Path, warehouse: Path, as_of: dt.date, progress: Progress | None = None):
    """Every new complete delivery ≤ D through the quality gate (crosscheck.ingest.api.ingest)."""
    from crosscheck.ingest.api import ingest

    progress = progress or Progress(quiet=True)
    log.info("nightly run for %s: ingest %s", as_of, landing)

    def tell(i: int, n: int, result) -> None:
        if result.status != "skipped":
            progress.step(f"ingest {i}/{n}: {result.line()}")

    report = ingest(landing, warehouse, as_of=as_of, on_delivery=tell)
    progress.step(
        f"ingest for {as_of}: {report.count('loaded')} loaded, "
        f"{report.count('quarantined')} quarantined, {report.count('rejected')} rejected, "
        f"{report.count('skipped')} already loaded, {len(report.late)} late"
    )
    return report


def feedback_step(landing: Path, warehouse: Path, as_of: dt.date):
    """The townships' returned workbooks into review.decisions (before the build)."""
    from crosscheck.review.feedback import load_feedback

    return load_feedback(landing, warehouse, as_of)


def feedback_line(result) -> str:
    return (
        f"review feedback for {result.as_of}: {len(result.files)} workbooks, "
        f"{result.decisions_loaded} decisions loaded, {result.cells_rejected} cells rejected"
    )


def link_step(warehouse: Path, as_of: dt.date) -> str:
    """Identity linking for D (crosscheck.linkage); a failure is one line."""
    from crosscheck.linkage import link_identities

    try:
        return link_identities(warehouse, as_of).line()
    except CrosscheckError:
        raise
    except Exception as e:  # Splink / model file: keep it to one line
        reason = " ".join(str(e).split())[:300]
        raise CrosscheckError(f"identity linking for {as_of} failed: {reason}") from e


def build_step(
    warehouse: Path,
    as_of: dt.date,
    *,
    full_refresh: bool = False,
    select: str | None = None,
) -> BuildResult:
    """One `dbt build` for D. Success is judged here, once: every node ran and
    none failed; otherwise one line naming the first failure and dbt's log."""
    os.environ.setdefault("DBT_QUIET", "true")
    log.info("dbt build for %s%s", as_of, " (full refresh)" if full_refresh else "")
    try:
        result = build(warehouse, as_of, full_refresh=full_refresh, select=select)
    except CrosscheckError as e:  # dbt could not start: keep it to one line
        reason = " ".join(str(e).split())
        raise CrosscheckError(f"{reason[:300]}; details in {dbt_log_path(warehouse)}") from None
    if not result.success or result.failures:
        raise CrosscheckError(_one_line(result, warehouse))
    return result


def publish_step(warehouse: Path, *, take_lock: bool = True) -> Path:
    """Swap in the readers' serving copy (after a successful build)."""
    return publish(warehouse, take_lock=take_lock)
