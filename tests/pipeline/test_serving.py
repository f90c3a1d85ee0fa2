"""Publishing without copying the warehouse (issue 11): the serving copy holds
the readers' tables and views of the raw loads over immutable Parquet files."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

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
    copied = rows(
        serving, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'intermediate'"
    )
    assert {t for (t,) in copied} <= SERVED_INTERMEDIATE
    assert ("int_payments",) in copied and ("int_payment_months",) not in copied
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
    (outside the dbt project) or a notebook must be one the copy holds."""
    package = Path(crosscheck.__file__).parent
    files = [
        f
        for f in [*package.rglob("*.py"), *(REPO / "notebooks").rglob("*.ipynb")]
        if "dbt_project" not in f.parts
    ]
    named = {
        m
        for f in files
        for m in re.findall(r"\bintermediate\.(\w+)", f.read_text(encoding="utf-8"))
    }
    assert "int_payments" in named  # the scan sees the lookups
    assert named <= SERVED_INTERMEDIATE, named - SERVED_INTERMEDIATE
