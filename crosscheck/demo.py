"""`make demo`: a sample county through the real Airflow DAGs, then a summary.

Generates one week of deliveries under CROSSCHECK_HOME (./work), migrates a
SQLite Airflow metadata DB under work/airflow, creates the writer pool, and
runs each day as the scheduler would (`dag.test()`, which really executes
every task): the due ingest DAGs, the cross-check DAG, on Monday the weekly
DAG. Then prints what was found and where everything is.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time

START = dt.date(2026, 10, 4)  # a Sunday: go-live, every source's baseline
DAYS = 7
PERSONS = "2000"


def _fresh(home) -> None:
    """Forget an earlier demo's runs (only what the demo itself creates)."""
    for name in ("landing", "airflow", "dbt", "reports", "ops", "data_docs", "holds", "truth.json"):
        path = home / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    for path in home.glob("warehouse*.duckdb*"):
        path.unlink()


def summary(home) -> list[str]:
    from crosscheck.config import default_warehouse, serving_path
    from crosscheck.query import scalar
    from crosscheck.warehouse import open_file

    warehouse = default_warehouse()
    serving = serving_path(warehouse)
    con = open_file(serving, read_only=True)
    try:
        by_rule = con.execute(
            "SELECT rule_code, count(*), sum(amount_at_risk) FROM marts.anomalies "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        holds = scalar(con, "SELECT count(*) FROM marts.hold_list")
        stale = con.execute(
            "SELECT source, stale_since, stale_reasons FROM marts.source_status "
            "WHERE is_stale ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    lines = ["", "Findings by rule (as of the last day):"]
    lines += [
        f"  {code}  {n:5d}  at risk {amount or 0:>12,.2f} yuan" for code, n, amount in by_rule
    ]
    lines.append(f"  total {sum(n for _, n, _ in by_rule)}")
    lines.append(f"Hold list (payments to stop before the bank pays): {holds}")
    for source, since, reasons in stale:
        lines.append(f"Stale source: {source} since {since} ({reasons})")
    hold_files = sorted((home / "holds").glob("暂停支付清单_*.xlsx"))
    lines += [
        "",
        f"Warehouse:      {warehouse}",
        f"Serving copy:   {serving}   (what notebooks and exports read)",
    ]
    lines += brief_lines(home)
    lines += [
        f"Hold list file: {hold_files[-1] if hold_files else 'none'}   (暂停支付清单, masked)",
        f"Data Docs:      {home / 'data_docs' / 'index.html'}   (every validation, offline)",
        f"Alerts:         {home / 'ops' / 'alerts.jsonl'}",
        f"Airflow home:   {home / 'airflow'}   (`make airflow` shows these runs in the UI)",
    ]
    return lines


def brief_lines(home) -> list[str]:
    """Where the briefs are, and the week-to-date brief's figures (the console's as-of).

    The weekly DAG's Monday run reports the week that ended the day before:
    in the demo, the go-live week (W40), as of its Sunday — the baseline day
    alone. The console's figures are as of the demo's last day, so the demo
    also renders the brief of the week holding that day, week to date: its
    figures are the console's.
    """
    from crosscheck.config import default_warehouse
    from crosscheck.orchestration import tasks
    from crosscheck.report import week_monday

    last = START + dt.timedelta(days=DAYS - 1)
    year, week, _ = last.isocalendar()
    current = tasks.weekly_report(f"{year}-W{week:02d}", default_warehouse())
    out = []
    for path in sorted((home / "reports").glob("weekly_*.html")):
        label = path.stem.removeprefix("weekly_")
        monday = week_monday(label)
        if label == current["week"]:
            why = f"week to date, as of {last}: the figures above"
        else:
            sunday = monday + dt.timedelta(days=6)
            why = f"the Monday weekly DAG's brief, as of {sunday}"
        out.append(f"Weekly brief:   {path}   ({label}, {why})")
    out += ["", f"Brief of {current['week']} (as of {last}):"]
    out += [f"  {line}" for line in current.get("headline", [])]
    return out


def demo() -> int:
    from crosscheck import config
    from crosscheck.review.privacy import owner_only_process

    owner_only_process()  # the sample county is synthetic, the habit is not
    home = config.home()
    home.mkdir(parents=True, exist_ok=True)
    _fresh(home)
    os.environ.setdefault("TQDM_DISABLE", "1")  # GX progress bars
    os.environ.setdefault("DBT_QUIET", "true")  # dbt prints errors only; its log has the rest
    from crosscheck.orchestration import local

    local.configure(
        home / "airflow",
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
        CROSSCHECK_DELIVERY_TIMEOUT="10",
        CROSSCHECK_DELIVERY_POKE="2",
        CROSSCHECK_RETRY_DELAY="2",
    )
    from crosscheck.cli import main

    t0 = time.monotonic()
    end = START + dt.timedelta(days=DAYS - 1)
    landing = home / "landing"
    args = ["generate", "--out", str(landing), "--persons", PERSONS, "--seed", "1", "--quiet"]
    rc = main(args + ["--start", START.isoformat(), "--end", end.isoformat()])
    if rc:
        return rc
    print(f"Sample county: {landing} ({START} to {end}, {PERSONS} residents)")
    print(f"Airflow metadata DB: {home / 'airflow'} (SQLite); pool crosscheck_warehouse (1 slot)")
    local.migrate()
    failed = []
    for i in range(DAYS):
        day = START + dt.timedelta(days=i)
        states = local.drive_night(day)
        failed += [f"{day} {dag}" for dag, state in states.items() if state != "success"]
    print("\n".join(summary(home)))
    print(f"\nDone in {time.monotonic() - t0:.0f}s.")
    if failed:
        print("Failed runs (see Alerts above): " + ", ".join(failed))
    return 0


if __name__ == "__main__":
    from crosscheck.process import run

    run(demo)
