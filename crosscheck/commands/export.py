"""`crosscheck export`: Export findings to verify as township workbooks."""

from __future__ import annotations

import click

from crosscheck.errors import CrosscheckError


@click.command(name="export")
def command() -> None:
    """Export findings to verify as township workbooks."""
    raise CrosscheckError("'crosscheck export' is not implemented yet")
