"""The leaders' weekly brief: one self-contained HTML page (one A4 page in
print), the static pages behind its numbers, plus PNG and PDF.

`render_weekly` is what the CLI (`crosscheck report`) and the weekly DAG
call. It reads the serving copy only. Beside weekly_<week>.html it writes
the folder weekly_<week>/ with a page per township and per rule, the new
and open findings, the hold list, the verification feedback, payments per
township and the outcome tables (crosscheck.report.page); every number of
the brief links to one of them, offline.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from crosscheck.config import home
from crosscheck.errors import CrosscheckError
from crosscheck.review.privacy import make_private, private_dir, private_files

log = logging.getLogger(__name__)


@dataclass
class ReportFiles:
    iso_week: str
    html: Path
    pages: Path | None = None  # the folder of the lists behind the numbers
    headline: list[str] = field(default_factory=list)  # the key figures, as text
    png: Path | None = None
    pdf: Path | None = None

    @property
    def outcomes(self) -> Path | None:
        """The page of outcome tables (confirmed rates, recovery, miss rate)."""
        page = self.pages / "outcomes.html" if self.pages else None
        return page if page and page.exists() else None


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
    from crosscheck.report import browser, data, page

    monday = week_monday(week)
    figures = data.load(warehouse, monday)
    out = private_dir(Path(out) if out else home() / "reports")
    stem = f"weekly_{figures.iso_week}"
    html_path = out / f"{stem}.html"
    unit = page.issuing_unit(figures.counties)
    pages = private_dir(out / stem)
    for old in pages.glob("*.html"):  # a page of an earlier render that no longer applies
        old.unlink()
    with private_files():
        for name, text in page.render_pages(figures, unit, pages).items():
            _write(pages / name, text)
        _write(html_path, page.render_brief(figures, unit, stem))
    files = ReportFiles(
        iso_week=figures.iso_week, html=html_path, pages=pages, headline=page.headline(figures)
    )
    with private_files():
        if png:
            files.png = make_private(
                browser.screenshot(html_path, out / f"{stem}.png", width=1000, height=1500)
            )
        if pdf:
            files.pdf = make_private(browser.print_pdf(html_path, out / f"{stem}.pdf"))
    log.info("weekly report %s written to %s", figures.iso_week, out)
    return files


def _write(path: Path, text: str) -> None:
    """Write a page atomically (a reader never sees half of it), owner-only."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    make_private(path)
