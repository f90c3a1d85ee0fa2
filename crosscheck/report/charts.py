"""The report's charts: matplotlib drawn to inline SVG, offline.

Text stays text in the SVG (svg.fonttype none), so the browser renders the
Chinese labels with the system's CJK font and the page stays small.
Amounts are turned to float here for drawing only; figures printed as text
come from the Decimal values.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

CJK_FONT_FILES = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
]
CJK_FAMILIES = ["WenQuanYi Zen Hei", "Noto Sans CJK SC", "WenQuanYi Micro Hei"]

SEVERITY_COLORS = {"high": "#c0392b", "medium": "#e67e22", "low": "#7f8c8d"}
BLUE, RED, GREEN, GREY = "#2f6db5", "#c0392b", "#2e8b57", "#95a5a6"


def _setup_fonts() -> None:
    for path in CJK_FONT_FILES:
        if Path(path).exists():
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):
                pass
    plt.rcParams.update(
        {
            "font.sans-serif": CJK_FAMILIES + ["DejaVu Sans"],
            "font.family": "sans-serif",
            "axes.unicode_minus": False,
            "svg.fonttype": "none",
            "svg.hashsalt": "crosscheck",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
        }
    )
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)


_setup_fonts()


def to_svg(fig, title: str) -> str:
    """The figure as an inline <svg> element with an accessible title."""
    buf = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s(width|height)="[^"]*pt"', "", svg, count=2)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{title}" class="chart" ', 1).replace(
        ">", f"><title>{title}</title>", 1
    )


def _f(values, missing: float = 0.0) -> list[float]:
    return [float(v) if v is not None and v == v else missing for v in values]


def _wan(values) -> list[float]:
    return [v / 10000 for v in _f(values)]


def money_trend(trend, week_label: str) -> str:
    """Amount paid (bars) and amount at risk (line) by week, in 万元."""
    fig, ax = plt.subplots(figsize=(9, 3.2))
    weeks = list(trend["iso_week"])
    paid = _wan(trend["amount_paid"])
    colors = [BLUE if w == week_label else "#9dbbe0" for w in weeks]
    ax.bar(weeks, paid, color=colors, label="发放金额（万元）")
    ax.set_ylabel("发放金额（万元）")
    ax2 = ax.twinx()
    ax2.plot(weeks, _wan(trend["amount_at_risk"]), color=RED, marker="o", label="风险金额（万元）")
    ax2.set_ylabel("风险金额（万元）", color=RED)
    ax2.spines["right"].set_visible(True)
    ax2.set_ylim(bottom=0)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", frameon=False, fontsize=9)
    return to_svg(fig, "发放金额与风险金额趋势")


def rule_bars(by_rule, rule_names: dict[str, str]) -> str:
    """Open findings per rule, coloured by severity, with the amount at risk."""
    fig, ax = plt.subplots(figsize=(9, max(2.0, 0.38 * len(by_rule) + 0.8)))
    if not len(by_rule):
        ax.text(0.5, 0.5, "本周无疑点", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return to_svg(fig, "各规则疑点")
    rows = by_rule.sort_values("rule_code", ascending=False)
    labels = [f"{c} {rule_names.get(c, '')}" for c in rows["rule_code"]]
    opened = _f(rows["open_findings"])
    ax.barh(labels, opened, color=[SEVERITY_COLORS.get(s, GREY) for s in rows["severity"]])
    for y, (n, amt, new) in enumerate(
        zip(opened, _f(rows["amount_at_risk"]), _f(rows["new_findings"]), strict=True)
    ):
        ax.text(
            n, y, f"  {int(n)} 条（本周新增 {int(new)}），{amt:,.0f} 元", va="center", fontsize=8
        )
    ax.set_xlabel("未结疑点（条）")
    ax.set_xlim(0, max(opened + [1]) * 1.6)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in SEVERITY_COLORS.values()]
    ax.legend(handles, ["高风险", "中风险", "低风险"], loc="lower right", frameon=False, fontsize=8)
    return to_svg(fig, "各规则疑点")


def township_bars(by_township, limit: int = 15) -> str:
    """Amount at risk and open findings per township: where to send inspectors."""
    rows = by_township.head(limit).iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, max(2.0, 0.36 * len(rows) + 0.8)))
    if not len(rows):
        ax.text(0.5, 0.5, "无数据", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return to_svg(fig, "各乡镇风险金额")
    amounts = _f(rows["amount_at_risk"])
    ax.barh(list(rows["township_code"].astype(str)), amounts, color=RED)
    for y, (amt, n, high) in enumerate(
        zip(amounts, _f(rows["open_findings"]), _f(rows["new_high"]), strict=True)
    ):
        ax.text(
            amt,
            y,
            f"  {amt:,.0f} 元，未结 {int(n)} 条，新增高风险 {int(high)} 条",
            va="center",
            fontsize=8,
        )
    ax.set_xlabel("风险金额（元）")
    ax.set_xlim(0, max(amounts + [1]) * 1.7)
    return to_svg(fig, "各乡镇风险金额")


def verification(trend) -> str:
    """Confirmed and dismissed findings per week, and the verification rate."""
    fig, ax = plt.subplots(figsize=(9, 3.0))
    weeks = list(trend["iso_week"])
    confirmed, dismissed = _f(trend["confirmed"]), _f(trend["dismissed"])
    ax.bar(weeks, confirmed, color=RED, label="核实属实（条）")
    ax.bar(weeks, dismissed, bottom=confirmed, color=GREY, label="核实不属实（条）")
    ax.set_ylabel("核查完成（条）")
    ax.set_ylim(0, max([c + d for c, d in zip(confirmed, dismissed, strict=True)] + [0]) * 1.2 or 1)
    ax2 = ax.twinx()
    ax2.plot(
        weeks,
        [100 * v for v in _f(trend["verification_rate"], missing=float("nan"))],
        color=GREEN,
        marker="o",
        label="下发清单反馈率（%）",
    )
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("核查率（%）", color=GREEN)
    ax2.spines["right"].set_visible(True)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", frameon=False, fontsize=9)
    return to_svg(fig, "核查进度")


def line(trend, column: str, title: str, ylabel: str, *, percent=False, color=BLUE) -> str:
    """One weekly series as a line with its last value printed."""
    fig, ax = plt.subplots(figsize=(4.4, 2.6))
    weeks = list(trend["iso_week"])
    values = _f(trend[column], missing=float("nan"))
    if percent:
        values = [100 * v for v in values]
        ax.set_ylim(0, 105)
    x = list(range(len(weeks)))
    ax.plot(x, values, color=color, marker="o")
    ax.fill_between(x, values, color=color, alpha=0.12)
    if values and values[-1] == values[-1]:
        text = f"{values[-1]:.1f}%" if percent else f"{values[-1]:,.0f}"
        ax.annotate(
            text,
            (x[-1], values[-1]),
            textcoords="offset points",
            xytext=(0, 6),
            ha="right",
            fontsize=9,
            color=color,
        )
    ax.set_xticks(x, weeks)
    if not percent:
        ax.set_ylim(bottom=0, top=max([v for v in values if v == v] + [0]) * 1.15 or 1)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", labelrotation=60, labelsize=7)
    return to_svg(fig, title)
