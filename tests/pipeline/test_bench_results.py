"""`crosscheck bench` under CROSSCHECK_MEMORY_LIMIT keeps its figures beside the default
run's, never over them (issue 11: peak memory is a target, the limit a setting)."""

from __future__ import annotations

import json

from crosscheck import benchmark


def _result(limit: str | None) -> dict:
    stage = {"wall_s": 1.0, "cpu_s": 1.0, "peak_rss_mib": 100}
    run = {
        "run": "first load",
        "wall_s": 4.0,
        "cpu_s": 4.0,
        "peak_rss_mib": 4000 if limit is None else 3000,
        "rows_per_s": 10,
        "warehouse_mib": 1.0,
        "serving_mib": 1.0,
        "stages": {s: dict(stage) for s in benchmark.STAGES},
    }
    doc = {"persons": 1000, "months": 15, "runs": [run], "first_load_vs_floor": None}
    if limit is not None:  # results written before the field existed have none
        doc["memory_limit"] = limit
    return doc


def test_a_run_under_a_memory_limit_is_saved_beside_the_default_one(tmp_path, monkeypatch):
    monkeypatch.setattr(benchmark, "RESULTS_DIR", tmp_path / "results")
    monkeypatch.setattr(benchmark, "README", tmp_path / "README.md")
    benchmark.save(_result("3GB"))
    benchmark.save(_result(None))
    names = sorted(p.name for p in (tmp_path / "results").glob("county_*.json"))
    assert names == ["county_1000_15m.json", "county_1000_15m_memory_3GB.json"]
    limited = json.loads((tmp_path / "results" / names[1]).read_text("utf-8"))
    assert limited["runs"][0]["peak_rss_mib"] == 3000
    rows = [r for r in (tmp_path / "results" / "county.md").read_text("utf-8").splitlines()
            if r.startswith("| 1,000 ")]  # fmt: skip
    assert [r.split(" | ")[2] for r in rows] == ["first load", "first load (memory_limit 3GB)"]
    assert "| 4,000 |" in rows[0] and "| 3,000 |" in rows[1]


def test_a_cached_county_is_reused_only_by_the_generator_that_made_it(tmp_path, monkeypatch):
    import datetime as dt

    monkeypatch.setenv("CROSSCHECK_HOME", str(tmp_path / "home"))
    generated = []

    def measured(argv, env=None, log=None):
        generated.append(argv)
        return {"wall_s": 1.0, "stdout": ""}

    monkeypatch.setattr(benchmark, "_measured", measured)
    args = (300, 1, dt.date(2026, 9, 30), dt.date(2026, 10, 2), 6)
    landing = benchmark.county(*args)
    assert len(generated) == 1 and "generate" in generated[0]
    assert benchmark.county(*args) == landing and len(generated) == 1  # reused
    done = landing.parent / "generated.json"
    doc = json.loads(done.read_text("utf-8"))
    assert doc["generator"] == benchmark.generator_digest()
    done.write_text(json.dumps({**doc, "generator": "another"}), encoding="utf-8")
    benchmark.county(*args)
    assert len(generated) == 2  # made by another generator: generated again
