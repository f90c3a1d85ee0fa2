"""Issue 15 on the shared generated county: every planted mistyped ID links to its
true person, no homonym links, the questioned records are R09's population, and
linking the same as-of again writes the same rows."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from counties import END

from crosscheck.cli import main
from crosscheck.linkage import link_identities, records


def query(warehouse, sql, params=None):
    con = duckdb.connect(str(warehouse))  # dbt may hold a connection in-process
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_every_planted_typo_links_to_its_true_person(county):
    typos = [t for t in county.truth["identity_typos"] if t["true_person_id"]]
    assert {t["kind"] for t in typos} >= {
        "one_digit", "two_digits", "transposition", "check_char", "relative_id",
        "death_certificate",
    }  # fmt: skip
    by_payment = dict(
        query(
            county.warehouse,
            "select payment_id, linked_person_id from intermediate.int_linked_payments",
        )
    )
    by_death = dict(
        query(
            county.warehouse,
            "select typed_id, person_id from intermediate.int_identity_links"
            " where record_source in ('deaths', 'cremations')",
        )
    )
    for t in typos:
        got = (
            by_payment.get(t["finding_key"])
            if t["record"] == "ledger"
            else by_death.get(t["typed_id"])
        )
        assert got == t["true_person_id"], t


@pytest.mark.slow
def test_no_homonym_is_linked(county):
    homonyms = {t["finding_key"] for t in county.truth["identity_typos"] if t["kind"] == "homonym"}
    assert homonyms
    linked = {
        r[0]
        for r in query(county.warehouse, "select payment_id from intermediate.int_linked_payments")
    }
    assert not homonyms & linked


@pytest.mark.slow
def test_questioned_records_are_r09_population(county):
    r09 = set(
        query(
            county.warehouse,
            "select p.person_id || '|' || coalesce(p.recipient_name, '') from marts.anomalies a"
            " join intermediate.int_payments p on a.payment_id = p.payment_id"
            " where a.rule_code = 'R09'",
        )
    )
    con = duckdb.connect(str(county.warehouse))
    try:
        _, recs = records.read(con, END)
    finally:
        con.close()
    keys = {
        (k,)
        for s, k in zip(
            recs["record_source"].to_pylist(), recs["record_key"].to_pylist(), strict=True
        )
        if s == "ledger"
    }
    assert r09 and r09 <= keys


@pytest.mark.slow
def test_linking_the_same_as_of_again_writes_the_same_rows(county):
    sql = "select * from linkage.identity_links order by all"
    before = query(county.warehouse, sql)
    assert before
    # the inputs of the last run: the links are re-dated, not computed again
    assert not link_identities(county.warehouse, END).relinked
    assert query(county.warehouse, sql) == before
    # without the record of those inputs they are computed again, to the same rows
    query(county.warehouse, "delete from linkage.identity_links_inputs")
    assert link_identities(county.warehouse, END).relinked
    assert query(county.warehouse, sql) == before


@pytest.mark.slow
def test_candidates_do_not_depend_on_the_registers_order(county):
    """records.read leaves the register unsorted for prediction (a third of a night's
    linking at 1,000,000 persons): the same candidates whatever its order."""
    import pyarrow as pa

    from crosscheck.linkage import link, model

    con = duckdb.connect(str(county.warehouse))
    try:
        register, recs = records.read(con, END)
    finally:
        con.close()
    m = model.load(model.MODEL_PATH)
    version = link.model_version(m)
    reversed_ = register.take(pa.array(range(register.num_rows - 1, -1, -1)))
    assert register.column("unique_id").to_pylist() != reversed_.column("unique_id").to_pylist()
    ranked = link.candidates(link.predict(register, recs, m), version, END)
    assert ranked
    assert link.candidates(link.predict(reversed_, recs, m), version, END) == ranked


@pytest.mark.slow
def test_linking_follows_its_inputs(county):
    """A later date with the same inputs (no delivery after END) re-dates the links, to
    what linking that date computes; an earlier date, with other records, links again."""
    sql = "select * from linkage.identity_links order by all"
    undated = "select * exclude (as_of) from linkage.identity_links order by all"
    end = query(county.warehouse, undated)
    try:
        later = END + dt.timedelta(days=1)
        assert not link_identities(county.warehouse, later).relinked
        assert query(county.warehouse, undated) == end
        redated = query(county.warehouse, sql)
        assert {r[0] for r in redated} == {later}
        query(county.warehouse, "delete from linkage.identity_links_inputs")
        assert link_identities(county.warehouse, later).relinked
        assert query(county.warehouse, sql) == redated
        assert link_identities(county.warehouse, END - dt.timedelta(days=10)).relinked
        assert query(county.warehouse, undated) != end  # fewer questioned records then
    finally:
        link_identities(county.warehouse, END)
    assert query(county.warehouse, undated) == end


def test_link_command_refuses_a_missing_warehouse(tmp_path, capsys):
    rc = main(["link", "--warehouse", str(tmp_path / "none.duckdb"), "--as-of", "2026-10-31"])
    assert rc != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not exist" in err[0]
