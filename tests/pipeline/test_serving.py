"""Publishing without copying the warehouse (issue 11): the serving copy holds
the readers' tables and views of the raw loads over immutable Parquet files."""

from __future__ import annotations

import json
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

import crosscheck
from crosscheck.config import serving_path
from crosscheck.publish import MANIFEST, SERVED_INTERMEDIATE, parquet_dir, publish

REPO = Path(__file__).resolve().parents[2]


def rows(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_serving_copy_reads_like_the_warehouse_without_its_history(county, tmp_path):
    serving = publish(county.warehouse)  # other tests may have changed the warehouse since
    tables = dict(rows(serving, "SELECT schema_name, count(*) FROM duckdb_tables() GROUP BY 1"))
    # no raw history and no ledger version history is copied…
    assert "raw" not in tables and "staging" not in tables
    assert {"marts", "meta", "review", "rules", "reference", "intermediate"} <= set(tables)
    served = rows(
        serving,
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_schema = 'intermediate'",
    )
    assert {t for t, kind in served if kind == "BASE TABLE"} <= SERVED_INTERMEDIATE
    # the large ones are views over Parquet parts (SERVED_AS_FILES), not copies
    assert ("int_payments", "VIEW") in served and ("int_persons", "VIEW") in served
    assert "int_payment_months" not in {t for t, _ in served}
    # …yet readers see the same rows (raw through views of one Parquet file per load)
    con = duckdb.connect(str(county.warehouse))
    try:
        live = {
            q: con.execute(q).fetchall()
            for q in (
                "SELECT _load_id, count(*), sum(amount) FROM raw.ledger GROUP BY 1 ORDER BY 1",
                "SELECT count(*), count(DISTINCT id_number) FROM raw.hukou",
                "SELECT * FROM marts.anomalies ORDER BY anomaly_id",
                "SELECT load_id, status FROM meta.loads ORDER BY load_id",
                "SELECT count(*) FROM review.current_decisions",
                "SELECT * FROM staging.stg_sscards__cards ORDER BY ALL",
                "SELECT * FROM staging.stg_hukou__persons ORDER BY ALL",
                "SELECT * FROM intermediate.int_persons ORDER BY ALL",
                *(f"SELECT count(*) FROM intermediate.{t}" for t in sorted(SERVED_INTERMEDIATE)),
            )
        }
        loads = con.execute("SELECT count(DISTINCT _load_id) FROM raw.ledger").fetchone()[0]
    finally:
        con.close()
    for q, expected in live.items():
        assert rows(serving, q) == expected, q
    files = sorted((parquet_dir(county.warehouse) / "raw" / "ledger").glob("*.parquet"))
    assert len(files) == loads + 1  # one per load and the zero-row schema file
    assert (parquet_dir(county.warehouse) / MANIFEST).exists()


def test_a_republish_writes_no_load_twice_and_an_open_copy_stays_readable(county, tmp_path):
    folder = parquet_dir(county.warehouse) / "raw" / "ledger"
    before = {f.name: f.stat().st_mtime_ns for f in folder.glob("*.parquet")}
    serving = serving_path(county.warehouse)
    reader = duckdb.connect(str(serving), read_only=True)
    try:
        expected = reader.execute("SELECT count(*) FROM raw.ledger").fetchone()
        publish(county.warehouse)
        # the reader still has the copy it opened, complete
        assert reader.execute("SELECT count(*) FROM raw.ledger").fetchone() == expected
    finally:
        reader.close()
    after = {f.name: f.stat().st_mtime_ns for f in folder.glob("*.parquet")}
    assert after == before


def test_every_intermediate_table_a_reader_names_is_served():
    """Readers open the serving copy: an intermediate table named by the package
    (outside the dbt project) or a notebook must be one the copy holds. The
    publisher itself reads the live warehouse (the payment plan), not the copy."""
    package = Path(crosscheck.__file__).parent
    files = [
        f
        for f in [*package.rglob("*.py"), *(REPO / "notebooks").rglob("*.ipynb")]
        if "dbt_project" not in f.parts and f != package / "publish.py"
    ]
    named = {
        m
        for f in files
        for m in re.findall(r"\bintermediate\.(\w+)", f.read_text(encoding="utf-8"))
    }
    assert "int_payments" in named  # the scan sees the lookups
    assert named <= SERVED_INTERMEDIATE, named - SERVED_INTERMEDIATE


# --- the parts: a night writes what it changed; readers keep their build ----------

PAYMENTS = "SELECT * FROM intermediate.int_payments ORDER BY ALL"
READS = (
    PAYMENTS,
    "SELECT * FROM intermediate.int_persons ORDER BY ALL",
    "SELECT * FROM intermediate.int_vehicles ORDER BY ALL",
    "SELECT * FROM marts.anomalies ORDER BY ALL",
    "SELECT _load_id, count(*) FROM raw.ledger GROUP BY 1 ORDER BY 1",
)


def _own_warehouse(county, tmp_path) -> Path:
    publish(county.warehouse)  # checkpointed: the file alone is the state
    w = tmp_path / "w" / "warehouse.duckdb"
    w.parent.mkdir()
    shutil.copy2(county.warehouse, w)
    return w


def _part(day) -> str:
    return "dnone" if day is None else f"d{day:%Y%m%d}"


def _night(w: Path, *, published: bool = True) -> set[str]:
    """What an incremental build does to the served tables, written directly:
    int_payments rows recomputed for the touched payments only (one moves to a
    new extract date, one changes in place, one goes, one is new) and the plan
    naming them; a renamed person; a finding fewer. With `published=False` the
    plan follows a build the serving copy never reflected. Returns the parts
    the touched payments were or are in."""
    con = duckdb.connect(str(w))
    try:
        seq = con.execute("SELECT seq FROM intermediate.int_payments__plan").fetchone()[0]
        ids = con.execute(
            "SELECT payment_id, _extract_date FROM intermediate.int_payments "
            "ORDER BY _extract_date, payment_id"
        ).fetchall()
        (moved, d_moved), (changed, d_changed), (dropped, d_dropped) = (
            ids[0],
            ids[len(ids) // 2],
            ids[-1],
        )
        new = f"NEW-{changed}"
        t = "intermediate.int_payments"
        con.execute(
            f"UPDATE {t} SET _extract_date = DATE '2026-12-01', amount = amount + 1 "
            "WHERE payment_id = ?",
            [moved],
        )
        con.execute(f"UPDATE {t} SET household_no = 'H-moved' WHERE payment_id = ?", [changed])
        con.execute(f"DELETE FROM {t} WHERE payment_id = ?", [dropped])
        con.execute(
            f"INSERT INTO {t} SELECT * REPLACE (? AS payment_id, DATE '2026-12-01' AS "
            f"_extract_date) FROM {t} WHERE payment_id = ?",
            [new, changed],
        )
        previous = seq if published else seq + 1
        con.execute(
            "CREATE OR REPLACE TABLE intermediate.int_payments__plan AS SELECT "
            "CAST(? AS BIGINT) AS seq, CAST(? AS BIGINT) AS previous_seq, false AS full_rebuild",
            [previous + 1, previous],
        )
        con.execute(
            "CREATE OR REPLACE TABLE intermediate.int_payments__touched AS "
            "SELECT unnest(?::VARCHAR[]) AS payment_id",
            [[moved, changed, dropped, new]],
        )
        con.execute(
            "UPDATE intermediate.int_persons SET name = name || '·' "
            "WHERE person_id = (SELECT min(person_id) FROM intermediate.int_persons)"
        )  # rebuilt: its build records another fingerprint (macros/kept_tables.sql)
        con.execute("UPDATE intermediate.int_persons__sync SET fingerprint = fingerprint || '+'")
        con.execute(
            "DELETE FROM marts.anomalies "
            "WHERE anomaly_id = (SELECT min(anomaly_id) FROM marts.anomalies)"
        )
    finally:
        con.close()
    return {_part(d_moved), _part(d_changed), _part(d_dropped), "d20261201"}


@contextmanager
def _statements(monkeypatch):
    """The SQL a publication sends through the warehouse connection it opens."""
    from recording import Recording

    import crosscheck.warehouse as warehouse

    sent: list[str] = []
    real = warehouse.connect
    with monkeypatch.context() as m:
        m.setattr(warehouse, "connect", lambda *a, **k: Recording(real(*a, **k), sent))
        yield sent


def test_a_table_without_the_builds_record_is_rewritten_by_its_rows(county, tmp_path):
    w = _own_warehouse(county, tmp_path)
    con = duckdb.connect(str(w))
    try:
        con.execute("DROP TABLE intermediate.int_vehicles__sync")  # e.g. a Spark build
    finally:
        con.close()
    publish(w)
    vehicles = _files(w, "int_vehicles")
    publish(w)
    assert _files(w, "int_vehicles") == vehicles  # the same rows: the same file
    con = duckdb.connect(str(w))
    try:
        con.execute("DELETE FROM intermediate.int_vehicles WHERE rowid = 0")
    finally:
        con.close()
    serving = publish(w)
    assert len(_files(w, "int_vehicles") - vehicles) == 1
    q = "SELECT count(*) FROM intermediate.int_vehicles"
    assert rows(serving, q) == rows(w, q)


def _files(w: Path, table: str) -> set[str]:
    return {f.name for f in (parquet_dir(w) / "intermediate" / table).glob("*.parquet")}


def _named(serving: Path) -> set[Path]:
    """Every file the serving copy's views name."""
    sqls = rows(serving, "SELECT sql FROM duckdb_views() WHERE NOT internal")
    return {Path(f) for (sql,) in sqls for f in re.findall(r"'([^']+\.parquet)'", sql)}


def test_a_night_rewrites_only_the_parts_it_touched_and_an_open_copy_keeps_its_build(
    county, tmp_path, monkeypatch
):
    w = _own_warehouse(county, tmp_path)
    serving = publish(w)
    payments, persons, vehicles = (
        _files(w, t) for t in ("int_payments", "int_persons", "int_vehicles")
    )
    reader = duckdb.connect(str(serving), read_only=True)  # opened before the night
    try:
        before = [reader.execute(q).fetchall() for q in READS]
        named_before = _named(serving)
        dirty = _night(w)
        with _statements(monkeypatch) as statements:
            publish(w)
        # the parts it rewrites are read by a range of extract dates that DuckDB
        # pushes into the scan, not by their key alone (an expression: a full scan)
        parts = [q for q in statements if q.startswith("COPY") and "int_payments" in q]
        assert parts and all("_extract_date BETWEEN DATE" in q for q in parts), (parts, dirty)
        # the reader still reads its own build, every file its views name is there
        assert [reader.execute(q).fetchall() for q in READS] == before
        assert all(f.exists() for f in named_before)
    finally:
        reader.close()
    # a new reader sees the night's build, the same rows as the warehouse
    for q in READS:
        assert rows(serving, q) == rows(w, q), q
    assert rows(serving, PAYMENTS) != before[0]
    # only the touched payments' parts were written; the unchanged tables' part kept
    written = _files(w, "int_payments") - payments
    assert {f.split("-", 1)[0] for f in written} == dirty
    assert payments - _files(w, "int_payments") == set()  # the old ones kept for now
    assert _files(w, "int_vehicles") == vehicles
    assert len(_files(w, "int_persons") - persons) == 1
    # nothing changed: nothing written, and the kept tables' rows not even hashed
    after_night = {t: _files(w, t) for t in ("int_payments", "int_persons", "int_vehicles")}
    with _statements(monkeypatch) as statements:
        publish(w)
    assert {t: _files(w, t) for t in after_night} == after_night
    assert statements and not [q for q in statements if "sum(hash(t))" in q]
    assert all(f.exists() for f in named_before)  # still named by the copy just replaced
    # two publications later no serving copy names the first night's own parts: gone
    publish(w)
    gone = {f for f in named_before if f not in _named(serving)}
    assert gone and not any(f.exists() for f in gone)
    for q in READS:
        assert rows(serving, q) == rows(w, q), q


def test_a_build_the_serving_copy_never_saw_rewrites_every_part(county, tmp_path):
    w = _own_warehouse(county, tmp_path)
    publish(w)
    payments = _files(w, "int_payments")
    _night(w, published=False)  # the plan follows a build that was not published
    serving = publish(w)
    parts = {f for f in _files(w, "int_payments") - payments if not f.startswith("schema-")}
    assert {f.split("-", 1)[0] for f in parts} == {
        _part(d) for (d,) in rows(w, "SELECT DISTINCT _extract_date FROM intermediate.int_payments")
    }
    assert rows(serving, PAYMENTS) == rows(w, PAYMENTS)


@pytest.mark.parametrize("where", ["open_file", "_copy_tables"])
def test_a_publication_that_fails_half_way_leaves_the_serving_copy_in_place(
    county, tmp_path, monkeypatch, where
):
    """`open_file`: after the parts are written and the tables copied;
    `_copy_tables`: half-way through the copies, on the thread that makes them
    while the Parquet files are written (its error is the publication's)."""
    import crosscheck.publish as pub

    w = _own_warehouse(county, tmp_path)
    serving = publish(w)
    before = [rows(serving, q) for q in READS]
    named = _named(serving)
    _night(w)
    real = getattr(pub, where)

    def fail(*args, **kwargs):
        if where == "_copy_tables":
            con, tables = args
            real(con, tables[: len(tables) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(pub, where, fail)
    with pytest.raises(OSError, match="disk full"):
        publish(w)
    monkeypatch.undo()
    # the copy in place is the last good build, complete
    assert [rows(serving, q) for q in READS] == before
    assert all(f.exists() for f in named)
    # the next publication serves the night and drops what the failed one wrote
    # (and what a killed one would leave: a scratch folder, a half-written file)
    folder = parquet_dir(w) / "intermediate" / "int_payments"
    (folder / ".write-killed").mkdir()
    (folder / ".write-killed" / "f0.parquet").write_bytes(b"half")
    (folder / ".all-x.parquet.tmp").write_bytes(b"half")
    publish(w)
    assert not list(folder.glob(".*"))
    for q in READS:
        assert rows(serving, q) == rows(w, q), q
    manifest = json.loads((parquet_dir(w) / MANIFEST).read_text())
    listed = {
        f for doc in (manifest["files"], manifest["kept"]) for f in doc["intermediate.int_payments"]
    }
    assert _files(w, "int_payments") == listed
