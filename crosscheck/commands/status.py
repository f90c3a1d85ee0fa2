"""`crosscheck status`: Show load records, quarantines and stale sources."""

from __future__ import annotations

import json
from pathlib import Path

import click

from crosscheck.params import DATE


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(header, widths, strict=False))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=False)) for r in rows]
    return "\n".join(lines)


def _state(s) -> str:
    """fresh, or STALE since when and why (crosscheck.ingest.status's definition)."""
    if not s.stale:
        return "fresh"
    if s.stale_since is None:
        return "STALE (never loaded)"
    return f"STALE since {s.stale_since} ({s.stale_reasons})"


@click.command(name="status")
@click.option("--warehouse", required=True, type=click.Path(path_type=Path), help="DuckDB file.")
@click.option("--as-of", "as_of", type=DATE, default=None, help="Judge staleness as of this date.")
def command(warehouse: Path, as_of) -> None:
    """Show load records, quarantines and stale sources.

    Never waits for a run: while a writer is at work it shows the last
    published state and says so.
    """
    from crosscheck.ingest.api import status

    rep = status(warehouse, as_of)
    if rep.note:
        click.echo(f"note: {rep.note}")
    rows = [
        [
            r["load_id"],
            r["status"],
            r["rows_read"] or 0,
            r["rows_loaded"] or 0,
            r["rows_rejected"] or 0,
            "; ".join(json.loads(r["reasons"] or "[]"))[:80],
        ]
        for r in rep.loads
    ]
    click.echo(_table(rows, ["load", "status", "read", "loaded", "rejected", "reasons"]))
    click.echo("")
    if rep.quarantines:
        q = [[x.load_id, x.rows, "; ".join(x.failed)[:100]] for x in rep.quarantines]
        click.echo("quarantined (release with `crosscheck release`):")
        click.echo(_table(q, ["load", "rows", "failed expectations"]))
    else:
        click.echo("quarantined: none")
    click.echo("")
    src = [[s.source, s.last_good or "-", _state(s)] for s in rep.sources]
    click.echo(f"sources as of {rep.as_of}:")
    click.echo(_table(src, ["source", "last good", "state"]))
