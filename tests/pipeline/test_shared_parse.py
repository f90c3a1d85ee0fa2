"""The tests' shared dbt parse (tests/dbt_parse.py) builds what dbt builds
without it.

tests/conftest.py makes every test process reuse its last dbt parse for a
warehouse of the same name in a new folder, instead of parsing the project
again. Here, in one process: an empty warehouse and a copy of the pipeline
county, both `warehouse.duckdb` in folders of their own, are built with it
(the second on the first's parse), another copy with dbt as released (its
own full parse), and a warehouse of another name with it (a parse of its
own). Every table dbt built must be the same, row for row, in the two
copies, and the empty warehouse must stay empty.
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from counties import END, MODELS
from dbt_parse import dbt_as_released

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


def built(warehouse) -> dict[str, list[tuple]]:
    """Every table dbt built (not the sources), its rows in order."""
    con = duckdb.connect(str(warehouse))
    try:
        names = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where schema_name not in ('raw', 'meta', 'review') order by all"
        ).fetchall()
        return {n: con.execute(f"from {n} order by all").fetchall() for (n,) in names}
    finally:
        con.close()


@pytest.mark.slow
def test_shared_parse_builds_what_dbt_builds(county, tmp_path):
    empty = tmp_path / "empty" / "warehouse.duckdb"
    empty.parent.mkdir()
    open_warehouse(empty).close()
    assert build(empty, END, select=MODELS).success
    shared = copy_of(county, tmp_path / "shared")
    result = build(shared, END, select=MODELS)
    assert result.success, result.failures
    # the second warehouse of the name started from the first one's parse
    assert NO_PARTIAL not in dbt_log(shared)
    assert "Partial parsing enabled" in dbt_log(shared)

    # a warehouse of another name: a parse of its own, its own database name
    other = tmp_path / "other" / "other.duckdb"
    other.parent.mkdir()
    open_warehouse(other).close()
    assert build(other, END, select=MODELS).success
    assert NO_PARTIAL in dbt_log(other)
    assert node_databases(other) == {"other"}
    assert node_databases(shared) == {"warehouse"}

    with dbt_as_released():
        alone = copy_of(county, tmp_path / "alone")
        result = build(alone, END, select=MODELS)
        assert result.success, result.failures
        assert NO_PARTIAL in dbt_log(alone)  # dbt's own full parse

    tables = built(alone)
    assert "marts.anomalies" in tables and len(tables) > 40
    assert len(tables["marts.anomalies"]) > 50
    assert built(shared) == tables
    # the empty warehouse stayed empty
    assert not built(empty)["marts.anomalies"]
