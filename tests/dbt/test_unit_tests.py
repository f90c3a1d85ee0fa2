"""dbt's unit tests (the rules' and the tricky intermediates' SQL on fixtures),
on an empty warehouse whose models are built `--empty`: the quick proof of the
SQL that `make test-fast` runs (test_build_empty_warehouse.py builds for real)."""

from __future__ import annotations

import datetime as dt

from crosscheck.build import dbt_args, run_dbt
from crosscheck.warehouse import open_warehouse

AS_OF = dt.date(2026, 10, 31)


def test_dbt_unit_tests_pass(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    open_warehouse(wh).close()
    args = dbt_args("build", wh, select="+test_type:unit", exclude="test_type:data")
    res = run_dbt([*args, "--empty"], wh, AS_OF)
    assert res.exception is None, res.exception
    failed = [
        f"{r.node.unique_id}: {r.message}" for r in res.result if str(r.status) in ("error", "fail")
    ]
    assert not failed, failed
    unit = [r for r in res.result if r.node.resource_type == "unit_test"]
    assert len(unit) >= 28, len(unit)  # every rule and the tricky intermediates
