"""Pins the GX-on-DuckDB fixes and the reflection cache of crosscheck/gate/gx_duckdb.py
against real GX."""

from __future__ import annotations

import duckdb
import great_expectations as gx
import pytest
import sqlalchemy as sa
from duckdb_engine import Dialect as DuckDBDialect

from crosscheck.gate import gx_duckdb


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = tmp_path_factory.mktemp("gx") / "w.duckdb"
    c = duckdb.connect(str(path))
    c.execute("CREATE SCHEMA s")
    c.execute(
        "CREATE TABLE s.t AS SELECT range AS i, "
        "CASE WHEN range % 10 = 0 THEN NULL WHEN range = 7 THEN 'bad' ELSE 'a' || range END AS v "
        "FROM range(1000)"
    )
    yield c
    c.close()


def test_duckdb_is_a_persisted_connection_dialect():
    from great_expectations.execution_engine import sqlalchemy_execution_engine as eng

    gx_duckdb.apply()
    gx_duckdb.apply()  # idempotent
    names = [str(getattr(d, "value", d)) for d in eng._PERSISTED_CONNECTION_DIALECTS]
    assert names.count("duckdb") == 1
    assert eng._dialect_requires_persisted_connection(connection_string="duckdb:///x.duckdb")


def test_regex_expression_uses_regexp_matches():
    gx_duckdb.apply()
    from great_expectations.expectations.metrics.column_map_metrics import (
        column_values_match_regex as m,
    )

    expr = m.get_dialect_regex_expression(sa.column("v"), "^a[0-9]+$", DuckDBDialect)
    sql = str(expr.compile(dialect=DuckDBDialect(), compile_kwargs={"literal_binds": True}))
    assert sql.startswith("regexp_matches(v, ")
    neg = m.get_dialect_regex_expression(sa.column("v"), "x", DuckDBDialect(), positive=False)
    assert "NOT regexp_matches" in str(neg.compile(dialect=DuckDBDialect()))


def test_gx_sql_validation_on_an_open_duckdb_connection(con):
    """Results come back (persisted connection) and the regex counts are right."""
    gx_duckdb.apply()
    ctx = gx.get_context(mode="ephemeral")
    ds = ctx.data_sources.add_sql(
        "w", connection_string="duckdb:///:memory:", kwargs=gx_duckdb.engine_kwargs(con)
    )
    batch = ds.add_table_asset(
        "t", table_name="t", schema_name="s"
    ).add_batch_definition_whole_table("all")
    suite = ctx.suites.add(gx.ExpectationSuite("s"))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="v", mostly=0.95))
    suite.add_expectation(
        gx.expectations.ExpectColumnValuesToMatchRegex(column="v", regex="^a[0-9]+$")
    )
    suite.add_expectation(
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1000, max_value=1000)
    )
    vd = ctx.validation_definitions.add(gx.ValidationDefinition(name="v", data=batch, suite=suite))
    result = vd.run()
    by_type = {r.expectation_config.type: r for r in result.results}
    for r in result.results:
        assert not r.exception_info.get("raised_exception"), r.exception_info
    assert by_type["expect_column_values_to_not_be_null"].result["unexpected_count"] == 100
    assert by_type["expect_column_values_to_not_be_null"].success is False
    assert by_type["expect_column_values_to_match_regex"].result["unexpected_count"] == 1
    assert by_type["expect_table_row_count_to_be_between"].success is True


def test_reflection_is_kept_per_column_signature(tmp_path):
    """A table re-created with the same columns is not reflected again; one re-created
    with other columns is, and expect_table_columns_to_match_set sees the new ones."""
    from great_expectations.validator.v1_validator import Validator

    gx_duckdb.apply()
    c = duckdb.connect(str(tmp_path / "r.duckdb"))
    c.execute("CREATE SCHEMA cache_s")
    c.execute("CREATE TABLE cache_s.t AS SELECT 0 AS a, '' AS b")
    ctx = gx.get_context(mode="ephemeral")
    ds = ctx.data_sources.add_sql(
        "r", connection_string="duckdb:///:memory:", kwargs=gx_duckdb.engine_kwargs(c)
    )
    batch = ds.add_table_asset(
        "t", table_name="t", schema_name="cache_s"
    ).add_batch_definition_whole_table("all")
    suite = ctx.suites.add(gx.ExpectationSuite("cache"))
    suite.add_expectation(
        gx.expectations.ExpectTableColumnsToMatchSet(column_set=["a", "b"], exact_match=True)
    )
    engine = ds.get_execution_engine()

    def passes(sql: str) -> bool:
        conn = getattr(engine, "_connection", None)
        if conn is not None and conn.in_transaction():
            conn.rollback()  # a fresh snapshot, as the gate takes one
        c.execute(sql)
        result = Validator(batch_definition=batch).validate_expectation_suite(suite)
        return bool(result.results[0].success)

    def reflections() -> int:
        return sum(k[:2] == ("cache_s", "t") for k in gx_duckdb._COLUMN_METADATA)

    assert passes("CREATE OR REPLACE TABLE cache_s.t AS SELECT 1 AS a, 'x' AS b")
    assert passes("CREATE OR REPLACE TABLE cache_s.t AS SELECT 2 AS a, 'y' AS b")
    assert reflections() == 1  # same signature: reflected once
    assert not passes("CREATE OR REPLACE TABLE cache_s.t AS SELECT 1 AS a, 2 AS c")
    assert passes("CREATE OR REPLACE TABLE cache_s.t AS SELECT 1 AS a, 2 AS b")
    assert reflections() == 3  # other names, then another type: reflected anew
    c.close()


def test_gx_is_imported_without_pyspark_and_the_iri_grammar():
    """import_gx() leaves the two optional packages unloaded (GX still imports
    and validates: the gate's tests), and both stay importable afterwards."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from crosscheck.gate import gx_duckdb\n"
        "gx = gx_duckdb.import_gx()\n"
        "assert gx.__name__ == 'great_expectations'\n"
        "print(sorted(m for m in ('pyspark', 'rfc3987_syntax') if m in sys.modules))\n"
        "import pyspark, rfc3987_syntax\n"
        "print('importable')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["[]", "importable"]
