"""The benchmark's plain-DuckDB floor (crosscheck/floor.py, benchmarks/floor.sql)
computes the same 14 rules: on the session county it finds the planted truth,
so the ratio `crosscheck bench` reports compares like with like."""

from __future__ import annotations

from collections import Counter

import duckdb
from counties import END

from crosscheck.floor import run_floor


def test_the_floor_finds_exactly_the_planted_findings(county, tmp_path):
    db = tmp_path / "floor.duckdb"
    counts = run_floor(county.landing, END, db)
    planted = Counter(f["rule_code"] for f in county.truth["findings"])
    assert counts == dict(planted)
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = set(
            con.execute(
                "SELECT rule_code, payment_id FROM findings WHERE payment_id IS NOT NULL"
            ).fetchall()
        )
    finally:
        con.close()
    expected = {
        (f["rule_code"], f["payment_id"])
        for f in county.truth["findings"]
        if f.get("payment_id") and f["rule_code"] not in ("R11", "R13")
    }
    assert found == expected
