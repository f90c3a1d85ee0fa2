"""Snapshot deliveries verified, and their workbooks parsed, on a thread ahead of
their turn (`ingest.readahead`, issue 11): the run records what verifying and
reading each one in its turn records, refusals and quarantines included; each
workbook is parsed once; nothing read ahead is left behind, even by a run that
stops in the middle."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from deliveries import hukou_rows, sscards_rows, vehicles_rows, write_delivery
from ingest_env import BASE_DAY
from test_backlog import recorded, twin

from crosscheck.ingest import api, readahead, readers
from crosscheck.ingest.verify import TEMP_PREFIX

SUNDAYS = [BASE_DAY + dt.timedelta(days=7 * k) for k in (1, 2, 3)]


def _snapshots(landing) -> None:
    """Three weeks of snapshots: a card workbook fastexcel cannot read as text (an account
    typed as a number: read exactly), a card workbook whose bytes are not its marker's
    (refused), a household register that lost most rows (quarantined)."""
    cards = sscards_rows()
    for k, day in enumerate(SUNDAYS):
        write_delivery(landing, "hukou", day, hukou_rows(3 if k == 1 else 10 + k))
        write_delivery(landing, "vehicles", day, vehicles_rows())
        rows = [{**cards[0], "name": f"张{k}"}, cards[1]]
        if k == 0:
            rows[1] = {**rows[1], "account_no": 6228480000000000}
        write_delivery(landing, "sscards", day, rows)
    bad = landing / "sscards" / SUNDAYS[1].strftime("%Y%m%d")
    book = next(bad.glob("*.xlsx"))
    book.write_bytes(book.read_bytes() + b"\0")


def _left_transcodes(env) -> list:
    return sorted(api.temp_dir(env.warehouse).glob(TEMP_PREFIX + "*"))


def test_snapshots_read_ahead_record_what_reading_in_their_turn_records(env, tmp_path, monkeypatch):
    _snapshots(env.landing)
    alone = twin(env, tmp_path)
    verified_on, parsed_on, exact = [], [], []
    real_prepared, real_fast = readahead._prepared, readers.read_xlsx_fast
    real_exact = readers._read_xlsx_exact

    def prepared(delivery, source, temp_root):
        verified_on.append((delivery.source, delivery.extract_date, threading.current_thread()))
        return real_prepared(delivery, source, temp_root)

    def fast(source, path):
        parsed_on.append((path.parent.name, threading.current_thread()))
        return real_fast(source, path)

    def exactly(source, path):
        exact.append(path.parent.name)
        return real_exact(source, path)

    monkeypatch.setattr(readahead, "_prepared", prepared)
    monkeypatch.setattr(readers, "read_xlsx_fast", fast)
    monkeypatch.setattr(readers, "_read_xlsx_exact", exactly)
    ahead = env.ingest(as_of=SUNDAYS[-1])
    main = threading.main_thread()

    new = [(d.source, d.extract_date) for d in ahead.deliveries if d.status != "skipped"]
    assert len(new) == 9
    assert sorted((s, d) for s, d, _ in verified_on) == sorted(new)  # every one, ahead
    assert all(t is not main for *_, t in verified_on)
    # each workbook parsed once, ahead; the one fastexcel cannot read as text is parsed
    # again in its turn and read exactly; the refused one is never parsed
    week = [d.strftime("%Y%m%d") for d in SUNDAYS]
    assert sorted((f, t is main) for f, t in parsed_on) == sorted(
        [(week[0], False), (week[0], True), (week[2], False)]
    )
    assert exact == [week[0]]
    statuses = {(d.source, d.extract_date): d.status for d in ahead.deliveries}
    assert statuses["sscards", SUNDAYS[1]] == "rejected"
    assert statuses["hukou", SUNDAYS[1]] == "quarantined"
    assert statuses["sscards", SUNDAYS[0]] == statuses["sscards", SUNDAYS[2]] == "loaded"
    assert env.query(
        "SELECT account_no FROM raw.sscards WHERE _extract_date = ? ORDER BY 1", [SUNDAYS[0]]
    ) == [("0012345678901234",), ("6228480000000000",)]
    assert _left_transcodes(env) == []

    monkeypatch.setattr(readahead, "SHEETS", 0)  # each verified and read in its turn
    verified_on.clear()
    in_turn = alone.ingest(as_of=SUNDAYS[-1])
    assert verified_on == []
    assert [d.line() for d in ahead.deliveries] == [d.line() for d in in_turn.deliveries]
    assert recorded(env.warehouse) == recorded(alone.warehouse)


def test_a_run_stopped_in_the_middle_leaves_nothing_read_ahead(env, monkeypatch):
    """The loader fails on the second new delivery while the thread has transcodes and a
    parsed workbook waiting: the thread stops and every transcode is removed."""
    _snapshots(env.landing)
    real_process, calls = api.process, []

    def process(con, delivery, *args):
        if len(calls) == 1:
            raise RuntimeError("the machine went down")
        result = real_process(con, delivery, *args)
        if result.status != "skipped":
            calls.append(delivery)
        return result

    monkeypatch.setattr(api, "process", process)
    with pytest.raises(RuntimeError, match="went down"):
        env.ingest(as_of=SUNDAYS[-1])
    assert len(calls) == 1
    assert not [t for t in threading.enumerate() if t.name == "crosscheck-readahead"]
    assert _left_transcodes(env) == []
    assert env.query("SELECT count(*) FROM meta.loads WHERE extract_date > ?", [BASE_DAY]) == [(1,)]


def test_a_read_ahead_that_breaks_leaves_the_rest_to_the_loader(env, tmp_path, monkeypatch):
    """A fault of the thread itself (not a refusal) stops reading ahead, and the loader
    verifies and reads the rest in their turn: the run records what it would have."""
    _snapshots(env.landing)
    alone = twin(env, tmp_path)
    real, seen = readahead._prepared, []

    def prepared(delivery, source, temp_root):
        seen.append(delivery)
        if len(seen) == 3:
            raise MemoryError("no room")
        return real(delivery, source, temp_root)

    monkeypatch.setattr(readahead, "_prepared", prepared)
    ran: list = []
    run = threading.Thread(target=lambda: ran.append(env.ingest(as_of=SUNDAYS[-1])), daemon=True)
    run.start()
    run.join(timeout=300)
    assert ran, "the loader still waits for a thread that stopped"
    broken = ran[0]
    assert len(seen) == 3
    monkeypatch.setattr(readahead, "SHEETS", 0)
    in_turn = alone.ingest(as_of=SUNDAYS[-1])
    assert [d.line() for d in broken.deliveries] == [d.line() for d in in_turn.deliveries]
    assert recorded(env.warehouse) == recorded(alone.warehouse)
    assert _left_transcodes(env) == []
