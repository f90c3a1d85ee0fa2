"""`crosscheck run` fails with one clear line and a non-zero exit."""

from __future__ import annotations

import datetime as dt

from crosscheck.build import BuildResult
from crosscheck.cli import main
from crosscheck.pipeline import NightlySummary, RuleCount, StaleSource, _one_line


def test_missing_landing_is_one_line(tmp_path, capsys):
    rc = main(["run", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.db")])
    err = capsys.readouterr().err.strip()
    assert rc == 1
    assert err.count("\n") == 0 and "does not exist" in err


def test_empty_landing_has_nothing_to_run(tmp_path, capsys):
    (tmp_path / "landing").mkdir()
    rc = main(["run", "--landing", str(tmp_path / "landing"), "--warehouse", str(tmp_path / "w")])
    err = capsys.readouterr().err.strip()
    assert rc == 1
    assert err.count("\n") == 0 and "no complete delivery" in err


def test_dbt_failures_summarized_in_one_line(tmp_path):
    result = BuildResult(
        as_of=dt.date(2026, 10, 31),
        success=False,
        failures=["model.crosscheck.anomalies: Binder Error:\n  column x not found", "test.b: x"],
    )
    line = _one_line(result, tmp_path / "warehouse.duckdb")
    assert "\n" not in line
    assert "model.crosscheck.anomalies: Binder Error: column x not found (+1 more)" in line
    assert str(tmp_path / "dbt" / "logs" / "dbt.log") in line


def test_summary_lines_name_stale_sources_and_rules():
    s = NightlySummary(as_of=dt.date(2026, 10, 31), loaded=3, quarantined=1)
    s.stale = [StaleSource("hukou", dt.date(2026, 10, 18), dt.date(2026, 10, 25), "quarantined")]
    s.rules = [RuleCount("R01", 2, 0), RuleCount("R12", 1, 0)]
    text = "\n".join(s.lines())
    assert "1 quarantined" in text
    assert "hukou since 2026-10-25 (last good 2026-10-18)" in text
    assert "R01 2, R12 1" in text
