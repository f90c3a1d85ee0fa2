"""Retention prunes regenerated files only, by the run's date, never the data."""

from __future__ import annotations

import datetime as dt
import os

from crosscheck.orchestration.housekeeping import prune


def _touch(path, day):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    ts = dt.datetime.combine(day, dt.time(12)).timestamp()
    os.utime(path, (ts, ts))
    return path


def test_prune_keeps_data_and_recent_files(tmp_path):
    as_of = dt.date(2026, 11, 23)
    old, recent = as_of - dt.timedelta(days=40), as_of - dt.timedelta(days=3)
    home = tmp_path / "home"
    wh = home / "warehouse.duckdb"
    landing = home / "landing"
    airflow = home / "airflow"
    gone = [
        _touch(home / "dbt" / "logs" / "dbt.log", old),
        _touch(airflow / "logs" / "dag_id=x" / "attempt=1.log", old),
        _touch(home / ".warehouse.serving.duckdb.tmp", old),
    ]
    kept = [
        _touch(home / "dbt" / "logs" / "dbt.recent.log", recent),
        _touch(landing / "ledger" / "20261001" / "ledger_20261001.csv", old),
        _touch(landing / "ledger" / "20261001" / "_SUCCESS", old),
        _touch(wh, old),
        _touch(home / "warehouse.serving.duckdb", old),
        _touch(home / "exports" / "2026-10-01" / "x.xlsx", old),
        _touch(home / "ops" / "alerts.jsonl", old),
        _touch(home / "data_docs" / "2026-09.html", old),  # current: its month is done
    ]
    rep = prune(as_of, 30, warehouse=wh, landing=landing, airflow_home=airflow)
    assert sorted(rep.removed) == sorted(str(p.resolve()) for p in gone)
    assert all(p.exists() for p in kept)
    assert not any(p.exists() for p in gone)
    # keyed on the as-of date, not the clock: an earlier date removes nothing more
    assert prune(old, 30, warehouse=wh, landing=landing, airflow_home=airflow).removed == []
