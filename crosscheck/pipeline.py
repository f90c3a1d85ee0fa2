"""The nightly job: ingest (with the quality gate) → identity linking → dbt build → publish.

`crosscheck run` and the Airflow cross-check DAG both call `run_nightly`, so a
run with Airflow and one without take the same path. The whole run holds
the writer lock (re-entrant, so ingestion's own take of it is free): no other
writer slips in between ingest and build, and no reader ever sees a
half-built serving copy.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from crosscheck.build import BuildResult, build, check_warehouse_name
from crosscheck.errors import CrosscheckError
from crosscheck.locking import writer_lock
from crosscheck.publish import publish

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

    def lines(self) -> list[str]:
        out = [
            f"as of {self.as_of}: deliveries {self.loaded} loaded, {self.quarantined} "
            f"quarantined, {self.rejected} rejected ({self.already_loaded} already loaded)"
        ]
        out.append("late sources: " + (", ".join(self.late) if self.late else "none"))
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
    return Path(warehouse).resolve().parent / "dbt" / "logs" / "dbt.log"


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
        n, amount = con.execute(
            "select count(*), coalesce(sum(amount), 0) from marts.hold_list"
        ).fetchone()
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
) -> NightlySummary:
    """Ingest every new delivery ≤ D, build the warehouse for D, publish it."""
    from ingestion.api import latest_complete_date

    landing, warehouse = Path(landing), Path(warehouse)
    if not landing.is_dir():
        raise CrosscheckError(f"landing folder {landing} does not exist")
    check_warehouse_name(warehouse)
    if as_of is None:
        as_of = latest_complete_date(landing)
        if as_of is None:
            raise CrosscheckError(f"no complete delivery in {landing}; nothing to run")
    with writer_lock(warehouse):
        return _run_locked(landing, warehouse, as_of, full_refresh)


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


def _run_locked(landing: Path, warehouse: Path, as_of: dt.date, full_refresh: bool):
    """The nightly steps, with the writer lock already held."""
    from ingestion.api import ingest

    log.info("nightly run for %s: ingest %s", as_of, landing)
    report = ingest(landing, warehouse, as_of=as_of)
    summary = NightlySummary(
        as_of=as_of,
        loaded=report.count("loaded"),
        quarantined=report.count("quarantined"),
        rejected=report.count("rejected"),
        already_loaded=report.count("skipped"),
        late=[f"{x.source} ({x.extract_date})" for x in report.late],
    )
    summary.linking = link_step(warehouse, as_of)
    os.environ.setdefault("DBT_QUIET", "true")
    with writer_lock(warehouse):
        log.info("dbt build for %s%s", as_of, " (full refresh)" if full_refresh else "")
        try:
            result = build(warehouse, as_of, full_refresh=full_refresh)
        except CrosscheckError as e:  # dbt could not start: keep it to one line
            reason = " ".join(str(e).split())
            raise CrosscheckError(f"{reason[:300]}; details in {dbt_log_path(warehouse)}") from None
        if not result.success or result.failures:
            raise CrosscheckError(_one_line(result, warehouse))
        summary.build_warnings = list(result.warnings)
        summary.serving = publish(warehouse, take_lock=False)
    return summarize(summary.serving or warehouse, summary)
