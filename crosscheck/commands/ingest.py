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
def command(landing: Path, warehouse: Path, as_of, sources) -> int:
    """Load new deliveries from a landing folder into the warehouse.

    Verifies each delivery against its _SUCCESS marker, reads it, runs the
    quality gate, and loads it (or quarantines or rejects it, with reasons).
    Prints one line per delivery; exits 1 if any was rejected or quarantined.
    """
    from ingestion.api import ingest

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    report = ingest(landing, warehouse, as_of=as_of, sources=list(sources) or None)
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
