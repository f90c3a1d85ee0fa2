"""`crosscheck run`: Run the nightly job: ingest, gate, dbt build, publish."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from crosscheck import config
from crosscheck.params import DATE


@click.command(name="run")
@click.option(
    "--landing",
    type=click.Path(path_type=Path),
    default=None,
    help="Landing folder (default: $CROSSCHECK_LANDING or work/landing).",
)
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path),
    default=None,
    help="DuckDB file (default: $CROSSCHECK_WAREHOUSE or work/warehouse.duckdb).",
)
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    default=None,
    help="Business date to evaluate (default: latest complete extract date).",
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Rebuild every model from scratch (anomaly history is kept).",
)
@click.option("--quiet", is_flag=True, help="No progress lines (stderr).")
def command(
    landing: Path | None, warehouse: Path | None, as_of, full_refresh: bool, quiet: bool
) -> int:
    """Run the nightly job: ingest, gate, review feedback, dbt build, publish.

    Loads every new complete delivery up to the as-of date (quality gate
    included) and the townships' returned workbooks, links questioned
    identities, builds the warehouse for that date with dbt, publishes the
    serving copy, and prints a short summary. Each step prints a progress
    line on stderr as it finishes (counts, elapsed time). Exits 1 with a
    one-line reason on failure; dbt's details are in its log beside the
    warehouse.
    """
    from crosscheck.pipeline import run_nightly
    from crosscheck.progress import Progress

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    summary = run_nightly(
        landing or config.default_landing(),
        warehouse or config.default_warehouse(),
        as_of=as_of,
        full_refresh=full_refresh,
        progress=Progress(quiet=quiet),
    )
    for line in summary.lines():
        click.echo(line)
    return 0
