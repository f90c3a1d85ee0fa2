"""`crosscheck backup`: Back up load records and review decisions."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="backup")
@click.option("--warehouse", required=True, type=click.Path(path_type=Path), help="DuckDB file.")
@click.option(
    "--out", required=True, type=click.Path(path_type=Path), help="An empty folder for it."
)
def command(warehouse: Path, out: Path) -> None:
    """Back up load records and review decisions.

    Writes every table of the meta and review schemas to Parquet, with a
    manifest of row counts and sha256s; never waits for a running writer.
    """
    from crosscheck.backup import backup

    res = backup(warehouse, out)
    if res.note:
        click.echo(f"note: {res.note}")
    click.echo(f"backup in {res.folder}: {len(res.tables)} tables, {sum(res.tables.values())} rows")
