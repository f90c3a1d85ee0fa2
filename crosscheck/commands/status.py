"""`crosscheck status`: Show load records, quarantines and stale sources."""

from __future__ import annotations

import click

from crosscheck.errors import CrosscheckError


@click.command(name="status")
def command() -> None:
    """Show load records, quarantines and stale sources."""
    raise CrosscheckError("'crosscheck status' is not implemented yet")
