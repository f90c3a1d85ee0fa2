"""The ingestion tests' warehouse environment (a landing folder and a warehouse
file side by side) and its baseline day. A module of its own, not conftest.py,
so test modules import it by a name no other folder shadows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from crosscheck.ingest import api
from crosscheck.ingest.sources import SOURCE_NAMES

BASE_DAY = dt.date(2026, 11, 1)  # a Sunday and the 1st: every source is due


class Env:
    def __init__(self, root: Path):
        self.root = root
        self.landing = root / "landing"
        self.warehouse = root / "wh.duckdb"

    def ingest(self, as_of: dt.date | None = None, **kw):
        kw.setdefault("data_docs", False)
        return api.ingest(self.landing, self.warehouse, as_of=as_of, **kw)

    def fresh(self, as_of: dt.date | None = None, **kw):
        """Ingest and return the deliveries that were not already loaded."""
        return [d for d in self.ingest(as_of, **kw).deliveries if d.status != "skipped"]

    def query(self, sql: str, params=None) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def raw_state(self) -> dict[str, list[tuple]]:
        """Every raw table's rows, sorted: compare before/after to prove nothing moved."""
        out = {}
        for s in SOURCE_NAMES:
            out[s] = sorted(self.query(f"SELECT * FROM raw.{s}"), key=repr)
        return out

    def load(self, load_id: str) -> dict:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            cur = con.execute("SELECT * FROM meta.loads WHERE load_id = ?", [load_id])
            names = [d[0] for d in cur.description]
            row = cur.fetchone()
        finally:
            con.close()
        return dict(zip(names, row, strict=True)) if row else {}
