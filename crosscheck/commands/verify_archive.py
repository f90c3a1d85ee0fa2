"""`crosscheck verify-archive`: Re-check the archived raw deliveries against their checksums."""

from __future__ import annotations

from pathlib import Path

import click

from crosscheck.errors import CrosscheckError


@click.command(name="verify-archive")
@click.option("--warehouse", required=True, type=click.Path(path_type=Path), help="DuckDB file.")
def command(warehouse: Path) -> None:
    """Re-check the archived raw deliveries against their checksums.

    Every loaded, quarantined or superseded delivery in meta.loads must be in
    <warehouse dir>/archive, read-only, with the recorded sha256. Exits 1 and
    lists each problem otherwise.
    """
    from crosscheck.ingest.archive import verify_archive

    res = verify_archive(warehouse)
    for problem in res.problems:
        click.echo(f"  {problem}")
    if not res.ok:
        raise CrosscheckError(f"archive check failed: {len(res.problems)} problem(s)")
    click.echo(f"archive ok: {res.checked} deliveries re-hashed, all match")
