"""The figures of the leaders' weekly report, read from the serving copy.

Set-based: every figure is a GROUP BY over the weekly marts; the report
never touches findings row by row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crosscheck.config import serving_path
from crosscheck.errors import CrosscheckError
from crosscheck.query import records, scalar
from crosscheck.report import outcomes
from crosscheck.warehouse import open_file

TREND_WEEKS = 12

TREND_SQL = """
SELECT iso_week, week_start,
       sum(payments) AS payments, sum(amount_paid) AS amount_paid,
       sum(new_findings) AS new_findings, sum(new_findings_high) AS new_high,
       sum(new_findings_medium) AS new_medium, sum(new_findings_low) AS new_low,
       sum(open_findings) AS open_findings, sum(amount_at_risk) AS amount_at_risk,
       sum(stranded_balance) AS stranded_balance, sum(on_time_payments) AS on_time_payments,
       sum(paid_originals) AS paid_originals,
       sum(confirmed) AS confirmed, sum(dismissed) AS dismissed,
       sum(recovered_amount) AS recovered_amount
FROM marts.weekly_summary
WHERE week_start BETWEEN ? AND ?
GROUP BY iso_week, week_start
ORDER BY week_start
"""

# The verification rate of weekly_summary (share of the week's exported
# findings that have a decision), summed over townships and programs the
# only right way: from the counts, out of the lifecycle of every finding.
VERIFICATION_SQL = """
SELECT date_trunc('week', exported_on)::DATE AS week_start,
       count(*) AS exported,
       count(decided_on) AS exported_decided
FROM marts.anomaly_lifecycle
WHERE exported_on IS NOT NULL
GROUP BY 1
"""

REVIEW_SQL = """
SELECT count(*) FILTER (WHERE exported_on IS NOT NULL) AS exported,
       count(*) FILTER (WHERE exported_on IS NOT NULL AND decided_on IS NOT NULL) AS decided,
       count(*) FILTER (WHERE review_status IN ('confirmed', 'recovered')) AS confirmed,
       count(*) FILTER (WHERE review_status = 'dismissed') AS dismissed,
       count(*) FILTER (WHERE verification_overdue) AS overdue,
       coalesce(sum(recovered_amount), 0) AS recovered_amount
FROM marts.anomaly_lifecycle
"""

RULE_SQL = """
SELECT rule_code, max(severity) AS severity, sum(new_findings) AS new_findings,
       sum(open_findings) AS open_findings, sum(amount_at_risk) AS amount_at_risk
FROM marts.weekly_findings_by_rule
WHERE week_start = ?
GROUP BY rule_code
ORDER BY rule_code
"""

TOWNSHIP_SQL = """
SELECT township_code, sum(new_findings) AS new_findings,
       sum(new_findings_high) AS new_high, sum(open_findings) AS open_findings,
       sum(amount_at_risk) AS amount_at_risk, sum(stranded_balance) AS stranded_balance,
       sum(payments) AS payments, sum(on_time_payments) AS on_time_payments,
       sum(paid_originals) AS paid_originals, sum(amount_paid) AS amount_paid
FROM marts.weekly_summary
WHERE week_start = ?
GROUP BY township_code
ORDER BY amount_at_risk DESC, open_findings DESC, township_code
"""

SOURCES_SQL = "SELECT * FROM marts.source_status ORDER BY source"

AS_OF_SQL = "SELECT max(as_of) FROM marts.source_status"

# The findings behind the week's figures, one row each: the lists every number
# of the brief links to. "Open at week end" is int_marts_findings_by_week's
# test (the one weekly_summary and weekly_findings_by_rule count), read here
# from marts.anomaly_lifecycle; tests/report checks every list's count and
# amount against the marts. No names or ID numbers: the pages go to leaders.
LIST_COLUMNS = """
    l.anomaly_id, l.rule_code, l.subtype, l.severity, l.status, l.division_code,
    l.program_code, l.period, l.amount_at_risk, l.first_seen, l.review_status,
    l.exported_on, l.decided_on, l.verification_overdue, a.risk_score
"""
OPEN_SQL = f"""
SELECT {LIST_COLUMNS}
FROM marts.anomaly_lifecycle AS l
LEFT JOIN marts.anomalies AS a ON a.anomaly_id = l.anomaly_id
WHERE l.first_seen <= $week_end
  AND (l.resolved_on IS NULL OR l.resolved_on > $week_end)
  AND NOT coalesce(l.review_status IN ('dismissed', 'recovered') AND l.decided_on <= $week_end,
                   false)
ORDER BY a.risk_score DESC NULLS LAST, l.amount_at_risk DESC, l.anomaly_id
"""
NEW_SQL = f"""
SELECT {LIST_COLUMNS}
FROM marts.anomaly_lifecycle AS l
LEFT JOIN marts.anomalies AS a ON a.anomaly_id = l.anomaly_id
WHERE l.first_seen BETWEEN $week_start AND $week_end
ORDER BY a.risk_score DESC NULLS LAST, l.amount_at_risk DESC, l.anomaly_id
"""
# Every finding sent to a township for verification (REVIEW_SQL's rows).
EXPORTED_SQL = f"""
SELECT {LIST_COLUMNS}
FROM marts.anomaly_lifecycle AS l
LEFT JOIN marts.anomalies AS a ON a.anomaly_id = l.anomaly_id
WHERE l.exported_on IS NOT NULL
ORDER BY l.verification_overdue DESC, l.decided_on IS NOT NULL, l.exported_on, l.anomaly_id
"""
# The payment desk's list as of D (marts.hold_list): pending payments to stop.
HOLDS_SQL = """
SELECT payment_id, rule_codes, findings, severity, program_code, period, amount,
       amount_at_risk, township_code, first_seen, as_of
