"""`crosscheck audit verify`: prove the audit trail intact, or name the first broken record."""

from __future__ import annotations

from pathlib import Path

import click

from crosscheck.errors import CrosscheckError


@click.group(name="audit")
def command() -> None:
    """The tamper-evident trail of decisions, releases and full-identifier exports."""


@command.command(name="verify")
@click.option("--warehouse", required=True, type=click.Path(path_type=Path), help="DuckDB file.")
def verify(warehouse: Path) -> None:
    """Re-hash every chained record; exit 1 naming the first that does not hold.

    Covers review.decisions, meta.releases and review.exports rows written
    with full identifiers (meta.audit_chain, docs/OUTCOMES.md §5).
    """
    from crosscheck.audit import verify as run

    verdict = run(warehouse)
    if not verdict.ok:
        raise CrosscheckError(f"audit trail broken: {verdict.broken}")
    click.echo(f"audit trail intact: {verdict.records} records chained")
