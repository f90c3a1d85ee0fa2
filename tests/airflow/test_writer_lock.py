"""One writer at a time: a second writer waits with a clear line, never DuckDB's raw error."""

from __future__ import annotations

import logging
import subprocess
import sys
import time

import duckdb

from crosscheck.locking import lock_path, run_as_writer

HOLD_DUCKDB = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS t (x INT)")
print("open", flush=True)
time.sleep(float(sys.argv[2]))
"""

HOLD_LOCK = """
import sys, time
from crosscheck.locking import writer_lock
with writer_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _start(code, *args):
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() in ("open", "locked")
    return proc


def _write(path):
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE IF NOT EXISTS t (x INT)")
        con.execute("INSERT INTO t VALUES (1)")
        return con.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        con.close()


def test_duckdb_lock_from_a_foreign_process_is_retried(tmp_path, caplog):
    wh = tmp_path / "w.duckdb"
    proc = _start(HOLD_DUCKDB, wh, 2)
    t0 = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="crosscheck.locking"):
        assert run_as_writer(wh, _write, wh, lock_retry=0.5, timeout=30) == 1
    assert time.monotonic() - t0 >= 1.0
    proc.wait()
    lines = [r.getMessage() for r in caplog.records]
    assert any("outside the writer lock; retrying" in m for m in lines), lines
    assert not any("Could not set lock" in m for m in lines)


def test_second_writer_waits_for_the_lock_holder(tmp_path, caplog):
    wh = tmp_path / "w.duckdb"
    proc = _start(HOLD_LOCK, wh, 1.5)
    with caplog.at_level(logging.WARNING, logger="crosscheck.locking"):
        assert run_as_writer(wh, _write, wh, poll=0.2, timeout=30) == 1
    proc.wait()
    assert any("locked by another writer; waiting" in r.getMessage() for r in caplog.records)
    assert lock_path(wh).exists()


def test_a_killed_writer_releases_the_lock(tmp_path):
    wh = tmp_path / "w.duckdb"
    proc = _start(HOLD_LOCK, wh, 60)
    proc.kill()
    proc.wait()
    t0 = time.monotonic()
    assert run_as_writer(wh, _write, wh, poll=0.2, timeout=5) == 1
    assert time.monotonic() - t0 < 2


def test_writer_lock_is_reentrant_in_one_process(tmp_path):
    """The nightly run holds the lock while ingestion takes it again."""
    import multiprocessing

    from crosscheck.locking import lock_path, writer_lock

    wh = tmp_path / "w.duckdb"
    with writer_lock(wh):
        with writer_lock(wh, timeout=0.1):
            pass
        # still held after the nested exit: another process cannot take it
        ctx = multiprocessing.get_context("spawn")
        q = ctx.Queue()
        p = ctx.Process(target=_try_lock, args=(str(lock_path(wh)), q))
        p.start()
        p.join(30)
        assert q.get(timeout=5) == "busy"
    p = ctx.Process(target=_try_lock, args=(str(lock_path(wh)), q))
    p.start()
    p.join(30)
    assert q.get(timeout=5) == "free"


def _try_lock(path, q):
    import fcntl
    import os

    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        q.put("free")
    except BlockingIOError:
        q.put("busy")
    finally:
        os.close(fd)


WORKER = """
import sys, time, duckdb
from crosscheck.locking import run_as_writer

def write(path, name):
    con = duckdb.connect(path)
    try:
        start = time.time()
        con.execute("CREATE TABLE IF NOT EXISTS runs (name VARCHAR, t0 DOUBLE, t1 DOUBLE)")
        time.sleep(0.3)
        con.execute("INSERT INTO runs VALUES (?, ?, ?)", [name, start, time.time()])
    finally:
        con.close()

print("ready", flush=True)
sys.stdin.readline()
run_as_writer(sys.argv[1], write, sys.argv[1], sys.argv[2], poll=0.05, timeout=60)
"""


def test_writers_on_several_workers_take_turns(tmp_path):
    """Celery workers on one host share the warehouse volume: released at the
    same instant, four worker processes write one after the other, none fails
    on DuckDB's own lock and every write lands."""
    wh = tmp_path / "w.duckdb"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(wh), f"worker-{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    assert [p.wait(60) for p in procs] == [0, 0, 0, 0]
    con = duckdb.connect(str(wh), read_only=True)
    try:
        runs = con.execute("SELECT name, t0, t1 FROM runs ORDER BY t0").fetchall()
    finally:
        con.close()
    assert sorted(r[0] for r in runs) == [f"worker-{i}" for i in range(4)]
    for (_, _, end), (_, start, _) in zip(runs, runs[1:], strict=False):
        assert end <= start, "two writers overlapped"
