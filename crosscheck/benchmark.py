"""`crosscheck bench` and `make benchmark`: what a first load and a night cost.

`crosscheck bench` (`run_county`) takes a generated county (cached by size,
seed and dates under `<CROSSCHECK_HOME>/bench-cache`), runs the nightly job's
stages on it as the operator would — a first load for the day `--nights`
days before the end, then one night per remaining day — and times each
stage as its own process (wall and CPU seconds, peak RSS from wait4):

- ingest: discovery, verification, reading, typing, the GX gate, promotion
  (per source: deliveries, rows, seconds, of which validation);
- link: identity linking;
- build: `crosscheck build` (dbt start-up and parsing, every model, its
  tests); the slowest models from dbt's run_results.json;
- publish: the serving copy readers open.

In the same run it times the plain-DuckDB floor (`benchmarks/floor.sql`):
read the landing files up to the first load's as-of date, keep what the
rules need, compute the 14 rules in one SQL script; the first load is
reported as a ratio of it. Figures go to `benchmarks/results/county_<persons>.json`
and `county.md` (the table the README shows).

`make benchmark` runs `crosscheck bench` at its default size, then every
`benchmarks/bench_*.py` script in turn (`python -m crosscheck.benchmark
[names]`); each writes its figures to benchmarks/results/<name>.json.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from crosscheck.config import DEFAULT_MEMORY_LIMIT, REPO_ROOT, home, memory_limit

BENCH_DIR = REPO_ROOT / "benchmarks"
RESULTS_DIR = BENCH_DIR / "results"
FLOOR_SQL = BENCH_DIR / "floor.sql"
README = REPO_ROOT / "README.md"
TABLE_START, TABLE_END = "<!-- bench:county:start -->", "<!-- bench:county:end -->"
STAGES = ("ingest", "link", "build", "publish")


def cache_dir() -> Path:
    return home() / "bench-cache"


def _county_name(persons, seed, start, end, history, deployment: Path | None) -> str:
    name = f"p{persons}-s{seed}-{start:%Y%m%d}-{end:%Y%m%d}-h{history}"
    return f"{name}-{deployment.stem}" if deployment else name


def county(
    persons: int,
    seed: int,
    start: dt.date,
    end: dt.date,
    history: int,
    deployment: Path | None = None,
    env: dict | None = None,
) -> Path:
    """The landing folder of a generated county, generated once per size, seed, dates and
    deployment file (whose delivery formats and cadences the generator follows)."""
    root = cache_dir() / _county_name(persons, seed, start, end, history, deployment)
    landing, done = root / "landing", root / "generated.json"
    if done.exists():
        if json.loads(done.read_text()).get("generator") == generator_digest():
            return landing
        # made by another generator: its deliveries or its truth may differ from this one's
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    argv = [
        *_cli(),
        "generate",
        "--out",
        str(landing),
        "--truth",
        str(root / "truth.json"),
        "--persons",
        str(persons),
        "--seed",
        str(seed),
        "--start",
        start.isoformat(),
        "--end",
        end.isoformat(),
        "--history-months",
        str(history),
        "--quiet",
    ]
    figures = _measured(argv, env, log=root / "generate")
    figures.pop("stdout")
    figures["generator"] = generator_digest()
    done.write_text(json.dumps(figures) + "\n")
    return landing


def generator_digest() -> str:
    """The generator's code and the delivery formats it writes, as a short digest: a
    cached county is reused only by the generator that made it."""
    from crosscheck.ingest.sources import DECLARATIONS

    h = hashlib.sha256()
    for path in [*sorted((Path(__file__).parent / "generator").glob("*.py")), DECLARATIONS]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def _cli() -> list[str]:
    return [sys.executable, "-m", "crosscheck"]


def script_landing(description: str, persons: int, extra_args=None, generate_args=()) -> tuple:
    """The arguments of a benchmarks/bench_*.py script and its landing folder: the one
    given (`--landing`), or a county generated into a fresh temporary folder.
    Returns (arguments, landing, that folder)."""
    import argparse
    import tempfile

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--persons", type=int, default=persons)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--landing", type=Path, help="an already generated landing folder")
    if extra_args is not None:
        extra_args(ap)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="crosscheck_bench_"))
    landing = args.landing
    if landing is None:
        landing = root / "landing"
        cmd = [*_cli(), "generate", "--out", str(landing), "--persons", str(args.persons),
               "--seed", str(args.seed), *generate_args, "--quiet"]  # fmt: skip
        subprocess.run(cmd, check=True)  # noqa: S603 - our own CLI
    return args, landing, root


def _measured(argv: list[str], env: dict | None = None, log: Path | None = None) -> dict:
    """Run one process: its wall and CPU seconds, peak RSS (MiB, os.wait4) and stdout.

    `log`: keep its output in <log>.out and <log>.err (readable while it runs)."""
    import contextlib
    import tempfile

    def sink(suffix: str):
        return open(f"{log}{suffix}", "w+b") if log else tempfile.TemporaryFile()  # noqa: SIM115

    with contextlib.ExitStack() as stack:
        out_f = stack.enter_context(sink(".out"))
        err_f = stack.enter_context(sink(".err"))
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out_f, stderr=err_f)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        out_f.seek(0)
        err_f.seek(0)
        out = out_f.read().decode(errors="replace")
        err = err_f.read().decode(errors="replace")
    if proc.returncode != 0:
        tail = (err.strip() or out.strip()).splitlines()[-5:]
        raise SystemExit(f"{' '.join(argv[2:4])} failed ({proc.returncode}): {' | '.join(tail)}")
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "stdout": out,
    }


def _size_mib(*paths: Path) -> float:
    total = 0
    for p in paths:
        if p.is_file():
            total += p.stat().st_size
        elif p.is_dir():
            total += sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    return round(total / 2**20, 1)


def _stage_argv(stage: str, landing: Path, warehouse: Path, as_of: dt.date, out: Path):
    if stage == "ingest":
        return [sys.executable, "-m", "crosscheck.benchmark", "_ingest", str(landing),
                str(warehouse), as_of.isoformat(), str(out)]  # fmt: skip
    if stage == "link":
        return [*_cli(), "link", "--warehouse", str(warehouse), "--as-of", as_of.isoformat()]
    if stage == "build":
        return [*_cli(), "build", "--warehouse", str(warehouse), "--as-of", as_of.isoformat()]
    return [sys.executable, "-m", "crosscheck.benchmark", "_publish", str(warehouse)]


def _slowest_models(warehouse: Path, n: int = 10) -> tuple[float | None, list[dict]]:
    from crosscheck.build import dbt_work_dir

    path = dbt_work_dir(warehouse) / "target" / "run_results.json"
    if not path.exists():
        return None, []
    doc = json.loads(path.read_text())
    results = doc["results"]
    top = sorted(results, key=lambda r: r.get("execution_time") or 0, reverse=True)[:n]
    return round(doc.get("elapsed_time") or 0, 1), [
        {"node": r["unique_id"].split(".", 2)[-1], "s": round(r["execution_time"], 2)} for r in top
    ]


def night(
    landing: Path, warehouse: Path, as_of: dt.date, label: str, env: dict, progress=None
) -> dict:
    """The four stages of a nightly run for `as_of`, each timed as its own process
    (its output kept in the run folder: <as_of>-<stage>.out/.err)."""
    stages: dict[str, dict] = {}
    ingest_json = warehouse.parent / "bench-ingest.json"
    for stage in STAGES:
        argv = _stage_argv(stage, landing, warehouse, as_of, ingest_json)
        fig = _measured(argv, env, log=warehouse.parent / f"{as_of:%Y%m%d}-{stage}")
        fig.pop("stdout")
        stages[stage] = fig
        if progress:
            progress(
                f"{label} {stage}: {fig['wall_s']}s wall, {fig['cpu_s']}s CPU, "
                f"{fig['peak_rss_mib']} MiB peak"
            )
    ingest = json.loads(ingest_json.read_text())
    stages["ingest"].update(ingest)
    dbt_elapsed, slowest = _slowest_models(warehouse)
    stages["build"].update(
        {
            "dbt_elapsed_s": dbt_elapsed,
            # process start, imports, dbt's parsing and its connection: not the models
            "startup_s": round(stages["build"]["wall_s"] - (dbt_elapsed or 0), 1),
            "slowest_models": slowest,
        }
    )
    rows = ingest["rows"]
    total_wall = round(sum(stages[s]["wall_s"] for s in STAGES), 1)
    return {
        "run": label,
        "as_of": as_of.isoformat(),
        "wall_s": total_wall,
        "cpu_s": round(sum(stages[s]["cpu_s"] for s in STAGES), 1),
        "peak_rss_mib": max(stages[s]["peak_rss_mib"] for s in STAGES),
        "deliveries": ingest["deliveries"],
        "rows_ingested": rows,
        "rows_per_s": round(rows / total_wall) if total_wall else None,
        "warehouse_mib": _size_mib(warehouse, warehouse.with_name(warehouse.name + ".wal")),
        "serving_mib": _size_mib(_serving(warehouse)),
        "storage": storage(warehouse),
        "stages": stages,
    }


# What each group of tables holds (blocks of the warehouse file, see `storage`).
STORAGE_GROUPS = (
    ("snapshot history", lambda s, t: s == "raw" and t.endswith("_history")),
    ("raw incremental", lambda s, t: s == "raw"),
    ("quarantine", lambda s, t: s == "quarantine"),
    ("meta", lambda s, t: s in ("meta", "audit", "review", "link")),
    ("intermediate", lambda s, t: s in ("staging", "intermediate")),
    ("rules and marts", lambda s, t: True),
)


def storage(warehouse: Path) -> dict:
    """Where the warehouse file's bytes are: blocks in use and free (DuckDB never shrinks
    a file; freed blocks are reused), and the blocks each group of tables occupies
    (`pragma_storage_info`; a block shared by two small tables counts for both)."""
    from crosscheck.query import one, scalar
    from crosscheck.warehouse import connect

    con = connect(warehouse, read_only=True)
    try:
        cat = scalar(con, "SELECT current_database()")
        block, total, used, free = one(
            con,
            "SELECT block_size, total_blocks, used_blocks, free_blocks FROM pragma_database_size() "
            "WHERE database_name = ?",
            [cat],
        )
        groups = {name: 0 for name, _ in STORAGE_GROUPS}
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ?", [cat]
        ).fetchall()
        for schema, table in tables:
            qualified = f'"{cat}"."{schema}"."{table}"'.replace("'", "''")
            blocks = scalar(
                con,
                f"SELECT count(DISTINCT block_id) FROM pragma_storage_info('{qualified}') "
                "WHERE block_id >= 0",
            )
            name = next(n for n, match in STORAGE_GROUPS if match(schema, table))
            groups[name] += blocks
    finally:
        con.close()
    mib = block / 2**20
    return {
        "block_size": block,
        "total_mib": round(total * mib, 1),
        "used_mib": round(used * mib, 1),
        "free_mib": round(free * mib, 1),
        "groups_mib": {k: round(v * mib, 1) for k, v in groups.items()},
    }


def planted_truth(warehouse: Path, truth_file: Path, as_of: dt.date) -> dict | None:
    """The county's planted truth against marts.anomalies after the run for `as_of`
    (`crosscheck.generator.truth.compare`); None when the truth is for another date."""
    from crosscheck.generator.truth import compare
    from crosscheck.query import records
    from crosscheck.warehouse import connect

    if not truth_file.is_file():
        return None
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    if truth["as_of"] != as_of.isoformat():
        return None
    con = connect(warehouse, read_only=True)
    try:
        anomalies = records(con, "SELECT * FROM marts.anomalies")
    finally:
        con.close()
    return compare(truth, anomalies)


def _serving(warehouse: Path) -> Path:
    from crosscheck.config import serving_path

    return serving_path(warehouse)


def floor(landing: Path, as_of: dt.date, work: Path, env: dict) -> dict:
    """The plain-DuckDB reference on the same landing folder, as its own process."""
    db = work / "floor.duckdb"
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "crosscheck.benchmark", "_floor", str(landing),
            as_of.isoformat(), str(db)]  # fmt: skip
    fig = _measured(argv, env)
    counts = json.loads(fig.pop("stdout"))
    return {**fig, "findings_by_rule": counts, "db_mib": _size_mib(db)}


def run_county(
    persons: int,
    *,
    seed: int = 1,
    start: dt.date,
    end: dt.date,
    history: int = 0,
    nights: int = 2,
    with_floor: bool = True,
    keep: bool = False,
    deployment: Path | None = None,
    progress=print,
) -> dict:
    """Generate (or reuse) a county, run first load + nights + floor; write the results.

    `deployment`: a deployment file (crosscheck/ingest/sources.py: a source's delivery
    format or cadence) that the generator and every stage follow."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "DBT_QUIET": "true"}
    if deployment:
        deployment = Path(deployment).resolve()
        env["CROSSCHECK_DEPLOYMENT"] = str(deployment)
    progress(f"county of {persons} persons, {start}..{end}, seed {seed}")
    t0 = time.perf_counter()
    landing = county(persons, seed, start, end, history, deployment, env)
    generated = json.loads((landing.parent / "generated.json").read_text())
    progress(f"landing {landing} ({time.perf_counter() - t0:.0f}s)")
    work = cache_dir() / "runs" / _county_name(persons, seed, start, end, history, deployment)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    warehouse = work / "warehouse.duckdb"
    first_as_of = end - dt.timedelta(days=nights)
    runs = []
    try:
        runs.append(night(landing, warehouse, first_as_of, "first load", env, progress))
        progress(f"first load for {first_as_of}: {runs[-1]['wall_s']}s")
        ref = None
        if with_floor:
            ref = floor(landing, first_as_of, work, env)
            progress(f"plain-DuckDB floor: {ref['wall_s']}s")
        for k in range(1, nights + 1):
            d = first_as_of + dt.timedelta(days=k)
            runs.append(night(landing, warehouse, d, f"night {k}", env, progress))
            progress(f"night {d}: {runs[-1]['wall_s']}s")
        # the generator's truth is for the last date (`end`): what the last run found
        found = planted_truth(warehouse, landing.parent / "truth.json", end)
        if found is not None:
            progress(f"planted truth: {'exact' if found['exact'] else 'NOT exact'}")
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    first = runs[0]
    result = {
        "command": (
            ""
            if memory_limit() == DEFAULT_MEMORY_LIMIT
            else f"CROSSCHECK_MEMORY_LIMIT={memory_limit()} "
        )
        + f"crosscheck bench --persons {persons} --seed {seed} --start {start} "
        f"--end {end} --history-months {history} --nights {nights}"
        + (f" --deployment {deployment.name}" if deployment else "")
        + ("" if with_floor else " --no-floor"),
        "deployment": deployment.read_text(encoding="utf-8") if deployment else None,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{_mem_gib()} GiB, Python {platform.python_version()}",
        "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "persons": persons,
        "months": _months(start, end),
        # DuckDB's memory_limit of every stage (CROSSCHECK_MEMORY_LIMIT; the default 50%)
        "memory_limit": memory_limit(),
        "generate_s": generated.get("wall_s"),
        "landing_mib": _size_mib(landing),
        "runs": runs,
        "floor": ref,
        # the rules' findings after the last night against the county's planted truth
        "planted_truth": found,
        "first_load_vs_floor": round(first["wall_s"] / ref["wall_s"], 2) if ref else None,
        "night_vs_first_load": [round(r["wall_s"] / first["wall_s"], 3) for r in runs[1:]],
        "publish_vs_night": [
            round(r["stages"]["publish"]["wall_s"] / r["wall_s"], 3) for r in runs[1:]
        ],
        "warehouse_bytes_per_person": round(first["warehouse_mib"] * 2**20 / persons),
        # of which the snapshot sources' change history (grows with changed rows)
        "snapshot_history_bytes_per_person": round(
            first["storage"]["groups_mib"]["snapshot history"] * 2**20 / persons
        ),
    }
    save(result)
    return result


