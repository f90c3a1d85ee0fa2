"""One generated county per session, shared by the end-to-end tests: built
for the day before the end (ingest + models only, to save time), then run
through `crosscheck run` for the end (the full build, tests included)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from crosscheck.build import build
from crosscheck.cli import main
from ingestion.api import ingest

# Three weeks of daily deliveries: small ledger days (one row, a few rows) hold
# planted invalid IDs beside other payments' status changes (issue 9).
START = dt.date(2026, 10, 12)
END = dt.date(2026, 10, 31)
DAY_BEFORE = END - dt.timedelta(days=1)
# Models and seeds only (no data or unit tests): the quick rebuilds.
MODELS = "resource_type:model resource_type:seed"


@dataclass
class County:
    landing: Path
    warehouse: Path
    truth: dict
    before: list[dict]  # marts.anomalies after the run for DAY_BEFORE
    after: list[dict]  # marts.anomalies after the run for END


def read_anomalies(warehouse: Path) -> list[dict]:
    """marts.anomalies as dicts, sorted by id (the process may hold dbt's connection)."""
    con = duckdb.connect(str(warehouse))
    try:
        cur = con.execute("select * from marts.anomalies order by anomaly_id")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="session")
def county(tmp_path_factory) -> County:
    root = tmp_path_factory.mktemp("county")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    rc = main(
        [
            "generate",
            "--out",
            str(landing),
            "--persons",
            "1500",
            "--seed",
            "7",
            "--start",
            START.isoformat(),
            "--end",
            END.isoformat(),
            "--quiet",
        ]
    )
    assert rc == 0
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    ingest(landing, warehouse, as_of=DAY_BEFORE)
    first = build(warehouse, DAY_BEFORE, select=MODELS)
    assert first.success, first.failures
    before = read_anomalies(warehouse)
    # default as-of: the latest complete date (END)
    assert main(["run", "--landing", str(landing), "--warehouse", str(warehouse)]) == 0
    after = read_anomalies(warehouse)
    return County(landing, warehouse, truth, before, after)
