"""Hostile and odd deliveries (issue 16): refused with a reason, recorded, never a traceback.

Each case is a failure a hostile test campaign found; the night goes on
with the last good data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat

import pytest
from deliveries import encode_csv, good_rows, ledger_rows, write_delivery

from crosscheck.ingest import api

DAY = dt.date(2026, 11, 2)  # the day after the baseline


def _ledger(rows=None) -> bytes:
    return encode_csv("ledger", rows if rows is not None else ledger_rows(DAY))


def _only(report, source="ledger", day=DAY):
    [r] = [d for d in report.deliveries if d.source == source and d.extract_date == day]
    return r


def test_symlink_to_a_file_outside_the_folder_is_refused(env, tmp_path):
    outside = tmp_path / "secret.csv"
    outside.write_bytes(_ledger())
    folder = write_delivery(env.landing, "ledger", DAY, ledger_rows(DAY))
    data = folder / "ledger_20261102.csv"
    data.unlink()
    data.symlink_to(outside)  # the marker's size and sha256 match the target's bytes
    before = env.raw_state()
    result = _only(env.ingest(as_of=DAY))
    assert result.status == "rejected"
    assert "is a symlink" in result.reasons[0]
    assert env.load(result.load_id)["status"] == "rejected"
    assert env.raw_state() == before


def test_symlinked_marker_is_refused(env, tmp_path):
    folder = write_delivery(env.landing, "ledger", DAY, ledger_rows(DAY))
    real = tmp_path / "marker.json"
    real.write_bytes((folder / "_SUCCESS").read_bytes())
    (folder / "_SUCCESS").unlink()
    (folder / "_SUCCESS").symlink_to(real)
    result = _only(env.ingest(as_of=DAY))
    assert result.status == "rejected"
    assert "_SUCCESS is a symlink" in result.reasons[0]


def test_one_crlf_line_in_an_lf_file_is_refused_and_the_night_goes_on(env):
    rows = ledger_rows(DAY) + ledger_rows(DAY, prefix="Q")
    lines = _ledger(rows).split(b"\n")
    lines[2] += b"\r"
    write_delivery(env.landing, "ledger", DAY, rows, data=b"\n".join(lines))
    write_delivery(env.landing, "cremations", DAY, good_rows("cremations", DAY))
    before = env.raw_state()
    report = env.ingest(as_of=DAY)  # must not raise
    led = _only(report)
    assert led.status == "rejected"
    assert led.reasons[0].startswith("unreadable file: mixed line ends"), led.reasons
    assert "\n" not in led.reasons[0]
    assert env.load(led.load_id)["status"] == "rejected"
    assert _only(report, "cremations").status == "loaded"
    assert env.raw_state()["ledger"] == before["ledger"]
    # the next night re-checks it, records it again, and does not crash either
    again = _only(env.ingest(as_of=DAY))
    assert again.status == "rejected" and again.load_id == led.load_id


def test_a_file_rewritten_while_it_is_judged_is_refused_and_not_archived(env, monkeypatch):
    """The archive's copy is made on a thread of its own while the gate judges the
    delivery (`archive.stage_async`): a department rewriting the file meanwhile (same
    size, other bytes) gets a refusal, never a load whose archive is not what was read."""
    from crosscheck.ingest import load
    from crosscheck.ingest.archive import archive_root

    folder = write_delivery(env.landing, "ledger", DAY, ledger_rows(DAY))
    data = folder / "ledger_20261102.csv"
    staged = load.stage_async

    def rewritten_first(root, source, day, path, marker, sha):
        if source == "ledger":
            path.write_bytes(path.read_bytes().replace(b"1", b"2"))
        return staged(root, source, day, path, marker, sha)

    monkeypatch.setattr(load, "stage_async", rewritten_first)
    before = env.raw_state()
    result = _only(env.ingest(as_of=DAY))
    assert result.status == "rejected"
    assert result.reasons == ["data file changed while it was being loaded; deliver it again"]
    assert env.load(result.load_id)["status"] == "rejected"
    assert env.raw_state() == before
    day_folder = archive_root(env.warehouse) / "ledger" / "20261102"
    assert not day_folder.exists() or list(day_folder.iterdir()) == []  # nor a staged copy
    assert data.stat().st_size == len(_ledger())


def test_bom_where_none_is_due_is_refused(env):
    write_delivery(env.landing, "ledger", DAY, ledger_rows(DAY), data=b"\xef\xbb\xbf" + _ledger())
    result = _only(env.ingest(as_of=DAY))
    assert result.status == "rejected"
    assert "file starts with a UTF-8 BOM, expected UTF-8 without BOM" in result.reasons[0]


def _trailing_empty_line(rows):
    return _ledger(rows) + b"\n"


def _quoted_newline(rows):
    rows[0]["bank_name"] = "农\n商行"
    return _ledger(rows)


def _all_crlf(rows):
    return _ledger(rows).replace(b"\n", b"\r\n")


@pytest.mark.parametrize("odd", [_trailing_empty_line, _quoted_newline, _all_crlf])
def test_odd_but_legal_csv_loads(env, odd):
    rows = ledger_rows(DAY)
    write_delivery(env.landing, "ledger", DAY, rows, data=odd(rows))
    result = _only(env.ingest(as_of=DAY))
    assert result.status == "loaded", result.reasons
    assert (result.rows_read, result.rows_loaded) == (2, 2)
    banks = env.query("SELECT bank_name FROM raw.ledger WHERE _load_id = ?", [result.load_id])
    if odd is _quoted_newline:
        assert ("农\n商行",) in banks


def test_redelivery_not_matching_its_marker_is_refused_not_skipped(env):
    folder = write_delivery(env.landing, "ledger", DAY, ledger_rows(DAY))
    first = _only(env.ingest(as_of=DAY))
    assert first.status == "loaded"
    # the department re-sends the file but not the marker: other bytes, same claim
    rows = ledger_rows(DAY, prefix="Z")
    (folder / "ledger_20261102.csv").write_bytes(_ledger(rows))
    before = env.raw_state()
    second = _only(env.ingest(as_of=DAY))
    assert second.status == "rejected"
    assert second.load_id != first.load_id
    assert any("mismatch" in r for r in second.reasons), second.reasons
    assert env.load(second.load_id)["status"] == "rejected"
    assert env.load(first.load_id)["status"] == "loaded"  # the good load stays in force
    assert env.raw_state() == before


def test_same_bytes_again_are_skipped_by_their_hash(env):
    folder = write_delivery(env.landing, "ledger", DAY, ledger_rows(DAY))
    first = _only(env.ingest(as_of=DAY))
    data = folder / "ledger_20261102.csv"
    data.write_bytes(data.read_bytes())  # touched: stat changed, bytes the same
    again = _only(env.ingest(as_of=DAY))
    assert again.status == "skipped" and again.load_id == first.load_id
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    assert env.query("SELECT sha256 FROM meta.file_hashes WHERE path = ?", [str(data)]) == [
        (digest,)
    ]


def test_transcodes_are_private_and_leftovers_cleaned(env, monkeypatch):
    from crosscheck.ingest import load

    leftover = api.temp_dir(env.warehouse) / "crosscheck-ingest-killed"
    leftover.mkdir(parents=True)
    (leftover / "hukou_20261108.utf8.csv").write_text("id numbers")
    modes = []
    real = load.read_delivery

    def spy(con, source, vf, *a, **kw):
        if vf.read_path != vf.path:
            modes.append(stat.S_IMODE(os.stat(vf.read_path).st_mode))
            modes.append(stat.S_IMODE(os.stat(vf.read_path.parent).st_mode))
        return real(con, source, vf, *a, **kw)

    monkeypatch.setattr(load, "read_delivery", spy)
    from deliveries import hukou_rows

    write_delivery(env.landing, "hukou", dt.date(2026, 11, 8), hukou_rows(10))
    report = env.ingest(as_of=dt.date(2026, 11, 8))
    assert _only(report, "hukou", dt.date(2026, 11, 8)).status == "loaded"
    assert modes == [0o600, 0o700]
    assert not leftover.exists()
    assert not list(api.temp_dir(env.warehouse).iterdir())


def test_relative_warehouse_path_with_odd_characters(env, monkeypatch):
    """Data Docs need an absolute path; quotes, semicolons and spaces are just characters."""
    odd = env.root / 'it\'s; a "dir"'
    odd.mkdir()
    os.replace(env.warehouse, odd / "wh.duckdb")
    monkeypatch.chdir(odd)
    write_delivery(env.landing, "ledger", DAY, ledger_rows(DAY))
    report = api.ingest(env.landing, "wh.duckdb", as_of=DAY, data_docs=True)
    assert _only(report).status == "loaded"
    assert (odd / "data_docs" / "index.html").is_file()
    rep = api.status("wh.duckdb")
    assert any(r["load_id"] == _only(report).load_id for r in rep.loads)


def test_marker_naming_no_file_and_huge_marker(env):
    folder = write_delivery(env.landing, "ledger", DAY, ledger_rows(DAY))
    (folder / "_SUCCESS").write_bytes(b"{" + b" " * (2 * 1024 * 1024) + b"}")
    result = _only(env.ingest(as_of=DAY))
    assert result.status == "rejected"
    assert "larger than" in result.reasons[0]
    body = json.loads(json.dumps({"source": "ledger"}))
    (folder / "_SUCCESS").write_text(json.dumps(body))
    assert _only(env.ingest(as_of=DAY)).status == "rejected"
