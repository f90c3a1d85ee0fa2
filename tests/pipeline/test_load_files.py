"""One Parquet file per load, however many loads wait for one (crosscheck/spark.py).

A go-live's first publication writes a thousand loads' files in one partitioned
COPY; a night writes its few one by one. Both must give the same files: named by
load id, each holding its load's rows (in `_row_no` order when written alone).
"""

from __future__ import annotations

import random

import duckdb
import pytest

from crosscheck import spark


def _table(con, loads: int) -> list[str]:
    """raw.t: `loads` loads (ids with ':' as real ones have) of 1–300 rows, inserted
    shuffled so the order on disk is not the order of `_row_no`."""
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.t (v VARCHAR, _load_id VARCHAR, _row_no BIGINT)")
    rng = random.Random(7)
    ids = [f"ledger:202610{d:02d}:{rng.getrandbits(48):012x}" for d in range(1, loads + 1)]
    rows = [
        (f"{i}-{n}", lid, n) for i, lid in enumerate(ids) for n in range(1, rng.randint(2, 300))
    ]
    rng.shuffle(rows)
    con.executemany("INSERT INTO raw.t VALUES (?, ?, ?)", rows)
    return ids


def _files(folder) -> dict[str, list[tuple]]:
    con = duckdb.connect()
    return {
        f.name: con.execute(f"SELECT * FROM read_parquet('{f}')").fetchall()
        for f in sorted(folder.glob("*.parquet"))
    }


@pytest.mark.parametrize("batched", [True, False])
def test_each_load_gets_its_own_file(tmp_path, monkeypatch, batched):
    if not batched:
        monkeypatch.setattr(spark, "BATCHED_LOADS", 10**9)
    con = duckdb.connect()
    ids = _table(con, 40)
    folder = tmp_path / "t"
    folder.mkdir()
    report = spark.ExportReport(root=tmp_path)
    names = spark._export_loads(con, "raw.t", folder, report)
    assert names == sorted(spark._file_name(i) for i in ids)
    got = _files(folder)
    assert sorted(got) == names and len(report.written) == 40
    for lid in ids:
        rows = got[spark._file_name(lid)]
        want = con.execute(
            "SELECT * FROM raw.t WHERE _load_id = ? ORDER BY _row_no", [lid]
        ).fetchall()
        if not batched:
            assert rows == want  # its rows in _row_no order, and no other load's
        assert sorted(rows) == sorted(want)  # its rows, and no other load's
    assert not (folder / ".loads.tmp").exists()


def test_a_load_the_partitioned_copy_misses_is_written_alone(tmp_path, monkeypatch):
    con = duckdb.connect()
    ids = _table(con, 12)
    folder = tmp_path / "t"
    folder.mkdir()
    real = spark._write_partitioned

    def losing_one(con, name, folder, missing):
        left = real(con, name, folder, missing)
        first = sorted(missing)[0]
        (folder / first).unlink()  # as if DuckDB had split its rows over two files
        return {**left, first: missing[first]}

    monkeypatch.setattr(spark, "_write_partitioned", losing_one)
    names = spark._export_loads(con, "raw.t", folder, spark.ExportReport(root=tmp_path))
    assert sorted(_files(folder)) == names == sorted(spark._file_name(i) for i in ids)
