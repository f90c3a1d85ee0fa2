"""`crosscheck ingest`: Load new deliveries from a landing folder into the warehouse."""

from __future__ import annotations

import click

from crosscheck.errors import CrosscheckError


@click.command(name="ingest")
def command() -> None:
    """Load new deliveries from a landing folder into the warehouse."""
    raise CrosscheckError("'crosscheck ingest' is not implemented yet")
