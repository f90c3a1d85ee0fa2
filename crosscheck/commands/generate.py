"""`crosscheck generate`: Generate a synthetic county in the delivery formats."""

from __future__ import annotations

import click

from crosscheck.errors import CrosscheckError


@click.command(name="generate")
def command() -> None:
    """Generate a synthetic county in the delivery formats."""
    raise CrosscheckError("'crosscheck generate' is not implemented yet")
