"""Every kind of bad delivery is stopped with its exact reason.

Each case proves three things: the reason is reported (meta.loads and the
return value), nothing of the bad delivery is visible in raw, and the good
data already loaded is untouched.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from deliveries import encode_csv, encode_xlsx, good_rows, hukou_rows, ledger_rows, write_delivery

DAY = dt.date(2026, 11, 2)  # the day after the baseline
SUNDAY = dt.date(2026, 11, 8)


def _csv(source, day=DAY, rows=None, **kw) -> bytes:
    return encode_csv(source, rows if rows is not None else good_rows(source, day), **kw)


def truncated(landing):
    data = _csv("ledger")
    folder = write_delivery(landing, "ledger", DAY, ledger_rows(DAY))
    (folder / "ledger_20261102.csv").write_bytes(data[:-20])
    return "ledger", DAY


def wrong_hash(landing):
    data = bytearray(_csv("ledger"))
    folder = write_delivery(landing, "ledger", DAY, ledger_rows(DAY))
    data[-5] = ord("9") if data[-5] != ord("9") else ord("8")
    (folder / "ledger_20261102.csv").write_bytes(bytes(data))
    return "ledger", DAY


def row_count(landing):
    write_delivery(landing, "ledger", DAY, ledger_rows(DAY), n_rows=5)
    return "ledger", DAY


def renamed_column(landing):
    from crosscheck.ingest.sources import get_source

    headers = ["amt" if h == "amount" else h for h in get_source("ledger").headers]
    write_delivery(landing, "ledger", DAY, ledger_rows(DAY), data=_csv("ledger", headers=headers))
    return "ledger", DAY


def missing_column(landing):
    rows = good_rows("cremations", DAY)
    data = _csv("cremations", rows=rows).replace(b",funeral_home", b"", 1)
    data = b"\n".join(
        line.rsplit(b",", 1)[0] if i else line for i, line in enumerate(data.split(b"\n"))
    )
    write_delivery(landing, "cremations", DAY, rows, data=data)
    return "cremations", DAY


def wrong_sheet(landing):
    rows = good_rows("sscards", SUNDAY)
    write_delivery(
        landing, "sscards", SUNDAY, rows, data=encode_xlsx("sscards", rows, sheet="Sheet1")
    )
    return "sscards", SUNDAY


def gb_as_utf8(landing):
    rows = hukou_rows(10)
    write_delivery(landing, "hukou", SUNDAY, rows, data=_csv("hukou", rows=rows, encoding="UTF-8"))
    return "hukou", SUNDAY


def utf8_as_gb(landing):
    rows = good_rows("assistance", SUNDAY)
    data = _csv("assistance", rows=rows, encoding="GB18030")
    write_delivery(landing, "assistance", SUNDAY, rows, data=data)
    return "assistance", SUNDAY


def no_bom(landing):
    rows = good_rows("deaths", DAY)
    data = _csv("deaths", rows=rows)[3:]
    write_delivery(landing, "deaths", DAY, rows, data=data)
    return "deaths", DAY


def traversal(landing):
    write_delivery(landing, "ledger", DAY, ledger_rows(DAY), marker={"file": {"name": "../x.csv"}})
    return "ledger", DAY


def absolute(landing):
    write_delivery(
        landing, "ledger", DAY, ledger_rows(DAY), marker={"file": {"name": "/etc/passwd"}}
    )
    return "ledger", DAY


def bad_marker(landing):
    write_delivery(landing, "ledger", DAY, ledger_rows(DAY), marker_text="{not json")
    return "ledger", DAY


def two_files(landing):
    folder = write_delivery(landing, "ledger", DAY, ledger_rows(DAY))
    (folder / "ledger_20261102_b.csv").write_bytes(_csv("ledger"))
    return "ledger", DAY


def two_files_in_marker(landing):
    folder = write_delivery(landing, "ledger", DAY, ledger_rows(DAY))
    body = json.loads((folder / "_SUCCESS").read_text())
    body["files"].append(dict(body["files"][0], name="other.csv"))
    (folder / "_SUCCESS").write_text(json.dumps(body))
    return "ledger", DAY


def misnamed_file(landing):
    write_delivery(landing, "ledger", DAY, ledger_rows(DAY), file_name="ledger.csv")
    return "ledger", DAY


REFUSED = [
    (truncated, "size mismatch"),
    (wrong_hash, "sha256 mismatch"),
    (row_count, "row count mismatch: file has 2 data rows, _SUCCESS says 5"),
    (renamed_column, "missing columns: amount; unexpected columns: amt"),
    (missing_column, "missing columns: funeral_home"),
    (wrong_sheet, "sheet '社保卡' not found (workbook has: Sheet1)"),
    (gb_as_utf8, "wrong encoding: file is UTF-8, expected GB18030"),
    (utf8_as_gb, "wrong encoding: not valid UTF-8"),
    (no_bom, "wrong encoding: expected UTF-8 with BOM"),
    (traversal, "file name '../x.csv' in _SUCCESS points outside its folder"),
    (absolute, "file name '/etc/passwd' in _SUCCESS points outside its folder"),
    (bad_marker, "unparseable _SUCCESS marker"),
    (two_files, "more than one data file: unexpected ledger_20261102_b.csv"),
    (two_files_in_marker, "more than one data file: _SUCCESS lists 2 files"),
    (misnamed_file, "data file is named 'ledger.csv', expected 'ledger_20261102.csv'"),
]


@pytest.mark.parametrize(("make", "reason"), REFUSED, ids=[m.__name__ for m, _ in REFUSED])
def test_bad_delivery_is_refused_whole(env, make, reason):
    before = env.raw_state()
    source, day = make(env.landing)
    report = env.ingest(as_of=day)
    [result] = [d for d in report.deliveries if d.source == source and d.extract_date == day]
    assert result.status == "rejected"
    assert any(reason in r for r in result.reasons), result.reasons
    record = env.load(result.load_id)
    assert record["status"] == "rejected"
    assert any(reason in r for r in json.loads(record["reasons"]))
    # nothing of it in raw (nor quarantine), and the good data untouched
    assert env.query(f"SELECT count(*) FROM raw.{source} WHERE _extract_date = ?", [day]) == [(0,)]
    assert env.query(f"SELECT count(*) FROM quarantine.{source}") == [(0,)]
    assert env.query("SELECT count(*) FROM meta.rejects WHERE load_id = ?", [result.load_id]) == [
        (0,)
    ]
    assert env.raw_state() == before
    assert not list(env.warehouse.parent.glob("crosscheck-ingest-*"))


def many(source: str, day: dt.date, n: int) -> list[dict]:
    """n good rows of a source, keys made unique: a delivery large enough to be judged."""
    base = good_rows(source, day)
    key_field = {"ledger": "payment_id", "deaths": "certificate_no", "payroll": "employer"}
    out = []
    for i in range(n):
        r = dict(base[i % len(base)])
        r[key_field[source]] = f"{r[key_field[source]]}-{i:04d}"
        out.append(r)
    return out


LARGE = 120  # above rate_min_rows (100)
BAD = 10  # 8 %: above the 1 % quarantine share of row-level expectations


def duplicate_keys(landing):
    rows = ledger_rows(DAY)
    write_delivery(landing, "ledger", DAY, [*rows, rows[0]])
    return "ledger", DAY


def code_out_of_list(landing):
    rows = many("ledger", DAY, LARGE)
    for r in rows[:BAD]:
        r["status"] = "LOST"
    write_delivery(landing, "ledger", DAY, rows)
    return "ledger", DAY


def paid_without_sent_date(landing):
    rows = [r for r in many("ledger", DAY, 2 * LARGE) if r["status"] == "PAID"]
    for r in rows[:BAD]:
        r["sent_date"] = None
    write_delivery(landing, "ledger", DAY, rows)
    return "ledger", DAY


def date_after_extract(landing):
    rows = many("deaths", DAY, LARGE)
    for r in rows[:BAD]:
        r["death_date"] = "2026-12-01"
    write_delivery(landing, "deaths", DAY, rows)
    return "deaths", DAY


def snapshot_halves(landing):
    write_delivery(landing, "hukou", SUNDAY, hukou_rows(5))
    return "hukou", SUNDAY


def invalid_ids(landing):
    """Most IDs of a large delivery invalid: the file is broken, not the persons."""
    day = dt.date(2026, 12, 1)
    rows = many("payroll", day, LARGE)
    for r in rows[: LARGE // 2 + 1]:
        r["id_number"] = "12345"
    write_delivery(landing, "payroll", day, rows)
    return "payroll", day


QUARANTINED = [
    (duplicate_keys, "key_unique"),
    (code_out_of_list, "status_in_list"),
    (paid_without_sent_date, "paid_has_sent_date"),
    (date_after_extract, "death_date_plausible"),
    (snapshot_halves, "row_count_near_previous"),
    (invalid_ids, "id_number_valid_rate"),
]


def small_invalid_id(landing):
    """One payment, its ID invalid: R09's finding, not a broken delivery."""
    rows = ledger_rows(DAY)[:1]
    rows[0]["recipient_id"] = rows[0]["recipient_id"][:17]
    write_delivery(landing, "ledger", DAY, rows)
    return "ledger", DAY, "recipient_id_valid_rate", 1


