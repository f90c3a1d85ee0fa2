"""`crosscheck link` and `crosscheck link-train`: probabilistic identity linking (issue 15)."""

from __future__ import annotations

from pathlib import Path

import click

from crosscheck import config
from crosscheck.params import DATE

WAREHOUSE = click.option(
    "--warehouse",
    type=click.Path(path_type=Path),
    default=None,
    help="DuckDB file (default: $CROSSCHECK_WAREHOUSE or work/warehouse.duckdb).",
)


@click.command(name="link")
@WAREHOUSE
@click.option("--as-of", "as_of", type=DATE, required=True, help="Business date to link for.")
def command(warehouse: Path | None, as_of) -> int:
    """Link questioned IDs to register persons (linkage.identity_links).

    `crosscheck run` does this before every build; run it by hand before a
    `dbt build` of the same as-of date. Ledger recipients and death records
    whose ID is invalid, absent from hukou or names someone else get their
    best register candidates, with match weight, probability and what agreed.
    """
    from crosscheck.linkage import link_identities
    from crosscheck.locking import writer_lock

    warehouse = warehouse or config.default_warehouse()
    if not Path(warehouse).exists():
        raise click.UsageError(f"warehouse {warehouse} does not exist")
    with writer_lock(warehouse):
        summary = link_identities(warehouse, as_of)
    click.echo(summary.line())
    return 0


@click.command(name="link-train")
@WAREHOUSE
@click.option("--as-of", "as_of", type=DATE, required=True, help="Business date of the data.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the model (default: the package's identity_model.json).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Random sampling seed.")
def train_command(warehouse: Path | None, as_of, out: Path | None, seed: int) -> int:
    """Re-estimate the linking model and save it as JSON (the versioned artefact).

    u probabilities by random sampling, m probabilities by expectation
    maximisation, on the questioned records of the warehouse as of D. The
    shipped model was trained on a generated 100,000-person county (see
    crosscheck/linkage/README.md); commit the new file to change it.
    """
    from crosscheck.linkage.link import retrain

    warehouse = warehouse or config.default_warehouse()
    if not Path(warehouse).exists():
        raise click.UsageError(f"warehouse {warehouse} does not exist")
    click.echo(f"model written to {retrain(warehouse, as_of, out=out, seed=seed)}")
    return 0
