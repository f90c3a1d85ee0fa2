"""The risk score of a finding, told in words, and the score-ordered worklist.

dbt computes the score (int_finding_scores, weights in the seed
risk_score_weights, docs/RISK_SCORE.md); this module only reads it: the
breakdown a clerk sees beside the evidence, and the one ordering every
worklist uses (workbooks, the report's top cases, lookups).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from crosscheck.query import records

# The one worklist order: highest score first, ties by id (deterministic).
ORDER_BY = "risk_score DESC NULLS LAST, anomaly_id"

_ID_MATCH = {"exact": "原样一致", "folded": "规范化后一致", "not_applicable": "不涉及"}


def explain(score, breakdown: str | None) -> str:
    """'风险评分 73.6 = 等级 35 + 金额 13.6 + …' from risk_score_evidence."""
    if score is None:
        return ""
    try:
        parts = json.loads(breakdown or "{}")
    except ValueError:
        parts = {}

    def pts(key):
        v = parts.get(key)
        return "0" if v is None else f"{Decimal(str(v)).normalize():f}"

    death = parts.get("death_sources")
    corroboration = f"佐证 {pts('corroboration')}" + (
        f"（死亡信息来源 {death} 个）" if death is not None else ""
    )
    return (
        f"风险评分 {Decimal(str(score)):.1f} = 等级 {pts('severity')} + 金额 {pts('amount')} + "
        f"{corroboration} + 身份证号{_ID_MATCH.get(parts.get('id_match'), '')} "
        f"{pts('id_match_points')} + 其他规则 {parts.get('other_rules', 0)} 条 "
        f"{pts('other_rules_points')} + 待支付 {pts('pending')}"
    )


def worklist(
    con,
    as_of: dt.date | None = None,
    *,
    township: str | None = None,
    limit: int | None = None,
    schema: str = "marts",
) -> list[dict]:
    """Findings detected at `as_of` (default: the latest), in score order."""
    where = ["last_seen = coalesce(?, (SELECT max(last_seen) FROM {s}.anomalies))"]
    params: list[object] = [as_of]
    if township is not None:
        where.append("division_code = ?")
        params.append(township)
    sql = (
        f"SELECT * FROM {{s}}.anomalies WHERE {' AND '.join(where)} ORDER BY {ORDER_BY}"
        + (f" LIMIT {int(limit)}" if limit else "")
    ).format(s=schema)
    return records(con, sql, params)
