"""Time reading an `sscards` XLSX delivery; figures to benchmarks/results/xlsx.json.

.venv/bin/python benchmarks/bench_xlsx.py [--persons 200000] [--landing DIR] [--count 3]

Generates a county of one week (unless --landing points at one) and, for each of
the latest --count sscards workbooks, measures CPU and wall seconds of: the
reader's fast way (`read_text_xlsx`: fastexcel into Arrow), its exact way (the
same function with the fast way refused: python-calamine's cells, the reader of
before), `read_delivery` both ways (reading and typing, into a scratch
warehouse), and
the plain-DuckDB floor's reading of the same workbook (`floor._load_xlsx`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "xlsx.json"


def timed(fn) -> tuple[object, float, float]:
    c0, w0 = time.process_time(), time.monotonic()
    out = fn()
    return out, time.process_time() - c0, time.monotonic() - w0


def main() -> int:
    from crosscheck.benchmark import script_landing

    args, landing, root = script_landing(
        __doc__ or "",
        200_000,
        lambda ap: ap.add_argument(
            "--count", type=int, default=3, help="the latest N sscards workbooks"
        ),
        ("--start", "2026-10-25", "--end", "2026-10-31"),
    )

    import duckdb

    from crosscheck import floor
    from crosscheck.ingest import readers
    from crosscheck.ingest.api import _open
    from crosscheck.ingest.sources import get_source
    from crosscheck.ingest.verify import MarkerEntry, VerifiedFile

    source = get_source("sscards")
    books = sorted((landing / "sscards").glob("*/sscards_*.xlsx"))[-args.count :]
    con = _open(root / "warehouse.duckdb")
    fast_reader = readers._read_xlsx_fast
    rows = []
    for path in books:
        marker = json.loads((path.parent / "_SUCCESS").read_text())["files"][0]
        vf = VerifiedFile(
            path=path,
            read_path=path,
            entry=MarkerEntry(path.name, marker["bytes"], marker["rows"], ""),
            sha256="",
        )
        day = dt.datetime.strptime(path.parent.name, "%Y%m%d").date()
        load_id = f"sscards:{path.parent.name}:bench"
        fast_taken = fast_reader(source, path) is not None
        _, fast_cpu, fast_wall = timed(lambda: readers.read_text_xlsx(con, source, vf, load_id))  # noqa: B023
        readers._read_xlsx_fast = lambda s, p: None
        try:
            _, exact_cpu, exact_wall = timed(
                lambda: readers.read_text_xlsx(con, source, vf, load_id)  # noqa: B023
            )
            _, rd_exact_cpu, rd_exact_wall = timed(
                lambda: readers.read_delivery(con, source, vf, load_id, day)  # noqa: B023
            )
        finally:
            readers._read_xlsx_fast = fast_reader
        result, read_cpu, read_wall = timed(
            lambda: readers.read_delivery(con, source, vf, load_id, day)  # noqa: B023
        )
        fcon = duckdb.connect()
        _, floor_cpu, floor_wall = timed(lambda: floor._load_xlsx(fcon, source, [(day, path)]))  # noqa: B023
        fcon.close()
        rows.append(
            {
                "workbook": path.name,
                "rows": result.rows_read,
                "fast_path": fast_taken,
                "read_text_fast": {"cpu_s": round(fast_cpu, 2), "wall_s": round(fast_wall, 2)},
                "read_text_exact": {"cpu_s": round(exact_cpu, 2), "wall_s": round(exact_wall, 2)},
                "read_delivery": {"cpu_s": round(read_cpu, 2), "wall_s": round(read_wall, 2)},
                "read_delivery_exact": {
                    "cpu_s": round(rd_exact_cpu, 2),
                    "wall_s": round(rd_exact_wall, 2),
                },
                "floor_load_xlsx": {"cpu_s": round(floor_cpu, 2), "wall_s": round(floor_wall, 2)},
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    con.close()

    def mean(key: str) -> float:
        return round(sum(r[key]["cpu_s"] for r in rows) / len(rows), 2)

    out = {
        "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "landing": str(landing),
        "workbooks": rows,
        "mean_cpu_s_per_workbook": {
            k: mean(k)
            for k in (
                "read_text_fast",
                "read_text_exact",
                "read_delivery",
                "read_delivery_exact",
                "floor_load_xlsx",
            )
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(out["mean_cpu_s_per_workbook"]))
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
