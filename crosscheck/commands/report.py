"""`crosscheck report`: Render the leaders' weekly report."""

from __future__ import annotations

from pathlib import Path

import click

from crosscheck.params import ISO_WEEK


@click.command(name="report")
@click.option("--warehouse", type=click.Path(path_type=Path), required=True, help="Live warehouse.")
@click.option("--week", type=ISO_WEEK, required=True, help="ISO week, e.g. 2026-W44.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output folder.")
@click.option("--html-only", is_flag=True, help="Skip the PNG and PDF (no Chromium needed).")
def command(warehouse: Path, week, out: Path | None, html_only: bool) -> None:
    """Render the leaders' weekly brief.

    A self-contained HTML page (Chinese, charts inline, one A4 page in print)
    from the serving copy's weekly marts, the folder of pages behind its
    numbers (per township, per rule, hold list, outcomes), plus a PNG and a
    PDF rendered by headless Chromium.
    """
    from crosscheck.report import render_weekly

    files = render_weekly(warehouse, week, out, png=not html_only, pdf=not html_only)
    click.echo(f"weekly report {files.iso_week}:")
    for path in (files.html, files.png, files.pdf):
        if path:
            click.echo(f"  {path}")
    click.echo(f"  {files.pages}/  (the lists behind every number)")
