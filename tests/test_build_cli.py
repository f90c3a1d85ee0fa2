"""`crosscheck build` and the Parquet export refuse bad input in one line."""

from __future__ import annotations

import duckdb
import pytest

from crosscheck.cli import main
from crosscheck.errors import CrosscheckError
from crosscheck.spark import export_sources, source_tables


def test_build_of_a_missing_warehouse_is_one_line(tmp_path, capsys):
    rc = main(["build", "--warehouse", str(tmp_path / "nope.duckdb"), "--as-of", "2026-10-31"])
    err = capsys.readouterr().err.strip()
    assert rc == 1
    assert err.startswith("crosscheck: error: warehouse") and "\n" not in err


def test_export_of_a_warehouse_without_the_sources_names_the_table(tmp_path):
    wh = tmp_path / "w.duckdb"
    duckdb.connect(str(wh)).close()
    with pytest.raises(CrosscheckError, match=r"raw\.\w+ is not in .*ingest at least once"):
        export_sources(wh)
    assert not (tmp_path / "spark" / "parquet" / "raw").exists() or not any(
        (tmp_path / "spark" / "parquet" / "raw").rglob("*.parquet")
    )


def test_every_declared_source_is_exported():
    tables = {f"{s}.{t}" for s, t in source_tables()}
    assert {"raw.ledger", "raw.hukou", "meta.loads", "review.decisions"} <= tables
