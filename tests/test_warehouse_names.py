"""A warehouse file may have any name, even one of its schemas' (issue 10).

DuckDB names a file's catalog after the file: `review.duckdb` opened directly
makes every `review.…` reference ambiguous. Crosscheck attaches every file
under one catalog name (crosscheck.warehouse.open_file), dbt included.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest
from counties import REVIEW, generated

from crosscheck.publish import publish, reading
from crosscheck.warehouse import SCHEMAS, open_file, open_warehouse

NAMES = [*SCHEMAS, "marts", "staging", "intermediate", "main", "memory", "system", "temp"]


def test_a_file_named_like_its_schema_is_ambiguous_in_duckdb(tmp_path):
    """The defect this guards against (if DuckDB ever resolves it, drop the workaround)."""
    con = duckdb.connect(str(tmp_path / "review.duckdb"))
    try:
        with pytest.raises(duckdb.BinderException, match="Ambiguous reference"):
            con.execute("CREATE SCHEMA IF NOT EXISTS review")
            con.execute("CREATE TABLE review.t (a INTEGER)")
    finally:
        con.close()


@pytest.mark.parametrize("name", NAMES)
def test_any_file_name_opens_writes_publishes_and_reads(tmp_path, name):
    wh = tmp_path / f"{name}.duckdb"
    con = open_warehouse(wh)
    try:
        con.execute("INSERT INTO meta.releases VALUES ('L1', 'me', 'why', now())")
        assert con.execute("SELECT count(*) FROM review.current_decisions").fetchone() == (0,)
    finally:
        con.close()
    publish(wh)
    with reading(wh) as (con, note):
        assert note is None
        assert con.execute("SELECT load_id FROM meta.releases").fetchall() == [("L1",)]
    ro = open_file(wh, read_only=True)
    try:
        assert ro.execute("SELECT count(*) FROM raw.ledger").fetchone() == (0,)
    finally:
        ro.close()


@pytest.mark.slow
def test_crosscheck_run_into_review_duckdb(tmp_path):
    """The real nightly job, dbt included, into `review.duckdb`, from the console
    script: it succeeds, and ends without teardown noise."""
    county = generated(**REVIEW)
    landing = tmp_path / "landing"
    shutil.copytree(county / "landing", landing)
    wh = tmp_path / "review.duckdb"
    cmd = [sys.executable, "-m", "crosscheck"]
    run = subprocess.run(
        [*cmd, "run", "--landing", str(landing), "--warehouse", str(wh)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "nanobind" not in run.stderr
    # one progress line per step as it happens, with elapsed time (stderr)
    steps = [line for line in run.stderr.splitlines() if line.startswith("[")]
    for step in ("ingest 1/", "ingest for ", "review feedback", "identity linking", "dbt build"):
        assert any(step in line for line in steps), (step, steps)
    assert "FutureWarning" not in run.stderr and "INFO" not in run.stderr, run.stderr
    status = subprocess.run(
        [*cmd, "status", "--warehouse", str(wh)], capture_output=True, text=True, check=False
    )
    assert status.returncode in (0, 1), status.stderr  # 1: a source is stale
    assert "Ambiguous" not in status.stderr and "Traceback" not in status.stderr
    con = open_file(wh, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM marts.anomalies").fetchone()[0] > 0
    finally:
        con.close()
