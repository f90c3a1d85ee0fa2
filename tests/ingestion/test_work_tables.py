"""A delivery's work tables live in memory (`cc_work`), not in the warehouse file; the
gate reads them through views in `ingest_work`, which go when the run ends (issue 11:
the file holds what the data needs, and a delivery writes no DDL to it)."""

from __future__ import annotations

import datetime as dt

from deliveries import deaths_rows, write_delivery
from ingest_env import BASE_DAY

from crosscheck.gate.gate import Gate


def test_work_tables_are_in_memory_and_gone_after_the_run(env, monkeypatch):
    days = [BASE_DAY + dt.timedelta(days=k) for k in (1, 2)]
    for day in days:
        write_delivery(env.landing, "deaths", day, deaths_rows(day))
    seen = []
    real = Gate.validate

    def spy(self, source, work_table, load_id, extract_date, rows=None, pre=None):
        con = self.con
        seen.append(
            (
                work_table,
                con.execute(
                    "SELECT database_name, table_name FROM duckdb_tables() "
                    "WHERE schema_name = 'ingest_work' OR database_name = 'cc_work' "
                    "ORDER BY 1, 2"
                ).fetchall(),
                con.execute(
                    "SELECT view_name FROM duckdb_views() "
                    "WHERE database_name = current_database() AND schema_name = 'ingest_work'"
                ).fetchall(),
                con.execute(f"SELECT count(*) FROM ingest_work.{source.name}").fetchone()[0],
                con.execute(f"SELECT count(*) FROM {work_table}").fetchone()[0],
            )
        )
        return real(self, source, work_table, load_id, extract_date, rows, pre)

    monkeypatch.setattr(Gate, "validate", spy)
    results = env.fresh(as_of=days[-1])
    assert [r.status for r in results] == ["loaded", "loaded"]
    assert len(seen) == 2
    for work_table, tables, views, via_view, direct in seen:
        assert work_table == "cc_work.deaths"
        # the delivery's rows and rejects, in memory;
        # no table in the warehouse's ingest_work
        assert {("cc_work", "deaths"), ("cc_work", "deaths_rejects")} <= set(tables)
        assert {db for db, _ in tables} == {"cc_work"}
        assert views == [("deaths",)]
        assert via_view == direct > 0  # what GX reads is the delivery's rows
    # after the run: no view left in the file (a reader of the file never sees one)
    assert (
        env.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'ingest_work'"
        )
        == []
    )
