"""The leaders' brief and the pages behind its numbers, from Jinja2 templates.

`render_brief` gives the one-page brief (templates/brief.html.j2): issuing
unit, period, date of issue; stale or quarantined sources first, stated
plainly; the week's key figures, each a link to the list behind it; four
charts; the top cases by risk score. `render_pages` gives those lists:
static pages per township and per rule, the week's new and open findings,
the hold list, the verification feedback, payments per township and the
outcome tables (templates/list.html.j2, outcomes.html.j2). Everything is
inline and offline: no script, no font, no stylesheet is fetched.

Townships and the county are shown by name (crosscheck.divisions); no
person's name or ID number appears on any page.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from crosscheck.divisions import display_name
from crosscheck.report import charts, outcomes
from crosscheck.report.data import WeeklyData
from crosscheck.review.labels import RULES, SEVERITY, SOURCES, SUBTYPES, program_label

TITLE = "一卡通补贴资金监管周报"


@cache
def env() -> Environment:
    return Environment(
        loader=PackageLoader("crosscheck.report", "templates"),
        autoescape=select_autoescape(["html", "j2", "css"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def yuan(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "0.00 元"
    amount = Decimal(str(value))
    if abs(amount) >= Decimal(100000):
        return f"{amount / Decimal(10000):,.2f} 万元"
    return f"{amount:,.2f} 元"


def fen(value) -> str:
    """Yuan to the fen, for lists that must add up."""
    if value is None or pd.isna(value):
        return "0.00"
    return f"{Decimal(str(value)):,.2f}"


def pct(value) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{100 * float(value):.1f}%"


def _int(value) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _date(value) -> str:
    if value is None or pd.isna(value):
        return "无"
    return pd.Timestamp(value).date().isoformat()


def place(code) -> str:
    """A county or township code as the name people read (crosscheck.divisions)."""
    if code is None or (isinstance(code, float) and code != code):
        code = None
    return display_name(code)


def issuing_unit(counties: list[str]) -> str:
    """Who issues the brief: CROSSCHECK_ISSUING_UNIT, else the county's finance bureau."""
    unit = os.environ.get("CROSSCHECK_ISSUING_UNIT", "").strip()
    if unit:
        return unit
    if len(counties) == 1:
        return f"{place(counties[0])}财政局"
    return "财政局"


def issue_date(data: WeeklyData) -> dt.date:
    """The Monday after the reported week (the weekly DAG's run), or D for a week to date."""
    if data.partial and data.as_of:
        return data.as_of
    return data.week_start + dt.timedelta(days=7)


REASONS = {
    "late": "应到数据未按时到达",
    "quarantined": "交付未通过数据质量检查，已被隔离",
    "rejected": "交付文件不完整或损坏，已被拒收",
}


def source_alerts(sources: pd.DataFrame) -> list[str]:
    """Plain sentences about every stale or quarantined source."""
    if not len(sources):
        return []
    lines = []
    for _, r in sources.iterrows():
        if not bool(r.get("is_stale")) or pd.isna(r.get("is_stale")):
            continue
        name = SOURCES.get(r["source"], r["source"])
        reasons = str(r.get("stale_reasons") or "")
        why = "；".join(v for k, v in REASONS.items() if k in reasons) or "应到数据缺失"
        last = r.get("last_good_extract_date")
        uses = (
            f"规则仍使用 {_date(last)} 的数据"
            if last is not None and not pd.isna(last)
            else "尚无可用的合格数据"
        )
        since = r.get("stale_since")
        since_text = f"自 {_date(since)} 起" if since is not None and not pd.isna(since) else ""
        lines.append(f"{name}：数据已过期，{since_text}{why}，{uses}。")
    return lines


def _week_range(monday: dt.date) -> str:
    sunday = monday + dt.timedelta(days=6)
    return f"{monday.year}年{monday.month}月{monday.day}日至{sunday.month}月{sunday.day}日"


# ---------------------------------------------------------------- the pages


@dataclass
class Pages:
    """Where the lists behind the brief's numbers are, relative to the brief."""

    folder: str  # e.g. weekly_2026-W44 (beside weekly_2026-W44.html)
    files: dict[str, str] = field(default_factory=dict)  # page name → html text

    def href(self, name: str) -> str:
        return f"{self.folder}/{name}"


