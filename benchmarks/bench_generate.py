"""Time `crosscheck generate` at county scale; figures to benchmarks/results/generate.json.

.venv/bin/python benchmarks/bench_generate.py [--persons 1000000] [--history-months 6] [--keep DIR]

With a --history-months other than the default (6), the figures go to
generate_h<months>.json: `--history-months 60` is the issue's "10M+ ledger
rows" county (five years of payments for a million residents).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "generate.json"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--history-months", type=int, default=6)
    ap.add_argument("--keep", type=Path, help="generate here and keep the output")
    args = ap.parse_args()
    results = RESULTS
    if args.history_months != 6:
        results = RESULTS.with_name(f"generate_h{args.history_months}.json")
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_generate_"))
    landing = root / "landing"
    cmd = [sys.executable, "-m", "crosscheck", "generate", "--out", str(landing),
           "--persons", str(args.persons), "--seed", str(args.seed),
           "--history-months", str(args.history_months), "--force"]  # fmt: skip
    t0 = time.monotonic()
    subprocess.run(cmd, check=True)
    seconds = time.monotonic() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    per_source = {}
    for marker in sorted(landing.glob("*/*/_SUCCESS")):
        data = json.loads(marker.read_text(encoding="utf-8"))
        s = per_source.setdefault(data["source"], {"deliveries": 0, "rows": 0, "bytes": 0})
        s["deliveries"] += 1
        for f in data["files"]:
            s["rows"] += f["rows"]
            s["bytes"] += f["bytes"]
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    result = {
        "command": " ".join(["crosscheck", *cmd[3:]]),
        "persons": args.persons,
        "history_months": args.history_months,
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(peak_kib / 1024),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "rows_total": sum(s["rows"] for s in per_source.values()),
        "bytes_total": sum(s["bytes"] for s in per_source.values()),
        "sources": per_source,
        "findings": len(truth["findings"]),
        "near_misses": len(truth["near_misses"]),
    }
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
    if not args.keep:
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    from crosscheck.process import run

    run(main)
