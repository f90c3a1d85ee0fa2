"""The leaders' brief: rendered, then checked in a real browser (Chromium).

Two warehouses: the review fixture (stale sources, feedback) and the
generated county run through the real nightly job (real marts, no feedback
yet), on which every list behind the brief's numbers is followed and counted
against the marts.
"""

from __future__ import annotations

import re
import stat
from decimal import Decimal

import duckdb
import pytest
import review_fixtures as fx
from probe import probe
from pypdf import PdfReader

from crosscheck.cli import main
from crosscheck.config import serving_path
from crosscheck.errors import CrosscheckError
from crosscheck.report import browser, page, render_weekly

WEEK = "2026-W44"  # the week holding both warehouses' as-of (2026-10-31)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    wh = fx.build(root / "warehouse.duckdb")
    return wh, render_weekly(wh, WEEK, root / "out")


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    root = tmp_path_factory.mktemp("county-report")
    _, wh, _ = fx.copy_county(root / "wh")
    return wh, render_weekly(wh, WEEK, root / "out")


def _q(wh, sql, params=None):
    con = duckdb.connect(str(serving_path(wh)), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_pages_are_self_contained_and_private(report):
    _, files = report
    pages = [files.html, *sorted(files.pages.glob("*.html"))]
    assert len(pages) > 20
    for p in pages:
        text = p.read_text(encoding="utf-8")
        assert "<script" not in text and "<link" not in text and "@import" not in text, p.name
        # the only URLs are the SVG namespaces, which nothing fetches
        assert set(re.findall(r"https?://[^\"' )]+", text)) <= {
            "http://www.w3.org/2000/svg",
            "http://www.w3.org/1999/xlink",
        }, p.name
    for p in (*pages, files.png, files.pdf):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name
    assert stat.S_IMODE(files.pages.stat().st_mode) == 0o700


def test_chromium_renders_title_charts_and_source_alerts(report):
    _, files = report
    dom = browser.dump_dom(files.html)
    assert "<title>一卡通补贴资金监管周报 2026-W44</title>" in dom
    assert len(re.findall(r'<svg[^>]*class="chart', dom)) == 4
    for label in ("发放金额与风险金额趋势", "各规则疑点", "各乡镇风险金额", "核查进度"):
        assert label in dom
    assert "R01 已故人员领取补贴" in dom
    alerts = dom[dom.index('id="source-alerts"') : dom.index('id="kpis"')]
    assert (
        "机动车登记(交管)：数据已过期，自 2026-10-26 起应到数据未按时到达，"
        "规则仍使用 2026-10-19 的数据。" in alerts
    )
    assert (
        "财政供养人员工资(人社/财政)：数据已过期，自 2026-10-26 起交付未通过数据质量检查，已被隔离"
        in alerts
    )
    assert "户籍" not in alerts
    # verification: 3 findings exported, 2 decided (1 recovered, 1 dismissed), 1 overdue
    kpis = dom[dom.index('id="kpis"') :]
    assert "2/3 条" in kpis and "逾期未反馈 1 条" in kpis and "1 条 / 900.00 元" in kpis
    # stated at the top, before the figures
    assert dom.index("数据来源提示") < dom.index("本周发放金额")


def test_key_figures_match_the_marts(report):
    wh, files = report
    paid, risk, opened = _q(
        wh,
        "SELECT sum(amount_paid), sum(amount_at_risk), sum(open_findings) "
        "FROM marts.weekly_summary WHERE iso_week = ?",
        [WEEK],
    )[0]
    text = files.html.read_text(encoding="utf-8")
    assert f"{paid / 10000:,.2f} 万元" in text
    assert f"{risk:,.2f} 元" in text
    assert f"{opened} 条" in text


def test_the_pdf_is_one_a4_page_with_issuer_period_issue_date_and_page_footer(county):
    _, files = county
    reader = PdfReader(files.pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = reader.pages[0].extract_text()
    squeezed = re.sub(r"\s+", "", text)
    unit = page.issuing_unit(_county_codes(county[0]))
    assert unit in squeezed
    assert "统计周期：2026年10月26日至11月1日" in squeezed
    assert "数据截至2026-10-31" in squeezed  # the week is not over at the as-of date
    assert "印发日期：2026-10-31" in squeezed
    assert "第1页，共1页" in squeezed and f"一卡通补贴资金监管周报{WEEK}" in squeezed
    png = files.png.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000


def _county_codes(wh) -> list[str]:
    return [
        r[0]
        for r in _q(
            wh,
            "SELECT DISTINCT county_code FROM marts.weekly_summary WHERE iso_week = ? ORDER BY 1",
            [WEEK],
        )
    ]


@pytest.mark.parametrize("name", ["brief", "open.html", "outcomes.html", "holds.html"])
def test_pages_read_at_phone_width_without_sideways_scrolling(county, name):
    _, files = county
    target = files.html if name == "brief" else files.pages / name
    seen = probe(target, width=390)
    assert seen["clientWidth"] == 390
    assert seen["scrollWidth"] <= 390, f"{name} is {seen['scrollWidth']} px wide at 390 px"


def _amount(text: str | None) -> Decimal:
    return Decimal((text or "0").replace(",", ""))


def test_every_number_leads_to_the_list_behind_it_and_the_counts_match(county):
    wh, files = county
    brief = probe(files.html)
    assert brief["files"] and all(f.exists() for f in brief["files"]), [
        f for f in brief["files"] if not f.exists()
    ]
    pages = {f.name: f for f in brief["files"]}
    for kpi in ("townships.html", "open.html", "new.html", "holds.html", "review.html"):
        assert kpi in pages, kpi
    new, opened, risk = _q(
        wh,
        "SELECT sum(new_findings), sum(open_findings), sum(amount_at_risk) "
        "FROM marts.weekly_summary WHERE iso_week = ?",
        [WEEK],
    )[0]
    seen = probe(pages["open.html"])
    assert seen["rows"] == int(seen["count"]) == opened and _amount(seen["total"]) == risk
    assert probe(pages["new.html"])["rows"] == new
    holds, hold_amount = _q(wh, "SELECT count(*), sum(amount) FROM marts.hold_list")[0]
    seen = probe(pages["holds.html"])
    assert holds > 0 and seen["rows"] == holds and _amount(seen["total"]) == hold_amount
    assert f"{holds} 笔 / {page.yuan(hold_amount)}" in brief["text"]  # the brief's figure
    # each township's list: from the brief's chart and from the payments table
    towns = _q(
        wh,
        "SELECT township_code, sum(open_findings), sum(amount_at_risk) FROM marts.weekly_summary "
        "WHERE iso_week = ? GROUP BY 1 HAVING sum(open_findings) > 0",
        [WEEK],
    )
    table = probe(pages["townships.html"])
    assert len(towns) > 1
    for code, n, amount in towns:
        link = files.pages / f"township_{code}.html"
        assert link in table["files"]
        seen = probe(link)
        assert seen["rows"] == n and _amount(seen["total"]) == amount, code
    # each rule's list
    rules = _q(
        wh,
        "SELECT rule_code, sum(open_findings) FROM marts.weekly_findings_by_rule "
        "WHERE iso_week = ? GROUP BY 1 HAVING sum(open_findings) > 0",
        [WEEK],
    )
    assert len(rules) > 5
    for code, n in rules:
        link = files.pages / f"rule_{code}.html"
        assert link in brief["files"], code  # a bar of the brief's rule chart
        assert probe(link)["rows"] == n, code
    # and back
    back = probe(pages["open.html"])
    assert files.html in back["files"]


def test_an_empty_chart_says_why(county):
    wh, files = county
    assert _q(wh, "SELECT count(*) FROM marts.anomaly_lifecycle WHERE decided_on IS NOT NULL") == [
        (0,)
    ]
    dom = browser.dump_dom(files.html)
    chart = dom[dom.index('id="chart-verification"') :]
    chart = chart[: chart.index("</section>")]
    assert 'class="chart empty"' in chart and "本周无核实反馈" in chart


def test_cli_html_only_and_all_sources_fine(tmp_path, capsys):
    wh = fx.build(tmp_path / "w.duckdb", stale=False)
    rc = main(
        [
            "report",
            "--warehouse",
            str(wh),
            "--week",
            WEEK,
            "--out",
            str(tmp_path / "r"),
            "--html-only",
        ]
    )
    assert rc == 0
    out = capsys.readouterr().out
    assert "weekly_2026-W44.html" in out and ".png" not in out
    html = (tmp_path / "r" / "weekly_2026-W44.html").read_text(encoding="utf-8")
    assert "各数据来源均按时到达并通过质量检查" in html
    with pytest.raises(CrosscheckError, match="no rows up to 2026-W30"):
        render_weekly(wh, "2026-W30", tmp_path / "r", png=False, pdf=False)


def test_the_county_and_townships_are_named_not_coded(county):
    from crosscheck.divisions import display_name

    wh, files = county
    dom = browser.dump_dom(files.html)
    [county_code] = _county_codes(wh)
    assert (
        f"{display_name(county_code)}财政局" in dom and f"区县：{display_name(county_code)}" in dom
    )
    towns = _q(
        wh,
        "SELECT DISTINCT township_code FROM marts.weekly_summary "
        "WHERE iso_week = ? AND open_findings > 0",
        [WEEK],
    )
    for (code,) in towns:
        name = display_name(code)
        assert not name.startswith("[") and name in dom, code
    # no text of the brief is a bare county or township code
    texts = [t.strip() for t in re.findall(r">([^<>]+)<", dom)]
    assert not [t for t in texts if re.fullmatch(r"\d{6}|\d{9}", t)]
