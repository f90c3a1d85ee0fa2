"""The same dbt models on Apache Spark give the same marts.anomalies as DuckDB.

The session's generated county (tests/pipeline/conftest.py) is exported to Parquet
(`crosscheck.spark.export_sources`) and built with dbt-spark in session mode
(a local Spark, `local[2]`) for the day before and then the last day, as the
DuckDB warehouse was: every column of marts.anomalies must be equal, row for
row (ids, amounts to the fen, subtypes, evidence text, first_seen).
The second build takes the incremental paths (anomaly_history's
delete+insert, the ledger's per-load partitions). dbt's unit tests run on
Spark in the first build.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from counties import DAY_BEFORE, END, read_anomalies
from test_run_end_to_end import without_review

from crosscheck import spark
from crosscheck.build import build

# Seeds, models and unit tests: the data tests prove the data, which the
# DuckDB builds of the session already check.
DATA_TESTS = "resource_type:test"


def spark_rows(table: str) -> list[dict]:
    """Rows of a Spark table from the session dbt-spark created in this process."""
    from pyspark.sql import SparkSession

    # dbt-spark's session (getOrCreate returns it; the catalog is in memory)
    session = SparkSession.builder.getOrCreate()
    df = session.sql(f"select * from {table} order by anomaly_id")
    return [r.asDict() for r in df.collect()]


def stop_spark() -> None:
    """Stop the local Spark and its JVM: the rest of the suite needs the memory."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    if SparkContext._active_spark_context is not None:
        SparkSession.builder.getOrCreate().stop()
    gateway = SparkContext._gateway
    if gateway is not None:
        gateway.shutdown()
        proc = getattr(gateway, "proc", None)
        if proc is not None:
            proc.kill()
            proc.wait()
        SparkContext._gateway = None
        SparkContext._jvm = None


@pytest.fixture(scope="module")
def on_spark(county, tmp_path_factory):
    """marts.anomalies built on Spark for DAY_BEFORE then END, and on DuckDB now."""
    import os

    spark_dir = tmp_path_factory.mktemp("spark")
    old = {k: os.environ.get(k) for k in ("CROSSCHECK_SPARK_DIR", "CROSSCHECK_SPARK_CATALOG")}
    os.environ["CROSSCHECK_SPARK_DIR"] = str(spark_dir)
    # both builds run in this process: Spark's in-memory catalog spares the
    # Derby metastore's start-up and DDL (the default, hive, outlives processes)
    os.environ["CROSSCHECK_SPARK_CATALOG"] = "in-memory"
    try:
        exported = spark.export_sources(county.warehouse)
        duck = read_anomalies(county.warehouse)
        first = build(
            county.warehouse, DAY_BEFORE, target="spark", unit_tests=True, exclude=DATA_TESTS
        )
        assert first.success, first.failures
        before = spark_rows("marts.anomalies")
        # the marts.anomalies lineage only: every model was built (and unit tested) above
        second = build(
            county.warehouse, END, target="spark", select="+anomalies", exclude=DATA_TESTS
        )
        assert second.success, second.failures
        after = spark_rows("marts.anomalies")
        yield {
            "exported": exported,
            "first": first,
            "duck": duck,
            "before": before,
            "after": after,
        }
    finally:
        stop_spark()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.mark.slow
def test_export_has_every_source_table(on_spark, county):
    exported = on_spark["exported"]
    assert exported.rows["raw.ledger"] > 1000
    assert all((exported.root / t.replace(".", "/")).is_dir() for t in exported.rows)
    # Raw deliveries: one immutable file per load; a second export writes nothing new.
    again = spark.export_sources(county.warehouse)
    assert not [f for f in again.written if "/raw/" in f]


@pytest.mark.slow
def test_unit_tests_ran_on_spark(on_spark):
    assert on_spark["first"].unit_tests >= 28, on_spark["first"].unit_tests


@pytest.mark.slow
def test_day_before_equals_duckdb(on_spark, county):
    # The review columns follow review.* as exported now (other tests of the
    # session add decisions); the findings of that day are what must agree.
    assert without_review(on_spark["before"]) == without_review(county.before)


@pytest.mark.slow
def test_anomalies_equal_duckdb_row_for_row(on_spark):
    duck, sp = on_spark["duck"], on_spark["after"]
    assert len(duck) > 50 and {r["last_seen"] for r in duck} == {END}
    assert [r["anomaly_id"] for r in sp] == [r["anomaly_id"] for r in duck]
    assert {r["rule_code"] for r in duck} >= {f"R{i:02d}" for i in (1, 2, 5, 11, 13)}
    for d, s in zip(duck, sp, strict=True):
        assert s.keys() == d.keys()
        assert isinstance(s["amount_at_risk"], Decimal)
        assert s == d, {k: (d[k], s[k]) for k in d if d[k] != s[k]}


@pytest.mark.slow
def test_evidence_is_the_same_json_text(on_spark):
    for d, s in zip(on_spark["duck"], on_spark["after"], strict=True):
        assert s["evidence"] == d["evidence"]
        assert list(json.loads(s["evidence"])) == list(json.loads(d["evidence"]))
