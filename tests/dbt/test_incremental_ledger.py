"""int_ledger_versions is incremental: a nightly run appends new deliveries,
drops the rows of a delivery superseded by a correction, and ends with exactly
what --full-refresh builds. Real DuckDB file, real dbt."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from crosscheck.build import build
from crosscheck.warehouse import open_warehouse

SELECT = "+int_payments incompatible_pairs"
COLUMNS = (
    "payment_id, program_code, recipient_id, recipient_id_raw, recipient_id_valid, "
    "account_no, amount, period, division_code, approved_date, sent_date, status, "
    "status_date, reissue_of, updated_at, _load_id, _extract_date, _source_file, _row_no"
)


def deliver(con, load_id, extract_date, rows, status="loaded"):
    """Promote a ledger delivery as ingestion would: raw rows + meta.loads."""
    con.execute(
        "insert into meta.loads (load_id, source, extract_date, status) values (?, 'ledger', ?, ?)",
        [load_id, extract_date, status],
    )
    for i, (pid, status_, status_date, updated_at, amount) in enumerate(rows, start=1):
        con.execute(
            f"insert into raw.ledger ({COLUMNS}) values "
            "(?, '10', 'X', 'X', false, '6222', ?, '202610', '500101001', "
            "?, null, ?, ?, null, ?, ?, ?, 'f.csv', ?)",
            [pid, amount, extract_date, status_, status_date, updated_at, load_id, extract_date, i],
        )


def supersede(con, old_load, new_load, extract_date, rows):
    """A corrected delivery for the same date replaces the old one wholly."""
    con.execute("delete from raw.ledger where _load_id = ?", [old_load])
    con.execute(
        "update meta.loads set status = 'superseded', superseded_by = ? where load_id = ?",
        [new_load, old_load],
    )
    deliver(con, new_load, extract_date, rows)


def snapshot(wh):
    con = duckdb.connect(str(wh))
    try:
        versions = con.execute(
            "select payment_id, updated_at, _load_id, amount from intermediate.int_ledger_versions "
            "order by all"
        ).fetchall()
        payments = con.execute(
            "select payment_id, status, amount from intermediate.int_payments order by all"
        ).fetchall()
    finally:
        con.close()
    return versions, payments


@pytest.mark.slow
def test_incremental_follows_corrections_and_equals_full_refresh(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    con = open_warehouse(wh)
    d1, d2, d3 = dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 3)
    deliver(con, "ledger:1", d1, [("P1", "PENDING", d1, "2026-10-01 09:00:00", 500)])
    deliver(
        con,
        "ledger:2a",
        d2,
        [
            ("P1", "PAID", d2, "2026-10-02 09:00:00", 500),
            ("P2", "PENDING", d2, "2026-10-02 10:00:00", 700),
        ],
    )
    con.close()
    assert build(wh, d2, select=SELECT).success

    con = duckdb.connect(str(wh))
    # The correction of 10-02 lacks P1's PAID version and changes P2's amount.
    supersede(
        con, "ledger:2a", "ledger:2b", d2, [("P2", "PENDING", d2, "2026-10-02 10:00:00", 650)]
    )
    deliver(con, "ledger:3", d3, [("P3", "PENDING", d3, "2026-10-03 09:00:00", 300)])
    con.close()
    assert build(wh, d3, select=SELECT).success
    incremental = snapshot(wh)

    versions, payments = incremental
    assert {v[2] for v in versions} == {"ledger:1", "ledger:2b", "ledger:3"}
    assert ("P1", "PENDING", 500) in [(p, s, int(a)) for p, s, a in payments]
    assert ("P2", "PENDING", 650) in [(p, s, int(a)) for p, s, a in payments]

    assert build(wh, d3, select=SELECT, full_refresh=True).success
    assert snapshot(wh) == incremental
