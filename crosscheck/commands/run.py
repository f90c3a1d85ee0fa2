"""`crosscheck run`: Run the nightly job: ingest, gate, dbt build, publish."""

from __future__ import annotations

import click

from crosscheck.errors import CrosscheckError


@click.command(name="run")
def command() -> None:
    """Run the nightly job: ingest, gate, dbt build, publish."""
    raise CrosscheckError("'crosscheck run' is not implemented yet")
