"""What the Airflow tests share besides fixtures: the county's two days, the
environment of a run in this process, reading a warehouse, and the reference
findings. A module of its own (not conftest.py), so that test modules import
it by a name no other folder's conftest shadows."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

DAY1 = dt.date(2026, 10, 11)  # Sunday: go-live, every source's baseline
DAY2 = dt.date(2026, 10, 12)  # Monday: the daily sources, and the weekly DAG


@contextmanager
def crosscheck_env(home: Path) -> Iterator[Path]:
    """CROSSCHECK_HOME for the tasks the DAGs run in this process."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CROSSCHECK_HOME", str(home))
        mp.setenv("CROSSCHECK_LANDING", str(home / "landing"))
        mp.setenv("CROSSCHECK_WAREHOUSE", str(home / "warehouse.duckdb"))
        yield home


def query(path: Path, sql: str, params=None) -> list[tuple]:
    """Read a DuckDB file (read-only; the writers are done)."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def reference_findings(landing: Path, as_of: dt.date, drop: list[tuple[str, dt.date]] = ()):
    """The generator helper's independent reading of docs/RULEBOOK.md over a landing
    folder, without the deliveries in `drop` (refused ones do not exist for
    the rules): {(rule_code, subtype, finding_key, amount_at_risk)}."""
    from decimal import Decimal

    from reference_rules import findings

    work = Path(tempfile.mkdtemp(prefix="cc-ref-")) / "landing"
    try:
        shutil.copytree(landing, work)
        for source, day in drop:
            shutil.rmtree(work / source / day.strftime("%Y%m%d"), ignore_errors=True)
        return {
            (f["rule_code"], f["subtype"], f["finding_key"], Decimal(str(f["amount_at_risk"])))
            for f in findings(work, as_of)
        }
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
