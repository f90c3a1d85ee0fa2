"""Run time of `crosscheck run` at county scale.

For each size: generate a county (a week of deliveries by default), run the
nightly job for the day before the end (the catch-up run: the go-live
baseline plus the week's deliveries), then time the real nightly run for the end date (one day's
deliveries, the full dbt build, publish). Each run is a separate
`crosscheck run` process, as in production. Writes results/run.json.

    .venv/bin/python benchmarks/bench_run.py --persons 100000 [--persons 1000000]
        [--history-months 60]   # five years of ledger: 10M+ payment versions at 1M

(one week of deliveries, 2026-10-24 to 2026-10-31, by default)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "run.json"
CLI = [sys.executable, "-m", "crosscheck.cli"]


def timed(args: list[str], env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.strip() or proc.stdout[-500:]}")
    return seconds, proc.stdout


def slowest_models(warehouse: Path, n: int = 8) -> list[dict]:
    path = warehouse.parent / "dbt" / "target" / "run_results.json"
    results = json.loads(path.read_text())["results"]
    top = sorted(results, key=lambda r: r.get("execution_time") or 0, reverse=True)[:n]
    return [{"node": r["unique_id"], "seconds": round(r["execution_time"], 2)} for r in top]


def bench(persons: int, start: dt.date, end: dt.date, history: int, root: Path, env: dict) -> dict:
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    gen_s, _ = timed(
        [
            *CLI,
            "generate",
            "--out",
            str(landing),
            "--persons",
            str(persons),
            "--start",
            start.isoformat(),
            "--end",
            end.isoformat(),
            "--history-months",
            str(history),
            "--quiet",
        ],
        env,
    )
    base = [*CLI, "run", "--landing", str(landing), "--warehouse", str(warehouse)]
    day_before = end - dt.timedelta(days=1)
    catch_up_s, _ = timed([*base, "--as-of", day_before.isoformat()], env)
    nightly_s, summary = timed([*base, "--as-of", end.isoformat()], env)
    slowest = slowest_models(warehouse)
    rerun_s, _ = timed([*base, "--as-of", end.isoformat()], env)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = {
            "payment_versions": con.execute("select count(*) from raw.ledger").fetchone()[0],
            "payments": con.execute("select count(*) from intermediate.int_payments").fetchone()[0],
            "anomalies": con.execute("select count(*) from marts.anomalies").fetchone()[0],
            "hold_list": con.execute("select count(*) from marts.hold_list").fetchone()[0],
        }
    finally:
        con.close()
    return {
        "persons": persons,
        "history_months": history,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "generate_seconds": round(gen_s, 1),
        "catch_up_run_seconds": round(catch_up_s, 1),
        "nightly_run_seconds": round(nightly_s, 1),
        "rerun_same_as_of_seconds": round(rerun_s, 1),
        "warehouse_mb": round(warehouse.stat().st_size / 2**20, 1),
        **counts,
        "slowest_nodes_nightly": slowest,
        "summary": summary.strip().splitlines(),
    }


def save(run: dict) -> None:
    """Merge one size's figures into results/run.json (other sizes kept)."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": []}

    def size(r: dict) -> tuple[int, int]:
        return r["persons"], r.get("history_months", 6)

    runs = [r for r in previous.get("runs", []) if size(r) != size(run)] + [run]
    out = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "command": "python benchmarks/bench_run.py --persons N [--history-months M] "
        "--start 2026-10-24 --end 2026-10-31",
        "runs": sorted(runs, key=size),
    }
    RESULTS.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, action="append", help="repeatable; default 100000")
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2026, 10, 24))
    ap.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 10, 31))
    ap.add_argument("--history-months", type=int, default=6, help="ledger history (default 6)")
    ap.add_argument("--keep", action="store_true", help="keep the generated folders")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for persons in args.persons or [100_000]:
        root = Path(tempfile.mkdtemp(prefix=f"bench_run_{persons}_"))
        try:
            run = bench(persons, args.start, args.end, args.history_months, root, env)
        finally:
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
        print(json.dumps(run, ensure_ascii=False, indent=1), flush=True)
        save(run)
    return 0


if __name__ == "__main__":
    from crosscheck.process import run

    run(main)
