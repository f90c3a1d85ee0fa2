"""Exact on any order of nights (issue 9).

One warehouse lives through a sequence of nights, a backfill of an earlier
date, a delivery that arrives after a later date has run, and a quarantine
followed by a release. After each step its `marts.anomalies` must equal a
fresh warehouse built from scratch for the same as-of date on the same
landing folder (and the same release decision), on ids, subtypes, keys,
amounts and status. A hukou snapshot arriving after a later one is replayed
into the change history (issue 11); at the end a --full-refresh of the same
as-of on the living warehouse leaves its findings and their history as they were.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from counties import MODELS, read_anomalies
from deliveries import duplicate_a_row

from crosscheck.build import build
from crosscheck.cli import main
from crosscheck.ingest.api import ingest, release

START, END = dt.date(2026, 10, 12), dt.date(2026, 10, 31)
FIELDS = ("anomaly_id", "rule_code", "subtype", "finding_key", "amount_at_risk", "status")


def night(landing: Path, warehouse: Path, as_of: dt.date) -> set[tuple]:
    """One nightly run's ingest and build (models only: the data tests run elsewhere)."""
    ingest(landing, warehouse, as_of=as_of, data_docs=False)
    result = build(warehouse, as_of, select=MODELS)
    assert result.success, result.failures
    return {tuple(a[f] for f in FIELDS) for a in read_anomalies(warehouse)}


def fresh(landing: Path, root: Path, as_of: dt.date, released: list[str] = ()) -> set[tuple]:
    """A warehouse built from scratch for as_of (with the same releases)."""
    warehouse = root / f"fresh-{as_of:%Y%m%d}-{len(released)}" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    ingest(landing, warehouse, as_of=as_of, data_docs=False)
    for load_id in released:
        release(warehouse, load_id, "the same decision as on the living warehouse")
    result = build(warehouse, as_of, select=MODELS)
    assert result.success, result.failures
    return {tuple(a[f] for f in FIELDS) for a in read_anomalies(warehouse)}


def busiest_ledger_day(landing: Path, after: dt.date) -> dt.date:
    days = []
    for folder in sorted((landing / "ledger").iterdir()):
        day = dt.datetime.strptime(folder.name, "%Y%m%d").date()
        if day > after:
            rows = json.loads((folder / "_SUCCESS").read_text())["files"][0]["rows"]
            days.append((rows, day))
    return max(days)[1]


@pytest.mark.slow
def test_any_order_of_nights_equals_a_fresh_run(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "living" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    argv = ["generate", "--out", str(landing), "--persons", "600", "--seed", "5"]
    argv += ["--start", START.isoformat(), "--end", END.isoformat(), "--quiet"]
    assert main(argv) == 0
    aside = tmp_path / "aside"
    aside.mkdir()

    # 1. a night
    d1 = dt.date(2026, 10, 20)
    assert night(landing, warehouse, d1) == fresh(landing, tmp_path, d1)

    # 2. a later night, while one death delivery and one weekly hukou snapshot
    # are late (not there yet): the snapshot will arrive after a later one
    late, late_hukou = "20261023", "20261018"
    shutil.move(landing / "deaths" / late, aside / late)
    shutil.move(landing / "hukou" / late_hukou, aside / late_hukou)
    d2 = dt.date(2026, 10, 27)
    assert night(landing, warehouse, d2) == fresh(landing, tmp_path, d2)

    # 3. a backfill of an earlier date in the middle
    d0 = dt.date(2026, 10, 16)
    assert night(landing, warehouse, d0) == fresh(landing, tmp_path, d0)

    # 4. the late delivery arrives; a later ledger delivery is quarantined
    shutil.move(aside / late, landing / "deaths" / late)
    shutil.move(aside / late_hukou, landing / "hukou" / late_hukou)  # replayed into history
    broken = busiest_ledger_day(landing, d2)
    duplicate_a_row(landing / "ledger" / broken.strftime("%Y%m%d"))
    living = night(landing, warehouse, END)
    assert living == fresh(landing, tmp_path, END)
    con = duckdb.connect(str(warehouse))
    try:
        [(load_id,)] = con.execute(
            "SELECT load_id FROM meta.loads WHERE status = 'quarantined'"
        ).fetchall()
        deaths_late = con.execute(
            "SELECT status FROM meta.loads WHERE source = 'deaths' AND extract_date = ?",
            [dt.date(2026, 10, 23)],
        ).fetchall()
    finally:
        con.close()
    assert load_id.startswith(f"ledger:{broken:%Y%m%d}:")
    assert deaths_late == [("loaded",)]

    # 5. an auditor releases it; the same night again
    release(warehouse, load_id, "duplicate row is harmless: same version twice")
    released = night(landing, warehouse, END)
    assert released == fresh(landing, tmp_path, END, released=[load_id])

    # 6. --full-refresh of the same as-of on the living warehouse changes nothing:
    # every column of the findings (evidence included) and the history they keep
    before = marts_state(warehouse)
    result = build(warehouse, END, select=MODELS, full_refresh=True)
    assert result.success, result.failures
    assert marts_state(warehouse) == before


def marts_state(warehouse: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse))
    try:
        return {
            t: con.execute(f"SELECT * FROM marts.{t} ORDER BY ALL").fetchall()
            for t in ("anomalies", "anomaly_history")
        }
    finally:
        con.close()
