"""The whole verification loop on a generated county, through a full-refresh rebuild.

Export → a township fills in feedback (good rows and bad cells) → load →
`dbt build --full-refresh` (one day later, after one verified finding's
payment vanished from the ledger) → the decisions and the review figures
of marts.anomalies, marts.anomaly_lifecycle and marts.weekly_summary are
what the township said.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import duckdb
import pytest
import review_fixtures as fx

from crosscheck.build import build
from crosscheck.config import serving_path
from crosscheck.divisions import division_name
from crosscheck.publish import publish
from crosscheck.review.export import export_findings, workbook_name
from crosscheck.review.feedback import FEEDBACK_DIR, load_feedback


def q(path, sql, params=None):
    # dbt (in this process) keeps the live warehouse open read-write: same config here
    con = duckdb.connect(str(path), read_only=path.name.endswith(".serving.duckdb"))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_verification_loop_survives_a_full_refresh(tmp_path):
    _, wh, as_of = fx.copy_county(tmp_path / "wh")
    findings = q(
        serving_path(wh),
        "SELECT anomaly_id, rule_code, status, amount_at_risk, "
        "coalesce(division_code, '未知乡镇'), program_code, payment_id "
        "FROM marts.anomalies ORDER BY rule_code, anomaly_id",
    )
    assert len(findings) > 20
    by_id = {f[0]: f for f in findings}

    # -- export: every current finding, pending ones urgent
    res = export_findings(wh, as_of, tmp_path / "out")
    assert res.findings == len(findings)
    assert res.urgent == sum(1 for f in findings if f[2] == "pending") > 0
    # file names carry the township's name and its code (issue 13)
    assert {p.name for p in res.files} == {workbook_name(f[4], as_of) for f in findings}
    assert {tuple(p.name.split("_")[1:3]) for p in res.files} == {
        (division_name(f[4]), f[4]) for f in findings
    }

    # -- the townships answer: four good rows, three bad cells
    def pick(rule, skip=()):
        return next(f[0] for f in findings if f[1] == rule and f[0] not in skip and f[3] > 0)

    vanish = pick("R12")  # its payment will disappear from the ledger
    dismissed = pick("R09")
    partial = pick("R01")
    confirmed = pick("R10")
    bad = [pick("R14"), pick("R14", {pick("R14")}), pick("R07")]
    half = (by_id[partial][3] / 2).quantize(Decimal("0.01"))
    day = as_of
    answers = {
        vanish: {
            "核查结论": "属实",
            "处理措施": "停发",
            "追回金额": float(by_id[vanish][3]),
            "核查人": "王核查",
            "核查日期": day,
        },
        dismissed: {
            "核查结论": "不属实",
            "核查人": "王核查",
            "核查日期": day,
            "说明": "姓名为同音录入错误",
        },
        partial: {
            "核查结论": "部分属实",
            "追回金额": str(half),
            "核查人": "李核查",
            "核查日期": day.isoformat(),
        },
        confirmed: {"核查结论": "属实", "核查人": "李核查", "核查日期": day},
        bad[0]: {"核查结论": "待定", "核查人": "李核查", "核查日期": day},
        bad[1]: {
            "核查结论": "属实",
            "追回金额": by_id[bad[1]][3] + 1,
            "核查人": "李",
            "核查日期": day,
        },
        bad[2]: {"核查结论": "属实", "核查人": "李", "核查日期": day + dt.timedelta(days=3)},
    }
    landing = tmp_path / "landing"
    (landing / FEEDBACK_DIR).mkdir(parents=True)
    for wb in res.files:
        fx.fill_feedback(wb, answers, out=landing / FEEDBACK_DIR / wb.name)
    loaded = load_feedback(landing, wh, as_of)
    assert loaded.decisions_loaded == 4
    assert sorted(r.anomaly_id for f in loaded.files for r in f.rejects) == sorted(bad)
    decisions_before = q(wh, "SELECT * FROM review.decisions ORDER BY seq")
    assert len(decisions_before) == 4

    # -- the vanished payment, then a full rebuild one day later
    con = duckdb.connect(str(wh))
    con.execute("DELETE FROM raw.ledger WHERE payment_id = ?", [by_id[vanish][6]])
    con.close()
    later = as_of + dt.timedelta(days=1)
    result = build(wh, later, full_refresh=True)
    assert result.success, result.failures
    publish(wh)
    serving = serving_path(wh)

    assert q(wh, "SELECT * FROM review.decisions ORDER BY seq") == decisions_before
    status = dict(q(serving, "SELECT anomaly_id, review_status FROM marts.anomaly_lifecycle"))
    assert status[vanish] == "recovered"
    assert status[dismissed] == "dismissed"
    assert status[partial] == "recovered"
    assert status[confirmed] == "confirmed"
    assert q(serving, "SELECT count(*) FROM marts.anomalies WHERE anomaly_id = ?", [vanish]) == [
        (0,)
    ]
    assert q(
        serving,
        "SELECT detected, current_conclusion, recovered_amount "
        "FROM marts.anomaly_lifecycle WHERE anomaly_id = ?",
        [vanish],
    ) == [(False, "属实", by_id[vanish][3])]
    current = dict(q(serving, "SELECT anomaly_id, review_status FROM marts.anomalies"))
    assert current[partial] == "recovered" and current[dismissed] == "dismissed"
    assert {current[b] for b in bad} == {"under_verification"}

    # -- the weekly summary's review figures for the week of the decisions
    week = f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}"
    conf, dism, rec = q(
        serving,
        "SELECT sum(confirmed), sum(dismissed), sum(recovered_amount) "
        "FROM marts.weekly_summary WHERE iso_week = ?",
        [week],
    )[0]
    assert (conf, dism) == (3, 1)
    assert rec == by_id[vanish][3] + half
    # open at the week's end (capped at D): detected, not dismissed nor recovered
    still_open = q(
        serving,
        "SELECT count(*), sum(amount_at_risk) FROM marts.anomalies "
        "WHERE review_status NOT IN ('dismissed', 'recovered')",
    )[0]
    assert q(
        serving,
        "SELECT sum(open_findings), sum(amount_at_risk) FROM marts.weekly_summary "
        "WHERE iso_week = ?",
        [week],
    ) == [still_open]
    # verification rate per township and program: decided ÷ exported that week
    decided = {vanish, dismissed, partial, confirmed}
    expected: dict[tuple, list[int]] = {}
    for f in findings:
        key = (None if f[4] == "未知乡镇" else f[4], f[5])
        expected.setdefault(key, [0, 0])
        expected[key][0] += 1
        expected[key][1] += f[0] in decided
    rows = q(
        serving,
        "SELECT township_code, program_code, verification_rate "
        "FROM marts.weekly_summary WHERE iso_week = ? AND verification_rate IS NOT NULL",
        [week],
    )
    got = {(t, p): r for t, p, r in rows}
    assert got.keys() == expected.keys()
    for key, (sent, done) in expected.items():
        assert got[key] == pytest.approx(done / sent), key

    # -- verified findings are not sent again, except one confirmed with money
    # still to recover (属实, nothing back yet); the bad rows' findings are
    again = export_findings(wh, later, tmp_path / "again")
    sent_again = {
        r[0] for r in q(wh, "SELECT anomaly_id FROM review.exports WHERE as_of = ?", [later])
    }
    assert sent_again & decided == {confirmed} and set(bad) <= sent_again
    assert again.already_verified == len(decided - {vanish, confirmed})
    shutil.rmtree(tmp_path / "out")
