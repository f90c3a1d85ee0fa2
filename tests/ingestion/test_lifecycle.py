"""Re-runs, corrections, late and out-of-order deliveries, quarantine and release."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from deliveries import hukou_rows, ledger_rows, write_delivery
from recording import Recording

from crosscheck.cli import main
from crosscheck.errors import CrosscheckError
from crosscheck.ingest import api

D2, D3 = dt.date(2026, 11, 2), dt.date(2026, 11, 3)
SUNDAY = dt.date(2026, 11, 8)


def _all_tables(env):
    state = env.raw_state()
    state["loads"] = sorted(env.query("SELECT * FROM meta.loads"), key=repr)
    state["rejects"] = sorted(env.query("SELECT * FROM meta.rejects"), key=repr)
    state["quarantine"] = env.query("SELECT count(*) FROM quarantine.ledger")
    return state


def test_rerun_on_same_landing_changes_nothing(env):
    write_delivery(env.landing, "ledger", D2, ledger_rows(D2))
    env.ingest(as_of=D2)
    before = _all_tables(env)
    report = env.ingest(as_of=D2)
    assert {d.status for d in report.deliveries} == {"skipped"}
    assert _all_tables(env) == before


def test_a_rerun_skips_what_it_has_seen_without_a_query_each(env, monkeypatch):
    """A night re-examines every delivery ever received: its statements must not grow
    with them (issue 11: the night's cost follows the new deliveries)."""
    statements: list[str] = []
    real_open = api._open
    monkeypatch.setattr(api, "_open", lambda w: Recording(real_open(w), statements))

    def rerun() -> int:
        statements.clear()
        report = env.ingest(as_of=days[-1])
        assert {d.status for d in report.deliveries} == {"skipped"}
        return sum("late_deliveries" not in sql for sql in statements)  # lateness: as_of's

    days = [D2 + dt.timedelta(days=k) for k in range(4)]
    for day in days:
        write_delivery(env.landing, "ledger", day, ledger_rows(day))
    env.ingest(as_of=days[-1])
    few = rerun()
    days = [D2 + dt.timedelta(days=k) for k in range(12)]
    for day in days[4:]:
        write_delivery(env.landing, "ledger", day, ledger_rows(day))
    env.ingest(as_of=days[-1])
    assert rerun() == few  # eight more deliveries seen, not one statement more


def test_correction_replaces_its_predecessor_wholly(env):
    write_delivery(env.landing, "ledger", D2, ledger_rows(D2))
    write_delivery(env.landing, "ledger", D3, ledger_rows(D3, prefix="R"))
    first = {d.extract_date: d for d in env.fresh(as_of=D3)}
    # the department re-delivers the 2nd: one payment fewer, one amount changed
    rows = ledger_rows(D2)[:1]
    rows[0]["amount"] = "561.00"
    write_delivery(env.landing, "ledger", D2, rows)
    [second] = env.fresh(as_of=D3)
    assert second.status == "loaded" and second.superseded == [first[D2].load_id]
    old = env.load(first[D2].load_id)
    assert old["status"] == "superseded" and old["superseded_by"] == second.load_id
    assert env.query("SELECT payment_id, amount FROM raw.ledger WHERE _extract_date = ?", [D2]) == [
        ("P0001", 561)
    ]
    # other extract dates of the incremental source keep their versions
    assert env.query("SELECT count(*) FROM raw.ledger WHERE _extract_date = ?", [D3]) == [(2,)]
    assert env.query("SELECT count(*) FROM raw.ledger WHERE _load_id = ?", [first[D2].load_id]) == [
        (0,)
    ]


def test_late_and_out_of_order_deliveries(env):
    write_delivery(env.landing, "ledger", D3, ledger_rows(D3, prefix="R"))
    report = env.ingest(as_of=D3)
    assert [d.status for d in report.deliveries if d.status != "skipped"] == ["loaded"]
    late = {(x.source, x.extract_date) for x in report.late}
    assert ("deaths", D3) in late and ("cremations", D3) in late
    assert ("ledger", D3) not in late and ("hukou", dt.date(2026, 11, 1)) not in late
    assert ("deaths", D3, D3) in env.query(
        "SELECT source, extract_date, reported_for FROM meta.late_deliveries"
    )
    # the 2nd arrives after the 3rd: still loaded, and both stay
    write_delivery(env.landing, "ledger", D2, ledger_rows(D2))
    [late_one] = env.fresh(as_of=D3)
    assert late_one.status == "loaded" and late_one.extract_date == D2
    assert env.query("SELECT count(DISTINCT _extract_date) FROM raw.ledger") == [(3,)]
    # reporting the same lateness again adds nothing
    env.ingest(as_of=D3)
    n = env.query(
        "SELECT count(*) FROM meta.late_deliveries WHERE source = 'deaths' AND extract_date = ?",
        [D3],
    )
    assert n == [(1,)]


def test_folder_without_marker_is_not_read(env):
    folder = write_delivery(env.landing, "ledger", D2, ledger_rows(D2))
    (folder / "_SUCCESS").unlink()
    report = env.ingest(as_of=D2)
    assert [d for d in report.deliveries if d.status != "skipped"] == []
    assert ("ledger", D2) in {(x.source, x.extract_date) for x in report.late}


def test_snapshot_within_tolerance_is_kept_per_extract_date(env):
    write_delivery(env.landing, "hukou", SUNDAY, hukou_rows(9))
    [r] = env.fresh(as_of=SUNDAY)
    assert r.status == "loaded"
    assert env.query("SELECT _extract_date, count(*) FROM raw.hukou GROUP BY 1 ORDER BY 1") == [
        (dt.date(2026, 11, 1), 10),
        (SUNDAY, 9),
    ]


def test_quarantine_then_release_is_recorded(env, capsys):
    rows = ledger_rows(D2)
    rows[0]["program_code"] = "99"  # a row-level defect: a warning only
    rows.append(dict(rows[1]))  # one key twice: the delivery is ambiguous as a whole
    write_delivery(env.landing, "ledger", D2, rows)
    [q] = env.fresh(as_of=D2)
    assert q.status == "quarantined"
    assert "warning: program_code_in_list" in q.reasons
    # status shows it with its failed expectation
    assert main(["status", "--warehouse", str(env.warehouse)]) == 0
    out = capsys.readouterr().out
    assert q.load_id in out and "key_unique" in out
    rc = main(
        [
            "release",
            "--warehouse",
            str(env.warehouse),
            "--load-id",
            q.load_id,
            "--reason",
            "duplicate row confirmed harmless by Finance",
            "--by",
            "auditor1",
        ]
    )
    assert rc == 0
    assert "released" in capsys.readouterr().out
    assert env.load(q.load_id)["status"] == "loaded"
    assert env.query("SELECT count(*) FROM raw.ledger WHERE _load_id = ?", [q.load_id]) == [(3,)]
    assert env.query("SELECT count(*) FROM quarantine.ledger") == [(0,)]
    assert env.query("SELECT load_id, released_by, reason FROM meta.releases") == [
        (q.load_id, "auditor1", "duplicate row confirmed harmless by Finance")
    ]
    # the release is on the tamper-evident trail; editing its reason is caught
    from crosscheck.audit import verify

    assert verify(env.warehouse).records == 1 and verify(env.warehouse).ok
    con = duckdb.connect(str(env.warehouse))
    con.execute("UPDATE meta.releases SET reason = 'no reason' WHERE load_id = ?", [q.load_id])
    con.close()
    assert "the record in meta.releases was changed" in verify(env.warehouse).broken
    # releasing twice is a one-line error
    assert (
        main(
            ["release", "--warehouse", str(env.warehouse), "--load-id", q.load_id, "--reason", "x"]
        )
        == 1
    )
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not quarantined" in err


def test_release_supersedes_the_earlier_good_delivery(env):
    write_delivery(env.landing, "ledger", D2, ledger_rows(D2))
    [good] = env.fresh(as_of=D2)
    rows = ledger_rows(D2)
    rows.append(dict(rows[0]))  # duplicate key: quarantined
    write_delivery(env.landing, "ledger", D2, rows)
    [bad] = env.fresh(as_of=D2)
    assert bad.status == "quarantined"
    assert env.load(good.load_id)["status"] == "loaded"  # downstream keeps the last good one
    result = api.release(env.warehouse, bad.load_id, "duplicate is a real double payment", "lead")
    assert result.superseded == [good.load_id] and result.rows == 3
    assert env.load(good.load_id)["status"] == "superseded"
    assert env.query("SELECT DISTINCT _load_id FROM raw.ledger WHERE _extract_date = ?", [D2]) == [
        (bad.load_id,)
    ]
    reasons = json.loads(env.load(bad.load_id)["reasons"])
    assert any("released by lead" in r for r in reasons)


def test_release_needs_reason_and_known_load(env):
    with pytest.raises(CrosscheckError, match="reason"):
        api.release(env.warehouse, "x", "  ")
    with pytest.raises(CrosscheckError, match="no load"):
        api.release(env.warehouse, "ledger:20261102:000000000000", "why")


def test_ingest_delivery_and_latest_complete_date(env):
    write_delivery(env.landing, "ledger", D3, ledger_rows(D3))
    assert api.latest_complete_date(env.landing) == D3
    r = api.ingest_delivery(env.landing, env.warehouse, "ledger", D3, data_docs=False)
    assert r.status == "loaded"
    with pytest.raises(CrosscheckError, match="no complete delivery"):
        api.ingest_delivery(env.landing, env.warehouse, "ledger", D2)


def test_status_reports_stale_sources(env):
    report = api.status(env.warehouse, as_of=SUNDAY)
    stale = {s.source: s.stale_since for s in report.stale}
    assert stale["hukou"] == SUNDAY and stale["ledger"] == D2
    assert "payroll" not in stale  # next due on 1 December


def test_stale_is_due_and_missing_or_refused_after_the_last_good(env):
    """crosscheck.ingest.status's one definition, straight after an ingest (no dbt):
    a quarantined delivery, the due days after it, a missed weekly snapshot; the
    rows a build writes for marts.source_status are the same states."""
    from crosscheck.ingest.status import record_source_states, source_states

    write_delivery(env.landing, "ledger", D2, ledger_rows(D2))
    rows = ledger_rows(D3, prefix="R")
    rows.append(dict(rows[0]))  # duplicate key: quarantined
    write_delivery(env.landing, "ledger", D3, rows)
    env.ingest(as_of=D3)
    states = {s.source: s for s in api.status(env.warehouse, as_of=SUNDAY).sources}
    ledger = states["ledger"]
    assert ledger.last_good == D2 and ledger.stale and ledger.stale_since == D3
    days = [D3 + dt.timedelta(days=k) for k in range((SUNDAY - D3).days + 1)]
    assert ledger.stale_problems == {d: ("quarantined",) if d == D3 else ("late",) for d in days}
    assert ledger.stale_reasons == "late,quarantined"
    assert ledger.stale_deliveries.startswith("2026-11-03:quarantined, 2026-11-04:late")
    hukou = states["hukou"]
    assert hukou.last_good == SUNDAY - dt.timedelta(days=7)  # the baseline
    assert hukou.stale_problems == {SUNDAY: ("late",)}
    assert not states["payroll"].stale  # next due on 1 December
    # a redelivery of the quarantined day resolves it; the later due days remain
    write_delivery(env.landing, "ledger", D3, ledger_rows(D3, prefix="R"))
    env.ingest(as_of=D3)
    again = {s.source: s for s in api.status(env.warehouse, as_of=SUNDAY).sources}
    assert again["ledger"].last_good == D3 and min(again["ledger"].problems) == D3 + dt.timedelta(1)
    # what every build writes for the mart: the same judgement, one row per source
    con = duckdb.connect(str(env.warehouse))
    try:
        record_source_states(con, SUNDAY)
        record_source_states(con, SUNDAY)  # replaced, not added
        written = con.execute(
            "SELECT source, last_good_extract_date, is_stale, stale_since, stale_reasons "
            "FROM meta.source_staleness WHERE as_of = ? ORDER BY source",
            [SUNDAY],
        ).fetchall()
        expected = sorted(
            (s.source, s.last_good, s.stale, s.stale_since, s.stale_reasons)
            for s in source_states(con, SUNDAY)
        )
    finally:
        con.close()
    assert written == expected and len(written) == 8


def test_status_of_an_empty_warehouse_calls_every_source_never_loaded(tmp_path):
    from crosscheck.warehouse import open_warehouse

    wh = tmp_path / "wh.duckdb"
    open_warehouse(wh).close()
    report = api.status(wh)
    assert report.as_of is None
    assert all(s.stale and s.stale_since is None for s in report.sources)
    assert len(report.sources) == 8


def test_data_docs_are_rendered_beside_the_warehouse(env):
    write_delivery(env.landing, "ledger", D2, ledger_rows(D2))
    env.ingest(as_of=D2, data_docs=True)
    docs = api.docs_dir(env.warehouse)
    page = (docs / "index.html").read_text(encoding="utf-8")
    assert "ledger" in page and "通过 / Passed" in page


def test_delivery_after_its_due_day_makes_the_source_current(tmp_path):
    """A go-live baseline on Tuesday covers the snapshot due on Sunday."""
    sunday = dt.date(2026, 11, 1)
    write_delivery(tmp_path, "hukou", D3, hukou_rows())
    late = {(x.source, x.extract_date) for x in api.find_late(tmp_path, D3, ["hukou", "vehicles"])}
    assert late == {("vehicles", sunday)}
