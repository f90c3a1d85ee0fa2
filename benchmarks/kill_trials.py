"""kill -9 trials of whole nightly runs and of load-feedback; figures to results/kill_trials.json.

.venv/bin/python benchmarks/kill_trials.py [--trials 24] [--feedback-trials 6] [--persons 400]
(`make kill-trials`)

Generates a small county, runs `crosscheck run` once uninterrupted (the
reference), then for each trial starts the same run on a fresh warehouse,
kills it with SIGKILL at a uniformly random moment of the reference's
duration (ingest, gate, dbt or publish; a run that finishes before its kill
shortens that estimate), runs it again to completion and
compares: load records, raw rows per load, findings (live and serving
copy), archive re-check, no temporary files left. Feedback trials kill
`crosscheck load-feedback` of a filled township workbook the same way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "kill_trials.json"
START, END = dt.date(2026, 10, 30), dt.date(2026, 10, 31)


def cli(*args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crosscheck", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def killed(args: list[str], delay: float) -> bool:
    """Start a command, SIGKILL it after `delay` s; True if it was killed (not finished)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "crosscheck", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True


def state(warehouse: Path) -> dict:
    import duckdb

    from crosscheck.config import serving_path

    out = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out["loads"] = con.execute(
            "SELECT load_id, status, rows_read, rows_loaded, rows_rejected FROM meta.loads "
            "ORDER BY 1"
        ).fetchall()
        out["raw"] = con.execute(
            "SELECT source, count(*) FROM meta.loads GROUP BY 1 ORDER BY 1"
        ).fetchall()
        out["findings"] = con.execute(
            "SELECT anomaly_id, rule_code, amount_at_risk FROM marts.anomalies ORDER BY 1"
        ).fetchall()
        out["decisions"] = con.execute(
            "SELECT anomaly_id, conclusion, feedback_file, row_no FROM review.decisions "
            "ORDER BY 1, 3, 4"
        ).fetchall()
    finally:
        con.close()
    con = duckdb.connect(str(serving_path(warehouse)), read_only=True)
    try:
        out["serving_findings"] = con.execute(
            "SELECT anomaly_id, rule_code, amount_at_risk FROM marts.anomalies ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    return {k: [list(map(str, r)) for r in v] for k, v in out.items()}


def leftovers(root: Path) -> list[str]:
    return [
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.name.startswith("crosscheck-ingest-") or p.name.endswith(".tmp")
    ]


def fill_workbook(path: Path) -> None:
    """Answer every finding of a township workbook as 属实 (the township's return)."""
    from openpyxl import load_workbook

    from crosscheck.review import layout

    wb = load_workbook(path)
    for ws in wb.worksheets:
        if ws.title == layout.COVER_SHEET:
            continue
        col = {c.value: c.column for c in ws[1]}
        for row in range(2, ws.max_row + 1):
            ws.cell(row=row, column=col[layout.CONCLUSION], value="属实")
            ws.cell(row=row, column=col[layout.REVIEWER], value="核查员")
            ws.cell(row=row, column=col[layout.REVIEW_DATE], value=END)
    wb.save(path)


def summarize(results: dict, out: Path) -> None:
    """Write the figures so far (after every trial: a campaign cut short still reports)."""
    runs, fbs = results["run_trials"], results["feedback_trials"]
    results["summary"] = {
        "run_trials": len(runs),
        "run_held": sum(t["held"] for t in runs),
        "run_killed_mid_run": sum(t["killed"] for t in runs),
        "feedback_trials": len(fbs),
        "feedback_held": sum(t["held"] for t in fbs),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=24)
    ap.add_argument("--feedback-trials", type=int, default=6)
    ap.add_argument("--persons", type=int, default=400)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else time.time_ns() % 1_000_000
    rng = random.Random(seed)  # noqa: S311 - trial timings, not cryptography
    root = Path(tempfile.mkdtemp(prefix="kill_trials_"))
    landing = root / "landing"
    gen = cli(
        "generate", "--out", str(landing), "--persons", str(args.persons), "--seed", "3",
        "--start", START.isoformat(), "--end", END.isoformat(), "--quiet",
    )  # fmt: skip
    if gen.returncode:
        print(gen.stderr, file=sys.stderr)
        return 1
    run = ["run", "--landing", str(landing), "--as-of", END.isoformat()]

    ref_wh = root / "ref" / "warehouse.duckdb"
    t0 = time.monotonic()
    r = cli(*run, "--warehouse", str(ref_wh))
    duration = time.monotonic() - t0
    if r.returncode:
        print(r.stderr, file=sys.stderr)
        return 1
    reference = state(ref_wh)
    results = {
        "seed": seed,
        "persons": args.persons,
        "reference_seconds": round(duration, 1),
        "run_trials": [],
        "feedback_trials": [],
    }
    estimate = duration  # a run that finishes before its kill shortens it (load varies)
    for i in range(args.trials):
        wh = root / f"t{i}" / "warehouse.duckdb"
        delay = rng.uniform(0.5, estimate)
        was_killed = killed([*run, "--warehouse", str(wh)], delay)
        if not was_killed:
            estimate = delay
        again = cli(*run, "--warehouse", str(wh))
        trial = {"delay": round(delay, 2), "fraction": round(delay / estimate, 2)}
        trial["killed"] = was_killed
        problems = []
        if again.returncode:
            problems.append(f"rerun failed: {again.stderr.strip()[:300]}")
        else:
            got = state(wh)
            problems += [f"{k} differ" for k in reference if got[k] != reference[k]]
            check = cli("verify-archive", "--warehouse", str(wh))
            if check.returncode:
                problems.append(f"verify-archive: {check.stdout.strip()[:300]}")
            problems += [f"left behind: {p}" for p in leftovers(wh.parent)]
        trial["held"] = not problems
        trial["problems"] = problems
        results["run_trials"].append(trial)
        print(f"run trial {i + 1}: {trial}", flush=True)
        summarize(results, args.out)
        shutil.rmtree(wh.parent, ignore_errors=True)

    if args.feedback_trials:
        exp = cli(
            "export", "--warehouse", str(ref_wh), "--as-of", END.isoformat(),
            "--out", str(root / "out"),
        )  # fmt: skip
        books = sorted((root / "out").glob("*.xlsx"))
        if exp.returncode or not books:
            print(exp.stderr, file=sys.stderr)
            return 1
        returned = root / "returned"
        (returned / "review_feedback").mkdir(parents=True)
        for b in books[:3]:
            shutil.copy(b, returned / "review_feedback" / b.name)
            fill_workbook(returned / "review_feedback" / b.name)
        fb = ["load-feedback", "--landing", str(returned), "--as-of", END.isoformat()]
        base = root / "fb_ref"
        shutil.copytree(ref_wh.parent, base, ignore=shutil.ignore_patterns("*.lock"))
        t0 = time.monotonic()
        r = cli(*fb, "--warehouse", str(base / "warehouse.duckdb"))
        fb_duration = time.monotonic() - t0
        fb_ref = state(base / "warehouse.duckdb")["decisions"]
        results["feedback_reference_seconds"] = round(fb_duration, 1)
        results["feedback_decisions"] = len(fb_ref)
        for i in range(args.feedback_trials):
            work = root / f"fb{i}"
            shutil.copytree(ref_wh.parent, work, ignore=shutil.ignore_patterns("*.lock"))
            delay = rng.uniform(0.3, fb_duration)
            was_killed = killed([*fb, "--warehouse", str(work / "warehouse.duckdb")], delay)
            again = cli(*fb, "--warehouse", str(work / "warehouse.duckdb"))
            got = state(work / "warehouse.duckdb")["decisions"]
            held = again.returncode == 0 and got == fb_ref
            trial = {"delay": round(delay, 2), "killed": was_killed, "held": held}
            if not held:
                trial["problems"] = [again.stderr.strip()[:300], f"{len(got)} decisions"]
            results["feedback_trials"].append(trial)
            print(f"feedback trial {i + 1}: {trial}", flush=True)
            summarize(results, args.out)
            shutil.rmtree(work, ignore_errors=True)

    summarize(results, args.out)
    runs, fbs = results["run_trials"], results["feedback_trials"]
    print(json.dumps(results["summary"]))
    shutil.rmtree(root, ignore_errors=True)
    return 0 if all(t["held"] for t in runs + fbs) else 1


if __name__ == "__main__":
    from crosscheck.process import run

    run(main)
