"""The report's charts, drawn with matplotlib's object API (`Figure`), offline.

No backend is switched and pyplot is never imported: every chart is a
`matplotlib.figure.Figure` of its own, drawn by `FigureCanvasSVG`/`Agg` when
saved. So a notebook keeps its inline backend and shows the very figures the
report embeds (`weekly_overview.ipynb` displays them), and the report turns
them into inline SVG (`to_svg`).

The style (CJK fonts, no top/right spines) is applied per figure through
`matplotlib.rc_context`, never to the process's rcParams; the font family is
named explicitly, so a figure drawn later (a notebook's inline display)
still finds the CJK font. Text stays text in the SVG (svg.fonttype none):
the browser renders the Chinese labels with the system's CJK font and the
page stays small. Amounts are turned to float here for drawing only;
figures printed as text come from the Decimal values.

Every chart with nothing to draw says why in words instead of showing empty
axes (`EMPTY`).
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Callable
from functools import wraps
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

CJK_FONT_FILES = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
]
CJK_FAMILIES = ["WenQuanYi Zen Hei", "Noto Sans CJK SC", "WenQuanYi Micro Hei"]

SEVERITY_COLORS = {"high": "#c0392b", "medium": "#e67e22", "low": "#7f8c8d"}
BLUE, RED, GREEN, GREY = "#2f6db5", "#c0392b", "#2e8b57", "#95a5a6"

# Why a chart is empty, in the words a leader reads.
EMPTY = {
    "trend": "统计期内无发放数据",
    "rules": "本周无未结疑点",
    "townships": "本周各乡镇均无未结疑点",
    "verification": "本周无核实反馈",
    "line": "统计期内无数据",
}

STYLE = {
    # the family list itself, not the generic "sans-serif": a figure drawn
    # outside this context (a notebook's display) resolves the same fonts
    "font.family": CJK_FAMILIES + ["DejaVu Sans"],
    "axes.unicode_minus": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "crosscheck",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
}

_fonts_registered = False


def _register_fonts() -> None:
    """Make the system's CJK fonts known to matplotlib's font manager (once)."""
    global _fonts_registered
    if _fonts_registered:
        return
    for path in CJK_FONT_FILES:
        if Path(path).exists():
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):
                pass
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    _fonts_registered = True


def styled(build: Callable[..., Figure]) -> Callable[..., Figure]:
    """Build a figure inside the report's style, without touching global rcParams."""

    @wraps(build)
    def wrapper(*args, **kwargs) -> Figure:
        _register_fonts()
        with mpl.rc_context(STYLE):
            return build(*args, **kwargs)

    return wrapper


def _empty(fig: Figure, reason: str) -> Figure:
    fig.set_size_inches(fig.get_figwidth(), 1.0)
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, reason, ha="center", va="center", transform=ax.transAxes, fontsize=14)
    ax.set_axis_off()
    fig.empty_reason = reason  # type: ignore[attr-defined]  # what to_svg reads back
    return fig


def to_svg(fig: Figure, title: str) -> str:
    """The figure as an inline <svg> element with an accessible title."""
    buf = io.StringIO()
    with mpl.rc_context(STYLE), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s(width|height)="[^"]*pt"', "", svg, count=2)
    empty = getattr(fig, "empty_reason", None)
    cls = "chart empty" if empty else "chart"
    return svg.replace("<svg ", f'<svg role="img" aria-label="{title}" class="{cls}" ', 1).replace(
        ">", f"><title>{title}</title>", 1
    )


def _f(values, missing: float = 0.0) -> list[float]:
    return [float(v) if v is not None and v == v else missing for v in values]


def _wan(values) -> list[float]:
    return [v / 10000 for v in _f(values)]


def _twin_legend(ax, ax2, *, ncol: int) -> None:
    """One legend above the plot for a chart with a second y axis."""
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(
        h1 + h2,
        l1 + l2,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=ncol,
        frameon=False,
        fontsize=8,
    )


@styled
def money_trend(trend, week_label: str, figsize=(4.8, 2.4)) -> Figure:
    """Amount paid (bars) and amount at risk (line) by week, in 万元."""
    fig = Figure(figsize=figsize)
    if not len(trend) or not any(_f(trend["amount_paid"]) + _f(trend["amount_at_risk"])):
        return _empty(fig, EMPTY["trend"])
    ax = fig.add_subplot()
    weeks = [w[-3:] for w in trend["iso_week"]]
    paid = _wan(trend["amount_paid"])
    colors = [BLUE if w == week_label else "#9dbbe0" for w in trend["iso_week"]]
    ax.bar(weeks, paid, color=colors, label="发放金额（万元）")
    ax.set_ylabel("发放（万元）")
    ax2 = ax.twinx()
    ax2.plot(weeks, _wan(trend["amount_at_risk"]), color=RED, marker="o", label="风险金额（万元）")
    ax2.set_ylabel("风险（万元）", color=RED)
    ax2.spines["right"].set_visible(True)
    ax2.set_ylim(bottom=0)
    ax.tick_params(axis="x", labelsize=8)
    _twin_legend(ax, ax2, ncol=2)
    return fig


