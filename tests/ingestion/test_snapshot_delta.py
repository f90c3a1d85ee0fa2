"""A snapshot is compared with the one in force as delivered text before it is typed
(crosscheck/ingest/history.py `split_delivered`): only the rows that came are typed,
and what is judged, stored and quarantined is what typing every row gives."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from deliveries import hukou_rows, write_delivery
from test_snapshot_history import BASE, W1, W2, W3, W4, delivered, expected, history_rows

from crosscheck.ingest import readers


@pytest.fixture
def typed(monkeypatch) -> list[int]:
    """How many hukou rows each delivery typed (the text rows handed to `type_rows`)."""
    seen: list[int] = []
    real = readers.type_rows

    def spy(con, source, text_table, *args, **kw):
        if source.name == "hukou":
            seen.append(con.execute(f"SELECT count(*) FROM {text_table}").fetchone()[0])
        return real(con, source, text_table, *args, **kw)

    monkeypatch.setattr(readers, "type_rows", spy)
    return seen


def test_only_the_rows_that_changed_are_typed(env, typed):
    base = hukou_rows(10)
    week1 = list(reversed(base))  # the same register in another order…
    week1[2] = {**week1[2], "name": "李三"}  # …one name corrected
    week1[5] = {**week1[5], "birth_date": " 19500101 "}  # …one date with spaces (same date)
    write_delivery(env.landing, "hukou", W1, week1)
    env.ingest(as_of=W1)
    assert typed == [2]
    # the spaced date types as before: the row stays, only the renamed one is new
    assert history_rows(env) == 11
    assert delivered(env, W1) == expected([{**r, "birth_date": "19500101"} for r in week1])
    # the same text again, reordered: nothing to type, nothing to store
    write_delivery(env.landing, "hukou", W2, week1[::2] + week1[1::2])
    env.ingest(as_of=W2)
    assert typed == [2, 0]
    assert history_rows(env) == 11
    assert delivered(env, W2) == delivered(env, W1)
    assert delivered(env, BASE) == expected(base)


def test_equal_rows_are_matched_copy_by_copy(env, typed):
    base = hukou_rows(10)
    twice = [*base, base[1]]
    write_delivery(env.landing, "hukou", W1, twice)
    write_delivery(env.landing, "hukou", W2, twice[::-1])
    write_delivery(env.landing, "hukou", W3, base)
    env.ingest(as_of=W3)
    assert typed == [1, 0, 0]  # the second copy came once; then nothing new
    for day, rows in ((W1, twice), (W2, twice), (W3, base)):
        assert delivered(env, day) == expected(rows), day
    assert env.query("SELECT count(*) FROM raw.hukou_history WHERE _valid_to = ?", [W3]) == [
        (1,)
    ]  # one copy ended


def test_a_row_rejected_last_week_is_typed_and_rejected_again(env, typed):
    bad = {**hukou_rows(11)[10], "birth_date": "19501345"}
    rows = [*hukou_rows(10), bad]
    write_delivery(env.landing, "hukou", W1, rows)
    write_delivery(env.landing, "hukou", W2, rows)
    env.ingest(as_of=W2)
    assert typed == [1, 1]
    rejects = env.query(
        "SELECT extract_date, line_no, reason FROM meta.rejects WHERE source = 'hukou' "
        "ORDER BY extract_date"
    )
    assert [(d, n) for d, n, _ in rejects] == [(W1, 11), (W2, 11)]
    assert all("unparseable date in birth_date" in r for _, _, r in rejects)
    assert delivered(env, W2) == expected(hukou_rows(10))


def test_a_quarantined_snapshot_keeps_every_row_with_its_own_row_number(env, typed):
    rows = list(reversed(hukou_rows(10)))[:6]  # 40% fewer rows: the volume check fails
    rows[0] = {**rows[0], "name": "王五"}
    write_delivery(env.landing, "hukou", W1, rows)
    (result,) = env.fresh(as_of=W1)
    assert result.status == "quarantined"
    assert typed == [1]  # the five rows in force as delivered were not typed again
    cols = "id_number, name, birth_date, _row_no, _source_file"
    stored = env.query(
        f"SELECT {cols} FROM quarantine.hukou WHERE _load_id = ? ORDER BY _row_no",
        [result.load_id],
    )
    assert [(r[0], r[1], r[3], r[4]) for r in stored] == [
        (r["id_number"], r["name"], k, "hukou_20261108.csv") for k, r in enumerate(rows, 1)
    ]
    assert all(r[2] == dt.date(1950, 1, 1) for r in stored)
    assert history_rows(env) == 10  # nothing of it in the history


def test_a_change_of_typing_types_every_row_once_and_stores_nothing_new(env, typed, monkeypatch):
    monkeypatch.setattr(readers, "typing_signature", lambda source: "another typing")
    for day in (W1, W2):
        write_delivery(env.landing, "hukou", day, hukou_rows(10))
    env.ingest(as_of=W2)
    assert typed == [10, 0]  # the stored text hashes were of the other typing: once
    assert history_rows(env) == 10
    assert delivered(env, W2) == expected(hukou_rows(10))


def test_a_late_snapshot_is_typed_whole_and_the_history_replayed(env, typed):
    write_delivery(env.landing, "hukou", W2, hukou_rows(10)[:9])
    env.ingest(as_of=W2)
    write_delivery(env.landing, "hukou", W1, hukou_rows(10)[1:])
    write_delivery(env.landing, "hukou", W4, hukou_rows(10)[:9])
    env.ingest(as_of=W4)
    assert typed == [0, 9, 0]  # W2: nothing new; W1 (late): whole; W4: as W2
    for day, rows in ((W1, hukou_rows(10)[1:]), (W2, hukou_rows(10)[:9])):
        assert delivered(env, day) == expected(rows), day
    assert delivered(env, W4) == Counter(delivered(env, W2))
