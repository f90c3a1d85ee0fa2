"""dbt build at scale on a synthetic warehouse (no files, no ingestion).

Fills raw.* and meta.loads of a fresh DuckDB file with SQL (persons,
households, vehicles, cards, deaths, a ledger of daily deliveries with two
versions per payment), then times:
  1. the first `dbt build` (full: seeds, models, tests, unit tests),
  2. a nightly `dbt build` after one more ledger delivery (incremental),
  3. a `dbt build --full-refresh`.
Figures (and the slowest models of each build) go to
benchmarks/results/dbt.json. Every synthetic payment is paid two days after
approval, so R05 flags most of them: the rule tables are far larger than on
real data. Scale with BENCH_DBT_PERSONS and
BENCH_DBT_PAYMENTS (defaults 200 000 and 2 000 000).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

import duckdb

from crosscheck.build import build
from crosscheck.ingest.history import TEXT_HASH, VALID_TO, add_snapshot, history_table
from crosscheck.ingest.sources import get_source
from crosscheck.warehouse import open_warehouse

PERSONS = int(os.environ.get("BENCH_DBT_PERSONS", "200000"))
PAYMENTS = int(os.environ.get("BENCH_DBT_PAYMENTS", "2000000"))
FIRST_DAY = dt.date(2026, 5, 1)
AS_OF = dt.date(2026, 10, 31)
DAYS = (AS_OF - FIRST_DAY).days  # the last day is delivered before run 2
RESULTS = Path(__file__).resolve().parent / "results" / "dbt.json"

PID = "'ID' || lpad(cast(i as varchar), 16, '0')"
LOAD_SQL = (
    "insert into meta.loads (load_id, source, extract_date, status) values (?, ?, ?, 'loaded')"
)
SNAPSHOT_SQL = {
    "hukou": """
        insert into cc_snapshot
        select
            {pid}, {pid}, true,
            '人' || i, '1', date '1960-01-01', 'H' || (i // 3), '02', '500101001',
            case when i % 500 = 0 then '1' else '0' end,
            case when i % 500 = 0 then date '2026-07-15' end,
            'hukou:' || {d}, cast({d} as date), 'hukou.csv', i
        from range({persons}) t(i)""",
    "vehicles": """
        insert into cc_snapshot
        select
            '渝A' || i, case when i % 3 = 0 then '07' else '02' end,
            'ID' || lpad(cast(i * 7 % {persons} as varchar), 16, '0'),
            'ID' || lpad(cast(i * 7 % {persons} as varchar), 16, '0'), true,
            '车主', 'A', date '2020-01-01', 'A', date '2020-01-01',
            'vehicles:' || {d}, cast({d} as date), 'vehicles.csv', i
        from range({persons} // 20) t(i)""",
    "sscards": """
        insert into cc_snapshot
        select
            {pid}, {pid}, true,
            '人' || i, 'C' || i, '62' || lpad(cast(i as varchar), 14, '0'),
            '银行', '已激活', '正常',
            date '2020-01-01', 'sscards:' || {d}, cast({d} as date), 'sscards.xlsx', i
        from range({persons}) t(i)""",
}


def fill(con) -> dict:
    """Synthetic raw tables and their meta.loads rows, set-based.

    Snapshots are stored as ingestion stores them: as change history
    (`crosscheck.ingest.history.add_snapshot`), `raw.<source>` being its view.
    """
    snap_days = [FIRST_DAY + dt.timedelta(days=7 * k) for k in range(DAYS // 7 + 1)][-4:]
    for source, sql in SNAPSHOT_SQL.items():
        for d in snap_days:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE cc_snapshot AS "
                f"SELECT * EXCLUDE ({VALID_TO}, {TEXT_HASH}) "
                f"FROM {history_table(get_source(source))} LIMIT 0"
            )
            con.execute(sql.format(persons=PERSONS, d=f"'{d.isoformat()}'", pid=PID))
            load_id = f"{source}:{d.isoformat()}"
            add_snapshot(con, get_source(source), load_id, d, "SELECT * FROM cc_snapshot")
            con.execute(LOAD_SQL, [load_id, source, d])
        con.execute("DROP TABLE cc_snapshot")
    # Two versions per payment: PENDING on its approval day, PAID two days later.
    con.execute(
        f"""
        create schema bench; create table bench.pay as
        select
            i,
            'P' || lpad(cast(i as varchar), 10, '0') as payment_id,
            lpad(cast(10 + i % 7 as varchar), 2, '0') as program_code,
            'ID' || lpad(cast(i % {PERSONS} as varchar), 16, '0') as person,
            date '{FIRST_DAY}' + cast(i % {DAYS - 1} as integer) as approved
        from range({PAYMENTS}) t(i)
        """
    )
    con.execute(
        """
        insert into raw.ledger
        select
            payment_id, 'B1', program_code, person, person, true, '人',
            '62' || substr(person, 5), '银行',
            cast(500 as decimal(18, 2)),
            strftime(approved, '%Y%m'), '500101001', approved,
            case when v = 1 then approved + 1 end,
            case when v = 0 then 'PENDING' else 'PAID' end,
            approved + 2 * v, null, null,
            cast(approved + 2 * v as timestamp) + interval 9 hour,
            'ledger:' || cast(approved + 2 * v as varchar), approved + 2 * v, 'ledger.csv', i
        from bench.pay, (select cast(range as integer) as v from range(2)) r
        where approved + 2 * v < date '"""
        + AS_OF.isoformat()
        + """'
        """
    )
    con.execute(
        """
        insert into meta.loads (load_id, source, extract_date, status)
        select distinct _load_id, 'ledger', _extract_date, 'loaded' from raw.ledger
        """
    )
    return {
        "persons": PERSONS,
        "payments": PAYMENTS,
        "ledger_rows": con.execute("select count(*) from raw.ledger").fetchone()[0],
    }


def deliver_last_day(con) -> int:
    """The as-of date's ledger delivery (run 2 appends only it)."""
    con.execute(
        f"""
        insert into raw.ledger
        select
            payment_id, 'B1', program_code, person, person, true, '人',
            '62' || substr(person, 5), '银行',
            cast(500 as decimal(18, 2)), strftime(approved, '%Y%m'), '500101001', approved,
            approved + 1, 'PAID', approved + 2, null, null,
            cast(approved + 2 as timestamp) + interval 9 hour,
            'ledger:{AS_OF}', date '{AS_OF}', 'ledger.csv', i
        from bench.pay where approved + 2 = date '{AS_OF}'
        """
    )
    con.execute(LOAD_SQL, [f"ledger:{AS_OF}", "ledger", AS_OF])
    return con.execute(
        f"select count(*) from raw.ledger where _extract_date = date '{AS_OF}'"
    ).fetchone()[0]


def model_seconds(wh: Path) -> dict[str, float]:
    """Seconds per model of the last build, slowest first (dbt's run_results)."""
    results = json.loads((wh.parent / "dbt" / "target" / "run_results.json").read_text())
    times = {
        r["unique_id"].split(".")[-1]: round(r["execution_time"], 1)
        for r in results["results"]
        if r["unique_id"].startswith("model.")
    }
    return dict(sorted(times.items(), key=lambda kv: -kv[1])[:6])


def timed_build(wh: Path, as_of: dt.date, figures: dict, name: str, **kw) -> None:
    t0 = time.monotonic()
    res = build(wh, as_of, **kw)
    if not res.success:
        raise SystemExit(f"dbt build failed: {res.failures[:3]}")
    figures[f"{name}_seconds"] = round(time.monotonic() - t0, 1)
    figures[f"{name}_slowest_models"] = model_seconds(wh)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        wh = Path(tmp) / "warehouse.duckdb"
        con = open_warehouse(wh)
        t0 = time.monotonic()
        figures = fill(con)
        figures["fill_seconds"] = round(time.monotonic() - t0, 1)
        con.close()
        timed_build(wh, AS_OF - dt.timedelta(days=1), figures, "first_build")
        # dbt-duckdb keeps its connection open in this process: same config only.
        con = duckdb.connect(str(wh))
        figures["nightly_new_ledger_rows"] = deliver_last_day(con)
        con.close()
        timed_build(wh, AS_OF, figures, "nightly_build")
        timed_build(wh, AS_OF, figures, "full_refresh_build", full_refresh=True)
        figures["warehouse_mb"] = round(wh.stat().st_size / 2**20, 1)
    figures["cores"] = os.cpu_count()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    from crosscheck.process import run

    run(main)