def small_code_out_of_list(landing):
    rows = ledger_rows(DAY)
    rows[1]["status"] = "LOST"
    write_delivery(landing, "ledger", DAY, rows)
    return "ledger", DAY, "status_in_list", 2


def large_few_invalid_ids(landing):
    """A large ledger with 10 % invalid IDs: below the 50 % share, R09 flags them."""
    rows = many("ledger", DAY, LARGE)
    for r in rows[:12]:
        r["recipient_id"] = "12345"
    write_delivery(landing, "ledger", DAY, rows)
    return "ledger", DAY, "recipient_id_valid_rate", LARGE


def small_date_after_extract(landing):
    rows = good_rows("deaths", DAY)
    rows[0]["death_date"] = "2026-12-01"
    write_delivery(landing, "deaths", DAY, rows)
    return "deaths", DAY, "death_date_plausible", len(rows)


WARNED = [small_invalid_id, small_code_out_of_list, large_few_invalid_ids, small_date_after_extract]


@pytest.mark.parametrize("make", WARNED, ids=[m.__name__ for m in WARNED])
def test_row_level_defects_warn_and_the_delivery_loads(env, make):
    """Issue 9: the gate judges deliveries, not the rows the rules need."""
    source, day, expectation, n = make(env.landing)
    report = env.ingest(as_of=day)
    [result] = [d for d in report.deliveries if d.source == source and d.extract_date == day]
    assert result.status == "loaded", result.reasons
    assert f"warning: {expectation}" in result.reasons
    assert env.query(
        "SELECT success, severity FROM meta.validation_results WHERE load_id = ? "
        "AND expectation = ?",
        [result.load_id, expectation],
    ) == [(False, "warning")]
    assert env.query(f"SELECT count(*) FROM raw.{source} WHERE _load_id = ?", [result.load_id]) == [
        (n,)
    ]


