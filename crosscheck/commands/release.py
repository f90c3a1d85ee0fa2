"""`crosscheck release`: Release a quarantined delivery, with a recorded reason."""

from __future__ import annotations

import getpass
from pathlib import Path

import click


@click.command(name="release")
@click.option("--warehouse", required=True, type=click.Path(path_type=Path), help="DuckDB file.")
@click.option(
    "--load-id", "load_id", required=True, help="The quarantined load (see `crosscheck status`)."
)
@click.option("--reason", required=True, help="Why the delivery may pass (recorded).")
@click.option("--by", "by", default=None, help="Who releases it (default: the OS user).")
def command(warehouse: Path, load_id: str, reason: str, by: str | None) -> None:
    """Release a quarantined delivery, with a recorded reason.

    Moves its rows to raw in one transaction (superseding an earlier delivery
    of the same source and date), sets its status to loaded and records the
    release in meta.releases.
    """
    from crosscheck.ingest.api import release

    r = release(warehouse, load_id, reason, by or getpass.getuser())
    extra = f"; superseded {', '.join(r.superseded)}" if r.superseded else ""
    click.echo(f"released {r.load_id}: {r.rows} rows now in raw.{r.source}{extra}")
