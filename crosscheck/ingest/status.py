"""What the warehouse holds: load records, quarantines, stale sources.

**Stale source: the one definition** (`source_states`). As of D, a source's
last good delivery is its latest loaded extract date ≤ D. A *problem* is an
extract date ≤ D with no loaded delivery that either was due (the cadence in
sources.yml, counted from the warehouse's first extract date: nothing
arrived → `late`, whether or not a run recorded it in meta.late_deliveries),
or was recorded late, or had its delivery quarantined or rejected. A source
is stale when it never loaded, or a problem is dated after its last good
delivery; stale since the earliest such date.

`crosscheck status` judges with it directly from the load records (so it is
right straight after an ingest, before any dbt build); `crosscheck.build`
writes its rows for D into meta.source_staleness before dbt runs, and
`marts.source_status` (read by the run summary, the brief, the demo and the
notebooks) reads them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from crosscheck.ingest.sources import Source, load_sources
from crosscheck.publish import reading
from crosscheck.query import records
from crosscheck.warehouse import SOURCE_STALENESS_DDL

STALENESS_TABLE = "meta.source_staleness"


@dataclass
class SourceState:
    source: str
    last_good: dt.date | None
    # every unresolved problem date ≤ D: its reasons (late / quarantined / rejected)
    problems: dict[dt.date, tuple[str, ...]] = field(default_factory=dict)

    @property
    def stale_problems(self) -> dict[dt.date, tuple[str, ...]]:
        """The problems dated after the last good delivery."""
        return {
            d: r for d, r in self.problems.items() if self.last_good is None or d > self.last_good
        }

    @property
    def stale(self) -> bool:
        return self.last_good is None or bool(self.stale_problems)

    @property
    def stale_since(self) -> dt.date | None:
        """The earliest problem after the last good delivery (None: none, or never loaded
        with nothing yet due)."""
        return min(self.stale_problems, default=None)

    @property
    def stale_reasons(self) -> str | None:
        reasons = sorted({r for rs in self.stale_problems.values() for r in rs})
        return ",".join(reasons) or None

    @property
    def stale_deliveries(self) -> str | None:
        items = sorted(f"{d.isoformat()}:{r}" for d, rs in self.stale_problems.items() for r in rs)
        return ", ".join(items) or None

    @property
    def earliest_unresolved(self) -> dt.date | None:
        return min(self.problems, default=None)


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


def due_dates(source: Source, after: dt.date, as_of: dt.date) -> list[dt.date]:
    """The extract dates in (after, as_of] on which `source` is due (its cadence)."""
    out, d = [], after + dt.timedelta(days=1)
    while d <= as_of:
        if source.expected_on(d):
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def source_states(con: duckdb.DuckDBPyConnection, as_of: dt.date | None) -> list[SourceState]:
    """Every declared source's (and any other loaded source's) state as of D:
    the one definition of a stale source (module docstring)."""
    declared = load_sources()
    if as_of is None:  # an empty warehouse: nothing loaded, nothing due yet
        return [SourceState(name, None) for name in declared]
    loads = con.execute(
        "SELECT source, extract_date, status FROM meta.loads WHERE extract_date <= ?", [as_of]
    ).fetchall()
    late = con.execute(
        "SELECT source, extract_date FROM meta.late_deliveries "
        "WHERE extract_date <= ? AND reported_for <= ?",
        [as_of, as_of],
    ).fetchall()
    start = min((d for _, d, _ in loads), default=None)
    loaded: dict[str, set[dt.date]] = defaultdict(set)
    refused: dict[str, dict[dt.date, set[str]]] = defaultdict(lambda: defaultdict(set))
    for source, day, status in loads:
        if status == "loaded":
            loaded[source].add(day)
        elif status in ("quarantined", "rejected"):
            refused[source][day].add(status)
    names = list(declared) + sorted({s for s, _, _ in loads} - set(declared))
    states = []
    for name in names:
        problems: dict[dt.date, set[str]] = defaultdict(set)
        for day, statuses in refused[name].items():
            problems[day] |= statuses
        for source, day in late:
            if source == name:
                problems[day].add("late")
        if name in declared and start is not None:
            for day in due_dates(declared[name], start - dt.timedelta(days=1), as_of):
                if day not in refused[name]:
                    problems[day].add("late")  # due, and nothing arrived
        open_ = {d: tuple(sorted(r)) for d, r in problems.items() if d not in loaded[name]}
        states.append(SourceState(name, max(loaded[name], default=None), open_))
    return states


def record_source_states(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    """Write the states as of D into meta.source_staleness (marts.source_status reads
    them): run by every build before dbt, so the mart and `crosscheck status` agree."""
    con.execute(SOURCE_STALENESS_DDL)
    rows = [
        [
            as_of,
            s.source,
            s.last_good,
            s.stale,
            s.stale_since,
            s.stale_reasons,
            s.stale_deliveries,
            len(s.problems),
            s.earliest_unresolved,
        ]
        for s in source_states(con, as_of)
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {STALENESS_TABLE} WHERE as_of = ?", [as_of])
        con.executemany(f"INSERT INTO {STALENESS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def read_status(warehouse: Path, as_of: dt.date | None = None) -> StatusReport:
    """The status of the live warehouse, or of its serving copy while a writer is at work."""
    with reading(warehouse) as (con, note):
        loads = records(
            con,
            """SELECT load_id, source, extract_date, status, rows_read, rows_loaded,
                      rows_rejected, reasons, superseded_by, finished_at
               FROM meta.loads ORDER BY extract_date, source, started_at""",
        )
        failed = con.execute(
            """SELECT load_id, list(expectation || coalesce(' ' || column_name, '')
                                    ORDER BY expectation)
               FROM meta.validation_results WHERE NOT success AND severity = 'critical'
               GROUP BY load_id"""
        ).fetchall()
        if as_of is None:
            as_of = max((r["extract_date"] for r in loads), default=None)
        states = source_states(con, as_of)
    failed_by = dict(failed)
    report = StatusReport(as_of=as_of, loads=loads, sources=states, note=note)
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
    return report
