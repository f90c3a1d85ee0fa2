"""A catch-up of many deliveries (a backlog) is judged delivery by delivery, the gate
counting failing rows before it runs GX (issue 11): every verdict, result, reason and
row is what Great Expectations alone gives, and a bad delivery in the middle is
stopped alone."""

from __future__ import annotations

import datetime as dt
import shutil
import time

import duckdb
import pytest
from counties import PIPELINE, generated
from deliveries import (
    cremations_rows,
    deaths_rows,
    duplicate_a_row,
    hukou_rows,
    ledger_rows,
    write_delivery,
)
from ingest_env import BASE_DAY, Env

from crosscheck.gate.suite_builder import load_suite
from crosscheck.ingest.sources import SOURCE_NAMES

DAYS = [BASE_DAY + dt.timedelta(days=k) for k in range(1, 6)]


def recorded(warehouse) -> dict[str, list[tuple]]:
    """Everything ingestion records, less the clock."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {
            "loads": con.execute(
                """SELECT load_id, source, extract_date, file_name, rows_read, rows_loaded,
                          rows_rejected, status, reasons, superseded_by
                   FROM meta.loads ORDER BY load_id"""
            ).fetchall(),
            "results": con.execute(
                "SELECT * EXCLUDE (validated_at) FROM meta.validation_results ORDER BY ALL"
            ).fetchall(),
            "rejects": con.execute("SELECT * FROM meta.rejects ORDER BY ALL").fetchall(),
        }
        for s in SOURCE_NAMES:
            for schema in ("raw", "quarantine"):
                out[f"{schema}.{s}"] = con.execute(
                    f"SELECT * FROM {schema}.{s} ORDER BY ALL"
                ).fetchall()
        return out
    finally:
        con.close()


def twin(env: Env, tmp_path) -> Env:
    other = Env(tmp_path / "alone")
    other.root.mkdir()
    shutil.copytree(env.landing, other.landing)
    shutil.copy2(env.warehouse, other.warehouse)
    return other


def test_a_bad_delivery_in_the_middle_is_stopped_alone(env, tmp_path):
    for day in DAYS:
        write_delivery(env.landing, "ledger", day, ledger_rows(day))
        write_delivery(env.landing, "deaths", day, deaths_rows(day))
    duplicate_a_row(env.landing / "ledger" / DAYS[2].strftime("%Y%m%d"))  # critical: key
    bad = env.landing / "ledger" / DAYS[3].strftime("%Y%m%d") / f"ledger_{DAYS[3]:%Y%m%d}.csv"
    bad.write_bytes(bad.read_bytes().replace(b"560.00", b"561.00"))  # no longer its sha256
    alone = twin(env, tmp_path)

    report = env.ingest(as_of=DAYS[-1])
    by = {(d.source, d.extract_date): d for d in report.deliveries if d.status != "skipped"}
    ledger = [by["ledger", day].status for day in DAYS]
    assert ledger == ["loaded", "loaded", "quarantined", "rejected", "loaded"]
    assert by["ledger", DAYS[2]].reasons == ["failed critical expectation key_unique"]
    assert by["ledger", DAYS[3]].reasons[0].startswith("sha256 mismatch")
    assert [by["deaths", day].status for day in DAYS] == ["loaded"] * 5  # a key may recur daily
    loaded = env.query("SELECT DISTINCT _extract_date FROM raw.ledger ORDER BY 1")
    assert [r[0] for r in loaded] == [BASE_DAY, DAYS[0], DAYS[1], DAYS[4]]
    held = env.query("SELECT DISTINCT _extract_date FROM quarantine.ledger")
    assert held == [(DAYS[2],)]
    # every delivery that was validated has the whole suite's results, as if alone
    n = len(load_suite("ledger")["expectations"])
    counts = env.query(
        """SELECT extract_date, count(*) FROM meta.validation_results
           WHERE source = 'ledger' AND extract_date > ? GROUP BY 1 ORDER BY 1""",
        [BASE_DAY],
    )
    assert counts == [(DAYS[0], n), (DAYS[1], n), (DAYS[2], n), (DAYS[4], n)]

    alone.ingest(as_of=DAYS[-1], gx_only=True)
    assert recorded(env.warehouse) == recorded(alone.warehouse)


def test_small_deliveries_typed_together_record_what_one_by_one_records(env, tmp_path, monkeypatch):
    """A backlog's small deliveries of a source are read and typed in one batch
    (`load.Backlog`): every load, reason, reject (with its line), result and row (with
    its lineage) is what reading them one by one records, refusals included."""
    from crosscheck.gate.gate import Gate
    from crosscheck.ingest import load
    from crosscheck.ingest.readers import TypedBatch

    for day in DAYS:
        write_delivery(env.landing, "ledger", day, ledger_rows(day))
        write_delivery(env.landing, "deaths", day, deaths_rows(day))
        write_delivery(env.landing, "cremations", day, cremations_rows(day))
    # a wrong-shape line before an unparseable date and an ID of 15 digits: rejects and
    # row numbers after the gap
    rows = [*deaths_rows(DAYS[0]), {**deaths_rows(DAYS[0])[0], "certificate_no": "D0003",
            "death_date": "2026-13-45"}, {**deaths_rows(DAYS[0])[1], "certificate_no": "D0004",
            "id_number": "500101600101123"}]  # fmt: skip
    lines = _csv("deaths", rows).split(b"\n")
    lines.insert(2, b"D0009,too few fields")
    write_delivery(env.landing, "deaths", DAYS[0], data=b"\n".join(lines), n_rows=len(rows) + 1)
    write_delivery(env.landing, "deaths", DAYS[1], [])  # an empty day
    lines = _csv("ledger", ledger_rows(DAYS[3])).split(b"\n")
    lines.insert(1, b"X," * 30)  # a wrong-shape first row, in another file of the batch
    write_delivery(env.landing, "ledger", DAYS[3], data=b"\n".join(lines), n_rows=3)
    duplicate_a_row(env.landing / "ledger" / DAYS[1].strftime("%Y%m%d"))  # quarantined
    write_delivery(env.landing, "ledger", DAYS[2], ledger_rows(DAYS[2]), n_rows=5)  # refused
    bad = (
        env.landing / "cremations" / DAYS[3].strftime("%Y%m%d") / f"cremations_{DAYS[3]:%Y%m%d}.csv"
    )
    bad.write_bytes(bad.read_bytes() + b"\n")  # no longer its sha256: refused
    correction = [{**r, "name": "更正"} for r in deaths_rows(BASE_DAY)]
    write_delivery(env.landing, "deaths", BASE_DAY, correction)  # supersedes the baseline's
    alone = twin(env, tmp_path)

    batched = []
    real_type = TypedBatch.type
    monkeypatch.setattr(
        TypedBatch, "type", lambda self: (batched.append(self.source.name), real_type(self))[1]
    )
    counted = []  # the gate counts each batch's rows once, for all its deliveries
    real_counts = Gate.batch_counts
    monkeypatch.setattr(
        Gate, "batch_counts", lambda *a: counted.append(real_counts(*a)) or counted[-1]
    )
    started = time.monotonic()
    together = env.ingest(as_of=DAYS[-1])
    run_seconds = time.monotonic() - started
    assert sorted(batched) == ["cremations", "deaths", "ledger"]
    assert len(counted) == 3 and all(c is not None and c.by_load and c.repeats for c in counted)
    # a delivery's seconds are its own (its share of its batch, then its turn), not the
    # time since its batch was read: together they fit in the run's
    assert 0 < sum(d.seconds for d in together.deliveries) <= run_seconds
    monkeypatch.setattr(load, "BATCH_ROWS", 0)
    one_by_one = alone.ingest(as_of=DAYS[-1])
    assert len(batched) == 3
    assert [d.line() for d in together.deliveries] == [d.line() for d in one_by_one.deliveries]
    statuses = {(d.source, d.extract_date): d.status for d in together.deliveries}
    assert statuses["deaths", BASE_DAY] == "loaded"
    assert statuses["ledger", DAYS[1]] == "quarantined"
    assert statuses["ledger", DAYS[2]] == statuses["cremations", DAYS[3]] == "rejected"
    first = next(
        d for d in together.deliveries if d.extract_date == DAYS[0] and d.source == "deaths"
    )
    assert (first.rows_read, first.rows_rejected) == (5, 2)
    assert recorded(env.warehouse) == recorded(alone.warehouse)
    lines_of = env.query("SELECT line_no FROM meta.rejects WHERE source = 'deaths' ORDER BY 1")
    assert lines_of == [(2,), (4,)]
    assert env.query("SELECT line_no FROM meta.rejects WHERE source = 'ledger'") == [(1,)]
    superseded = env.query("SELECT count(*) FROM meta.loads WHERE status = 'superseded'")
    assert superseded == [(1,)]

    # the next run: the refused deliveries delivered right (same load ids, rejected before)
    # are tried again in a batch with the next day's, their meta.loads rows replaced
    later = DAYS[-1] + dt.timedelta(days=1)
    for e in (env, alone):
        write_delivery(e.landing, "ledger", DAYS[2], ledger_rows(DAYS[2]))
        write_delivery(e.landing, "cremations", DAYS[3], cremations_rows(DAYS[3]))
        for source, rows in (
            ("ledger", ledger_rows(later)),
            ("cremations", cremations_rows(later)),
        ):
            write_delivery(e.landing, source, later, rows)
    monkeypatch.setattr(load, "BATCH_ROWS", 50_000)
    again = [d for d in env.ingest(as_of=later).deliveries if d.status != "skipped"]
    assert sorted(batched[3:]) == ["cremations", "ledger"]
    monkeypatch.setattr(load, "BATCH_ROWS", 0)
    alone_again = [d for d in alone.ingest(as_of=later).deliveries if d.status != "skipped"]
    assert [d.line() for d in again] == [d.line() for d in alone_again]
    assert [d.status for d in again] == ["loaded"] * 4
    assert recorded(env.warehouse) == recorded(alone.warehouse)


def _csv(source: str, rows: list[dict]) -> bytes:
    from deliveries import encode_csv

    return encode_csv(source, rows)


def test_a_snapshot_backlog_judges_each_row_count_against_the_last_good_one(env, tmp_path):
    sundays = [BASE_DAY + dt.timedelta(days=7 * k) for k in (1, 2, 3)]
    for day, n in zip(sundays, (10, 3, 11), strict=True):  # the middle one lost most rows
        write_delivery(env.landing, "hukou", day, hukou_rows(n))
    alone = twin(env, tmp_path)
    report = env.ingest(as_of=sundays[-1], sources=["hukou"])
    fresh = [d for d in report.deliveries if d.status != "skipped"]
    assert [d.status for d in fresh] == ["loaded", "quarantined", "loaded"]
    assert fresh[1].reasons == ["failed critical expectation row_count_near_previous"]
    assert [r[0] for r in env.query("SELECT DISTINCT _extract_date FROM raw.hukou ORDER BY 1")] == [
        BASE_DAY,
        sundays[0],
        sundays[2],
    ]
    alone.ingest(as_of=sundays[-1], sources=["hukou"], gx_only=True)
    assert recorded(env.warehouse) == recorded(alone.warehouse)


@pytest.mark.slow
def test_a_generated_county_is_recorded_as_delivery_by_delivery(tmp_path):
    """Planted defects (invalid IDs, warnings, empty days) give the same results,
    verdicts, rejects and rows counted first as judged by GX alone."""
    landing = generated(**PIPELINE) / "landing"
    counted, alone = tmp_path / "counted.duckdb", tmp_path / "alone.duckdb"
    from crosscheck.ingest import api

    a = api.ingest(landing, counted, data_docs=False)
    b = api.ingest(landing, alone, data_docs=False, gx_only=True)
    assert [d.line() for d in a.deliveries] == [d.line() for d in b.deliveries]
    seen = recorded(counted)
    failed = {(r[1], r[3]) for r in seen["results"] if not r[6]}  # (source, expectation)
    assert {s for s, _ in failed} & {"ledger", "deaths", "cremations"}, failed
    assert seen == recorded(alone)


def test_work_tables_a_killed_run_left_are_dropped_at_the_next_start(env):
    con = duckdb.connect(str(env.warehouse))
    con.execute("CREATE SCHEMA IF NOT EXISTS ingest_work")
    con.execute("CREATE TABLE ingest_work.deaths__3 AS SELECT 1 AS x")
    con.execute("CREATE VIEW ingest_work.deaths AS SELECT * FROM ingest_work.deaths__3")
    con.close()
    env.ingest(as_of=BASE_DAY)
    left = env.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'ingest_work'"
    )
    assert left == []
