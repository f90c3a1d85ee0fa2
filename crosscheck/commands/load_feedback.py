"""`crosscheck load-feedback`: Load returned township workbooks (review feedback)."""

from __future__ import annotations

from pathlib import Path

import click

from crosscheck.params import DATE


@click.command(name="load-feedback")
@click.option("--landing", type=click.Path(path_type=Path), required=True, help="Landing folder.")
@click.option("--warehouse", type=click.Path(path_type=Path), required=True, help="Live warehouse.")
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    default=None,
    help="Load date; review dates after it are refused (default: today, Asia/Shanghai).",
)
def command(landing: Path, warehouse: Path, as_of) -> None:
    """Load returned township workbooks (review feedback).

    Reads <landing>/review_feedback/*.xlsx; good rows become decisions, bad
    cells are listed in review.feedback_rejects and a .rejects.csv beside
    the workbook. A file loaded before is skipped.
    """
    from crosscheck.review.feedback import load_feedback

    res = load_feedback(landing, warehouse, as_of)
    click.echo(
        f"feedback as of {res.as_of}: {len(res.files)} workbooks, "
        f"{res.decisions_loaded} decisions loaded, {res.cells_rejected} bad cells"
    )
    for f in res.files:
        line = f"  {f.file.name}: {f.status}, {f.rows_loaded} loaded, {len(f.rejects)} bad cells"
        if f.report:
            line += f" (see {f.report})"
        click.echo(line)
