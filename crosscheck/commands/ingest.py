"""`crosscheck ingest`: Load new deliveries from a landing folder into the warehouse."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from crosscheck.params import DATE


@click.command(name="ingest")
@click.option("--landing", required=True, type=click.Path(path_type=Path), help="Landing folder.")
@click.option("--warehouse", required=True, type=click.Path(path_type=Path), help="DuckDB file.")
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    default=None,
    help="Load extract dates ≤ this date (default: latest complete).",
)
@click.option("--source", "sources", multiple=True, help="Only these sources (repeatable).")
@click.option("--quiet", is_flag=True, help="No progress lines (stderr).")
def command(landing: Path, warehouse: Path, as_of, sources, quiet: bool) -> int:
    """Load new deliveries from a landing folder into the warehouse.

    Verifies each delivery against its _SUCCESS marker, reads it, runs the
    quality gate, and loads it (or quarantines or rejects it, with reasons).
    Prints one line per delivery; exits 1 if any was rejected or quarantined.
    While it works, a progress line per delivery goes to stderr as it is done
    (n of total, elapsed time).
    """
    from crosscheck.ingest.api import ingest
    from crosscheck.progress import Progress

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    progress = Progress(quiet=quiet)

    def tell(i: int, n: int, result) -> None:
        progress.step(f"{i}/{n} {result.status} {result.load_id} ({result.seconds:.1f}s)")

    report = ingest(
        landing, warehouse, as_of=as_of, sources=list(sources) or None, on_delivery=tell
    )
    for d in report.deliveries:
        if d.status != "skipped":
            click.echo(d.line())
    skipped = report.count("skipped")
    for late in report.late:
        click.echo(f"late        {late.source}: no complete delivery for {late.extract_date}")
    click.echo(
        f"as of {report.as_of}: {report.count('loaded')} loaded, "
        f"{report.count('quarantined')} quarantined, {report.count('rejected')} rejected, "
        f"{skipped} already loaded, {len(report.late)} late"
    )
    return 0 if report.ok else 1
