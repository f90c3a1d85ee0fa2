"""Workbooks and CSVs that cannot be weaponised (issue 16).

Registry text that starts with a formula character reaches every text column
of a township workbook; none becomes a formula, each stays readable. Returned
workbooks are read as written, never evaluated; feedback in the wrong form is
recorded and reported.
"""

from __future__ import annotations

import csv
import shutil

import duckdb
import pytest
import review_fixtures as fx
from openpyxl import load_workbook

from crosscheck.cli import main
from crosscheck.publish import publish
from crosscheck.review import cells
from crosscheck.review.export import export_findings, workbook_name
from crosscheck.review.feedback import FEEDBACK_DIR, REPORT_SUFFIX, load_feedback

PAYLOADS = [
    '=HYPERLINK("http://evil.example/","点击核对")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]


def _poison(warehouse):
    """Put a payload into every text column that reaches a workbook, then republish."""
    con = duckdb.connect(str(warehouse))
    try:
        ids = [
            r[0]
            for r in con.execute("SELECT anomaly_id FROM marts.anomalies ORDER BY 1").fetchall()
        ]
        for i, aid in enumerate(ids):
            p = PAYLOADS[i % len(PAYLOADS)]
            q = PAYLOADS[(i + 1) % len(PAYLOADS)]
            con.execute(
                """UPDATE marts.anomalies SET person_name = ?, household_no = ?, period = ?,
                       evidence = replace(replace(evidence, '渝A12345', ?), 'D2026000123', ?)
                   WHERE anomaly_id = ?""",
                [p, q, p, q, p, aid],
            )
        # a township code from the registry, with a path separator in it too
        con.execute(
            "UPDATE marts.anomalies SET division_code = ? WHERE division_code = ?",
            ["=1+1/../x", fx.TOWNSHIPS[2]],
        )
    finally:
        con.close()
    publish(warehouse)


def _formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(cells.FORMULA_START)


def test_no_workbook_cell_is_a_formula_and_payloads_stay_readable(tmp_path):
    wh = fx.build(tmp_path / "wh" / "warehouse.duckdb")
    _poison(wh)
    out = tmp_path / "out"
    res = export_findings(wh, fx.AS_OF, out)
    assert len(res.files) == 3
    assert all(p.parent == out for p in res.files)  # no path escaped the folder
    formulas, risky, seen = 0, 0, []
    for path in res.files:
        wb = load_workbook(path)  # data_only=False: formulas would show as type 'f'
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    formulas += c.data_type == "f"
                    risky += _formula_like(c.value)
                    if isinstance(c.value, str) and c.value.startswith(cells.MARK):
                        seen.append(c.value)
    assert formulas == 0 and risky == 0
    text = "\n".join(seen)
    for p in PAYLOADS:
        # the auditor reads the exact value behind one apostrophe (XML keeps CR as LF)
        assert ("'" + p).replace("\r", "\n") in text


def test_rejects_csv_is_neutralised_and_formula_in_note_is_kept_as_text(tmp_path):
    wh = fx.build(tmp_path / "wh" / "warehouse.duckdb")
    out = tmp_path / "out"
    export_findings(wh, fx.AS_OF, out)
    landing = tmp_path / "landing"
    (landing / FEEDBACK_DIR).mkdir(parents=True)
    src = out / workbook_name(fx.TOWNSHIPS[0], fx.AS_OF)
    dst = landing / FEEDBACK_DIR / src.name
    shutil.copy(src, dst)
    a = [x["anomaly_id"] for x in fx.anomalies()]
    note = '=HYPERLINK("http://evil.example/","看这里")'
    ok = {"核查结论": "属实", "追回金额": 900, "核查人": "刘干事", "核查日期": fx.AS_OF}
    fx.fill_feedback(
        dst,
        {
            a[0]: {**ok, "说明": note},
            a[1]: {**ok, "核查结论": "=1+1"},  # a formula is never evaluated into a value
        },
    )
    res = load_feedback(landing, wh, fx.AS_OF)
    [f] = res.files
    assert f.status == "partial" and f.rows_loaded == 1
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute(
            "SELECT note FROM review.decisions WHERE anomaly_id = ?", [a[0]]
        ).fetchall() == [(note,)]
    finally:
        con.close()
    report = dst.with_name(dst.name + REPORT_SUFFIX)
    rows = list(csv.reader(report.open(encoding="utf-8-sig")))
    values = [r[4] for r in rows[1:]]
    assert "'=1+1" in values
    assert not any(_formula_like(v) for r in rows for v in r)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("核查清单_返回.csv", "问题编号,核查结论\na1,属实\n".encode(), "不是Excel工作簿"),
        ("核查清单_返回.xls", b"\xd0\xcf\x11\xe0 old excel", "不是Excel工作簿"),
        ("核查清单_坏.xlsx", b"PK\x03\x04 not really a zip", "无法作为Excel工作簿打开"),
    ],
    ids=["csv", "xls", "corrupt-xlsx"],
)
def test_feedback_in_the_wrong_form_is_recorded_and_reported(tmp_path, capsys, name, data, reason):
    wh = fx.build(tmp_path / "wh" / "warehouse.duckdb")
    landing = tmp_path / "landing"
    (landing / FEEDBACK_DIR).mkdir(parents=True)
    (landing / FEEDBACK_DIR / name).write_bytes(data)
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
    said = capsys.readouterr().out
    assert f"{name}: rejected" in said and REPORT_SUFFIX in said
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("SELECT file_name, status FROM review.feedback_files").fetchall() == [
            (name, "rejected")
        ]
        [(why,)] = con.execute("SELECT reason FROM review.feedback_rejects").fetchall()
    finally:
        con.close()
    assert reason in why
    # our own report is not taken for a returned file on the next load
    again = load_feedback(landing, wh, fx.AS_OF)
    assert [f.status for f in again.files] == ["duplicate"]


def test_neutral_helper():
    assert cells.neutral("=1") == "'=1"
    assert cells.neutral("张三") == "张三"
    assert cells.neutral(-5) == -5
    assert cells.row(["@x", None, "a-b"]) == ["'@x", None, "a-b"]


def test_export_with_a_quote_in_the_warehouse_path(tmp_path):
    """The serving copy's path was spliced into ATTACH; now it is a bound parameter."""
    wh = fx.build(tmp_path / 'it\'s; a "dir"' / "warehouse.duckdb")
    res = export_findings(wh, fx.AS_OF, tmp_path / "out")
    assert len(res.files) == 3
