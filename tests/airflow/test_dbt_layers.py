"""The nightly dbt build as a task per layer: the layers cover the dbt graph
exactly once and in order (dbt's own `ls`), and a failing model is named."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from crosscheck.build import dbt_args, run_dbt
from crosscheck.orchestration import dbt_layers
from crosscheck.warehouse import open_warehouse

AS_OF = dt.date(2026, 10, 31)


def _ls(warehouse, select=None, exclude=None) -> dict[str, set[str]]:
    args = dbt_args("ls", warehouse, select=select, exclude=exclude)
    args += ["--resource-types", "model", "seed", "--output", "json"]
    args += ["--output-keys", "unique_id depends_on", "--quiet"]
    res = run_dbt(args, warehouse, AS_OF)
    assert res.success, res.exception
    nodes = [json.loads(line) for line in res.result]
    return {n["unique_id"]: set(n["depends_on"].get("nodes", [])) for n in nodes}


def test_the_layers_cover_every_model_and_seed_once_and_in_order(tmp_path):
    wh = tmp_path / "wh.duckdb"
    everything = _ls(wh)
    layer_of: dict[str, str] = {}
    for spec in dbt_layers.LAYERS:
        for node in _ls(wh, spec.select, spec.exclude):
            assert node not in layer_of, f"{node} in {layer_of.get(node)} and {spec.name}"
            layer_of[node] = spec.name
    assert set(layer_of) == set(everything), set(everything) ^ set(layer_of)
    rank = {spec.name: i for i, spec in enumerate(dbt_layers.LAYERS)}
    for node, parents in everything.items():
        for parent in parents & set(layer_of):
            assert rank[layer_of[parent]] <= rank[layer_of[node]], (
                f"{node} ({layer_of[node]}) reads {parent} ({layer_of[parent]})"
            )
    assert layer_of["model.crosscheck.r01_deceased_recipient"] == "rules"
    assert layer_of["model.crosscheck.int_marts_findings_by_week"] == "marts"


def test_a_failing_model_is_named_by_its_layer_task(tmp_path, monkeypatch):
    wh = tmp_path / "wh.duckdb"
    open_warehouse(wh).close()  # raw, meta, review tables: an empty warehouse
    con = open_warehouse(wh)
    con.execute("DROP TABLE raw.ledger")  # what stg_ledger__payment_versions reads
    con.close()
    monkeypatch.setenv("DBT_QUIET", "true")
    with pytest.raises(dbt_layers.LayerFailed) as failed:
        dbt_layers.build_layer(AS_OF, "staging", warehouse=wh)
    message = str(failed.value)
    assert message.startswith("stg_ledger__payment_versions failed in dbt layer staging")
    assert "\n" not in message
