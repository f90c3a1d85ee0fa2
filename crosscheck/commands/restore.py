"""`crosscheck restore`: Restore load records and review decisions from a backup."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="restore")
@click.option("--warehouse", required=True, type=click.Path(path_type=Path), help="DuckDB file.")
@click.option(
    "--from", "source", required=True, type=click.Path(path_type=Path), help="Backup folder."
)
@click.option("--replace", is_flag=True, help="Replace rows already in the warehouse.")
def command(warehouse: Path, source: Path, replace: bool) -> None:
    """Restore load records and review decisions from a backup.

    Checks every file against the manifest, then restores all tables in one
    transaction; refuses to mix with rows already there unless --replace.
    """
    from crosscheck.backup import restore

    done = restore(warehouse, source, replace=replace)
    click.echo(f"restored {len(done)} tables, {sum(done.values())} rows into {warehouse}")
