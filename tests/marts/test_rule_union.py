"""Every rule model is part of marts.anomalies.

The union (int_marts_findings) is over the rulebook's `rule_models` var; this
guard fails when a rule model under models/rules/ is missing from the union's
dependencies."""

from __future__ import annotations

import json

import pytest

from crosscheck.build import dbt_args, run_dbt
from crosscheck.config import DBT_PROJECT_DIR


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    import datetime as dt

    wh = tmp_path_factory.mktemp("parse") / "warehouse.duckdb"
    res = run_dbt(dbt_args("parse", wh), wh, dt.date(2026, 10, 31))
    assert res.success, res.exception
    return json.loads((wh.parent / "dbt" / "target" / "manifest.json").read_text())


def test_every_rule_model_feeds_the_anomalies(manifest):
    rule_files = sorted(p.stem for p in (DBT_PROJECT_DIR / "models" / "rules").glob("r*.sql"))
    assert len(rule_files) >= 14
    union = manifest["nodes"]["model.crosscheck.int_marts_findings"]
    upstream = {n.split(".")[-1] for n in union["depends_on"]["nodes"]}
    assert set(rule_files) <= upstream, sorted(set(rule_files) - upstream)
    anomalies = manifest["nodes"]["model.crosscheck.anomalies"]
    assert "model.crosscheck.int_marts_findings" in anomalies["depends_on"]["nodes"]


def test_anomalies_contract_is_enforced(manifest):
    node = manifest["nodes"]["model.crosscheck.anomalies"]
    assert node["config"]["contract"]["enforced"] is True
    types = {c["name"]: c["data_type"] for c in node["columns"].values()}
    assert types["amount_at_risk"] == "decimal(18,2)"
    assert types["first_seen"] == types["last_seen"] == "date"
    assert {"anomaly_id", "review_status", "verification_overdue", "evidence"} <= types.keys()


def test_history_survives_full_refresh(manifest):
    node = manifest["nodes"]["model.crosscheck.anomaly_history"]
    assert node["config"]["materialized"] == "incremental"
    assert node["config"]["full_refresh"] is False
    assert node["config"]["unique_key"] == "anomaly_id"
