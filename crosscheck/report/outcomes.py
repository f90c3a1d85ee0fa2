"""The report's outcome sections: top cases by risk score, confirmed rate per
rule, recovery to the fen per township and program, and the miss rate from
the weekly random sample (docs/OUTCOMES.md). Read from the outcome marts of
the serving copy; a serving copy without them gets no such sections.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from crosscheck.review.labels import RULES, program_label
from crosscheck.review.score import ORDER_BY

TOP_CASES = 10
MISS_RATE_WEEKS = 4

NEEDED = {"anomalies", "rule_confirmed_rates", "finding_recovery", "miss_rate", "weekly_summary"}

# No names or ID numbers: the report goes to leaders, the cases to townships.
TOP_SQL = f"""
SELECT anomaly_id, rule_code, division_code, program_code, status, severity,
       amount_at_risk, risk_score, review_status
FROM marts.anomalies
WHERE last_seen = (SELECT max(last_seen) FROM marts.anomalies)
ORDER BY {ORDER_BY}
LIMIT {TOP_CASES}
"""

RATES_SQL = """
SELECT rule_code, findings, confirmed, dismissed, decided, confirmed_rate, ci_low, ci_high,
       confidence_level
FROM marts.rule_confirmed_rates ORDER BY rule_code
"""

RECOVERY_SQL = """
SELECT township_code, program_code,
       sum(CASE WHEN review_status <> 'dismissed' THEN amount_at_risk ELSE 0 END) AS amount_at_risk,
       sum(confirmed_amount) AS confirmed, sum(recovered_amount) AS recovered,
       sum(outstanding_amount) AS outstanding, sum(recoveries) AS recoveries
FROM marts.finding_recovery
WHERE confirmed_amount > 0
GROUP BY ALL
ORDER BY outstanding DESC, township_code, program_code
"""

# The reconciliation: partial recoveries summed week by week (weekly_summary)
# against the findings' recovered totals (finding_recovery).
RECONCILE_SQL = """
SELECT (SELECT coalesce(sum(amount_recovered), 0) FROM marts.weekly_summary WHERE week_start <= ?),
       (SELECT coalesce(sum(recovered_amount), 0) FROM marts.finding_recovery),
       (SELECT coalesce(sum(amount_recovered), 0) FROM marts.weekly_summary WHERE week_start = ?)
"""

MISS_SQL = f"""
WITH weeks AS (
    SELECT DISTINCT iso_week FROM marts.miss_rate WHERE iso_week <= ?
    ORDER BY iso_week DESC LIMIT {MISS_RATE_WEEKS}
)
SELECT m.iso_week, m.scope, m.program_code, m.week_population, m.sample_size, m.sampled,
       m.returned, m.misses, m.miss_rate, m.ci_low, m.ci_high, m.confidence_level
FROM marts.miss_rate AS m JOIN weeks USING (iso_week)
ORDER BY m.iso_week DESC, m.scope DESC, m.program_code
"""


def load(con, week_start: dt.date, iso_week: str) -> dict | None:
    """The outcome figures, or None when the serving copy predates the marts."""
    have = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'"
        ).fetchall()
    }
    if not NEEDED <= have:
        return None
    recovered_weekly, recovered_total, recovered_week = con.execute(
        RECONCILE_SQL, [week_start, week_start]
    ).fetchone()
    return {
        "top": con.execute(TOP_SQL).df(),
        "rates": con.execute(RATES_SQL).df(),
        "recovery": con.execute(RECOVERY_SQL).df(),
        "recovered_weekly": Decimal(recovered_weekly),
        "recovered_total": Decimal(recovered_total),
        "recovered_week": Decimal(recovered_week),
        "miss": con.execute(MISS_SQL, [iso_week]).df(),
    }


def _fen(value) -> str:
    """Yuan to the fen, never rounded to 万元: these figures must reconcile."""
    if value is None or pd.isna(value):
        return "0.00"
    return f"{Decimal(str(value)):,.2f}"


def _pct(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{100 * float(value):.1f}%"


def _interval(lo, hi) -> str:
    if lo is None or pd.isna(lo):
        return "—"
    return f"{100 * float(lo):.1f}%–{100 * float(hi):.1f}%"


def _program(code) -> str:
    if code is None or pd.isna(code):
        return "全部项目"
    return program_label(code)


PAYMENT_STATUS = {"pending": "待支付", "paid": "已支付"}

STATUS = {
    "open": "待下发",
    "under_verification": "核查中",
    "confirmed": "属实",
    "dismissed": "不属实",
    "recovered": "已追回",
}


def context(o: dict, place=str) -> dict:
    """The outcome tables as rows of text for templates/outcomes.html.j2.

    `place` turns a township code into the name people read.
    """
    level = o["rates"]["confidence_level"].iloc[0] if len(o["rates"]) else 0.95
    level_text = f"{100 * float(level):.0f}% 区间"
    rec = o["recovery"]
    ok = o["recovered_weekly"] == o["recovered_total"]
    return {
        "top_headers": [
            "风险评分",
            "规则",
            "乡镇",
            "补贴项目",
            "状态",
            "风险金额（元）",
            "核查状态",
        ],
        "top": [
            [
                f"{Decimal(str(r.risk_score)):.1f}",
                f"{r.rule_code} {RULES.get(r.rule_code, '')}",
                place(r.division_code),
                _program(r.program_code),
                PAYMENT_STATUS.get(r.status, ""),
                _fen(r.amount_at_risk),
                STATUS.get(r.review_status, r.review_status),
            ]
            for r in o["top"].itertuples()
        ],
        "rate_headers": ["规则", "疑点数", "属实", "不属实", "属实率", level_text],
        "rates": [
            [
                f"{r.rule_code} {RULES.get(r.rule_code, '')}",
                int(r.findings),
                int(r.confirmed),
                int(r.dismissed),
                _pct(r.confirmed_rate),
                _interval(r.ci_low, r.ci_high),
            ]
            for r in o["rates"].itertuples()
        ],
        "recovery_headers": [
            "乡镇",
            "补贴项目",
            "风险金额",
            "核实金额",
            "已追回",
            "待追回",
            "追回次数",
        ],
        "recovery": [
            [
                place(r.township_code),
                _program(r.program_code),
                _fen(r.amount_at_risk),
                _fen(r.confirmed),
                _fen(r.recovered),
                _fen(r.outstanding),
                int(r.recoveries),
            ]
            for r in rec.itertuples()
        ]
        + [
            [
                "合计",
                "",
                _fen(rec["amount_at_risk"].sum()),
                _fen(rec["confirmed"].sum()),
                _fen(rec["recovered"].sum()),
                _fen(rec["outstanding"].sum()),
                int(rec["recoveries"].sum()),
            ]
        ],
        "check": {
            "ok": ok,
            "weekly": _fen(o["recovered_weekly"]),
            "total": _fen(o["recovered_total"]),
            "week": _fen(o["recovered_week"]),
        },
        "miss_headers": [
            "抽查周",
            "范围",
            "未被规则标记的已发放笔数",
            "应抽样本量",
            "已下发",
            "已反馈",
            "发现问题",
            "漏报率",
            level_text,
        ],
        "miss": [
            [
                r.iso_week,
                "全县" if r.scope == "county" else _program(r.program_code),
                int(r.week_population),
                int(r.sample_size),
                int(r.sampled),
                int(r.returned),
                int(r.misses),
                _pct(r.miss_rate),
                _interval(r.ci_low, r.ci_high),
            ]
            for r in o["miss"].itertuples()
        ],
    }
