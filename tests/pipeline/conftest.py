"""The pipeline tests' county: built for the day before the end (ingest +
models only, to save time), then run through `crosscheck run` for the end
(the full build, tests included). One per session, shared by the end-to-end tests."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from counties import DAY_BEFORE, MODELS, PIPELINE, generated, read_anomalies

from crosscheck.build import build
from crosscheck.cli import main
from crosscheck.ingest.api import ingest


@dataclass
class County:
    landing: Path
    warehouse: Path
    truth: dict
    before: list[dict]  # marts.anomalies after the run for DAY_BEFORE
    after: list[dict]  # marts.anomalies after the run for END


@pytest.fixture(scope="session")
def county(tmp_path_factory) -> County:
    root = tmp_path_factory.mktemp("county")
    source = generated(**PIPELINE)
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    shutil.copytree(source / "landing", landing)
    truth = json.loads((source / "truth.json").read_text(encoding="utf-8"))
    ingest(landing, warehouse, as_of=DAY_BEFORE)
    first = build(warehouse, DAY_BEFORE, select=MODELS)
    assert first.success, first.failures
    before = read_anomalies(warehouse)
    # default as-of: the latest complete date (END)
    assert main(["run", "--landing", str(landing), "--warehouse", str(warehouse)]) == 0
    after = read_anomalies(warehouse)
    return County(landing, warehouse, truth, before, after)
