"""The marts build on an empty warehouse: every mart exists and is empty,
and every source is reported stale (never loaded)."""

from __future__ import annotations

import datetime as dt

import duckdb

from crosscheck.build import build
from crosscheck.warehouse import open_warehouse

MARTS = (
    "anomalies",
    "anomaly_history",
    "anomaly_lifecycle",
    "hold_list",
    "weekly_summary",
    "weekly_findings_by_rule",
)


def test_marts_on_empty_warehouse(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    open_warehouse(wh).close()
    result = build(wh, dt.date(2026, 10, 31), select="resource_type:model resource_type:seed")
    assert result.success, result.failures
    con = duckdb.connect(str(wh))
    try:
        counts = {m: con.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in MARTS}
        status = con.execute(
            "select source, is_stale, last_good_extract_date from marts.source_status"
        ).fetchall()
    finally:
        con.close()
    assert counts == dict.fromkeys(MARTS, 0)
    assert sorted(s for s, _, _ in status) == sorted(
        ["hukou", "vehicles", "deaths", "cremations", "assistance", "sscards", "payroll", "ledger"]
    )
    assert all(stale and last_good is None for _, stale, last_good in status)
