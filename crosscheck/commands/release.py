"""`crosscheck release`: Release a quarantined delivery, with a recorded reason."""

from __future__ import annotations

import click

from crosscheck.errors import CrosscheckError


@click.command(name="release")
def command() -> None:
    """Release a quarantined delivery, with a recorded reason."""
    raise CrosscheckError("'crosscheck release' is not implemented yet")
