"""Readers never wait for the writer; a second writer names the holder (issue 16)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from deliveries import ledger_rows, write_delivery

from crosscheck.cli import main
from crosscheck.publish import publish
from crosscheck.warehouse import open_warehouse

HOLD_LOCK = """
import sys, time
from crosscheck.locking import writer_lock
with writer_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""

HOLD_DUCKDB = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
print("open", flush=True)
time.sleep(float(sys.argv[2]))
"""


@pytest.fixture
def published(tmp_path):
    """A warehouse with one load record, published."""
    wh = tmp_path / "wh.duckdb"
    con = open_warehouse(wh)
    con.execute(
        "INSERT INTO meta.loads (load_id, source, extract_date, status, reasons) "
        "VALUES ('ledger:20261101:aaaaaaaaaaaa', 'ledger', DATE '2026-11-01', 'loaded', '[]')"
    )
    con.close()
    publish(wh)
    return wh


@pytest.fixture
def holder():
    procs = []

    def start(code, *args):
        proc = subprocess.Popen(
            [sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout.readline().strip() in ("open", "locked")
        procs.append(proc)
        return proc

    yield start
    for p in procs:
        p.kill()
        p.wait()


def test_status_during_a_run_reads_the_published_state(published, holder, capsys):
    proc = holder(HOLD_LOCK, published, 120)
    assert main(["status", "--warehouse", str(published)]) == 0
    out = capsys.readouterr().out
    assert f"note: a writer is at work (pid {proc.pid} (" in out
    assert "since" in out and "last published state" in out
    assert "ledger:20261101:aaaaaaaaaaaa" in out


def test_status_without_a_writer_reads_the_live_warehouse(published, capsys):
    assert main(["status", "--warehouse", str(published)]) == 0
    out = capsys.readouterr().out
    assert "note:" not in out and "ledger:20261101:aaaaaaaaaaaa" in out


def test_second_writer_refuses_after_timeout_naming_the_holder(
    published, holder, capsys, monkeypatch, tmp_path
):
    proc = holder(HOLD_LOCK, published, 120)
    monkeypatch.setenv("CROSSCHECK_LOCK_TIMEOUT", "1")
    landing = tmp_path / "landing"
    write_delivery(landing, "ledger", dt.date(2026, 11, 2), ledger_rows(dt.date(2026, 11, 2)))
    rc = main(["ingest", "--landing", str(landing), "--warehouse", str(published)])
    err = capsys.readouterr().err
    assert rc == 1
    assert f"is busy: pid {proc.pid} (python" in err and "since" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_warehouse_held_open_elsewhere_is_named_not_a_traceback(
    published, holder, capsys, monkeypatch, tmp_path
):
    proc = holder(HOLD_DUCKDB, published, 120)
    monkeypatch.setenv("CROSSCHECK_LOCK_TIMEOUT", "1")
    landing = tmp_path / "landing"
    write_delivery(landing, "ledger", dt.date(2026, 11, 2), ledger_rows(dt.date(2026, 11, 2)))
    rc = main(["run", "--landing", str(landing), "--warehouse", str(published)])
    err = capsys.readouterr().err
    assert rc == 1
    assert f"held open by pid {proc.pid} (python" in err, err
    assert "Traceback" not in err and "Could not set lock" not in err