def test_row_without_key_is_rejected_and_the_rest_loads(env):
    rows = ledger_rows(DAY)
    rows[0]["payment_id"] = " "
    write_delivery(env.landing, "ledger", DAY, rows)
    [result] = env.fresh(as_of=DAY)
    assert result.status == "loaded", result.reasons
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert env.query(
        "SELECT line_no, reason FROM meta.rejects WHERE load_id = ?", [result.load_id]
    ) == [(1, "empty key column payment_id")]


@pytest.mark.parametrize(
    ("make", "expectation"), QUARANTINED, ids=[m.__name__ for m, _ in QUARANTINED]
)
def test_failing_critical_expectation_quarantines(env, make, expectation):
    before = env.raw_state()
    source, day = make(env.landing)
    report = env.ingest(as_of=day)
    [result] = [d for d in report.deliveries if d.source == source and d.extract_date == day]
    assert result.status == "quarantined"
    assert f"failed critical expectation {expectation}" in result.reasons
    failed = env.query(
        """SELECT expectation FROM meta.validation_results
           WHERE load_id = ? AND NOT success AND severity = 'critical'""",
        [result.load_id],
    )
    assert (expectation,) in failed
    assert env.query(f"SELECT count(*) FROM raw.{source} WHERE _load_id = ?", [result.load_id]) == [
        (0,)
    ]
    kept = env.query(
        f"SELECT count(*) FROM quarantine.{source} WHERE _load_id = ?", [result.load_id]
    )
    assert kept == [(result.rows_loaded,)] and result.rows_loaded > 0
    assert env.raw_state() == before


