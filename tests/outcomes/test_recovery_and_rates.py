"""From flags to results on the generated county (real dbt, real workbooks).

Two returns of the township workbooks: partial recoveries add up to the
recovered total to the fen, per finding, per township and program, and in
weekly_summary; confirmed rates carry a Wilson interval that matches a hand
calculation; a recovery total may not go down.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import review_fixtures as fx
from outcome_support import q, wilson

from crosscheck.build import build
from crosscheck.publish import publish
from crosscheck.review.export import export_findings
from crosscheck.review.feedback import FEEDBACK_DIR, load_feedback


def _return(res, landing, answers, tag):
    folder = landing / FEEDBACK_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for wb in res.files:
        fx.fill_feedback(wb, answers, out=folder / f"{tag}_{wb.name}")


def _rebuild(wh, day):
    # what decisions feed, and the scores again (same as-of: the views stay valid)
    result = build(
        wh, day, select="int_marts_review_state+ int_review_recoveries+ int_finding_scores+"
    )
    assert result.success, result.failures
    publish(wh)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """Two returns: confirmed with two partial recoveries, 部分属实 with 核实金额,
    dismissed, confirmed with nothing back yet."""
    tmp = tmp_path_factory.mktemp("outcomes")
    _, wh, as_of = fx.copy_county(tmp / "wh")
    scores = q(wh, "SELECT anomaly_id, risk_score, risk_score_evidence FROM marts.anomalies")
    first = export_findings(wh, as_of, tmp / "out1")
    rows = q(
        wh,
        "SELECT anomaly_id, rule_code, amount_at_risk FROM marts.anomalies "
        "WHERE amount_at_risk >= 100 ORDER BY rule_code, anomaly_id",
    )
    by_rule: dict[str, list] = {}
    for aid, rule, amt in rows:
        by_rule.setdefault(rule, []).append((aid, amt))
    rules = sorted(r for r in by_rule if len(by_rule[r]) >= 2)
    (a, amt_a), (c, _) = by_rule[rules[0]][:2]
    (b, amt_b), (d, amt_d) = by_rule[rules[1]][:2]
    part_a = (amt_a * Decimal("0.3")).quantize(Decimal("0.01"))
    conf_b = (amt_b * Decimal("0.6")).quantize(Decimal("0.01"))
    day1 = day2 = as_of  # two returns on the same day: ordered by arrival
    who = {"核查人": "王核查"}
    _return(
        first,
        tmp / "landing",
        {
            a: {"核查结论": "属实", "追回金额": str(part_a), "核查日期": day1, **who},
            b: {"核查结论": "部分属实", "核实金额": str(conf_b), "核查日期": day1, **who},
            c: {"核查结论": "不属实", "核查日期": day1, **who},
            d: {"核查结论": "属实", "核查日期": day1, **who},
        },
        "r1",
    )
    assert load_feedback(tmp / "landing", wh, day1).decisions_loaded == 4
    _rebuild(wh, day1)
    # the second workbook carries the confirmed findings with money outstanding
    second = export_findings(wh, as_of, tmp / "out2")
    sent2 = {
        r[0]
        for r in q(
            wh, "SELECT anomaly_id FROM review.exports WHERE export_id = ?", [second.export_id]
        )
    }
    half_b = (conf_b / 2).quantize(Decimal("0.01"))
    _return(
        second,
        tmp / "landing",
        {
            a: {"核查结论": "属实", "追回金额": str(amt_a), "核查日期": day2, **who},
            b: {
                "核查结论": "部分属实",
                "核实金额": str(conf_b),
                "追回金额": str(half_b),
                "核查日期": day2,
                **who,
            },
        },
        "r2",
    )
    assert load_feedback(tmp / "landing", wh, day2).decisions_loaded == 2
    _rebuild(wh, day2)
    return dict(
        scores=sorted(scores),
        wh=wh,
        tmp=tmp,
        sent2=sent2,
        a=a,
        b=b,
        c=c,
        d=d,
        amt_a=amt_a,
        part_a=part_a,
        amt_b=amt_b,
        conf_b=conf_b,
        half_b=half_b,
        amt_d=amt_d,
        rules=rules[:2],
        day2=day2,
    )


def test_scores_are_the_same_after_rebuilds_of_the_same_as_of(county):
    again = q(
        county["wh"], "SELECT anomaly_id, risk_score, risk_score_evidence FROM marts.anomalies"
    )
    assert sorted(again) == county["scores"] and len(again) > 20


def test_confirmed_with_money_outstanding_goes_out_again(county):
    k = county
    assert {k["a"], k["b"], k["d"]} <= k["sent2"] and k["c"] not in k["sent2"]


def test_each_finding_from_at_risk_to_outstanding(county):
    k = county
    got = {
        r[0]: r[1:]
        for r in q(
            k["wh"],
            "SELECT anomaly_id, amount_at_risk, confirmed_amount, recovered_amount, "
            "outstanding_amount, recoveries FROM marts.finding_recovery",
        )
    }
    z = Decimal("0.00")
    assert got[k["a"]] == (k["amt_a"], k["amt_a"], k["amt_a"], z, 2)
    assert got[k["b"]] == (k["amt_b"], k["conf_b"], k["half_b"], k["conf_b"] - k["half_b"], 1)
    assert got[k["c"]][1:] == (z, z, z, 0)
    assert got[k["d"]] == (k["amt_d"], k["amt_d"], z, k["amt_d"], 0)
    partials = q(
        k["wh"],
        "SELECT amount FROM intermediate.int_review_recoveries WHERE anomaly_id = ? "
        "ORDER BY recovered_to_date",
        [k["a"]],
    )
    assert [p[0] for p in partials] == [k["part_a"], k["amt_a"] - k["part_a"]]


def test_recovery_reconciles_per_township_and_program(county):
    k = county
    per_finding = dict(
        ((t, p), (c, r, o))
        for t, p, c, r, o in q(
            k["wh"],
            "SELECT township_code, program_code, sum(confirmed_amount), sum(recovered_amount), "
            "sum(outstanding_amount) FROM marts.finding_recovery "
            "WHERE confirmed_amount > 0 GROUP BY ALL",
        )
    )
    weekly = dict(
        ((t, p), (c, r, o))
        for t, p, c, r, o in q(
            k["wh"],
            "SELECT township_code, program_code, sum(amount_confirmed), sum(amount_recovered), "
            "arg_max(amount_outstanding, week_start) FROM marts.weekly_summary "
            "WHERE amount_confirmed <> 0 OR amount_recovered <> 0 OR amount_outstanding <> 0 "
            "GROUP BY ALL",
        )
    )
    assert weekly == per_finding and per_finding
    total = sum(r for _, r, _ in per_finding.values())
    assert total == k["amt_a"] + k["half_b"]


def test_confirmed_rate_and_wilson_interval_match_a_hand_calculation(county):
    k = county
    rates = {
        r[0]: r[1:]
        for r in q(
            k["wh"],
            "SELECT rule_code, confirmed, dismissed, decided, confirmed_rate, ci_low, ci_high "
            "FROM marts.rule_confirmed_rates",
        )
    }
    first, second = k["rules"]
    assert rates[first][:4] == (1, 1, 2, pytest.approx(0.5))  # a confirmed, c dismissed
    lo, hi = wilson(1, 2)
    assert rates[first][4:] == (pytest.approx(lo, abs=1e-9), pytest.approx(hi, abs=1e-9))
    assert rates[second][:4] == (2, 0, 2, pytest.approx(1.0))  # b 部分属实 and d 属实
    lo, hi = wilson(2, 2)
    assert rates[second][4:] == (pytest.approx(lo, abs=1e-9), pytest.approx(hi, abs=1e-9))
    undecided = [r for r, v in rates.items() if r not in (first, second)]
    assert undecided and all(rates[r][2] == 0 and rates[r][3] is None for r in undecided)


def test_a_recovered_total_cannot_go_down(county, tmp_path):
    k = county
    res = export_findings(k["wh"], k["day2"], tmp_path / "out")
    landing = tmp_path / "landing"
    _return(
        res,
        landing,
        {
            k["b"]: {
                "核查结论": "部分属实",
                "追回金额": "0.01",
                "核查人": "王",
                "核查日期": k["day2"],
            }
        },
        "r3",
    )
    out = load_feedback(landing, k["wh"], k["day2"])
    reasons = [r.reason for f in out.files for r in f.rejects]
    assert reasons == [f"追回金额为累计已追回总额，不能少于已登记的 {k['half_b']} 元"]


def test_the_report_shows_top_cases_rates_and_recovery_in_chromium(county, tmp_path):
    from crosscheck.report import browser, render_weekly

    k = county
    files = render_weekly(k["wh"], "2026-W44", tmp_path, png=False, pdf=False)
    brief = browser.dump_dom(files.html)
    top = brief[brief.index('id="top-cases"') :]
    top = top[: top.index("</table>")]
    scores = [float(s) for s in re.findall(r"<tr><td>(\d+\.\d)</td>", top)]
    assert len(scores) == 10 and scores == sorted(scores, reverse=True)
    # the brief's outcome figure links to the page of outcome tables
    assert 'href="weekly_2026-W44/outcomes.html"' in brief
    dom = browser.dump_dom(files.outcomes)
    for section in (
        "重点疑点（按风险评分）",
        "各规则核实属实率",
        "追缴进度（到分）",
        "随机抽查与漏报率",
    ):
        assert section in dom
    first, _ = k["rules"]
    rates = dom[dom.index('id="confirmed-rates"') :]
    lo, hi = wilson(1, 2)
    assert f"<td>50.0%</td><td>{100 * lo:.1f}%–{100 * hi:.1f}%</td>" in rates
    recovered = k["amt_a"] + k["half_b"]
    assert (
        f"各周分次追回合计 {recovered:,.2f} 元，疑点已追回合计 {recovered:,.2f} 元，两者一致" in dom
    )
    outstanding = k["amt_d"] + k["conf_b"] - k["half_b"]
    recovery = dom[dom.index('id="recovery"') :]
    recovery = recovery[: recovery.index("</table>")]
    assert "<td>合计</td><td></td>" in recovery and f"<td>{outstanding:,.2f}</td>" in recovery
