"""kill -9 at a random point of an ingest, then a rerun: same result as no kill (issue 16).

The short trial of `make test`; `make kill-trials` kills whole nightly runs
(ingest, gate, dbt, publish) many times (benchmarks/kill_trials.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import signal
import subprocess
import sys
import time

from deliveries import good_rows, write_delivery

from crosscheck.ingest import api
from crosscheck.ingest.archive import verify_archive
from crosscheck.ingest.bookkeeping import make_load_id

DAY = dt.date(2026, 11, 2)
SOURCES = ("ledger", "deaths", "cremations")


def _state(env):
    loads = env.query(
        "SELECT load_id, status, rows_read, rows_loaded, rows_rejected FROM meta.loads ORDER BY 1"
    )
    sql = "SELECT _load_id, count(*) FROM raw.{} GROUP BY 1 ORDER BY 1"
    raw = {s: env.query(sql.format(s)) for s in SOURCES}
    return loads, raw


def _expected(env, before):
    """The baseline's loads, plus each new delivery loaded once with all its rows."""
    loads, raw = before
    loads, raw = list(loads), {s: list(v) for s, v in raw.items()}
    for s in SOURCES:
        data = (env.landing / s / DAY.strftime("%Y%m%d") / f"{s}_{DAY:%Y%m%d}.csv").read_bytes()
        load_id = make_load_id(s, DAY, hashlib.sha256(data).hexdigest())
        n = len(good_rows(s, DAY))
        loads.append((load_id, "loaded", n, n, 0))
        raw[s] = sorted(raw[s] + [(load_id, n)])
    return sorted(loads), raw


def test_kill_9_during_ingest_then_rerun_matches_an_uninterrupted_ingest(env):
    before = _state(env)
    for s in SOURCES:
        write_delivery(env.landing, s, DAY, good_rows(s, DAY))
    expected = _expected(env, before)

    seed = int(os.environ.get("CROSSCHECK_KILL_SEED", time.time_ns() % 100000))
    delay = random.Random(seed).uniform(1.0, 9.0)
    proc = subprocess.Popen(
        [sys.executable, "-m", "crosscheck", "ingest", "--landing", str(env.landing)]
        + ["--warehouse", str(env.warehouse), "--as-of", DAY.isoformat()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=delay)
        finished = True
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        finished = False
    env.ingest(as_of=DAY)  # the next night
    why = f"seed {seed}: killed after {delay:.1f}s" + (" (had finished)" if finished else "")
    assert _state(env) == expected, why
    assert not list(api.temp_dir(env.warehouse).glob("crosscheck-ingest-*")), why
    check = verify_archive(env.warehouse)
    assert check.ok, (why, check.problems)