@styled
def rule_bars(by_rule, rule_names: dict[str, str], figsize_width: float = 4.8, urls=None) -> Figure:
    """Open findings per rule, coloured by severity, with the amount at risk.

    `urls(rule_code)`, when given, makes each bar and its figures a link (SVG).
    """
    rows = by_rule[by_rule["open_findings"] > 0] if len(by_rule) else by_rule
    fig = Figure(figsize=(figsize_width, max(1.4, 0.22 * len(rows) + 0.6)))
    if not len(rows):
        return _empty(fig, EMPTY["rules"])
    ax = fig.add_subplot()
    rows = rows.sort_values("rule_code", ascending=False)
    labels = [f"{c} {rule_names.get(c, '')}" for c in rows["rule_code"]]
    opened = _f(rows["open_findings"])
    bars = ax.barh(labels, opened, color=[SEVERITY_COLORS.get(s, GREY) for s in rows["severity"]])
    codes = list(rows["rule_code"])
    for y, (n, amt) in enumerate(zip(opened, _f(rows["amount_at_risk"]), strict=True)):
        text = ax.text(n, y, f" {int(n)} 条 {amt:,.0f} 元", va="center", fontsize=8)
        if urls:
            bars[y].set_url(urls(codes[y]))
            text.set_url(urls(codes[y]))
    ax.set_xlabel("未结疑点（条）")
    ax.set_xlim(0, max(opened + [1]) * 1.7)
    ax.tick_params(axis="y", labelsize=9)
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in SEVERITY_COLORS.values()]
    ax.legend(handles, ["高", "中", "低"], loc="lower right", frameon=False, fontsize=8, ncol=3)
    return fig


@styled
def township_bars(
    by_township, names: dict[str, str] | None = None, limit: int = 10, figsize_width=4.8, urls=None
) -> Figure:
    """Amount at risk and open findings per township (names): where to send inspectors."""
    rows = by_township[by_township["open_findings"] > 0] if len(by_township) else by_township
    rows = rows.head(limit).iloc[::-1]
    fig = Figure(figsize=(figsize_width, max(1.4, 0.22 * len(rows) + 0.6)))
    if not len(rows):
        return _empty(fig, EMPTY["townships"])
    ax = fig.add_subplot()
    names = names or {}
    amounts = _f(rows["amount_at_risk"])
    labels = [names.get(str(c), str(c)) for c in rows["township_code"]]
    bars = ax.barh(labels, amounts, color=RED)
    codes = list(rows["township_code"])
    for y, (amt, n) in enumerate(zip(amounts, _f(rows["open_findings"]), strict=True)):
        text = ax.text(amt, y, f" {amt:,.0f} 元 · {int(n)} 条", va="center", fontsize=8)
        if urls:
            bars[y].set_url(urls(codes[y]))
            text.set_url(urls(codes[y]))
    ax.set_xlabel("风险金额（元）")
    ax.set_xlim(0, max(amounts + [1]) * 1.7)
    ax.tick_params(axis="y", labelsize=9)
    return fig


@styled
def verification(trend, figsize=(4.8, 2.4)) -> Figure:
    """Confirmed and dismissed findings per week, and the verification rate."""
    fig = Figure(figsize=figsize)
    confirmed, dismissed = _f(trend["confirmed"]), _f(trend["dismissed"])
    rates = _f(trend["verification_rate"], missing=float("nan"))
    if not any(confirmed + dismissed) and all(r != r for r in rates):
        return _empty(fig, EMPTY["verification"])
    ax = fig.add_subplot()
    weeks = [w[-3:] for w in trend["iso_week"]]
    ax.bar(weeks, confirmed, color=RED, label="属实（条）")
    ax.bar(weeks, dismissed, bottom=confirmed, color=GREY, label="不属实（条）")
    ax.set_ylabel("核查完成（条）")
    ax.set_ylim(0, max([c + d for c, d in zip(confirmed, dismissed, strict=True)] + [0]) * 1.2 or 1)
    ax2 = ax.twinx()
    ax2.plot(weeks, [100 * v for v in rates], color=GREEN, marker="o", label="反馈率（%）")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("反馈率（%）", color=GREEN)
    ax2.spines["right"].set_visible(True)
    ax.tick_params(axis="x", labelsize=8)
    _twin_legend(ax, ax2, ncol=3)
    return fig


@styled
def line(trend, column: str, ylabel: str, *, percent=False, color=BLUE, figsize=(4.4, 2.4)):
    """One weekly series as a line with its last value printed."""
    fig = Figure(figsize=figsize)
    values = _f(trend[column], missing=float("nan"))
    if not values or all(v != v for v in values):
        return _empty(fig, EMPTY["line"])
    ax = fig.add_subplot()
    weeks = [w[-3:] for w in trend["iso_week"]]
    if percent:
        values = [100 * v for v in values]
        ax.set_ylim(0, 105)
    x = list(range(len(weeks)))
    ax.plot(x, values, color=color, marker="o")
    ax.fill_between(x, values, color=color, alpha=0.12)
    if values[-1] == values[-1]:
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
    ax.tick_params(axis="x", labelsize=7)
    return fig
