"""`crosscheck bench --deployment FILE`: the county is generated and every stage runs as
that deployment receives its deliveries (issue 11, the province's benchmark)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from crosscheck import benchmark
from crosscheck.cli import main

pytestmark = pytest.mark.slow


def test_bench_follows_the_deployment_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CROSSCHECK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CROSSCHECK_DEPLOYMENT", raising=False)
    monkeypatch.setattr(benchmark, "RESULTS_DIR", tmp_path / "results")
    monkeypatch.setattr(benchmark, "README", tmp_path / "README.md")
    province = benchmark.BENCH_DIR / "province.yml"
    args = ["bench", "--persons", "300", "--start", "2026-09-30", "--end", "2026-10-02"]
    args += ["--nights", "1", "--no-floor", "--keep", "--deployment", str(province)]
    assert main(args) == 0
    doc = json.loads((tmp_path / "results" / "county_300_2m.json").read_text("utf-8"))
    assert doc["command"].endswith("--deployment province.yml --no-floor")
    assert "format: csv" in doc["deployment"] and doc["floor"] is None
    first, night = doc["runs"]
    assert first["stages"]["ingest"]["statuses"]["quarantined"] == 0
    assert first["stages"]["ingest"]["sources"]["sscards"]["deliveries"] == 2  # 30 Sep, 1 Oct
    assert night["as_of"] == "2026-10-02"
    name = "p300-s1-20260930-20261002-h6-province"
    landing = tmp_path / "home" / "bench-cache" / name / "landing"
    assert sorted(p.name for p in (landing / "sscards").iterdir()) == ["20260930", "20261001"]
    assert (landing / "sscards" / "20261001" / "sscards_20261001.csv").is_file()
    run = tmp_path / "home" / "bench-cache" / "runs" / name
    progress = (run / "20261001-ingest.out").read_text("utf-8")
    assert "sscards 2026-10-01 loaded" in progress  # one line per delivery, while it runs
    assert (landing.parent / "generate.out").is_file()
    assert dt.date.fromisoformat(night["as_of"]) > dt.date.fromisoformat(first["as_of"])
    # the last night's findings are the county's planted truth, every one
    truth = doc["planted_truth"]
    assert truth["as_of"] == night["as_of"] and truth["exact"], truth
    assert sum(r["planted"] for r in truth["rules"].values()) > 0
    assert "| exact (" in (tmp_path / "results" / "county.md").read_text("utf-8")
