"""What the warehouse holds: load records, quarantines, stale sources.

A snapshot source is stale when a delivery was due after its last good one
(per its cadence) and none good has arrived; it is stale since that due date.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from crosscheck.ingest.sources import load_sources
from crosscheck.publish import reading


@dataclass
class SourceState:
    source: str
    last_good: dt.date | None
    stale_since: dt.date | None  # first due extract date after last_good, if ≤ as_of

    @property
    def stale(self) -> bool:
        return self.stale_since is not None


@dataclass
class Quarantine:
    load_id: str
    source: str
    extract_date: dt.date
    rows: int
    failed: list[str]


@dataclass
class StatusReport:
    as_of: dt.date | None
    loads: list[dict] = field(default_factory=list)
    quarantines: list[Quarantine] = field(default_factory=list)
    sources: list[SourceState] = field(default_factory=list)
    note: str | None = None  # set when read from the serving copy during a run

    @property
    def stale(self) -> list[SourceState]:
        return [s for s in self.sources if s.stale]


def first_due_after(source, day: dt.date, as_of: dt.date) -> dt.date | None:
    d = day + dt.timedelta(days=1)
    while d <= as_of:
        if source.expected_on(d):
            return d
        d += dt.timedelta(days=1)
    return None


def read_status(warehouse: Path, as_of: dt.date | None = None) -> StatusReport:
    """The status of the live warehouse, or of its serving copy while a writer is at work."""
    with reading(warehouse) as (con, note):
        cur = con.execute(
            """SELECT load_id, source, extract_date, status, rows_read, rows_loaded,
                      rows_rejected, reasons, superseded_by, finished_at
               FROM meta.loads ORDER BY extract_date, source, started_at"""
        )
        names = [d[0] for d in cur.description]
        loads = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        failed = con.execute(
            """SELECT load_id, list(expectation || coalesce(' ' || column_name, '')
                                    ORDER BY expectation)
               FROM meta.validation_results WHERE NOT success AND severity = 'critical'
               GROUP BY load_id"""
        ).fetchall()
    failed_by = dict(failed)
    if as_of is None:
        as_of = max((r["extract_date"] for r in loads), default=None)
    report = StatusReport(as_of=as_of, loads=loads, note=note)
    for r in loads:
        if r["status"] == "quarantined":
            report.quarantines.append(
                Quarantine(
                    r["load_id"],
                    r["source"],
                    r["extract_date"],
                    r["rows_loaded"] or 0,
                    failed_by.get(r["load_id"]) or json.loads(r["reasons"] or "[]"),
                )
            )
    for name, src in load_sources().items():
        good = [
            r["extract_date"]
            for r in loads
            if r["source"] == name
            and r["status"] == "loaded"
            and (as_of is None or r["extract_date"] <= as_of)
        ]
        last = max(good, default=None)
        since = None
        if as_of is not None:
            if last is None:
                since = first_due_after(
                    src,
                    min((r["extract_date"] for r in loads), default=as_of) - dt.timedelta(days=1),
                    as_of,
                )
            else:
                since = first_due_after(src, last, as_of)
        report.sources.append(SourceState(name, last, since))
    return report
