"""A new night does not make dbt re-parse the project (issue 11).

The as-of date reaches the models through the environment at execution
(macros/portable.sql `as_of()`), not through `--vars`, whose every change makes
dbt parse every file again (7 s of a night's build at 1,000,000 persons). The
second parse, for another date, must be dbt's partial parse with nothing to
re-read; the compiled SQL must still carry each run's own date.
"""

from __future__ import annotations

import datetime as dt

from crosscheck.build import dbt_args, run_dbt
from crosscheck.warehouse import open_warehouse


def test_a_new_as_of_keeps_the_parsed_project(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    open_warehouse(wh).close()
    log = wh.parent / "dbt" / "logs" / "dbt.log"
    compiled = {}
    for day in (dt.date(2026, 10, 20), dt.date(2026, 10, 21)):
        before = log.read_text() if log.exists() else ""
        args = dbt_args("compile", wh, select="int_identity_links")
        res = run_dbt(args, wh, day)
        assert res.success, res.exception
        compiled[day] = res.result.results[0].node.compiled_code
        lines = log.read_text()[len(before) :]
    # the second run: dbt read its saved manifest and re-parsed no file
    assert "Unable to do partial parsing" not in lines
    assert "Partial parsing enabled: 0 files deleted, 0 files added, 0 files changed" in lines
    for day, sql in compiled.items():
        assert f"cast('{day.isoformat()}' as date)" in sql
