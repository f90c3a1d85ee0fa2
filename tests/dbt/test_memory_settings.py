"""Bounded memory (issue 11): every writer of the warehouse — our own
connections and dbt-duckdb's — runs under the configured memory_limit and
spills to the configured temp_directory (crosscheck/config.py)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from crosscheck.build import dbt_args, run_dbt
from crosscheck.warehouse import connect

AS_OF = dt.date(2026, 10, 31)
SETTINGS = "select current_setting('memory_limit') as m, current_setting('temp_directory') as t"


@pytest.fixture
def configured(tmp_path, monkeypatch):
    """A warehouse path under a 1GB memory limit spilling to `<tmp>/spill`."""
    monkeypatch.setenv("CROSSCHECK_MEMORY_LIMIT", "1GB")
    spill = tmp_path / "spill"
    monkeypatch.setenv("CROSSCHECK_TEMP_DIR", str(spill))
    return tmp_path / "warehouse.duckdb", spill


def _seed(wh):
    """A real dbt run (its on-run-start hooks included) on `wh`: one small seed."""
    res = run_dbt(dbt_args("seed", wh) + ["--select", "risk_score_weights"], wh, AS_OF)
    assert res.success, res.exception


def test_writers_and_dbt_run_under_the_configured_memory_limit(configured):
    wh, spill = configured
    con = connect(wh)
    try:
        assert con.execute(SETTINGS).fetchone() == ("953.6 MiB", str(spill))
    finally:
        con.close()
    _seed(wh)
    # dbt-duckdb keeps its instance open in this process: read what its run set
    con = duckdb.connect(str(wh.resolve()))
    try:
        assert con.execute(SETTINGS).fetchone() == ("953.6 MiB", str(spill))
    finally:
        con.close()


def test_a_build_goes_on_after_the_instance_has_spilled(configured):
    """DuckDB refuses any SET of temp_directory, even to the same folder, once
    it has spilled there; dbt-duckdb ran the profile's settings on every new
    connection, so at province scale the build died at the model after the
    first spill. Here our writer spills first, then dbt opens connections on
    the same instance (one process, one file)."""
    wh, spill = configured
    con = connect(wh)
    try:
        con.execute("SET memory_limit = '64MB'")
        con.execute(
            "SELECT count(*) FROM (SELECT md5(i::VARCHAR) AS s FROM range(3000000) r(i) ORDER BY s)"
        ).fetchall()
        assert spill.is_dir()  # it spilled: the folder is created on first use
        with pytest.raises(duckdb.NotImplementedException, match="temporary directory"):
            con.cursor().execute(f"SET temp_directory = '{spill}'")  # the engine's refusal
        connect(wh).close()  # a second writer connection of this process: no SET, no error
        _seed(wh)
        count = con.execute("SELECT count(*) FROM reference.risk_score_weights").fetchone()[0]
        assert count > 0
    finally:
        con.close()


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
