"""The leaders' weekly report: one self-contained HTML page, plus PNG and PDF.

`render_weekly` is what the CLI (`crosscheck report`) and the weekly DAG
call. It reads the serving copy only.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from crosscheck.config import home
from crosscheck.errors import CrosscheckError
from crosscheck.review.privacy import make_private, private_dir, private_files

log = logging.getLogger(__name__)


@dataclass
class ReportFiles:
    iso_week: str
    html: Path
    png: Path | None = None
    pdf: Path | None = None


def week_monday(week: dt.date | str) -> dt.date:
    """'YYYY-Www' or any date of the week → its Monday."""
    if isinstance(week, dt.date):
        return week - dt.timedelta(days=week.weekday())
    from crosscheck.params import ISO_WEEK

    try:
        return ISO_WEEK.convert(week, None, None)
    except Exception as e:
        raise CrosscheckError(f"{week!r} is not an ISO week (expected e.g. 2026-W44)") from e


def render_weekly(
    warehouse: Path | str,
    week: dt.date | str,
    out: Path | str | None = None,
    *,
    png: bool = True,
    pdf: bool = True,
) -> ReportFiles:
    """Write weekly_<YYYY-Www>.html (and .png, .pdf through Chromium) into `out`."""
    from crosscheck.report import browser, data, outcomes, page

    monday = week_monday(week)
    figures = data.load(warehouse, monday)
    out = private_dir(Path(out) if out else home() / "reports")
    stem = f"weekly_{figures.iso_week}"
    html_path = out / f"{stem}.html"
    tmp = out / f".{stem}.html.tmp"
    with private_files():
        tmp.write_text(page.render_html(figures), encoding="utf-8")
    os.replace(tmp, html_path)
    make_private(html_path)
    files = ReportFiles(iso_week=figures.iso_week, html=html_path)
    with private_files():
        if png:
            rows = len(figures.by_rule) + min(len(figures.by_township), 15)
            height = 2450 + 36 * rows + (40 * len(page.source_alerts(figures.sources)))
            height += outcomes.height(figures.outcomes)
            files.png = make_private(
                browser.screenshot(html_path, out / f"{stem}.png", height=height)
            )
        if pdf:
            files.pdf = make_private(browser.print_pdf(html_path, out / f"{stem}.pdf"))
    log.info("weekly report %s written to %s", figures.iso_week, out)
    return files
