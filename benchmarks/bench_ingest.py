"""Time `crosscheck.ingest.api.ingest` on a generated county; figures to
benchmarks/results/ingest.json.

.venv/bin/python benchmarks/bench_ingest.py [--persons 1000000] [--landing DIR]

Generates the county (unless --landing points at one), ingests every delivery
into a fresh warehouse, and reports seconds and rows/s per source (reading,
typing, validating with GX inside DuckDB and promoting), plus the per-delivery
overhead on the small daily deliveries and the GX validation time of the
largest delivery.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "ingest.json"


def validate_10m(warehouse: Path) -> dict:
    """GX validation time of a 10M-row ledger delivery (the loaded ledger, repeated)."""
    import datetime as dt

    from crosscheck.gate.gate import Gate
    from crosscheck.ingest.sources import get_source
    from crosscheck.warehouse import open_warehouse

    con = open_warehouse(warehouse)
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS ingest_work")
        con.execute(
            """CREATE OR REPLACE TABLE ingest_work.ledger AS
               SELECT * EXCLUDE (k) REPLACE (payment_id || '-' || CAST(k AS VARCHAR) AS payment_id,
                                 DATE '2026-10-31' AS _extract_date)
               FROM raw.ledger, range(CAST(ceil(10000000 / (SELECT count(*) FROM raw.ledger))
                                      AS BIGINT)) AS r(k)
               LIMIT 10000000"""
        )
        rows = con.execute("SELECT count(*) FROM ingest_work.ledger").fetchone()[0]
        gate = Gate(con)
        t0 = time.monotonic()
        verdict = gate.validate(
            get_source("ledger"), "ingest_work.ledger", "bench:10m", dt.date(2026, 10, 31)
        )
        seconds = time.monotonic() - t0
        gate.close()
        con.execute("DROP TABLE ingest_work.ledger")
    finally:
        con.close()
    return {
        "rows": rows,
        "seconds": round(seconds, 1),
        "expectations": len(verdict.rows),
        "failed": verdict.failed_critical + verdict.failed_warning,
    }


def main() -> int:
    from crosscheck.benchmark import script_landing

    args, landing, root = script_landing(__doc__ or "", 1_000_000)
    warehouse = root / "warehouse.duckdb"

    from crosscheck.ingest import api

    t0 = time.monotonic()
    report = api.ingest(landing, warehouse)
    seconds = time.monotonic() - t0
    per_source: dict[str, dict] = {}
    for d in report.deliveries:
        s = per_source.setdefault(
            d.source, {"deliveries": 0, "rows": 0, "seconds": 0.0, "statuses": {}}
        )
        s["deliveries"] += 1
        s["rows"] += d.rows_read
        s["seconds"] += d.seconds
        s["statuses"][d.status] = s["statuses"].get(d.status, 0) + 1
    for s in per_source.values():
        s["seconds"] = round(s["seconds"], 1)
        s["rows_per_s"] = round(s["rows"] / s["seconds"]) if s["seconds"] else None
    small = [d.seconds for d in report.deliveries if d.rows_read < 1000]
    biggest = max(report.deliveries, key=lambda d: d.rows_read)
    result = {
        "command": "python benchmarks/bench_ingest.py " + " ".join(sys.argv[1:]),
        "persons": args.persons if args.landing is None else None,
        "as_of": str(report.as_of),
        "deliveries": len(report.deliveries),
        "rows_total": sum(s["rows"] for s in per_source.values()),
        "seconds": round(seconds, 1),
        "rows_per_s": round(sum(s["rows"] for s in per_source.values()) / seconds),
        "per_small_delivery_s": round(sum(small) / len(small), 2) if small else None,
        "largest_delivery": {
            "load_id": biggest.load_id,
            "rows": biggest.rows_read,
            "seconds": round(biggest.seconds, 1),
            "validation_seconds": round(biggest.validation_seconds, 1),
        },
        "gx_validation_10m_ledger_rows": validate_10m(warehouse),
        "warehouse_mib": round(warehouse.stat().st_size / 2**20),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sources": per_source,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return 0 if report.ok else 1


if __name__ == "__main__":
    from crosscheck.process import run

    run(main)
