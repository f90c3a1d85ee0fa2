"""Bounded memory (issue 11): every writer of the warehouse — our own
connections and dbt-duckdb's — runs under the configured memory_limit and
spills to the configured temp_directory (crosscheck/config.py)."""

from __future__ import annotations

import datetime as dt

from crosscheck.build import dbt_args, run_dbt
from crosscheck.warehouse import connect

SETTINGS = "select current_setting('memory_limit') as m, current_setting('temp_directory') as t"


def test_writers_and_dbt_run_under_the_configured_memory_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSCHECK_MEMORY_LIMIT", "1GB")
    spill = tmp_path / "spill"
    monkeypatch.setenv("CROSSCHECK_TEMP_DIR", str(spill))
    wh = tmp_path / "warehouse.duckdb"
    con = connect(wh)
    try:
        assert con.execute(SETTINGS).fetchone() == ("953.6 MiB", str(spill))
    finally:
        con.close()
    res = run_dbt(dbt_args("show", wh, dt.date(2026, 10, 31)) + ["--inline", SETTINGS], wh)
    assert res.success, res.exception
    assert tuple(res.result.results[0].agate_table.rows[0].values()) == ("953.6 MiB", str(spill))


def test_by_default_half_the_memory_and_a_temp_folder_beside_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("CROSSCHECK_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("CROSSCHECK_TEMP_DIR", raising=False)
    wh = tmp_path / "warehouse.duckdb"
    con = connect(wh)
    try:
        limit, temp = con.execute(SETTINGS).fetchone()
        con.execute("SET memory_limit = '50%'")
        assert limit == con.execute("select current_setting('memory_limit')").fetchone()[0]
        con.execute("SET memory_limit = '80%'")  # DuckDB's own default differs
        assert limit != con.execute("select current_setting('memory_limit')").fetchone()[0]
    finally:
        con.close()
    assert temp == str(wh.resolve().with_name("warehouse.duckdb.tmp"))
