"""Generated counties for the tests: one way to build them, each built once per session.

The counties the suites share are named here (PIPELINE, SMALL, REVIEW; the
generator tests' window is in tests/generator/gen_support.py): a suite needing a
county takes one of them rather than generating its own.

`generate_into` is the one call of `crosscheck generate` the tests make;
`generated` caches its output per parameters for the whole test process, so
the suites that need the same county (the review and outcome tests, the
notebooks, the weekly report) share one. A cached county is read-only: a test
that writes to its landing or warehouse works on a copy.

The pipeline end-to-end county (`county` fixture of tests/pipeline) is built
from `generated(**PIPELINE)` and the constants below.
"""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
from pathlib import Path

from crosscheck.cli import main

# The pipeline county: three weeks of daily deliveries; small ledger days
# (one row, a few rows) hold planted invalid IDs beside other payments'
# status changes (issue 9).
START = dt.date(2026, 10, 12)
END = dt.date(2026, 10, 31)
DAY_BEFORE = END - dt.timedelta(days=1)
PIPELINE = {"persons": 1500, "seed": 7, "start": START, "end": END}
# The small two-day county: go-live Sunday (every source's baseline), then a
# Monday of daily deliveries (the Airflow DAGs' nights, ingestion of a county).
SMALL = {"persons": 400, "seed": 7, "start": dt.date(2026, 10, 11), "end": dt.date(2026, 10, 12)}
# The review side's county: two days with three months of history, run through
# the nightly job (tests/review_fixtures.generated_county, the wheel, file names).
REVIEW = {
    "persons": 200,
    "seed": 5,
    "start": dt.date(2026, 10, 30),
    "end": dt.date(2026, 10, 31),
    "extra": ("--history-months", "3"),
}
# Models and seeds only (no data or unit tests): the quick rebuilds.
MODELS = "resource_type:model resource_type:seed"

_ROOT: Path | None = None
_CACHE: dict[tuple, Path] = {}


def generate_into(
    root: Path,
    *,
    persons: int,
    seed: int,
    start: dt.date,
    end: dt.date,
    extra: tuple[str, ...] = (),
) -> Path:
    """`crosscheck generate` into root/landing (truth.json beside it); the landing."""
    landing = root / "landing"
    args = ["generate", "--out", str(landing), "--persons", str(persons), "--seed", str(seed)]
    args += ["--start", start.isoformat(), "--end", end.isoformat(), "--quiet", *extra]
    assert main(args) == 0
    return landing


def generated(
    *, persons: int, seed: int, start: dt.date, end: dt.date, extra: tuple[str, ...] = ()
) -> Path:
    """A generated county's root (landing/, truth.json), built once per process."""
    global _ROOT
    key = (persons, seed, start, end, extra)
    if key not in _CACHE:
        if _ROOT is None:
            _ROOT = Path(tempfile.mkdtemp(prefix="crosscheck-counties-"))
            atexit.register(shutil.rmtree, _ROOT, True)
        root = _ROOT / f"c{len(_CACHE)}"
        root.mkdir()
        generate_into(root, persons=persons, seed=seed, start=start, end=end, extra=extra)
        _CACHE[key] = root
    return _CACHE[key]


def read_anomalies(warehouse: Path) -> list[dict]:
    """marts.anomalies as dicts, sorted by id (the process may hold dbt's connection)."""
    from crosscheck.warehouse import open_file

    con = open_file(warehouse)
    try:
        cur = con.execute("select * from marts.anomalies order by anomaly_id")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
