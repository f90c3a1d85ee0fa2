"""`crosscheck generate`: Generate a synthetic county in the delivery formats."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import click

from crosscheck.errors import CrosscheckError
from crosscheck.params import DATE

MIN_PERSONS = 200
MAX_HISTORY_MONTHS = 60  # five years: about 10M ledger rows for 1M persons


@click.command(name="generate")
@click.option(
    "--out", "out", required=True, type=click.Path(path_type=Path), help="Landing folder to create."
)
@click.option(
    "--persons", default=2000, show_default=True, type=int, help="Residents of the county."
)
@click.option(
    "--seed", default=1, show_default=True, type=int, help="Random seed (same seed, same bytes)."
)
@click.option(
    "--start", default="2026-10-01", show_default=True, type=DATE, help="Go-live: first delivery."
)
@click.option(
    "--end", default="2026-10-31", show_default=True, type=DATE, help="Last extract date (as-of)."
)
@click.option(
    "--history-months",
    default=6,
    show_default=True,
    type=int,
    help="Months of history before --start in the baseline deliveries.",
)
@click.option(
    "--truth",
    type=click.Path(path_type=Path),
    default=None,
    help="Truth file (default: <parent of --out>/truth.json).",
)
@click.option(
    "--part-size",
    default=None,
    type=int,
    help="Persons generated at once (default 1,000,000): a larger county is generated in "
    "parts, each appending to the deliveries, so memory follows the part.",
)
@click.option("--force", is_flag=True, help="Replace a non-empty --out folder.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def command(out, persons, seed, start, end, history_months, truth, part_size, force, quiet) -> None:
    """Generate a synthetic county in the delivery formats.

    Writes every delivery of the eight sources from --start to --end into
    --out (docs/DELIVERY_FORMATS.md layout) and the planted findings and near misses to
    the truth file, outside the landing folder.
    """
    from crosscheck.generator import PART_SIZE, Options, generate, parts_of
    from crosscheck.progress import Progress

    part_size = part_size or PART_SIZE
    if part_size < MIN_PERSONS:
        raise CrosscheckError(f"--part-size must be at least {MIN_PERSONS} (got {part_size})")
    try:
        parts = parts_of(persons, part_size)
    except ValueError as e:
        raise CrosscheckError(f"--persons {persons}: {e}") from None
    if len(parts) > 1:
        from crosscheck.ingest.sources import load_sources

        xlsx = [s.name for s in load_sources().values() if s.format == "xlsx"]
        if xlsx:
            raise CrosscheckError(
                f"a county of {persons:,} persons is generated in {len(parts)} parts and needs "
                f"{', '.join(xlsx)} delivered as CSV (one XLSX sheet holds 1,048,576 rows): "
                "declare `format: csv` in the deployment file (CROSSCHECK_DEPLOYMENT)"
            )

    if end < start:
        raise CrosscheckError(f"--end {end} is before --start {start}")
    if persons < MIN_PERSONS:
        raise CrosscheckError(f"--persons must be at least {MIN_PERSONS} (got {persons})")
    if not 3 <= history_months <= MAX_HISTORY_MONTHS:
        raise CrosscheckError(
            f"--history-months must be between 3 and {MAX_HISTORY_MONTHS} (got {history_months})"
        )
    if start < dt.date(2005, 1, 1):
        raise CrosscheckError(f"--start {start} is before 2005")
    out = out.resolve()
    truth = (truth or out.parent / "truth.json").resolve()
    if truth.is_relative_to(out):
        raise CrosscheckError(f"truth file {truth} must be outside the landing folder {out}")
    if out.exists() and not out.is_dir():
        raise CrosscheckError(f"--out {out} exists and is not a folder")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise CrosscheckError(f"--out {out} is not empty (use --force to replace it)")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    truth.parent.mkdir(parents=True, exist_ok=True)
    progress = Progress(quiet=quiet)
    opts = Options(
        out=out,
        truth=truth,
        persons=persons,
        seed=seed,
        start=start,
        end=end,
        history_months=history_months,
    )
    generate(opts, progress, part_size)
    click.echo(f"landing: {out}")
    click.echo(f"truth:   {truth}")
