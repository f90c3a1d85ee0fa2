"""The tests' shared dbt parse (crosscheck/shared_parse.py) builds what dbt
builds without it.

tests/conftest.py sets CROSSCHECK_TEST_DBT_PARSE for every test process, so
that warehouses of one file name in new folders reuse the process's last dbt
parse instead of parsing the project again. Here, in one process: an empty
warehouse and a copy of the pipeline county, both `warehouse.duckdb` in
folders of their own, are built with the seam (the second on the first's
parse), another copy without it (dbt's own full parse), and a warehouse of
another name with it (a parse of its own). Every table dbt built must be the
same, row for row, in the two copies, and the empty warehouse must stay empty.
"""

from __future__ import annotations

import json
import os
import shutil

import duckdb
import pytest
from counties import END, MODELS

from crosscheck import shared_parse
from crosscheck.build import build
from crosscheck.warehouse import open_warehouse

NO_PARTIAL = "Unable to do partial parsing"


def dbt_log(warehouse) -> str:
    return (warehouse.parent / "dbt" / "logs" / "dbt.log").read_text(encoding="utf-8")


def copy_of(county, folder):
    folder.mkdir()
    shutil.copyfile(county.warehouse, folder / "warehouse.duckdb")
    return folder / "warehouse.duckdb"


def node_databases(warehouse) -> set[str]:
    manifest = json.loads((warehouse.parent / "dbt" / "target" / "manifest.json").read_text())
    return {n["database"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def built_tables(warehouse) -> list[tuple[str, str]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where schema_name not in ('raw', 'meta', 'review') order by all"
        ).fetchall()
    finally:
        con.close()


def differing(left, right, tables) -> list[str]:
    """The tables whose rows differ between two warehouses (as multisets)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{left}' as l (read_only)")
        con.execute(f"attach '{right}' as r (read_only)")
        out = []
        for schema, table in tables:
            a, b = f'l."{schema}"."{table}"', f'r."{schema}"."{table}"'
            extra = con.execute(
                f"select (select count(*) from (from {a} except all from {b})) "
                f"+ (select count(*) from (from {b} except all from {a}))"
            ).fetchone()[0]
            if extra:
                out.append(f"{schema}.{table}: {extra} rows differ")
        return out
    finally:
        con.close()


@pytest.mark.slow
def test_shared_parse_builds_what_dbt_builds(county, tmp_path, monkeypatch):
    root = tmp_path / "parse"
    monkeypatch.setenv(shared_parse.ENV, str(root))

    empty = tmp_path / "empty" / "warehouse.duckdb"
    empty.parent.mkdir()
    open_warehouse(empty).close()
    assert build(empty, END, select=MODELS).success
    shared = copy_of(county, tmp_path / "shared")
    result = build(shared, END, select=MODELS)
    assert result.success, result.failures
    # the second warehouse of the name reused the first one's parse ...
    assert NO_PARTIAL in dbt_log(empty)
    assert NO_PARTIAL not in dbt_log(shared)
    assert "Partial parsing enabled" in dbt_log(shared)
    # ... through this process's own symlink, now aimed at its folder
    link = root / str(os.getpid()) / "warehouse.duckdb" / "dir"
    assert link.resolve() == shared.parent.resolve()

    # a warehouse of another name: a parse of its own, its own database name
    other = tmp_path / "other" / "other.duckdb"
    other.parent.mkdir()
    open_warehouse(other).close()
    assert build(other, END, select=MODELS).success
    assert NO_PARTIAL in dbt_log(other)
    assert node_databases(other) == {"other"}
    assert node_databases(shared) == {"warehouse"}

    monkeypatch.delenv(shared_parse.ENV)
    alone = copy_of(county, tmp_path / "alone")
    result = build(alone, END, select=MODELS)
    assert result.success, result.failures
    assert NO_PARTIAL in dbt_log(alone)

    tables = built_tables(alone)
    assert ("marts", "anomalies") in tables and len(tables) > 40
    assert built_tables(shared) == tables
    assert differing(shared, alone, tables) == []
    # the empty warehouse stayed empty
    assert built_tables(empty) == tables
    con = duckdb.connect(str(empty), read_only=True)
    try:
        assert con.execute("select count(*) from marts.anomalies").fetchone()[0] == 0
    finally:
        con.close()
