"""meta.loads, meta.late_deliveries and the small records the API returns.

Every delivery seen gets one meta.loads row keyed by a deterministic load id
(`<source>:<yyyymmdd>:<sha256[:12]>`), so the same bytes delivered twice are
recognised and change nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import duckdb


def make_load_id(source: str, extract_date: dt.date, sha256: str) -> str:
    return f"{source}:{extract_date.strftime('%Y%m%d')}:{sha256[:12].lower()}"


@dataclass
class DeliveryResult:
    """What happened to one delivery."""

    load_id: str
    source: str
    extract_date: dt.date
    status: str  # loaded | quarantined | rejected | skipped (already seen)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    reasons: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    seconds: float = 0.0
    validation_seconds: float = 0.0

    def line(self) -> str:
        why = f" — {'; '.join(self.reasons)}" if self.reasons else ""
        rows = (
            f" rows={self.rows_read} loaded={self.rows_loaded} rejected={self.rows_rejected}"
            if self.status in ("loaded", "quarantined")
            else ""
        )
        return f"{self.status:<11} {self.load_id}{rows}{why}"


@dataclass
class LateDelivery:
    source: str
    extract_date: dt.date  # the due extract date with no complete delivery
    reported_for: dt.date


@dataclass
class IngestReport:
    as_of: dt.date | None
    deliveries: list[DeliveryResult] = field(default_factory=list)
    late: list[LateDelivery] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(d.status == status for d in self.deliveries)

    @property
    def ok(self) -> bool:
        return not any(d.status in ("rejected", "quarantined") for d in self.deliveries)


def existing_status(con: duckdb.DuckDBPyConnection, load_id: str) -> str | None:
    row = con.execute("SELECT status FROM meta.loads WHERE load_id = ?", [load_id]).fetchone()
    return row[0] if row else None


def record_load(
    con: duckdb.DuckDBPyConnection, r: DeliveryResult, replace: bool = True, **file_info
) -> None:
    """Insert (or, for a re-checked rejected delivery, replace) a meta.loads row.
    `replace=False`: the caller knows there is no row of this load id to replace."""
    if replace:
        con.execute("DELETE FROM meta.loads WHERE load_id = ?", [r.load_id])
    con.execute(
        """INSERT INTO meta.loads (load_id, source, extract_date, file_name, file_bytes, sha256,
               rows_read, rows_loaded, rows_rejected, status, reasons, superseded_by,
               started_at, finished_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)""",
        [
            r.load_id,
            r.source,
            r.extract_date,
            file_info.get("file_name"),
            file_info.get("file_bytes"),
            file_info.get("sha256"),
            r.rows_read,
            r.rows_loaded,
            r.rows_rejected,
            r.status,
            json.dumps(r.reasons, ensure_ascii=False),
            file_info.get("started_at"),
            file_info.get("finished_at"),
        ],
    )


def record_late(con: duckdb.DuckDBPyConnection, late: list[LateDelivery], now: dt.datetime) -> None:
    """Record each (source, due date) once; a later run reporting it again adds nothing."""
    for item in late:
        con.execute(
            """INSERT INTO meta.late_deliveries
               SELECT ?, ?, ?, ?
               WHERE NOT EXISTS (SELECT 1 FROM meta.late_deliveries
                                 WHERE source = ? AND extract_date = ? AND reported_for = ?)""",
            [
                item.source,
                item.extract_date,
                item.reported_for,
                now,
                item.source,
                item.extract_date,
                item.reported_for,
            ],
        )
