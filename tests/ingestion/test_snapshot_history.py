"""Snapshots stored as change history (issue 11, crosscheck/ingest/history.py).

An unchanged snapshot adds no row; a changed one adds the rows that changed;
whatever the order of arrival, corrections and releases, `raw.<source>` reads
every good snapshot exactly as it was delivered."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from deliveries import hukou_rows, write_delivery

from crosscheck.ingest import api
from crosscheck.ingest.sources import get_source

BASE = dt.date(2026, 11, 1)  # the baseline fixture's hukou: hukou_rows(10)
W1, W2, W3, W4 = (BASE + dt.timedelta(days=7 * k) for k in range(1, 5))
CONTENT = [c.name for c in get_source("hukou").columns]


def variant(k: int) -> list[dict]:
    """Week k's register: a name corrected, a person gone, a person born…"""
    rows = hukou_rows(12)[:10]
    if k >= 1:
        rows[3] = {**rows[3], "name": "李三"}
    if k >= 2:
        rows = rows[:5] + rows[6:] + [hukou_rows(12)[10]]
    if k == 3:
        rows[0] = {**rows[0], "reg_status": "1", "dereg_date": "20261120"}
    if k == 4:
        rows = rows + [rows[1]]  # one person twice (a data-quality warning)
    return rows


def delivered(env, day: dt.date) -> Counter:
    """What raw.hukou reads for one extract date, delivered columns only."""
    cols = ", ".join(CONTENT)
    return Counter(env.query(f"SELECT {cols} FROM raw.hukou WHERE _extract_date = ?", [day]))


def expected(rows: list[dict]) -> Counter:
    def typed(r):
        out = []
        for c in CONTENT:
            v = r.get(c)
            if c in ("birth_date", "dereg_date") and v:
                v = dt.date(int(v[:4]), int(v[4:6]), int(v[6:]))
            out.append(v)
        return tuple(out)

    return Counter(typed(r) for r in rows)


def history_rows(env) -> int:
    return env.query("SELECT count(*) FROM raw.hukou_history")[0][0]


def test_an_unchanged_snapshot_adds_no_row_a_changed_one_its_changes(env):
    assert history_rows(env) == 10
    write_delivery(env.landing, "hukou", W1, hukou_rows(10))
    env.ingest(as_of=W1)
    assert history_rows(env) == 10  # unchanged: nothing stored
    write_delivery(env.landing, "hukou", W2, variant(1))
    env.ingest(as_of=W2)
    assert history_rows(env) == 11  # one name changed: one row, the old one ended
    assert env.query("SELECT count(*) FROM raw.hukou_history WHERE _valid_to = ?", [W2]) == [(1,)]
    for day, rows in ((BASE, hukou_rows(10)), (W1, hukou_rows(10)), (W2, variant(1))):
        assert delivered(env, day) == expected(rows), day
    load = env.query(
        "SELECT load_id FROM meta.loads WHERE source = 'hukou' AND extract_date = ?", [W1]
    )
    assert (
        env.query("SELECT DISTINCT _load_id FROM raw.hukou WHERE _extract_date = ?", [W1]) == load
    )


def test_late_corrected_and_released_snapshots_read_as_delivered(env):
    # weeks arrive out of order: 2 and 4 first, then 1, then 3
    for day, k in ((W2, 2), (W4, 4)):
        write_delivery(env.landing, "hukou", day, variant(k))
    env.ingest(as_of=W4)
    write_delivery(env.landing, "hukou", W1, variant(1))
    env.ingest(as_of=W4)
    write_delivery(env.landing, "hukou", W3, variant(3))
    env.ingest(as_of=W4)
    truth = {BASE: hukou_rows(10), W1: variant(1), W2: variant(2), W3: variant(3), W4: variant(4)}
    for day, rows in truth.items():
        assert delivered(env, day) == expected(rows), day
    # week 2 corrected (the person born is withdrawn): weeks 3 and 4 unchanged
    write_delivery(env.landing, "hukou", W2, variant(1))
    [fix] = [d for d in env.ingest(as_of=W4).deliveries if d.status != "skipped"]
    assert fix.status == "loaded" and fix.superseded
    truth[W2] = variant(1)
    for day, rows in truth.items():
        assert delivered(env, day) == expected(rows), day
    # week 1 corrected by a delivery the gate quarantines, then released
    bad = variant(2) + [{**variant(2)[0], "reg_status": "7"}] * 40
    write_delivery(env.landing, "hukou", W1, bad)
    [q] = [d for d in env.ingest(as_of=W4).deliveries if d.status != "skipped"]
    assert q.status == "quarantined"
    for day, rows in truth.items():
        assert delivered(env, day) == expected(rows), day
    api.release(env.warehouse, q.load_id, reason="checked by phone", released_by="tester")
    stored = env.query(
        "SELECT _load_id, count(*) FROM raw.hukou WHERE _extract_date = ? GROUP BY 1", [W1]
    )
    assert stored == [(q.load_id, 50)]
    del truth[W1]
    for day, rows in truth.items():
        assert delivered(env, day) == expected(rows), day


def test_a_warehouse_from_before_issue_11_is_folded_into_history(env):
    """history.migrate: a raw.hukou of full copies (the layout before issue 11)
    becomes the change history the next time the warehouse is opened, every
    snapshot reading as before."""
    import duckdb

    from crosscheck.warehouse import open_warehouse

    write_delivery(env.landing, "hukou", W2, variant(1))
    env.ingest(as_of=W2)
    before = sorted(env.query("SELECT * FROM raw.hukou"), key=repr)
    con = duckdb.connect(str(env.warehouse))
    try:
        con.execute("CREATE TABLE raw.hukou_copies AS SELECT * FROM raw.hukou")
        con.execute("DROP VIEW raw.hukou")
        con.execute("DROP TABLE raw.hukou_history")
        con.execute("ALTER TABLE raw.hukou_copies RENAME TO hukou")
    finally:
        con.close()
    open_warehouse(env.warehouse).close()
    kind = "SELECT table_type FROM information_schema.tables WHERE table_schema = 'raw' AND "
    assert env.query(kind + "table_name = 'hukou'") == [("VIEW",)]
    assert env.query(kind + "table_name = 'hukou_full_copies'") == []
    assert history_rows(env) == 11  # ten persons, one renamed
    assert sorted(env.query("SELECT * FROM raw.hukou"), key=repr) == before
