"""`crosscheck load-feedback`: Load returned township workbooks (review feedback)."""

from __future__ import annotations

import click

from crosscheck.errors import CrosscheckError


@click.command(name="load-feedback")
def command() -> None:
    """Load returned township workbooks (review feedback)."""
    raise CrosscheckError("'crosscheck load-feedback' is not implemented yet")
