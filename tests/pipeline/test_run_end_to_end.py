"""`crosscheck generate` then `crosscheck run`: every planted finding of the
truth file is found, no near miss is flagged (per rule), and the anomaly
ids, history and review lifecycle behave across runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
from counties import DAY_BEFORE, END, MODELS, read_anomalies

from crosscheck.build import build
from crosscheck.generator.truth import RULES, finding_set


@pytest.mark.slow
def test_truth_file_is_for_the_run(county):
    assert county.truth["as_of"] == END.isoformat()
    assert {a["last_seen"] for a in county.after} <= {END}


@pytest.mark.slow
@pytest.mark.parametrize("rule", RULES)
def test_planted_findings_found_per_rule(county, rule):
    expected = finding_set(county.truth["findings"], rule)
    found = finding_set(county.after, rule)
    assert found == expected, (
        f"{rule}: missing {sorted(expected - found)[:5]}, extra {sorted(found - expected)[:5]}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("rule", ["R01", "R07", "R08", "R13"])
def test_linked_findings_found_per_rule(county, rule):
    """Issue 15: what a mistyped ID hid is found through the link, and nothing else."""
    expected = finding_set(county.truth["linked_findings"], rule, linked=True)
    found = finding_set(county.after, rule, linked=True)
    assert expected, f"no {rule} LINKED case planted"
    assert found == expected, (
        f"{rule}: missing {sorted(expected - found)[:5]}, extra {sorted(found - expected)[:5]}"
    )


@pytest.mark.slow
def test_linked_findings_carry_the_link_in_their_evidence(county):
    import json

    linked = [a for a in county.after if a["subtype"] == "LINKED"]
    assert {a["rule_code"] for a in linked} == {"R01", "R07", "R08", "R13"}
    for a in linked:
        ev = json.loads(a["evidence"])
        assert ev["linked"] is True and ev["linked_person_id"] == a["person_id"]
        assert ev["typed_id"] != a["person_id"]
        assert ev["match_probability"] >= 0.99
        assert [c["comparison"] for c in ev["agreement"]] == [
            "name", "id_number", "birth_date", "division_code"
        ]  # fmt: skip
        assert ev["agreement_zh"].startswith("姓名")


@pytest.mark.slow
def test_no_clean_delivery_is_quarantined_small_days_included(county):
    """The county has one-row and few-row ledger days with invalid IDs: all load."""
    con = duckdb.connect(str(county.warehouse))
    try:
        loads = con.execute(
            "SELECT source, status, rows_loaded FROM meta.loads WHERE source = 'ledger'"
        ).fetchall()
        held = con.execute(
            "SELECT source, extract_date, reasons FROM meta.loads WHERE status = 'quarantined'"
        ).fetchall()
        invalid_days = con.execute(
            """SELECT _extract_date, count(*) AS n, count(*) FILTER (WHERE NOT recipient_id_valid)
               FROM raw.ledger GROUP BY 1 HAVING count(*) FILTER (WHERE NOT recipient_id_valid) > 0
               AND count(*) <= 5"""
        ).fetchall()
    finally:
        con.close()
    assert {s for _, s, _ in loads} == {"loaded"}, loads
    assert held == [], "a clean county delivery was quarantined"
    assert any(n == 1 for _, n, _ in invalid_days), invalid_days  # a one-row delivery
    assert any(n > bad for _, n, bad in invalid_days), invalid_days  # beside other rows


@pytest.mark.slow
def test_near_misses_not_flagged(county):
    flagged = {(a["rule_code"], a["finding_key"]) for a in county.after}
    hits = [m for m in county.truth["near_misses"] if (m["rule_code"], m["finding_key"]) in flagged]
    assert not hits, hits[:5]


@pytest.mark.slow
def test_later_run_keeps_ids_and_first_seen(county):
    before = {a["anomaly_id"]: a for a in county.before}
    after = {a["anomaly_id"]: a for a in county.after}
    assert before.keys() & after.keys(), "no finding persists from one day to the next"
    for anomaly_id in before.keys() & after.keys():
        assert after[anomaly_id]["first_seen"] == before[anomaly_id]["first_seen"] == DAY_BEFORE
    for anomaly_id in after.keys() - before.keys():
        assert after[anomaly_id]["first_seen"] == END
    # findings of DAY_BEFORE no longer detected are kept, resolved on END
    con = duckdb.connect(str(county.warehouse))
    try:
        gone = before.keys() - after.keys()
        rows = con.execute("select anomaly_id, resolved_on from marts.anomaly_history").fetchall()
    finally:
        con.close()
    history = dict(rows)
    assert before.keys() | after.keys() == history.keys()
    for anomaly_id in gone:
        assert history[anomaly_id] == END


REVIEW_COLUMNS = {
    "review_status",
    "current_conclusion",
    "recovered_amount",
    "exported_on",
    "decided_on",
    "verification_overdue",
}


def without_review(rows):
    return [{k: v for k, v in r.items() if k not in REVIEW_COLUMNS} for r in rows]


@pytest.mark.slow
def test_same_as_of_twice_and_full_refresh_keep_anomalies_and_decisions(county):
    wh = county.warehouse
    again = build(wh, END, select=MODELS)
    assert again.success, again.failures
    assert read_anomalies(wh) == county.after

    # The review helper's append-only tables: one finding exported and
    # confirmed with money recovered, one no longer detected dismissed.
    confirmed = county.after[0]["anomaly_id"]
    gone = sorted(
        {a["anomaly_id"] for a in county.before} - {a["anomaly_id"] for a in county.after}
    )
    con = duckdb.connect(str(wh))
    try:
        con.execute(
            "insert into review.exports (export_id, anomaly_id, as_of) values ('e1', ?, ?)",
            [confirmed, DAY_BEFORE],
        )
        con.execute(
            "insert into review.decisions (decision_id, anomaly_id, conclusion, recovered_amount,"
            " review_date, loaded_at) values ('d1', ?, '属实', 50.00, ?, ?)",
            [confirmed, END, dt.datetime(2026, 11, 1, 9)],
        )
        for i, anomaly_id in enumerate(gone):
            con.execute(
                "insert into review.decisions (decision_id, anomaly_id, conclusion, review_date,"
                " loaded_at) values (?, ?, '不属实', ?, ?)",
                [f"g{i}", anomaly_id, END, dt.datetime(2026, 11, 1, 9)],
            )
    finally:
        con.close()

    refreshed = build(wh, END, full_refresh=True, select=MODELS)
    assert refreshed.success, refreshed.failures
    rows = read_anomalies(wh)
    assert without_review(rows) == without_review(county.after)
    by_id = {r["anomaly_id"]: r for r in rows}
    assert by_id[confirmed]["review_status"] == "recovered"
    assert by_id[confirmed]["recovered_amount"] == Decimal("50.00")
    assert by_id[confirmed]["exported_on"] == DAY_BEFORE
    assert by_id[confirmed]["decided_on"] == END
    assert sum(r["review_status"] != "open" for r in rows) == 1
    con = duckdb.connect(str(wh))
    try:
        history = con.execute("select count(*) from marts.anomaly_history").fetchone()[0]
        lifecycle = dict(
            con.execute("select anomaly_id, review_status from marts.anomaly_lifecycle").fetchall()
        )
        decisions = con.execute("select count(*) from review.decisions").fetchone()[0]
    finally:
        con.close()
    assert history == len({a["anomaly_id"] for a in county.before + county.after})
    assert decisions == 1 + len(gone)
    assert all(lifecycle[g] == "dismissed" for g in gone)


@pytest.mark.slow
def test_summary_marts_are_built(county):
    con = duckdb.connect(str(county.warehouse))
    try:
        statuses = con.execute(
            "select source, last_good_extract_date, is_stale from marts.source_status"
        ).fetchall()
        weeks = con.execute(
            "select min(iso_week), max(iso_week), sum(payments) from marts.weekly_summary"
        ).fetchone()
        paid = con.execute(
            "select count(*) from intermediate.int_payments "
            "where status = 'PAID' and status_date <= ?",
            [END],
        ).fetchone()[0]
        holds = con.execute(
            "select count(*), count(distinct payment_id) from marts.hold_list"
        ).fetchone()
        pending_findings = con.execute(
            "select count(distinct payment_id) from marts.anomalies where status = 'pending'"
        ).fetchone()[0]
        open_now = con.execute(
            "select count(*), sum(amount_at_risk) from marts.anomalies"
            " where review_status not in ('dismissed', 'recovered')"
        ).fetchone()
        open_last_week = con.execute(
            "select sum(open_findings), sum(amount_at_risk) from marts.weekly_summary"
            " where iso_week = '2026-W44'"
        ).fetchone()
        by_rule = con.execute(
            "select sum(open_findings), sum(new_findings) from marts.weekly_findings_by_rule"
        ).fetchone()
        new_total = con.execute("select sum(new_findings) from marts.weekly_summary").fetchone()[0]
    finally:
        con.close()
    assert len(statuses) == 8
    assert all(last_good is not None and not stale for _, last_good, stale in statuses)
    assert weeks[1] == "2026-W44" and weeks[2] == paid
    assert holds[0] == holds[1] == pending_findings
    assert open_now[0] > 0 and open_last_week == open_now
    assert by_rule[1] == new_total