def township_page(code) -> str:
    return f"township_{code if code is not None and code == code else 'unknown'}.html"


def rule_page(code) -> str:
    return f"rule_{code}.html"


def _rule(code) -> str:
    return f"{code} {RULES.get(code, '')}".strip()


def _program(code) -> str:
    if code is None or pd.isna(code):
        return "—"
    return program_label(code)


def _payment_status(value) -> str:
    return outcomes.PAYMENT_STATUS.get(value, "—") if value == value else "—"


def _score(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{Decimal(str(value)):.1f}"


def _review(r) -> str:
    text = outcomes.STATUS.get(r.review_status, r.review_status or "")
    if bool(r.verification_overdue):
        text += "（逾期未反馈）"
    return text


FINDING_HEADERS = [
    ("序号", "text"),
    ("问题编号", "text id"),
    ("规则", "text"),
    ("乡镇", "text"),
    ("补贴项目", "text wide"),
    ("期间", "wide"),
    ("支付状态", ""),
    ("风险金额（元）", ""),
    ("风险评分", ""),
    ("核查状态", "text"),
    ("首次发现", "wide"),
]


def _finding_rows(df: pd.DataFrame, link_township=True, link_rule=True) -> list[list]:
    rows = []
    for i, r in enumerate(df.itertuples(), start=1):
        rule = _rule(r.rule_code)
        if r.subtype is not None and r.subtype == r.subtype and r.subtype in SUBTYPES:
            rule += f"（{SUBTYPES[r.subtype]}）"
        rows.append(
            [
                i,
                r.anomaly_id,
                {"text": rule, "href": rule_page(r.rule_code) if link_rule else None},
                {
                    "text": place(r.division_code),
                    "href": township_page(r.division_code) if link_township else None,
                },
                _program(r.program_code),
                r.period if r.period == r.period and r.period else "—",
                _payment_status(r.status),
                fen(r.amount_at_risk),
                _score(r.risk_score),
                _review(r),
                _date(r.first_seen),
            ]
        )
    return rows


def _headers(spec) -> list[dict]:
    return [{"label": label, "cls": cls} for label, cls in spec]


def _total(df: pd.DataFrame, column: str = "amount_at_risk") -> str:
    return fen(sum((Decimal(str(v)) for v in df[column] if v == v), Decimal("0")))


def _base(data: WeeklyData, unit: str, title: str) -> dict:
    return {
        "unit": unit,
        "title": title,
        "iso_week": data.iso_week,
        "footer_left": f"{TITLE} {data.iso_week}",
        "footer": f"{unit} · {TITLE} {data.iso_week} · 数据截至 {data.as_of or data.week_end}。"
        "疑点是数据比对发现的线索，不是违规结论。",
    }


def _list_page(data: WeeklyData, unit: str, heading: str, scope: str, df, **kw) -> str:
    ctx = _base(data, unit, f"{heading} · {data.iso_week}")
    empty = kw.pop("empty", "无。")
    with_total = kw.pop("with_total", True)
    total_column, total_label = kw.pop("total", ("amount_at_risk", "风险金额"))
    rows = kw.pop("rows", None)
    ctx.update(
        heading=heading,
        scope=scope,
        back=f"../weekly_{data.iso_week}.html",
        nav=kw.pop("nav", []),
        lead=kw.pop("lead", ""),
        unit_word=kw.pop("unit_word", "条"),
        total=_total(df, total_column) if with_total else None,
        total_label=total_label,
        headers=_headers(kw.pop("headers", FINDING_HEADERS)),
        rows=rows if rows is not None else _finding_rows(df, **kw),
        empty=empty,
    )
    return env().get_template("list.html.j2").render(ctx)


def render_pages(data: WeeklyData, unit: str, pages_dir: Path | None = None) -> dict[str, str]:
    """Every page behind the brief's numbers: name → HTML (`pages_dir`: where they go)."""
    week_end = data.week_end.isoformat()
    at_end = f"{data.iso_week} 周末（{week_end}）仍未结的疑点"
    opened = data.open_findings if data.open_findings is not None else pd.DataFrame()
    pages: dict[str, str] = {}
    pages["open.html"] = _list_page(
        data, unit, "未结疑点清单", at_end, opened, empty="本周末无未结疑点。"
    )
    pages["new.html"] = _list_page(
        data,
        unit,
        "本周新增疑点清单",
        f"{_week_range(data.week_start)}首次发现的疑点",
        data.new_findings,
        empty="本周无新增疑点。",
    )
    exported = data.exported
    pages["review.html"] = _list_page(
        data,
        unit,
        "核查反馈清单",
        f"已下发乡镇核查的疑点（截至 {data.as_of or week_end}），逾期未反馈的在前",
        exported,
        with_total=False,
        empty="尚未下发任何疑点。",
    )
    towns = {c for c in opened["division_code"] if c == c and c}
    for code in sorted(towns | set(data.by_township["township_code"].dropna())):
        rows = opened[opened["division_code"] == code]
        pages[township_page(code)] = _list_page(
            data,
            unit,
            f"{place(code)} 未结疑点清单",
            f"{at_end}，乡镇代码 {code}",
            rows,
            link_township=False,
            empty="本周末本乡镇无未结疑点。",
        )
    no_town = opened[opened["division_code"].isna()]
    if len(no_town):
        pages[township_page(None)] = _list_page(
            data, unit, "未知乡镇 未结疑点清单", at_end, no_town, link_township=False
        )
    for code in sorted(set(RULES) | set(opened["rule_code"])):
        rows = opened[opened["rule_code"] == code]
        pages[rule_page(code)] = _list_page(
            data,
            unit,
            f"{_rule(code)} 未结疑点清单",
            at_end,
            rows,
            link_rule=False,
            empty="本周末本规则无未结疑点。",
        )
    pages["holds.html"] = _holds_page(data, unit, pages_dir)
    pages["townships.html"] = _townships_page(data, unit)
    if data.outcomes is not None:
        ctx = _base(data, unit, f"核查结果与追缴 · {data.iso_week}")
        ctx.update(
            heading="核查结果、追缴进度与漏报率",
            as_of=data.as_of or week_end,
            back=f"../weekly_{data.iso_week}.html",
            **outcomes.context(data.outcomes, place),
        )
        pages["outcomes.html"] = env().get_template("outcomes.html.j2").render(ctx)
    return pages


HOLD_HEADERS = [
    ("序号", "text"),
    ("支付编号", "text id"),
    ("乡镇", "text"),
    ("补贴项目", "text wide"),
    ("期间", "wide"),
    ("应付金额（元）", ""),
    ("风险金额（元）", ""),
    ("规则", "text"),
    ("风险等级", ""),
    ("首次发现", "wide"),
]


def _holds_page(data: WeeklyData, unit: str, pages_dir: Path | None = None) -> str:
    holds = data.holds if data.holds is not None else pd.DataFrame(columns=["amount_at_risk"])
    rows = []
    for i, r in enumerate(holds.itertuples(), start=1):
        codes = [c for c in str(r.rule_codes or "").replace(";", ",").split(",") if c.strip()]
        rows.append(
            [
                i,
                r.payment_id,
                {"text": place(r.township_code), "href": township_page(r.township_code)},
                _program(r.program_code),
                r.period or "—",
                fen(r.amount),
                fen(r.amount_at_risk),
                "、".join(_rule(c.strip()) for c in codes),
                SEVERITY.get(r.severity, r.severity),
                _date(r.first_seen),
            ]
        )
    desk = holds_file(data)
    lead = "待支付、命中需暂停支付规则的款项：付款前须核实，核实前暂停支付。"
    nav = []
    if desk:
        # relative to the pages' folder, so the link survives moving the work folder
        href = Path(os.path.relpath(desk, pages_dir)).as_posix() if pages_dir else desk.as_uri()
        nav.append({"href": href, "label": f"县级暂停支付清单 {desk.name}"})
    return _list_page(
        data,
        unit,
        "暂停支付清单",
        f"截至 {data.as_of or data.week_end}",
        holds,
        headers=HOLD_HEADERS,
        rows=rows,
        unit_word="笔",
        total=("amount", "应付金额合计"),
        nav=nav,
        lead=lead,
        empty="截至数据日期，无需暂停支付的款项。",
    )


def holds_file(data: WeeklyData) -> Path | None:
    """The payment desk's 暂停支付清单 (`crosscheck holds`, xlsx) for D, when one was written."""
    try:
        from crosscheck.review.holds import default_dir, file_stem
    except ImportError:  # before `crosscheck holds` (issue 13, part A)
        return None
    if data.as_of is None:
        return None
    county = data.counties[0] if len(data.counties) == 1 else None
    path = Path(default_dir()) / f"{file_stem(county, data.as_of)}.xlsx"
    return path if path.exists() else None


TOWNSHIP_HEADERS = [
    ("乡镇", "text"),
    ("发放笔数", "wide"),
    ("发放金额（元）", ""),
    ("按时发放率", "wide"),
    ("本周新增疑点", ""),
    ("未结疑点", ""),
    ("风险金额（元）", ""),
]


def _townships_page(data: WeeklyData, unit: str) -> str:
    rows = []
    for r in data.by_township.itertuples():
        page = township_page(r.township_code)
        rows.append(
            [
                {"text": place(r.township_code), "href": page},
                f"{_int(r.payments):,}",
                fen(r.amount_paid),
                pct(r.on_time_payments / r.paid_originals) if _int(r.paid_originals) else "—",
                _int(r.new_findings),
                {"text": str(_int(r.open_findings)), "href": page},
                {"text": fen(r.amount_at_risk), "href": page},
            ]
        )
    return _list_page(
        data,
        unit,
        "各乡镇发放与疑点",
        f"{_week_range(data.week_start)}，按风险金额排序",
        data.by_township,
        headers=TOWNSHIP_HEADERS,
        rows=rows,
        unit_word="个乡镇",
        with_total=False,
        empty="本周无数据。",
    )


# ---------------------------------------------------------------- the brief


def _svg(fig, title: str) -> Markup:
    """A chart as inline SVG; matplotlib's SVG writer escapes every text it holds."""
    return Markup(charts.to_svg(fig, title))  # noqa: S704 - escaped by matplotlib; our titles


def _kpi(id_, label, value, note, href, warn=False) -> dict:
    return {"id": id_, "label": label, "value": value, "note": note, "href": href, "warn": warn}


def kpis(data: WeeklyData, folder: str) -> list[dict]:
    """The brief's key figures, each with the page of the list behind it."""
    pages = Pages(folder)
    trend = data.trend.copy()
    week = data.this_week
    if week is None:
        week = pd.Series(0, index=trend.columns)
    prev = trend[trend["week_start"] < data.week_start].tail(1)
    prev = prev.iloc[0] if len(prev) else None

    def delta(col) -> str:
        if prev is None or pd.isna(prev[col]):
            return "上周无数据"
        d = Decimal(str(week[col] or 0)) - Decimal(str(prev[col] or 0))
        sign = "+" if d >= 0 else "−"
        return f"较上周 {sign}{yuan(abs(d))}"

    rv = data.review
    on_time = (
        (float(week["on_time_payments"]) / float(week["paid_originals"]))
        if _int(week["paid_originals"])
        else None
    )
    holds = data.holds if data.holds is not None else pd.DataFrame(columns=["amount"])
    hold_amount = sum((Decimal(str(v)) for v in holds["amount"]), Decimal("0"))
    return [
        _kpi(
            "paid",
            "本周发放金额",
            yuan(week["amount_paid"]),
            f"{_int(week['payments']):,} 笔 · 按时发放率 {pct(on_time)}",
            pages.href("townships.html"),
        ),
        _kpi(
            "at-risk",
            "风险金额（未结）",
            yuan(week["amount_at_risk"]),
            delta("amount_at_risk"),
            pages.href("open.html"),
            warn=True,
        ),
        _kpi(
            "new",
            "本周新增疑点",
            f"{_int(week['new_findings'])} 条",
            f"高 {_int(week['new_high'])} · 中 {_int(week['new_medium'])} · "
            f"低 {_int(week['new_low'])}",
            pages.href("new.html"),
        ),
        _kpi(
            "open",
            "未结疑点",
            f"{_int(week['open_findings'])} 条",
            "待核查或核查中",
            pages.href("open.html"),
        ),
        _kpi(
            "holds",
            "暂停支付",
            f"{len(holds)} 笔 / {yuan(hold_amount)}",
            f"截至 {data.as_of or data.week_end} 待支付的疑点款项，付款前须核实",
            pages.href("holds.html"),
            warn=bool(len(holds)),
        ),
        _kpi(
            "review",
            "核查反馈",
            f"{_int(rv['decided'])}/{_int(rv['exported'])} 条",
            f"反馈率 {pct(rv['decided'] / rv['exported']) if rv['exported'] else '—'}"
            f" · 逾期未反馈 {_int(rv['overdue'])} 条",
            pages.href("review.html"),
            warn=bool(rv["overdue"]),
        ),
        _kpi(
            "outcomes",
            "核实属实 / 追回金额",
            f"{_int(rv['confirmed'])} 条 / {yuan(rv['recovered_amount'])}",
            f"不属实 {_int(rv['dismissed'])} 条 · 本周追回 {yuan(week['recovered_amount'])}",
            pages.href("outcomes.html" if data.outcomes is not None else "review.html"),
        ),
        _kpi(
            "stranded",
            "滞留资金",
            yuan(week["stranded_balance"]),
            "发放失败逾期未到账",
            pages.href(rule_page("R06")),
            warn=bool(week["stranded_balance"]),
        ),
    ]


def headline(data: WeeklyData) -> list[str]:
    """The key figures as lines of text (the distribution's message)."""
    return [f"{k['label']}：{k['value']}（{k['note']}）" for k in kpis(data, "")]


def render_brief(data: WeeklyData, unit: str, folder: str) -> str:
    """The one-page brief; `folder` holds the pages its numbers link to."""
    pages = Pages(folder)
    trend = data.trend.copy()
    rv = data.review
    figures = kpis(data, folder)
    towns = data.by_township[data.by_township["open_findings"] > 0].head(3)
    top_text = "、".join(
        f"{place(t)}（{yuan(a)}）"
        for t, a in zip(towns["township_code"], towns["amount_at_risk"], strict=True)
    )
    names = {str(c): place(c) for c in data.by_township["township_code"]}
    rule_fig = charts.rule_bars(data.by_rule, RULES, urls=lambda c: pages.href(rule_page(c)))
    town_fig = charts.township_bars(
        data.by_township, names, urls=lambda c: pages.href(township_page(c))
    )
    verification_lead = (
        f"已下发 {_int(rv['exported'])} 条，已反馈 {_int(rv['decided'])} 条（属实 "
        f"{_int(rv['confirmed'])}、不属实 {_int(rv['dismissed'])}），逾期未反馈 "
        f"{_int(rv['overdue'])} 条。柱为各周完成核查条数，线为反馈率。"
    )
    top = []
    if data.outcomes is not None:
        for r in data.outcomes["top"].itertuples():
            top.append(
                {
                    "score": _score(r.risk_score),
                    "rule": _rule(r.rule_code),
                    "rule_href": pages.href(rule_page(r.rule_code)),
                    "township": place(r.division_code),
                    "township_href": pages.href(township_page(r.division_code)),
                    "program": _program(r.program_code),
                    "status": _payment_status(r.status),
                    "amount": fen(r.amount_at_risk),
                    "review": outcomes.STATUS.get(r.review_status, r.review_status),
                }
            )
    title = f"{TITLE} {data.iso_week}"
    ctx = _base(data, unit, title)
    ctx.update(
        period=_week_range(data.week_start),
        partial=data.partial,
        week_end=data.week_end.isoformat(),
        counties="、".join(place(c) for c in data.counties) or "全部",
        issued=issue_date(data).isoformat(),
        as_of=(data.as_of or data.week_end).isoformat(),
        alerts=source_alerts(data.sources),
        kpis=figures,
        weeks=len(trend),
        charts={
            "trend": _svg(charts.money_trend(trend, data.iso_week), "发放金额与风险金额趋势"),
            "verification": _svg(charts.verification(trend), "核查进度"),
            "rules": _svg(rule_fig, "各规则疑点"),
            "townships": _svg(town_fig, "各乡镇风险金额"),
        },
        verification_lead=verification_lead,
        township_lead=f"风险金额最高：{top_text or '无'}。点击条目查看清单。",
        top=top,
        pages_dir=folder,
        outcomes_href=pages.href("outcomes.html" if data.outcomes is not None else "review.html"),
    )
    return env().get_template("brief.html.j2").render(ctx)
