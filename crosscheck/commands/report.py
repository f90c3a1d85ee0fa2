"""`crosscheck report`: Render the leaders' weekly report."""

from __future__ import annotations

import click

from crosscheck.errors import CrosscheckError


@click.command(name="report")
def command() -> None:
    """Render the leaders' weekly report."""
    raise CrosscheckError("'crosscheck report' is not implemented yet")
