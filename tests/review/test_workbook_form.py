"""Township workbooks to government-form standard (issue 13), read back with openpyxl:
protection, drop-downs with prompts, 序号, print set-up, sign-off block and the
return deadline by the statutory calendar."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
import review_fixtures as fx
from openpyxl import load_workbook

from crosscheck.config import DBT_PROJECT_DIR
from crosscheck.errors import CrosscheckError
from crosscheck.review import layout
from crosscheck.review.export import deadline_text, export_findings, return_deadline
from crosscheck.review.labels import CONCLUSIONS, MEASURES, SAMPLE_CONCLUSIONS


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    root = tmp_path_factory.mktemp("form")
    wh = fx.build(root / "wh" / "warehouse.duckdb")
    return export_findings(wh, fx.AS_OF, root / "out")


def _table_sheets(wb):
    return [ws for ws in wb.worksheets if ws.title != layout.COVER_SHEET]


def test_only_feedback_cells_are_unlocked(books):
    for path in books.files:
        wb = load_workbook(path)
        assert wb.security.lockStructure  # sheets cannot be renamed, moved or deleted
        for ws in wb.worksheets:
            assert ws.protection.sheet, ws.title
        for ws in _table_sheets(wb):
            header = [c.value for c in ws[1]]
            inputs = {i + 1 for i, h in enumerate(header) if h in layout.FEEDBACK_HEADERS}
            assert len(inputs) == len(layout.FEEDBACK_HEADERS)
            for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=len(header)):
                for cell in row:
                    editable = cell.row > 1 and cell.column in inputs
                    assert cell.protection.locked is not editable, (ws.title, cell.coordinate)
        cover = wb[layout.COVER_SHEET]
        unlocked = {
            c.coordinate for row in cover.iter_rows() for c in row if not c.protection.locked
        }
        labels = {cover.cell(row=int(c[1:]), column=1).value for c in unlocked}
        assert labels == set(layout.SIGN_OFF), labels  # only the sign-off block


def test_every_feedback_column_has_a_validation_with_a_prompt(books):
    for path in books.files:
        wb = load_workbook(path)
        for ws in _table_sheets(wb):
            header = [c.value for c in ws[1]]
            letter = {h: ws.cell(row=1, column=i + 1).column_letter for i, h in enumerate(header)}
            dvs = ws.data_validations.dataValidation
            for h in layout.FEEDBACK_HEADERS:
                covering = [dv for dv in dvs if f"{letter[h]}2" in str(dv.sqref)]
                assert len(covering) == 1, (ws.title, h)
                dv = covering[0]
                assert dv.showInputMessage and dv.prompt and dv.promptTitle, (ws.title, h)
                assert dv.showErrorMessage and dv.error
            lists = {
                h: dv.formula1.strip('"').split(",")
                for h in (layout.CONCLUSION, layout.MEASURES)
                for dv in dvs
                if f"{letter[h]}2" in str(dv.sqref)
            }
            conclusions = SAMPLE_CONCLUSIONS if ws.title == layout.SAMPLE_SHEET else CONCLUSIONS
            assert lists == {layout.CONCLUSION: list(conclusions), layout.MEASURES: list(MEASURES)}


def test_seq_numbers_run_through_the_workbook_and_ids_show_whole(books):
    for path in books.files:
        wb = load_workbook(path)
        seqs, ids = [], []
        for ws in _table_sheets(wb):
            header = [c.value for c in ws[1]]
            assert header[:2] == [layout.SEQ, layout.ID_HEADER]
            for row in ws.iter_rows(min_row=2, values_only=True):
                seqs.append(row[0])
                ids.append(row[1])
            # the id column is wide enough for a 32-character 问题编号 in its 8-point font:
            # LibreOffice printed 29 of them in a column 20 wide (1.45 a unit)
            assert ws.column_dimensions["B"].width * 1.45 >= 32 + 2
            assert ws.freeze_panes == "C2"
        assert seqs == list(range(1, len(seqs) + 1)) and len(set(ids)) == len(ids)


def test_print_setup_is_a4_landscape_one_page_wide_with_titles(books):
    wb = load_workbook(books.files[0])
    for ws in _table_sheets(wb):
        ps = ws.page_setup
        assert (ps.orientation, int(ps.paperSize)) == ("landscape", 9)
        assert (ps.fitToWidth, ps.fitToHeight) == (1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
        assert "核查人" in ws.oddFooter.left.text
        assert ws.title in ws.oddHeader.center.text
    cover = wb[layout.COVER_SHEET]
    assert cover.sheet_properties.pageSetUpPr.fitToPage and cover.page_setup.fitToWidth == 1


def test_cover_has_the_sign_off_block_and_the_return_deadline(books):
    wb = load_workbook(books.files[0])
    cover = {r[0]: r[1] for r in wb[layout.COVER_SHEET].iter_rows(values_only=True) if r and r[0]}
    for label in layout.SIGN_OFF:
        assert label in cover
    # 2026-10-31 is a Saturday: ten working days are 11-02 … 11-13
    assert return_deadline(fx.AS_OF) == (dt.date(2026, 11, 13), True)
    assert cover["返回期限"] == "2026年11月13日前（10个工作日内）"
    assert books.return_by == dt.date(2026, 11, 13)
    # an unknown township shows its code in brackets (seeds/divisions.csv lacks it)
    assert cover["乡镇（区划代码）"] == f"[{fx.TOWNSHIPS[0]}]"


def _statutory_days() -> dict[dt.date, bool]:
    with (DBT_PROJECT_DIR / "seeds" / "statutory_calendar.csv").open(encoding="utf-8") as fh:
        return {
            dt.date.fromisoformat(r["day"]): r["is_working_day"] == "true"
            for r in csv.DictReader(fh)
        }


def test_the_deadline_counts_statutory_working_days_and_says_when_it_cannot():
    """Checked against the calendar seed dbt uses (its own copy of the statutory days)."""
    cal = _statutory_days()
    for start in (dt.date(2026, 9, 25), dt.date(2026, 1, 30), dt.date(2025, 9, 28)):
        got, statutory = return_deadline(start)
        days = [d for d in sorted(cal) if start < d <= got and cal[d]]
        assert statutory and len(days) == 10 and cal[got], start
    # 国庆: ten working days after 2026-09-25 reach past the holiday week
    assert return_deadline(dt.date(2026, 9, 25))[0] > dt.date(2026, 10, 9)
    # beyond the calendar's years: Monday–Friday, and the text says so
    last = max(cal)
    got, statutory = return_deadline(last - dt.timedelta(days=3))
    assert not statutory and got.weekday() < 5
    assert "按周一至周五计算" in deadline_text(got, statutory)


def test_a_serving_copy_built_before_finding_recovery_is_a_one_line_error(tmp_path, capsys):
    from crosscheck.cli import main
    from crosscheck.publish import publish
    from crosscheck.warehouse import open_warehouse

    wh = fx.build(tmp_path / "wh" / "warehouse.duckdb")
    con = open_warehouse(wh)
    con.execute("DROP TABLE marts.finding_recovery")
    con.close()
    publish(wh)
    with pytest.raises(CrosscheckError, match="built before marts.finding_recovery"):
        export_findings(wh, fx.AS_OF, tmp_path / "out")
    args = ["export", "--warehouse", str(wh), "--as-of", "2026-10-31", "--out", str(tmp_path / "o")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "crosscheck run" in err and "Traceback" not in err
