"""The 暂停支付清单 for the payment desk and the person/finding lookups (issue 13),
on the generated county: masked by default, full identifiers logged and audited,
one-line errors for what is not there."""

from __future__ import annotations

import csv
import datetime as dt
import logging

import duckdb
import pytest
import review_fixtures as fx
from openpyxl import load_workbook

from crosscheck import audit
from crosscheck.cli import main
from crosscheck.config import serving_path
from crosscheck.divisions import division_name
from crosscheck.review import holds
from crosscheck.review.privacy import _IDENTIFIER_RE as IDENTIFIER
from crosscheck.review.privacy import mask


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    _, wh, as_of = fx.copy_county(tmp_path_factory.mktemp("holds") / "wh")
    return wh, as_of


def q(wh, sql, params=()):
    con = duckdb.connect(str(serving_path(wh)), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def run(capsys, *args):
    rc = main([str(a) for a in args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_holds_writes_the_masked_list_as_xlsx_and_csv(county, tmp_path, capsys):
    wh, as_of = county
    rc, said, _ = run(capsys, "holds", "--warehouse", wh, "--as-of", as_of, "--out", tmp_path)
    assert rc == 0
    pending = q(wh, "SELECT payment_id, township_code, amount FROM marts.hold_list ORDER BY 1")
    assert len(pending) > 3
    stem = f"暂停支付清单_{division_name('500230')}_500230_{as_of:%Y%m%d}"
    xlsx, csv_path = tmp_path / f"{stem}.xlsx", tmp_path / f"{stem}.csv"
    assert f"{len(pending)} payments" in said and str(xlsx) in said
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel and WPS read Chinese
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == holds.HEADERS
    assert sorted((r["支付单号"], r["区划代码"]) for r in rows) == [(p, t) for p, t, _ in pending]
    assert all(r["乡镇"] == division_name(r["区划代码"]) for r in rows)
    assert [r["序号"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert all(r["违反规则"][:1] == "R" and r["问题编号"] for r in rows)
    assert not IDENTIFIER.search(raw.decode("utf-8-sig"))
    wb = load_workbook(xlsx)
    ws = wb[holds.TITLE]
    assert ws.protection.sheet and wb.security.lockStructure
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$1" and "&P" in ws.oddFooter.center.text
    assert [c.value for c in ws[1]] == holds.HEADERS and ws.max_row == len(rows) + 1
    summary = [r for r in wb[holds.SUMMARY_SHEET].iter_rows(min_row=2, values_only=True)]
    assert summary[-1][0] == "合计" and summary[-1][2] == len(rows)
    assert summary[-1][3] == sum(a for _, _, a in pending)


def test_full_identifiers_are_recorded_before_they_are_shown(county, tmp_path, caplog):
    wh, as_of = county
    caplog.set_level(logging.INFO)
    res = holds.write_holds(wh, as_of, tmp_path, full_identifiers=True, requested_by="王科长")
    person = q(wh, "SELECT person_id FROM marts.hold_list WHERE person_id IS NOT NULL LIMIT 1")[0][
        0
    ]
    assert person in res.files[1].read_text(encoding="utf-8-sig")
    con = duckdb.connect(str(wh), read_only=True)
    try:
        access = con.execute(
            "SELECT command, subject, requested_by FROM meta.full_access"
        ).fetchall()
        verdict = audit.verify_con(con)
    finally:
        con.close()
    assert ("holds", as_of.isoformat(), "王科长") in access
    assert verdict.ok, verdict.broken
    logged = [r.getMessage() for r in caplog.records if "FULL identifiers" in r.getMessage()]
    assert len(logged) == 1 and "王科长" in logged[0]
    assert person not in caplog.text


def test_holds_of_another_date_is_a_one_line_error(county, tmp_path, capsys):
    wh, as_of = county
    other = as_of - dt.timedelta(days=1)
    rc, _, err = run(capsys, "holds", "--warehouse", wh, "--as-of", other, "--out", tmp_path)
    assert rc == 1 and err.count("\n") == 1 and f"--as-of {as_of}" in err


def test_person_by_id_and_by_name(county, capsys):
    wh, _ = county
    pid, name = q(
        wh,
        "SELECT a.person_id, p.name FROM marts.anomalies AS a "
        "JOIN intermediate.int_persons AS p USING (person_id) "
        "WHERE a.rule_code = 'R10' ORDER BY a.anomaly_id LIMIT 1",
    )[0]
    ids = [r[0] for r in q(wh, "SELECT anomaly_id FROM marts.anomalies WHERE person_id = ?", [pid])]
    cards = [
        r[0]
        for r in q(wh, "SELECT card_no FROM staging.stg_sscards__cards WHERE person_id = ?", [pid])
    ]
    rc, said, _ = run(capsys, "person", pid, "--warehouse", wh)
    assert rc == 0
    assert f"人员 {name}（身份证号 {mask(pid)}）" in said
    assert "户籍：" in said and "发放记录：共" in said and all(i in said for i in ids)
    assert "社保卡：卡号 " in said and cards and not any(c in said for c in cards)
    assert pid not in said and not IDENTIFIER.search(said)
    rc, by_name, _ = run(capsys, "person", name, "--warehouse", wh)
    assert rc == 0 and f"（身份证号 {mask(pid)}）" in by_name and not IDENTIFIER.search(by_name)


def test_finding_lookup_tells_the_whole_story(county, capsys):
    wh, _ = county
    aid, rule, pid = q(
        wh,
        "SELECT anomaly_id, rule_code, person_id FROM marts.anomalies "
        "WHERE person_id IS NOT NULL ORDER BY risk_score DESC, anomaly_id LIMIT 1",
    )[0]
    rc, said, _ = run(capsys, "finding", aid, "--warehouse", wh)
    assert rc == 0
    assert said.startswith(f"问题编号 {aid}") and f"规则：{rule}" in said
    assert "疑点说明：" in said and "风险评分" in said and "核查状态：" in said
    assert pid not in said and not IDENTIFIER.search(said)
    rc, full, _ = run(capsys, "finding", aid, "--warehouse", wh, "--full-identifiers")
    assert rc == 0 and pid in full
    access = duckdb.connect(str(wh), read_only=True)
    try:
        assert access.execute(
            "SELECT count(*) FROM meta.full_access WHERE command = 'finding' AND subject = ?", [aid]
        ).fetchone() == (1,)
    finally:
        access.close()


@pytest.mark.parametrize(
    "args",
    [
        ("finding", "0" * 32),
        ("person", "500230190001019999"),
        ("person", "查无此人"),
    ],
)
def test_unknown_ids_are_one_line_errors(county, capsys, args):
    wh, _ = county
    rc, out, err = run(capsys, *args, "--warehouse", wh)
    assert rc == 1 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "500230190001019999" not in err  # even an unknown ID is not echoed whole
