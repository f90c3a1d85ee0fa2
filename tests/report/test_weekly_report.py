"""The leaders' weekly report: rendered, then checked in a real browser (Chromium)."""

from __future__ import annotations

import re
import stat

import pytest
import review_fixtures as fx

from crosscheck.cli import main
from crosscheck.errors import CrosscheckError
from crosscheck.report import browser, render_weekly

WEEK = "2026-W44"  # the week holding the fixture's as-of (2026-10-31)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    wh = fx.build(root / "warehouse.duckdb")
    return wh, render_weekly(wh, WEEK, root / "out")


def test_page_is_self_contained(report):
    _, files = report
    text = files.html.read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text and "@import" not in text
    # the only URL is the SVG namespace, which nothing fetches
    assert set(re.findall(r"https?://[^\"' )]+", text)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
    for p in (files.html, files.png, files.pdf):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_chromium_renders_title_charts_and_source_alerts(report):
    _, files = report
    dom = browser.dump_dom(files.html)
    assert "<title>一卡通补贴资金监管周报 2026-W44</title>" in dom
    assert len(re.findall(r'<svg[^>]*class="chart"', dom)) == 6
    for label in (
        "发放金额与风险金额趋势",
        "各规则疑点",
        "各乡镇风险金额",
        "核查进度",
        "滞留资金",
        "按时发放率",
        "R01 已故人员领取补贴",
        "500101003",
    ):
        assert label in dom
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
    import duckdb

    from crosscheck.config import serving_path

    con = duckdb.connect(str(serving_path(wh)), read_only=True)
    paid, risk, opened = con.execute(
        "SELECT sum(amount_paid), sum(amount_at_risk), sum(open_findings) "
        "FROM marts.weekly_summary WHERE iso_week = ?",
        [WEEK],
    ).fetchone()
    con.close()
    text = files.html.read_text(encoding="utf-8")
    assert f"{paid / 10000:,.2f} 万元" in text
    assert f"{risk:,.2f} 元" in text
    assert f"{opened} 条" in text


def test_png_and_pdf_are_real(report):
    _, files = report
    assert files.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert files.png.stat().st_size > 50_000
    pdf = files.pdf.read_bytes()
    assert pdf[:5] == b"%PDF-" and len(pdf) > 20_000


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
