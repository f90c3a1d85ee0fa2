"""Township workbooks: one per township, cover sheet, rule sheets, masked identifiers."""

from __future__ import annotations

import stat

import duckdb
import pytest
import review_fixtures as fx
from openpyxl import load_workbook

from crosscheck.cli import main
from crosscheck.errors import CrosscheckError
from crosscheck.review import layout
from crosscheck.review.export import export_findings, workbook_name


@pytest.fixture
def warehouse(tmp_path):
    return fx.build(tmp_path / "wh" / "warehouse.duckdb")


def _all_text(path) -> str:
    wb = load_workbook(path, read_only=True)
    parts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            parts.extend(str(v) for v in row if v is not None)
    wb.close()
    return "\n".join(parts)


def test_one_masked_workbook_per_township(warehouse, tmp_path):
    out = tmp_path / "out"
    res = export_findings(warehouse, fx.AS_OF, out)
    assert sorted(p.name for p in res.files) == [workbook_name(t, fx.AS_OF) for t in fx.TOWNSHIPS]
    assert res.findings == 7 and res.urgent == 2
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for p in res.files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
        text = _all_text(p)
        for pid, _, account in fx.PEOPLE:
            assert pid not in text and account not in text
        assert fx.OTHER_OWNER not in text
    wb = load_workbook(out / workbook_name(fx.TOWNSHIPS[0], fx.AS_OF))
    # 加急 first (both pending findings, R01 and R02), then the cover, then the rule
    # sheets with what is not urgent (R02 had only its pending finding)
    assert wb.sheetnames[:2] == [layout.URGENT_SHEET, layout.COVER_SHEET]
    assert [s[:3] for s in wb.sheetnames[2:]] == ["R01"]
    urgent = wb[layout.URGENT_SHEET]
    header = [c.value for c in urgent[1]]
    assert header == layout.HEADERS
    rows = [[c.value for c in r] for r in urgent.iter_rows(min_row=2)]
    col = {h: i for i, h in enumerate(header)}
    ids = [r[col[layout.ID_HEADER]] for r in rows]
    a = [x["anomaly_id"] for x in fx.anomalies()]
    assert ids == [a[2], a[0]]  # score order: 80.3, then 71.5
    assert [r[col[layout.SEQ]] for r in rows] == [1, 2]
    assert all(r[col["加急"]] == "加急" for r in rows)
    assert [r[col["规则"]][:3] for r in rows] == ["R02", "R01"]
    r01_pending = rows[1]
    assert r01_pending[col["身份证号"]] == "500101********1234"
    assert r01_pending[col["收款账号"]] == "621700*********4567"
    evidence = r01_pending[col["疑点说明"]]
    assert "死亡日期：2026-08-14" in evidence and "死亡证编号：D2026000123" in evidence
    # the rule sheet goes on numbering where 加急 stopped; each finding on one sheet only
    r01 = wb[wb.sheetnames[2]]
    r01_rows = [[c.value for c in r] for r in r01.iter_rows(min_row=2)]
    assert [(r[col[layout.SEQ]], r[col[layout.ID_HEADER]]) for r in r01_rows] == [(3, a[1])]
    assert r01_rows[0][col["加急"]] in ("", None)
    # the conclusion column offers the drop-down list, with its prompt
    letter = r01.cell(row=1, column=col[layout.CONCLUSION] + 1).column_letter
    lists = [
        dv for dv in r01.data_validations.dataValidation if dv.formula1 == '"属实,不属实,部分属实"'
    ]
    assert len(lists) == 1 and lists[0].type == "list" and lists[0].showInputMessage
    assert f"{letter}2" in str(lists[0].sqref)
    cover = _all_text(out / workbook_name(fx.TOWNSHIPS[0], fx.AS_OF))
    assert "疑点总数" in cover and "1950" in cover.replace(",", "")
    con = duckdb.connect(str(warehouse), read_only=True)
    n, urgent, full = con.execute(
        "SELECT count(*), count(*) FILTER (urgent), bool_or(full_identifiers) FROM review.exports"
    ).fetchone()
    con.close()
    assert (n, urgent, full) == (7, 2, False)


def test_other_person_card_evidence_is_masked(warehouse, tmp_path):
    res = export_findings(warehouse, fx.AS_OF, tmp_path / "out")
    text = _all_text(next(p for p in res.files if fx.TOWNSHIPS[1] in p.name))
    assert "持卡人身份证号：500101********6789" in text
    assert "持卡人姓名：周八" in text
    # the social-security card number is masked too (issue 13), in every cell
    assert fx.CARD_NO not in text and "社保卡号：*******97" in text


def test_full_identifiers_are_shown_and_logged(warehouse, tmp_path, caplog):
    caplog.set_level("INFO")
    res = export_findings(warehouse, fx.AS_OF, tmp_path / "out", full_identifiers=True)
    text = _all_text(res.files[0])
    assert fx.PEOPLE[0][0] in text and fx.PEOPLE[0][2] in text
    assert fx.CARD_NO in _all_text(next(p for p in res.files if fx.TOWNSHIPS[1] in p.name))
    logged = [r.getMessage() for r in caplog.records if "FULL identifiers" in r.getMessage()]
    assert len(logged) == 1 and res.export_id in logged[0]
    assert fx.PEOPLE[0][0] not in caplog.text


def test_export_refuses_a_serving_copy_of_another_date(warehouse, tmp_path, capsys):
    with pytest.raises(CrosscheckError, match="as of 2026-10-31"):
        export_findings(warehouse, fx.AS_OF.replace(day=30), tmp_path / "out")
    rc = main(
        [
            "export",
            "--warehouse",
            str(warehouse),
            "--as-of",
            "2026-10-30",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert rc == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_export_needs_a_serving_copy(tmp_path):
    from crosscheck.warehouse import open_warehouse

    wh = tmp_path / "w.duckdb"
    open_warehouse(wh).close()
    with pytest.raises(CrosscheckError, match="no serving copy"):
        export_findings(wh, fx.AS_OF, tmp_path / "out")


def test_nothing_to_verify_writes_nothing(warehouse, tmp_path):
    from crosscheck.publish import publish
    from crosscheck.warehouse import open_warehouse

    con = open_warehouse(warehouse)
    con.execute("DELETE FROM marts.anomalies")
    con.close()
    publish(warehouse)
    res = export_findings(warehouse, fx.AS_OF, tmp_path / "out")
    assert (res.findings, res.files) == (0, [])
    assert list((tmp_path / "out").iterdir()) == []
