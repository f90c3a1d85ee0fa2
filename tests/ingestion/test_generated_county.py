"""A small generated county (branch `gen`) loads whole: every delivery, every row.

The generator is an independent writer of the docs/DELIVERY_FORMATS.md formats, so this
also cross-checks the readers against it.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from crosscheck.cli import main
from crosscheck.ingest import api


def test_generated_county_loads_every_row(tmp_path, capsys):
    landing, wh = tmp_path / "landing", tmp_path / "wh.duckdb"
    rc = main(["generate", "--out", str(landing), "--persons", "300", "--seed", "3",
               "--start", "2026-10-03", "--end", "2026-10-05", "--quiet"])  # fmt: skip
    assert rc == 0
    capsys.readouterr()
    markers = sorted(landing.glob("*/*/_SUCCESS"))
    report = api.ingest(landing, wh, data_docs=False)
    assert report.as_of == dt.date(2026, 10, 5)
    assert len(report.deliveries) == len(markers)
    assert {d.status for d in report.deliveries} == {"loaded"}, [
        d.line() for d in report.deliveries if d.status != "loaded"
    ]
    con = duckdb.connect(str(wh), read_only=True)
    try:
        for m in markers:
            meta = json.loads(m.read_text(encoding="utf-8"))
            src, day = meta["source"], dt.date.fromisoformat(meta["extract_date"])
            n = con.execute(
                f"SELECT count(*) FROM raw.{src} WHERE _extract_date = ?", [day]
            ).fetchone()[0]
            assert n == meta["files"][0]["rows"], (src, day)
        assert con.execute("SELECT count(*) FROM meta.rejects").fetchone() == (0,)
        # typed variants of the R09 near misses normalize to valid IDs
        decorated = con.execute(
            """SELECT count(*), bool_and(recipient_id_valid) FROM raw.ledger
               WHERE recipient_id_raw <> recipient_id AND length(recipient_id_raw) <> 15
                 AND recipient_id_raw NOT LIKE '%x'"""
        ).fetchone()
        assert decorated[0] > 0 and decorated[1] is True
        # Excel date cells arrive as dates, accounts keep their digits as text
        assert con.execute(
            "SELECT count(*) FROM raw.sscards WHERE issued_date IS NULL OR account_no IS NULL"
        ).fetchone() == (0,)
    finally:
        con.close()
    # a second run finds nothing new
    again = api.ingest(landing, wh, data_docs=False)
    assert {d.status for d in again.deliveries} == {"skipped"}