def _months(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _mem_gib() -> int:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    except (ValueError, OSError, AttributeError):
        return 0


def _memory_limit_of(result: dict) -> str:
    """The memory_limit a bench ran under (results from before it was recorded: the default)."""
    return result.get("memory_limit", DEFAULT_MEMORY_LIMIT)


def save(result: dict) -> Path:
    """results/county_<persons>_<months>m.json, then the Markdown table of all of them."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    limit = _memory_limit_of(result)
    suffix = "" if limit == DEFAULT_MEMORY_LIMIT else "_memory_" + re.sub(r"\W", "", limit)
    path = RESULTS_DIR / f"county_{result['persons']}_{result['months']}m{suffix}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    table = markdown_table()
    (RESULTS_DIR / "county.md").write_text(table, encoding="utf-8")
    if README.exists():
        text = README.read_text(encoding="utf-8")
        if TABLE_START in text and TABLE_END in text:
            head, rest = text.split(TABLE_START, 1)
            _, tail = rest.split(TABLE_END, 1)
            README.write_text(f"{head}{TABLE_START}\n{table}{TABLE_END}{tail}", encoding="utf-8")
    return path


def _warehouse_cell(run: dict) -> str:
    """The file's MiB; where measured, of which free and of which snapshot history."""
    cell = f"{run['warehouse_mib']:,.0f}"
    st = run.get("storage")
    if st:
        cell += (
            f" ({st['free_mib']:,.0f} free; snapshots {st['groups_mib']['snapshot history']:,.0f})"
        )
    return cell


def _truth_cell(result: dict) -> str:
    """The last night's findings against the planted truth (blank: not checked)."""
    t = result.get("planted_truth")
    if not t:
        return ""
    n = sum(r["planted"] for r in t["rules"].values())
    if t["exact"]:
        return f"exact ({n:,} findings)"
    rules, linked = t["rules"].values(), t["linked"].values()
    if t.get("rules_exact"):
        cell = f"rules exact ({n:,})"
    else:
        missing, extra = sum(r["missing"] for r in rules), sum(r["extra"] for r in rules)
        cell = f"rules: {missing} missing, {extra} extra, {t['near_misses_flagged']} near misses"
    planted = sum(r["planted"] for r in linked)
    found = planted - sum(r["missing"] for r in linked)
    return cell + f"; LINKED {found} of {planted}, {sum(r['extra'] for r in linked)} wrong"


def markdown_table() -> str:
    """One line per run of every results/county_*.json: stages, floor ratio, memory, size."""
    lines = [
        "| persons | months | run | wall s | CPU s | ingest s | link s | build s (dbt) "
        "| publish s | peak RSS MiB | rows/s | warehouse MiB (free; snapshot history) "
        "| serving MiB | vs floor | planted truth |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    docs = []
    for p in sorted(RESULTS_DIR.glob("county_*.json")):
        docs.append(json.loads(p.read_text(encoding="utf-8")))
    docs.sort(
        key=lambda d: (d["persons"], d["months"], _memory_limit_of(d) != DEFAULT_MEMORY_LIMIT)
    )
    for d in docs:
        first = d["runs"][0]["wall_s"]
        limit = _memory_limit_of(d)
        under = "" if limit == DEFAULT_MEMORY_LIMIT else f" (memory_limit {limit})"
        deployed = re.search(r"--deployment (\S+)", d.get("command", ""))
        under += f" ({deployed[1]})" if deployed else ""
        for r in d["runs"]:
            st = r["stages"]
            if r is d["runs"][0]:
                vs = f"{d['first_load_vs_floor']}× floor" if d.get("first_load_vs_floor") else ""
            else:
                vs = f"{r['wall_s'] / first:.1%} of first load"
            lines.append(
                f"| {d['persons']:,} | {d['months']} | {r['run']}{under} | {r['wall_s']:,.0f} "
                f"| {r['cpu_s']:,.0f} | {st['ingest']['wall_s']:,.0f} "
                f"| {st['link']['wall_s']:,.0f} "
                f"| {st['build']['wall_s']:,.0f} ({st['build'].get('dbt_elapsed_s') or 0:,.0f}) "
                f"| {st['publish']['wall_s']:,.1f} | {r['peak_rss_mib']:,} "
                f"| {r['rows_per_s'] or 0:,} | {_warehouse_cell(r)} "
                f"| {r['serving_mib']:,.0f} | {vs} "
                f"| {_truth_cell(d) if r is d['runs'][-1] else ''} |"
            )
        if d.get("floor"):
            f = d["floor"]
            lines.append(
                f"| {d['persons']:,} | {d['months']} | plain-DuckDB floor | {f['wall_s']:,.0f} "
                f"| {f['cpu_s']:,.0f} | | | | | {f['peak_rss_mib']:,} | "
                f"| {f['db_mib']:,.0f} | | 1× | |"
            )
    return "\n".join(lines) + "\n"


# --- child processes (python -m crosscheck.benchmark _stage …) -----------------


def _child_ingest(landing: str, warehouse: str, as_of: str, out: str) -> int:
    from crosscheck.ingest import api

    def told(i: int, n: int, d) -> None:  # one line per delivery, in <as_of>-ingest.out
        print(f"{i}/{n} {d.source} {d.extract_date} {d.status} rows={d.rows_read} "
              f"s={d.seconds}", flush=True)  # fmt: skip

    report = api.ingest(
        Path(landing), Path(warehouse), as_of=dt.date.fromisoformat(as_of), on_delivery=told
    )
    per_source: dict[str, dict] = {}
    for d in report.deliveries:
        if d.status == "skipped":  # loaded on an earlier night
            continue
        s = per_source.setdefault(
            d.source, {"deliveries": 0, "rows": 0, "seconds": 0.0, "validation_s": 0.0}
        )
        s["deliveries"] += 1
        s["rows"] += d.rows_read or 0
        s["seconds"] += d.seconds or 0
        s["validation_s"] += getattr(d, "validation_seconds", 0) or 0
    for s in per_source.values():
        s["seconds"] = round(s["seconds"], 1)
        s["validation_s"] = round(s["validation_s"], 1)
    doc = {
        "deliveries": sum(s["deliveries"] for s in per_source.values()),
        "rows": sum(s["rows"] for s in per_source.values()),
        "statuses": {k: report.count(k) for k in ("loaded", "quarantined", "rejected", "skipped")},
        "sources": per_source,
    }
    Path(out).write_text(json.dumps(doc) + "\n")
    return 0 if report.ok else 1


def _child_publish(warehouse: str) -> int:
    from crosscheck.publish import publish

    publish(Path(warehouse))
    return 0


def _child_floor(landing: str, as_of: str, db: str) -> int:
    from crosscheck.floor import run_floor

    print(json.dumps(run_floor(Path(landing), dt.date.fromisoformat(as_of), Path(db))))
    return 0


def run_scripts(names: list[str]) -> int:
    """Every benchmarks/bench_*.py (or the named ones), each writing results/<name>.json."""
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    if names:
        wanted = {f"bench_{a}.py" for a in names}
        scripts = [s for s in scripts if s.name in wanted]
    failed = 0
    for script in scripts:
        t0 = time.monotonic()
        print(f"== {script.name}", flush=True)
        rc = subprocess.run([sys.executable, str(script)], cwd=REPO_ROOT, check=False).returncode  # noqa: S603
        print(f"== {script.name}: exit {rc} after {time.monotonic() - t0:.0f}s", flush=True)
        failed += rc != 0
    print(f"figures in {RESULTS_DIR}")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    children: dict[str, Callable[..., int]] = {
        "_ingest": _child_ingest,
        "_publish": _child_publish,
        "_floor": _child_floor,
    }
    if argv and argv[0] in children:
        return children[argv[0]](*argv[1:])
    return run_scripts(argv)


if __name__ == "__main__":
    from crosscheck.process import run

    run(lambda: main(sys.argv[1:]))
