"""The review fixture's marts are the real marts' shape: created from the dbt
contracts (the columns and types dbt enforces on every real build), and
nothing else in the marts schema."""

from __future__ import annotations

import duckdb
import review_fixtures as fx


def test_fixture_marts_are_created_from_the_dbt_contracts(tmp_path):
    wh = fx.build(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(wh), read_only=True)
    try:
        tables = {
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        assert tables == set(fx.FIXTURE_MARTS)
        for model in fx.FIXTURE_MARTS:
            got = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [model],
            ).fetchall()
            declared = [
                (name, con.execute(f"select typeof(cast(null as {t}))").fetchone()[0])
                for name, t in fx.contract_columns(model)
            ]
            assert got == declared, model
    finally:
        con.close()
