"""`dbt build` (seeds, models, data tests, unit tests) succeeds on an empty
warehouse, through the same entry point the nightly run uses (the incremental
path is exercised in test_incremental_ledger.py)."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import duckdb
import pytest

from crosscheck import seed_state
from crosscheck.build import build, dbt_work_dir
from crosscheck.config import DBT_PROJECT_DIR
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


def _ran(wh) -> set[str]:
    """The nodes the last build ran (dbt's run_results.json beside the warehouse)."""
    results = json.loads((dbt_work_dir(wh) / "target" / "run_results.json").read_text())
    return {r["unique_id"].split(".")[2] for r in results["results"]}


SEEDS = {"program_catalog", "divisions", "statutory_calendar", "incompatible_pairs",
         "risk_score_weights"}  # fmt: skip


@pytest.mark.slow
def test_unchanged_seeds_and_their_tests_are_left_out(built, tmp_path):
    """crosscheck/seed_state.py: a build after a good one leaves out the seeds and
    the tests that read only seeds; tests that also read a model still run; a
    missing seed table or a changed file brings them back."""
    wh, _ = built
    again = build(wh, AS_OF)
    assert again.success and not again.failures, again.failures
    ran = _ran(wh)
    assert not ran & SEEDS, ran & SEEDS
    assert "assert_program_catalog_due_rule_complete" not in ran  # reads a seed only
    assert "not_null_divisions_code" not in ran
    assert {"warn_calendar_year_not_covered", "warn_division_code_unnamed"} <= ran  # and a model
    assert {"int_payments", "anomalies", "unique_int_payments_payment_id"} <= ran

    con = duckdb.connect(str(wh))
    try:
        con.execute("DROP TABLE reference.divisions")
    finally:
        con.close()
    back = build(wh, AS_OF)
    assert back.success and not back.failures, back.failures
    assert SEEDS | {"not_null_divisions_code"} <= _ran(wh)

    # the fingerprint follows the files' content, not where the project lies
    copy = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs"))
    assert seed_state.fingerprint(project=copy) == seed_state.fingerprint()
    assert seed_state.fingerprint({"x": 1}) != seed_state.fingerprint()
    with (copy / "seeds" / "divisions.csv").open("a", encoding="utf-8") as f:
        f.write("\n")
    assert seed_state.fingerprint(project=copy) != seed_state.fingerprint()
