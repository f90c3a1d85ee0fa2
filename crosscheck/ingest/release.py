"""Releasing a quarantined delivery: an operator's audited decision.

Its rows move from quarantine.<source> to raw.<source>, its status becomes
`loaded` (superseding an earlier delivery of the same source and date, as a
normal load would) and meta.releases records who, when and why — in one
transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import duckdb

from crosscheck import audit
from crosscheck.errors import CrosscheckError
from crosscheck.ingest.history import add_snapshot
from crosscheck.ingest.load import supersede
from crosscheck.ingest.sources import get_source
from crosscheck.query import scalar


@dataclass
class ReleaseResult:
    load_id: str
    source: str
    extract_date: dt.date
    rows: int
    superseded: list[str]


def release_quarantined(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    reason: str,
    released_by: str,
    now: dt.datetime,
):

    row = con.execute(
        "SELECT source, extract_date, status, reasons FROM meta.loads WHERE load_id = ?", [load_id]
    ).fetchone()
    if row is None:
        raise CrosscheckError(f"no load {load_id!r} in the warehouse")
    source_name, extract_date, status, reasons = row
    if status != "quarantined":
        raise CrosscheckError(f"load {load_id} is {status}, not quarantined; nothing to release")
    source = get_source(source_name)
    cols = ", ".join(f'"{n}"' for n, _ in source.raw_columns())
    old_reasons = json.loads(reasons or "[]")
    con.execute("BEGIN TRANSACTION")
    try:
        superseded = supersede(con, source, extract_date, load_id)
        if source.kind == "snapshot":  # stored as change history (ingest/history.py)
            n = scalar(
                con,
                f"SELECT count(*) FROM quarantine.{source.name} WHERE _load_id = ?",
                [load_id],
            )
            add_snapshot(
                con,
                source,
                load_id,
                extract_date,
                f"SELECT {cols} FROM quarantine.{source.name} WHERE _load_id = ?",
                [load_id],
            )
        else:
            n = scalar(
                con,
                f"""INSERT INTO raw.{source.name} ({cols})
                    SELECT {cols} FROM quarantine.{source.name} WHERE _load_id = ?""",
                [load_id],
            )
        con.execute(f"DELETE FROM quarantine.{source.name} WHERE _load_id = ?", [load_id])
        con.execute(
            "UPDATE meta.loads SET status = 'loaded', reasons = ? WHERE load_id = ?",
            [
                json.dumps(
                    [*old_reasons, f"released by {released_by}: {reason}"], ensure_ascii=False
                ),
                load_id,
            ],
        )
        con.execute(
            "INSERT INTO meta.releases VALUES (?, ?, ?, ?)", [load_id, released_by, reason, now]
        )
        key = scalar(
            con,
            f"SELECT {audit.KINDS['release'].key} FROM meta.releases "
            "WHERE load_id = ? AND released_at = ?",
            [load_id, now],
        )
        audit.append(con, "release", [key])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return ReleaseResult(load_id, source.name, extract_date, int(n), superseded)
