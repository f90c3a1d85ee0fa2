"""`dbt build` (seeds, models, data tests, unit tests) succeeds on an empty
warehouse, through the same entry point the nightly run uses (the incremental
path is exercised in test_incremental_ledger.py)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from crosscheck.build import build
from crosscheck.warehouse import open_warehouse

AS_OF = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    wh = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    open_warehouse(wh).close()
    return wh, build(wh, AS_OF, unit_tests=True)


@pytest.mark.slow
def test_build_succeeds_on_empty_warehouse(built):
    _, result = built
    assert result.success, result.failures
    assert not result.failures
    assert not result.warnings, result.warnings
    # seeds + models + data tests + unit tests all ran
    assert result.nodes > 100
    assert result.unit_tests >= 28, result.unit_tests  # every rule and the tricky intermediates


@pytest.mark.slow
def test_build_creates_contract_models(built):
    wh, _ = built
    # dbt-duckdb keeps its (writable) connection open in this process; a
    # connection with another configuration would be refused.
    con = duckdb.connect(str(wh))
    try:
        tables = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        days = con.execute(
            "select count(*), min(day), max(day) from intermediate.int_calendar"
        ).fetchone()
        # division codes are text on every target (issue 13: codes, not numbers)
        division_types = con.execute(
            "select distinct data_type from information_schema.columns "
            "where table_schema = 'reference' and table_name = 'divisions'"
        ).fetchall()
    finally:
        con.close()
    for name in (
        "reference.program_catalog",
        "reference.incompatible_pairs",
        "reference.statutory_calendar",
        "reference.divisions",
        "intermediate.int_ledger_versions",
        "intermediate.int_payments",
        "intermediate.int_payment_months",
        "intermediate.int_calendar",
        "intermediate.int_persons",
        "intermediate.int_recipient_household",
        "intermediate.int_death_dates",
        "intermediate.int_reissue_chains",
        "intermediate.int_snapshot_dates",
    ):
        assert name in tables, name
    assert days[1] == dt.date(2000, 1, 1) and days[2] == dt.date(2035, 12, 31)
    assert division_types == [("VARCHAR",)], division_types


@pytest.mark.slow
def test_uncovered_calendar_year_warns_without_failing(built):
    """docs/RULEBOOK.md "Working day": a run in a year the statutory calendar does not
    cover falls back to Monday–Friday and warns on every run."""
    wh, _ = built
    later = build(wh, dt.date(2027, 3, 1), select="warn_calendar_year_not_covered")
    assert later.success, later.failures
    assert any("warn_calendar_year_not_covered" in w for w in later.warnings), later.warnings
