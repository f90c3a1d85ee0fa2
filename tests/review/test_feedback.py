"""Returned workbooks: good rows load, bad cells are named, nothing is loaded twice."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import stat
from decimal import Decimal

import duckdb
import pytest
import review_fixtures as fx

from crosscheck.cli import main
from crosscheck.review import layout
from crosscheck.review.export import export_findings, workbook_name
from crosscheck.review.feedback import FEEDBACK_DIR, load_feedback
from crosscheck.warehouse import open_warehouse

LOAD_DAY = dt.date(2026, 11, 10)
T0, T1 = fx.TOWNSHIPS[0], fx.TOWNSHIPS[1]


def ids():
    return [a["anomaly_id"] for a in fx.anomalies()]


@pytest.fixture
def exported(tmp_path):
    wh = fx.build(tmp_path / "wh" / "warehouse.duckdb")
    out = tmp_path / "out"
    export_findings(wh, fx.AS_OF, out)
    landing = tmp_path / "landing"
    (landing / FEEDBACK_DIR).mkdir(parents=True)
    return wh, out, landing


def _return(out, landing, township, answers, name=None):
    src = out / workbook_name(township, fx.AS_OF)
    dst = landing / FEEDBACK_DIR / (name or src.name)
    shutil.copy(src, dst)
    return fx.fill_feedback(dst, answers)


def _q(wh, sql):
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_good_rows_load_and_bad_cells_are_named(exported):
    wh, out, landing = exported
    a = ids()
    ok = {
        "核查结论": "属实",
        "处理措施": "停发并追回",
        "追回金额": 900,
        "核查人": "刘干事",
        "核查日期": dt.datetime(2026, 11, 5),
    }
    path = _return(
        out,
        landing,
        T0,
        {
            a[0]: ok,
            a[1]: {**ok, "核查结论": "大概属实", "追回金额": 1000},  # two bad cells
            a[2]: {**ok, "追回金额": 100, "核查日期": "2026-12-01"},  # in the future
        },
    )
    res = load_feedback(landing, wh, LOAD_DAY)
    (f,) = res.files
    assert (f.status, f.rows_total, f.rows_loaded) == ("partial", 3, 1)
    got = {(r.sheet[:3], r.cell, r.value, r.reason) for r in f.rejects}
    s1, c_concl = fx.cell_of(path, a[1], "核查结论")
    _, c_amt = fx.cell_of(path, a[1], "追回金额")
    s2, c_date = fx.cell_of(path, a[2], "核查日期")
    assert got == {
        (s1[:3], c_concl, "大概属实", "核查结论须为：属实、不属实、部分属实"),
        (s1[:3], c_amt, "1000", "追回金额超过风险金额 900.00"),
        (s2[:3], c_date, "2026-12-01", "核查日期晚于加载日期 2026-11-10"),
    }
    assert c_concl[0] == "S" and c_amt[0] == "V"  # column letters of the layout
    # the report beside the workbook lists the same cells
    assert f.report.parent == path.parent and stat.S_IMODE(f.report.stat().st_mode) == 0o600
    with f.report.open(encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == ["工作表", "行号", "单元格", "列名", "填写内容", "问题"]
    assert {ln[2] for ln in lines[1:]} == {c_concl, c_amt, c_date}
    assert _q(
        wh,
        "SELECT anomaly_id, conclusion, recovered_amount, reviewer, review_date "
        "FROM review.decisions",
    ) == [(a[0], "属实", Decimal("900.00"), "刘干事", dt.date(2026, 11, 5))]
    assert _q(wh, "SELECT count(*) FROM review.feedback_rejects") == [(3,)]
    assert _q(wh, "SELECT status, rows_loaded, rows_rejected FROM review.feedback_files") == [
        ("partial", 1, 2)
    ]


def test_same_file_twice_changes_nothing(exported):
    wh, out, landing = exported
    a = ids()
    _return(
        out,
        landing,
        T0,
        {a[0]: {"核查结论": "不属实", "核查人": "刘", "核查日期": "2026-11-02", "追回金额": 5}},
    )
    first = load_feedback(landing, wh, LOAD_DAY)
    assert first.files[0].status == "rejected"
    before = _q(
        wh,
        "SELECT (SELECT count(*) FROM review.decisions), "
        "(SELECT count(*) FROM review.feedback_rejects), "
        "(SELECT count(*) FROM review.feedback_files)",
    )
    again = load_feedback(landing, wh, LOAD_DAY)
    assert [f.status for f in again.files] == ["duplicate"]
    after = _q(
        wh,
        "SELECT (SELECT count(*) FROM review.decisions), "
        "(SELECT count(*) FROM review.feedback_rejects), "
        "(SELECT count(*) FROM review.feedback_files)",
    )
    assert before == after == [(0, 1, 1)]


def test_unknown_ids_and_missing_fields_are_rejected(exported):
    wh, out, landing = exported
    a = ids()
    path = _return(out, landing, T1, {a[3]: {"核查结论": "属实"}, a[4]: {"说明": "已走访"}})
    # a township types a finding id that was never sent
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb[wb.sheetnames[2]]  # 加急, 封面, then the first rule sheet
    ws.cell(row=ws.max_row + 1, column=layout.HEADERS.index(layout.ID_HEADER) + 1, value="x-id")
    ws.cell(row=ws.max_row, column=layout.HEADERS.index(layout.CONCLUSION) + 1, value="属实")
    wb.save(path)
    res = load_feedback(landing, wh, LOAD_DAY)
    reasons = sorted(r.reason for r in res.files[0].rejects)
    assert reasons == sorted(
        [
            "核查人为空",
            "核查日期为空",  # a[3]
            "核查结论为空",
            "核查人为空",
            "核查日期为空",  # a[4]
            "问题编号不存在（未曾下发）",
            "核查人为空",
            "核查日期为空",
        ]
    )
    assert res.files[0].status == "rejected"
    assert _q(wh, "SELECT count(*) FROM review.decisions") == [(0,)]


def test_measures_come_from_the_list_and_a_clean_reload_removes_the_stale_report(exported):
    """处理措施 is a code list (issue 13); a corrected file loaded clean leaves no
    stale .rejects.csv beside it."""
    wh, out, landing = exported
    a = ids()
    answer = {"核查结论": "属实", "核查人": "刘", "核查日期": "2026-11-02"}
    path = _return(out, landing, T0, {a[0]: {**answer, "处理措施": "已经处理好了"}})
    (f,) = load_feedback(landing, wh, LOAD_DAY).files
    assert f.status == "rejected" and f.report.exists()
    assert [(r.column_name, r.value) for r in f.rejects] == [("处理措施", "已经处理好了")]
    assert f.rejects[0].reason.startswith("处理措施须从下拉列表选择：停发、")
    # the township picks from the list and returns the same file again
    fx.fill_feedback(path, {a[0]: {**answer, "处理措施": "停发并追回"}})
    (g,) = load_feedback(landing, wh, LOAD_DAY).files
    assert (g.status, g.rows_loaded, g.report) == ("loaded", 1, None)
    assert not f.report.exists()
    assert _q(wh, "SELECT measures FROM review.current_decisions") == [("停发并追回",)]


def test_decisions_are_history_and_the_latest_is_current(exported):
    wh, out, landing = exported
    a = ids()
    _return(
        out, landing, T0, {a[0]: {"核查结论": "属实", "核查人": "刘", "核查日期": "2026-11-02"}}
    )
    load_feedback(landing, wh, LOAD_DAY)
    _return(
        out,
        landing,
        T0,
        {
            a[0]: {
                "核查结论": "部分属实",
                "追回金额": "450.00",
                "核查人": "陈",
                "核查日期": "2026-11-06",
            }
        },
        name="second.xlsx",
    )
    res = load_feedback(landing, wh, LOAD_DAY)
    assert [f.status for f in res.files] == ["loaded", "duplicate"]
    assert _q(wh, "SELECT conclusion FROM review.decisions ORDER BY seq") == [
        ("属实",),
        ("部分属实",),
    ]
    assert _q(wh, "SELECT conclusion, recovered_amount FROM review.current_decisions") == [
        ("部分属实", Decimal("450.00"))
    ]


def test_verified_findings_are_not_sent_again_unless_evidence_changes(exported, tmp_path):
    wh, out, landing = exported
    a = ids()
    _return(
        out, landing, T0, {a[0]: {"核查结论": "属实", "核查人": "刘", "核查日期": "2026-11-02"}}
    )
    load_feedback(landing, wh, LOAD_DAY)
    res = export_findings(wh, fx.AS_OF, tmp_path / "again")
    assert (res.findings, res.already_verified) == (6, 1)
    # new evidence for the verified finding: it goes out again
    con = open_warehouse(wh)
    con.execute(
        'UPDATE marts.anomalies SET evidence = \'{"death_date": "2026-08-13"}\' '
        "WHERE anomaly_id = ?",
        [a[0]],
    )
    con.close()
    from crosscheck.publish import publish

    publish(wh)
    res = export_findings(wh, fx.AS_OF, tmp_path / "third")
    assert (res.findings, res.already_verified) == (7, 0)


def test_cli_load_feedback(exported, capsys):
    wh, out, landing = exported
    a = ids()
    _return(
        out, landing, T0, {a[0]: {"核查结论": "属实", "核查人": "刘", "核查日期": "2026-11-02"}}
    )
    rc = main(
        [
            "load-feedback",
            "--landing",
            str(landing),
            "--warehouse",
            str(wh),
            "--as-of",
            "2026-11-10",
        ]
    )
    assert rc == 0
    assert "1 decisions loaded" in capsys.readouterr().out
