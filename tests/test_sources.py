"""The source declarations are complete and agree with docs/DELIVERY_FORMATS.md's shape."""

from __future__ import annotations

import datetime as dt

from crosscheck.ingest.sources import SQL_TYPES, load_sources

EIGHT = {"hukou", "vehicles", "deaths", "cremations", "assistance", "sscards", "payroll", "ledger"}


def test_eight_sources_declared():
    assert set(load_sources()) == EIGHT


def test_every_column_is_typed_and_named_once():
    for s in load_sources().values():
        names = [c.name for c in s.columns]
        assert len(names) == len(set(names)), s.name
        assert len(s.headers) == len(set(s.headers)), s.name
        for c in s.columns:
            assert c.type in SQL_TYPES, (s.name, c.name)
            if c.type == "code":
                assert c.values, (s.name, c.name)
        assert set(s.key) <= set(names), s.name


def test_formats_match_the_interface_agreement():
    src = load_sources()
    assert src["hukou"].encoding == "GB18030" and src["hukou"].newline == "CRLF"
    assert src["vehicles"].encoding == "GB18030"
    assert src["deaths"].encoding == "UTF-8-BOM"
    assert src["sscards"].format == "xlsx" and src["sscards"].sheet == "社保卡"
    assert src["ledger"].file_name(dt.date(2026, 11, 21)) == "ledger_20261121.csv"
    assert {s.kind for s in src.values()} == {"snapshot", "incremental"}
    assert {n for n, s in src.items() if s.kind == "incremental"} == {
        "deaths",
        "cremations",
        "ledger",
    }


def test_raw_tables_keep_raw_and_normalized_ids_and_lineage():
    cols = dict(load_sources()["ledger"].raw_columns())
    assert cols["recipient_id_raw"] == "VARCHAR"
    assert cols["recipient_id"] == "VARCHAR"
    assert cols["recipient_id_valid"] == "BOOLEAN"
    assert cols["amount"] == "DECIMAL(18,2)"
    assert cols["account_no"] == "VARCHAR"
    assert {"_load_id", "_extract_date", "_source_file", "_row_no"} <= set(cols)


def test_cadence():
    src = load_sources()
    sunday, monday = dt.date(2026, 11, 22), dt.date(2026, 11, 23)
    assert src["ledger"].expected_on(monday)
    assert src["hukou"].expected_on(sunday) and not src["hukou"].expected_on(monday)
    assert src["payroll"].expected_on(dt.date(2026, 11, 1))
    assert not src["payroll"].expected_on(dt.date(2026, 11, 2))


def test_the_delivery_formats_page_agrees_with_the_declarations(repo_root):
    """docs/DELIVERY_FORMATS.md (the project's own reference) names every source,
    its file and every header of it, as declared in crosscheck/ingest/sources.yml."""
    page = (repo_root / "docs" / "DELIVERY_FORMATS.md").read_text(encoding="utf-8")
    day = dt.date(2026, 11, 21)
    for s in load_sources().values():
        assert f"### `{s.name}`" in page, s.name
        assert s.file_name(day).replace("20261121", "YYYYMMDD") in page, s.name
        for header in s.headers:
            assert header in page, (s.name, header)
