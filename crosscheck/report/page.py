"""The leaders' weekly report as one self-contained HTML page (Chinese).

Stale or quarantined sources come first, stated plainly; then the week's
key figures; then charts. Everything is inline: no script, no font, no
stylesheet is fetched from anywhere.
"""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

import pandas as pd

from crosscheck.report import charts, outcomes
from crosscheck.report.data import WeeklyData
from crosscheck.review.labels import RULES, SOURCES

CSS = """
* { box-sizing: border-box; }
body { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
       margin: 0; padding: 24px 32px; color: #222; background: #fff; max-width: 1140px; }
h1 { font-size: 26px; margin: 0 0 4px; }
.sub { color: #666; margin-bottom: 16px; }
.alert { border-left: 6px solid #c0392b; background: #fdecea; padding: 10px 14px;
         margin: 0 0 16px; }
.alert h2 { margin: 0 0 6px; font-size: 17px; color: #c0392b; }
.alert ul { margin: 0; padding-left: 20px; }
.ok { border-left: 6px solid #2e8b57; background: #eaf6ef; padding: 8px 14px; margin: 0 0 16px; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; margin: 0 0 18px; }
.kpi { border: 1px solid #dde3ea; border-radius: 6px; padding: 10px 12px; }
.kpi .label { color: #666; font-size: 13px; }
.kpi .value { font-size: 22px; font-weight: bold; margin-top: 4px; }
.kpi .note { color: #888; font-size: 12px; margin-top: 2px; }
.kpi.warn .value { color: #c0392b; }
section { margin: 0 0 18px; page-break-inside: avoid; }
section h2 { font-size: 18px; border-bottom: 2px solid #2f6db5; padding-bottom: 4px;
             margin: 0 0 8px; }
section p.lead { margin: 4px 0 8px; color: #444; }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
svg.chart { width: 100%; height: auto; display: block; }
footer { color: #888; font-size: 12px; border-top: 1px solid #ddd; padding-top: 8px; }
@page { size: A4; margin: 12mm; }
@media print { body { padding: 0; } .kpis { grid-template-columns: repeat(4, 1fr); } }
"""


