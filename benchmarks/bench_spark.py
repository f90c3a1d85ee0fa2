"""DuckDB next to Spark: the same dbt build of the same county, on this machine.

For each size: generate a county (one week of deliveries), ingest it into
DuckDB (`crosscheck ingest`), then time, each as its own process as in
production:

- `crosscheck build --target duckdb` (seeds, models, data tests);
- `crosscheck build --target spark` (export to Parquet, then the same build
  on a local Spark, `local[2]`, fresh catalog), and the Parquet export alone.

Writes results/spark.json.

    .venv/bin/python benchmarks/bench_spark.py --persons 2000 --persons 20000 --persons 100000
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
RESULTS = REPO / "benchmarks" / "results" / "spark.json"
CLI = [sys.executable, "-m", "crosscheck.cli"]


def timed(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[2:5])} failed: {(proc.stderr or proc.stdout)[-1500:]}")
    return round(seconds, 1)


def model_seconds(target_dir: Path) -> float:
    """Sum of dbt's own node times (without process and engine start-up)."""
    results = json.loads((target_dir / "run_results.json").read_text())["results"]
    return round(sum(r.get("execution_time") or 0 for r in results), 1)


def bench(persons: int, start: dt.date, end: dt.date, root: Path, env: dict) -> dict:
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    gen = [*CLI, "generate", "--out", str(landing), "--persons", str(persons)]
    timed([*gen, "--start", start.isoformat(), "--end", end.isoformat(), "--quiet"], env)
    timed([*CLI, "ingest", "--landing", str(landing), "--warehouse", str(warehouse)], env)
    build = [*CLI, "build", "--warehouse", str(warehouse), "--as-of", end.isoformat()]
    duck_s = timed(build, env)
    duck_nodes_s = model_seconds(root / "dbt" / "target")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        ledger = con.execute("select count(*) from raw.ledger").fetchone()[0]
        anomalies = con.execute("select count(*) from marts.anomalies").fetchone()[0]
    finally:
        con.close()
    spark_s = timed([*build, "--target", "spark"], env)
    spark_nodes_s = model_seconds(root / "dbt-spark" / "target")
    # the export alone, from scratch (the build above included it)
    shutil.rmtree(root / "spark" / "parquet")
    t0 = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from crosscheck.spark import export_sources as e; e(sys.argv[1])",
            str(warehouse),
        ],
        env=env,
        check=True,
    )
    export_s = round(time.perf_counter() - t0, 1)
    return {
        "persons": persons,
        "ledger_rows": ledger,
        "anomalies": anomalies,
        "duckdb_build_s": duck_s,
        "duckdb_nodes_s": duck_nodes_s,
        "spark_build_s": spark_s,
        "spark_nodes_s": spark_nodes_s,
        "parquet_export_s": export_s,
        "load_average_1m": round(os.getloadavg()[0], 1),  # a shared machine skews both
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, action="append")
    ap.add_argument("--start", default="2026-10-24")
    ap.add_argument("--end", default="2026-10-31")
    args = ap.parse_args()
    sizes = args.persons or [2000, 20000, 100000]
    start, end = dt.date.fromisoformat(args.start), dt.date.fromisoformat(args.end)
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env.pop("CROSSCHECK_SPARK_DIR", None)
    runs = []
    for persons in sizes:
        root = Path(tempfile.mkdtemp(prefix=f"bench-spark-{persons}-"))
        try:
            runs.append(bench(persons, start, end, root, env))
            print(json.dumps(runs[-1]), flush=True)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "what": "dbt build (seeds, models, data tests) of one generated county, "
                "DuckDB vs local Spark (session, local[2]), each a fresh process",
                "window": [start.isoformat(), end.isoformat()],
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "spark": {"master": "local[2]", "shuffle_partitions": 2},
                "runs": runs,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    from crosscheck.process import run

    run(main)