FROM marts.hold_list
ORDER BY amount_at_risk DESC, payment_id
"""


@dataclass
class WeeklyData:
    week_start: dt.date
    iso_week: str
    counties: list[str]
    trend: pd.DataFrame
    by_rule: pd.DataFrame
    by_township: pd.DataFrame
    sources: pd.DataFrame
    review: dict
    outcomes: dict | None = None  # crosscheck.report.outcomes.load
    as_of: dt.date | None = None  # the serving copy's as-of date D
    open_findings: pd.DataFrame | None = None  # open at week end, one row per finding
    new_findings: pd.DataFrame | None = None  # first seen in the week
    exported: pd.DataFrame | None = None  # ever sent to a township for verification
    holds: pd.DataFrame | None = None  # marts.hold_list at D

    @property
    def week_end(self) -> dt.date:
        """Sunday, or D when the serving copy stops inside the week (week to date)."""
        sunday = self.week_start + dt.timedelta(days=6)
        return min(sunday, self.as_of) if self.as_of else sunday

    @property
    def partial(self) -> bool:
        """The week is not over at D: its figures are the week to date."""
        return self.week_end < self.week_start + dt.timedelta(days=6)

    @property
    def this_week(self) -> pd.Series | None:
        rows = self.trend[self.trend["week_start"] == self.week_start]
        return rows.iloc[0] if len(rows) else None


def iso_week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _every_week(trend: pd.DataFrame, last: dt.date) -> pd.DataFrame:
    """One row per week from the first with data to `last`; quiet weeks are zeros."""
    first = min(trend["week_start"])
    weeks = [first + dt.timedelta(weeks=k) for k in range((last - first).days // 7 + 1)]
    full = pd.DataFrame({"week_start": weeks})
    full["iso_week"] = [iso_week_label(w) for w in weeks]
    out = full.merge(trend.drop(columns=["iso_week"]), on="week_start", how="left")
    counts = [c for c in out.columns if c not in ("week_start", "iso_week")]
    out[counts] = out[counts].astype(object).where(out[counts].notna(), 0)
    return out


def load(warehouse: Path | str, week_start: dt.date) -> WeeklyData:
    """Read the week's figures (and the trend before it) from the warehouse's serving copy."""
    return load_serving(serving_path(Path(warehouse)), week_start)


def load_serving(serving: Path | str, week_start: dt.date) -> WeeklyData:
    """The week's figures from a serving copy (what the notebooks pass)."""
    serving = Path(serving)
    week_start = pd.Timestamp(week_start).date()  # a date, or a pandas Timestamp
    if not serving.exists():
        raise CrosscheckError(
            f"no serving copy at {serving}: run the nightly job (crosscheck run) first"
        )
    con = open_file(serving, read_only=True)
    try:
        have = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'"
            ).fetchall()
        }
        needed = {"weekly_summary", "weekly_findings_by_rule", "source_status", "anomaly_lifecycle"}
        missing = needed - have
        if missing:
            raise CrosscheckError(
                f"serving copy {serving} lacks marts.{', marts.'.join(sorted(missing))}: "
                "run a build first"
            )
        first = week_start - dt.timedelta(weeks=TREND_WEEKS - 1)
        trend = con.execute(TREND_SQL, [first, week_start]).df()
        by_rule = con.execute(RULE_SQL, [week_start]).df()
        by_township = con.execute(TOWNSHIP_SQL, [week_start]).df()
        sources = con.execute(SOURCES_SQL).df()
        verification = con.execute(VERIFICATION_SQL).df()
        [review] = records(con, REVIEW_SQL)  # aggregates: one row
        outcome_figures = outcomes.load(con, week_start, iso_week_label(week_start))
        as_of = scalar(con, AS_OF_SQL)
        week_end = week_start + dt.timedelta(days=6)
        if as_of is not None and as_of < week_end:
            week_end = as_of
        dates = {"week_start": week_start, "week_end": week_end}
        open_findings = con.execute(OPEN_SQL, {"week_end": week_end}).df()
        new_findings = con.execute(NEW_SQL, dates).df()
        exported = con.execute(EXPORTED_SQL).df()
        holds = con.execute(HOLDS_SQL).df() if "hold_list" in have else None
        counties = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT county_code FROM marts.weekly_summary WHERE week_start = ? "
                "ORDER BY 1",
                [week_start],
            ).fetchall()
        ]
    finally:
        con.close()
    if not len(trend):
        raise CrosscheckError(
            f"marts.weekly_summary has no rows up to {iso_week_label(week_start)}"
        )
    trend["week_start"] = pd.to_datetime(trend["week_start"]).dt.date
    trend = _every_week(trend, week_start)
    verification["week_start"] = pd.to_datetime(verification["week_start"]).dt.date
    trend = trend.merge(verification, on="week_start", how="left")
    trend["verification_rate"] = [
        (d / e) if e == e and e else None
        for d, e in zip(trend["exported_decided"], trend["exported"], strict=True)
    ]
    return WeeklyData(
        week_start=week_start,
        iso_week=iso_week_label(week_start),
        counties=[c for c in counties if c],
        trend=trend,
        by_rule=by_rule,
        by_township=by_township,
        sources=sources,
        review=review,
        outcomes=outcome_figures,
        as_of=as_of,
        open_findings=open_findings,
        new_findings=new_findings,
        exported=exported,
        holds=holds,
    )
