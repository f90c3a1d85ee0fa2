"""The gate validates the delivery in the work table now, never an older snapshot of it.

GX keeps one persisted SQLAlchemy connection on the writer's DuckDB database
and SQLAlchemy leaves a transaction open on it. DuckDB is MVCC, so a
transaction begun before the next delivery's work table was created sees the
previous delivery's table (or none): a bad delivery could pass on the good
one's data, a good one fail on a missing table. CI hit the second
(test_generated_county quarantined a clean vehicles snapshot).
"""

from __future__ import annotations

import datetime as dt

import pytest

from crosscheck import warehouse
from crosscheck.gate.gate import Gate
from crosscheck.ingest.sources import get_source

DAY = dt.date(2026, 10, 4)
VEHICLES = get_source("vehicles")
OWNER = "110101199003077777"


def make_vehicles(con, *, duplicate: bool = False, future: bool = False) -> None:
    """A typed vehicles work table of ten good rows, optionally spoiled."""
    extra = []
    if duplicate:
        extra.append("('P1', '02', DATE '2020-01-01', 98)")
    if future:
        extra.append("('P99', '02', DATE '2027-01-01', 99)")
    rows = "SELECT 'P' || i, '02', DATE '2020-01-01', i FROM range(10) t(i)"
    if extra:
        rows += " UNION ALL SELECT * FROM (VALUES " + ", ".join(extra) + ")"
    con.execute(
        f"""CREATE OR REPLACE TABLE ingest_work.vehicles AS
            SELECT plate_no, plate_class, '{OWNER}' AS owner_id, '{OWNER}' AS owner_id_raw,
                   true AS owner_id_valid, '张三' AS owner_name, 'A' AS use_code,
                   DATE '2019-05-01' AS first_registered, 'A' AS vehicle_status, status_date,
                   'vehicles:20261004:test' AS _load_id, DATE '{DAY}' AS _extract_date,
                   'vehicles_20261004.csv' AS _source_file, CAST(n AS BIGINT) AS _row_no
            FROM ({rows}) r(plate_no, plate_class, status_date, n)"""
    )


@pytest.fixture
def gate(tmp_path):
    con = warehouse.open_warehouse(tmp_path / "wh.duckdb")
    con.execute("CREATE SCHEMA IF NOT EXISTS ingest_work")
    g = Gate(con, count_first=False)  # GX judges every expectation: its connection is the subject
    yield con, g
    g.close()
    con.close()


def leave_gx_transaction_open(g: Gate) -> None:
    """Read through GX's persisted connection, as GX does, and leave its transaction open."""
    engine = g.datasource.get_execution_engine()
    with engine.get_connection() as c:
        c.exec_driver_sql("SELECT count(*) FROM ingest_work.vehicles").fetchall()
        assert c.in_transaction()


def test_a_bad_delivery_is_not_validated_on_the_previous_ones_data(gate):
    con, g = gate
    make_vehicles(con)
    assert g.validate(VEHICLES, "ingest_work.vehicles", "v:1", DAY).passed
    leave_gx_transaction_open(g)
    con.execute("DROP TABLE ingest_work.vehicles")
    make_vehicles(con, duplicate=True, future=True)
    verdict = g.validate(VEHICLES, "ingest_work.vehicles", "v:2", DAY)
    assert not verdict.passed
    assert "key_unique" in verdict.failed_critical
    assert "status_date_plausible" in verdict.failed_warning  # a row-level defect, small delivery
    assert not verdict.errors
    # GX's connection is left without a transaction: it pins no snapshot
    assert not g.datasource.get_execution_engine()._connection.in_transaction()


def test_a_good_delivery_is_not_failed_on_a_snapshot_without_its_table(gate, caplog):
    """The CI failure: GX's open transaction predates this delivery's work table."""
    con, g = gate
    make_vehicles(con)
    g._definition(VEHICLES)  # the asset exists, as after an earlier vehicles delivery
    con.execute("DROP TABLE ingest_work.vehicles")
    con.execute("CREATE TABLE ingest_work.other_source AS SELECT 1 AS x")
    engine = g.datasource.get_execution_engine()
    with engine.get_connection() as c:  # GX last read another source's table
        c.exec_driver_sql("SELECT count(*) FROM ingest_work.other_source").fetchall()
        assert c.in_transaction()
    make_vehicles(con)  # this delivery's work table, created after that snapshot began
    with caplog.at_level("WARNING", logger="crosscheck.gate"):
        verdict = g.validate(VEHICLES, "ingest_work.vehicles", "v:2", DAY)
    assert verdict.passed, verdict.reasons
    assert not verdict.errors
    assert "validating once more" not in caplog.text  # right the first time, not by the retry


def test_an_expectation_that_cannot_run_fails_with_its_error(gate):
    con, g = gate
    make_vehicles(con)
    assert g.validate(VEHICLES, "ingest_work.vehicles", "v:1", DAY).passed
    con.execute("ALTER TABLE ingest_work.vehicles DROP COLUMN status_date")
    verdict = g.validate(VEHICLES, "ingest_work.vehicles", "v:2", DAY)
    assert not verdict.passed
    assert "status_date_plausible" in verdict.errors
    assert any(
        r.startswith("failed critical expectation status_date_plausible (could not be evaluated:")
        for r in verdict.reasons
    ), verdict.reasons