def test_warning_is_recorded_and_passes(env):
    rows = ledger_rows(DAY)
    rows[1]["reissue_of"] = "NOPE999"  # names no known payment: a warning (docs/RULEBOOK.md R06)
    write_delivery(env.landing, "ledger", DAY, rows)
    [result] = env.fresh(as_of=DAY)
    assert result.status == "loaded"
    assert "warning: reissue_of_known_payment" in result.reasons
    assert env.query(
        "SELECT success, severity FROM meta.validation_results WHERE load_id = ? "
        "AND expectation = 'reissue_of_known_payment'",
        [result.load_id],
    ) == [(False, "warning")]
    assert env.query("SELECT count(*) FROM raw.ledger WHERE _load_id = ?", [result.load_id]) == [
        (2,)
    ]


def test_a_reissue_of_a_payment_loaded_earlier_is_no_warning(env):
    """reissue_of is looked up in raw.ledger (the batch is aliased: raw.ledger's own
    reissue_of column must not shadow it), then in the delivery itself."""
    [(earlier,)] = env.query("SELECT min(payment_id) FROM raw.ledger")
    rows = ledger_rows(DAY, prefix="Q")  # new payments
    assert earlier and earlier not in {r["payment_id"] for r in rows}
    rows[1]["reissue_of"] = earlier  # loaded by the baseline's ledger delivery
    rows[0]["reissue_of"] = rows[1]["payment_id"]  # in the same delivery
    write_delivery(env.landing, "ledger", DAY, rows)
    [result] = env.fresh(as_of=DAY)
    assert result.status == "loaded"
    assert not [r for r in result.reasons if "reissue_of_known_payment" in r], result.reasons
    assert env.query(
        "SELECT success, observed_value FROM meta.validation_results WHERE load_id = ? "
        "AND expectation = 'reissue_of_known_payment'",
        [result.load_id],
    ) == [(True, "0")]


def test_bad_rows_are_rejected_with_line_and_reason(env):
    rows = ledger_rows(DAY) + ledger_rows(DAY, prefix="Q")
    rows[1]["approved_date"] = "2026-13-45"
    rows[2]["amount"] = "12,50"  # csv-quoted: one field, but not a number
    data = encode_csv("ledger", rows)
    lines = data.split(b"\n")
    lines.insert(4, b"only,three,fields")  # data row 4: wrong column count
    data = b"\n".join(lines)
    write_delivery(env.landing, "ledger", DAY, rows, data=data, n_rows=5)
    [result] = env.fresh(as_of=DAY)
    assert result.status == "loaded", result.reasons
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 2, 3)
    rejects = env.query(
        "SELECT line_no, raw_text, reason FROM meta.rejects WHERE load_id = ? ORDER BY line_no",
        [result.load_id],
    )
    assert [r[0] for r in rejects] == [2, 3, 4]
    assert "unparseable date in approved_date: 2026-13-45" in rejects[0][2]
    assert "non-numeric amount in amount: 12,50" in rejects[1][2]
    assert rejects[2][1] == "only,three,fields" and "Expected Number of Columns" in rejects[2][2]
    loaded = env.query(
        "SELECT payment_id, _row_no FROM raw.ledger WHERE _load_id = ? ORDER BY _row_no",
        [result.load_id],
    )
    assert loaded == [("P0001", 1), ("Q0002", 5)]
    record = env.load(result.load_id)
    assert record["rows_read"] == record["rows_loaded"] + record["rows_rejected"]


def test_result_is_a_small_dataclass(env):
    write_delivery(env.landing, "ledger", DAY, ledger_rows(DAY))
    [result] = env.fresh(as_of=DAY)
    assert dataclasses.is_dataclass(result)
    assert result.load_id.startswith("ledger:20261102:")
