"""`crosscheck export`: Export findings to verify as township workbooks."""

from __future__ import annotations

from pathlib import Path

import click

from crosscheck.params import DATE


@click.command(name="export")
@click.option("--warehouse", type=click.Path(path_type=Path), required=True, help="Live warehouse.")
@click.option("--as-of", "as_of", type=DATE, required=True, help="The findings' as-of date.")
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="Folder for the workbooks."
)
@click.option(
    "--full-identifiers",
    is_flag=True,
    help="Show ID numbers and accounts unmasked (the request is logged).",
)
def command(warehouse: Path, as_of, out: Path, full_identifiers: bool) -> None:
    """Export findings to verify as township workbooks.

    One workbook per township (乡镇), read from the serving copy; ID numbers
    and accounts masked unless --full-identifiers. Findings already verified
    are not sent again unless their evidence changed, or unless confirmed
    with money still to recover. Each workbook is in risk-score order and
    carries the township's 抽查 items of the weekly random sample
    (docs/OUTCOMES.md); full-identifier exports go on the audit trail.
    Files are named by township name and code; the first sheet gathers the
    加急 findings, the cover gives the return date and the sign-off block.
    """
    from crosscheck.review.export import export_findings

    res = export_findings(warehouse, as_of, out, full_identifiers=full_identifiers)
    click.echo(
        f"export {res.export_id}: {res.findings} findings ({res.urgent} urgent) in "
        f"{len(res.files)} workbooks under {out}; {res.already_verified} already verified; "
        f"{res.sample_items} 抽查 items"
    )
    if res.files and res.return_by:
        click.echo(
            f"  to be returned by {res.return_by}"
            + (
                ""
                if res.return_by_statutory
                else " (Monday–Friday counted: the statutory calendar ends before it)"
            )
        )
    for path in res.files:
        click.echo(f"  {path}")