def yuan(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "0.00 元"
    amount = Decimal(str(value))
    if abs(amount) >= Decimal(100000):
        return f"{amount / Decimal(10000):,.2f} 万元"
    return f"{amount:,.2f} 元"


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


def _kpi(label: str, value: str, note: str = "", warn: bool = False) -> str:
    cls = "kpi warn" if warn else "kpi"
    return (
        f'<div class="{cls}"><div class="label">{html.escape(label)}</div>'
        f'<div class="value">{html.escape(value)}</div>'
        f'<div class="note">{html.escape(note)}</div></div>'
    )


def _week_range(monday: dt.date) -> str:
    sunday = monday + dt.timedelta(days=6)
    return f"{monday.year}年{monday.month}月{monday.day}日至{sunday.month}月{sunday.day}日"


def render_html(data: WeeklyData) -> str:
    trend = data.trend.copy()
    # the mart's numerator over its denominator (marts.weekly_summary)
    trend["on_time_rate"] = [
        (float(o) / float(p)) if p else None
        for o, p in zip(trend["on_time_payments"], trend["paid_originals"], strict=True)
    ]
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
    alerts = source_alerts(data.sources)
    if alerts:
        banner = (
            '<div class="alert" id="source-alerts"><h2>数据来源提示</h2><ul>'
            + "".join(f"<li>{html.escape(a)}</li>" for a in alerts)
            + "</ul><div>上述来源相关的规则结果可能不完整，请结合核查结论使用。</div></div>"
        )
    else:
        banner = '<div class="ok" id="source-alerts">各数据来源均按时到达并通过质量检查。</div>'

    on_time = (
        (float(week["on_time_payments"]) / float(week["paid_originals"]))
        if _int(week["paid_originals"])
        else None
    )
    kpis = "".join(
        [
            _kpi("本周发放金额", yuan(week["amount_paid"]), f"{_int(week['payments']):,} 笔"),
            _kpi(
                "风险金额（未结）", yuan(week["amount_at_risk"]), delta("amount_at_risk"), warn=True
            ),
            _kpi(
                "本周新增疑点",
                f"{_int(week['new_findings'])} 条",
                f"高 {_int(week['new_high'])} · 中 {_int(week['new_medium'])} · "
                f"低 {_int(week['new_low'])}",
            ),
            _kpi("未结疑点", f"{_int(week['open_findings'])} 条", "待核查或核查中"),
            _kpi(
                "核查反馈",
                f"{_int(rv['decided'])}/{_int(rv['exported'])} 条",
                f"反馈率 {pct(rv['decided'] / rv['exported']) if rv['exported'] else '—'}"
                f" · 逾期未反馈 {_int(rv['overdue'])} 条",
                warn=bool(rv["overdue"]),
            ),
            _kpi(
                "核实属实 / 追回金额",
                f"{_int(rv['confirmed'])} 条 / {yuan(rv['recovered_amount'])}",
                f"不属实 {_int(rv['dismissed'])} 条 · 本周追回 {yuan(week['recovered_amount'])}",
            ),
            _kpi(
                "滞留资金",
                yuan(week["stranded_balance"]),
                "发放失败逾期未到账",
                warn=bool(week["stranded_balance"]),
            ),
            _kpi("按时发放率", pct(on_time), "本周到账的原始支付中按期到账的比例"),
        ]
    )
    top = data.by_township.head(3)
    top_text = "、".join(
        f"{t}（{yuan(a)}）"
        for t, a in zip(top["township_code"], top["amount_at_risk"], strict=True)
    )
    counties = "、".join(data.counties) or "全部"
    sections = [
        (
            "发放金额与风险金额趋势",
            f"近{len(trend)}周每周发放金额（柱）与未结疑点涉及的风险金额（线）。",
            charts.money_trend(trend, data.iso_week),
        ),
        (
            "各规则疑点（本周）",
            "按比对规则统计的未结疑点条数与风险金额，颜色表示风险等级。",
            charts.rule_bars(data.by_rule, RULES),
        ),
        (
            "各乡镇风险金额（派员核查参考）",
            f"风险金额最高的乡镇：{top_text or '无'}。",
            charts.township_bars(data.by_township),
        ),
        (
            "核查进度与追回",
            f"已下发 {_int(rv['exported'])} 条，已反馈 {_int(rv['decided'])} 条，"
            f"其中属实 {_int(rv['confirmed'])} 条、不属实 {_int(rv['dismissed'])} 条，"
            f"追回 {yuan(rv['recovered_amount'])}；逾期未反馈 {_int(rv['overdue'])} 条。"
            "柱为各周完成核查的条数，线为各周下发清单的反馈率。",
            charts.verification(trend),
        ),
    ]
    body = "".join(
        f'<section><h2>{html.escape(t)}</h2><p class="lead">{html.escape(lead)}</p>{svg}</section>'
        for t, lead, svg in sections
    )
    pair = (
        '<div class="row"><section><h2>滞留资金</h2>'
        '<p class="lead">发放失败、逾期未重新到账的资金余额（元）。</p>'
        + charts.line(trend, "stranded_balance", "滞留资金", "元", color="#c0392b")
        + "</section><section><h2>按时发放率</h2>"
        '<p class="lead">到账日期不晚于应发日期的比例。</p>'
        + charts.line(trend, "on_time_rate", "按时发放率", "%", percent=True, color="#2e8b57")
        + "</section></div>"
    )
    title = f"一卡通补贴资金监管周报 {data.iso_week}"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{CSS}</style></head>
<body>
<h1 id="title">{html.escape(title)}</h1>
<div class="sub">统计周期：{_week_range(data.week_start)}　区县：{html.escape(counties)}</div>
{banner}
<div class="kpis" id="kpis">{kpis}</div>
{body}
{pair}
{outcomes.render(data.outcomes)}
<footer>本报告由 Crosscheck 根据已发布的数据副本生成。疑点是数据比对发现的线索，不是违规结论；
金额单位为元，超过十万元以万元显示。</footer>
</body></html>
"""
