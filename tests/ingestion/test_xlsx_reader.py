"""The XLSX reader (columns straight into Arrow, dates converted in SQL) gives the
same text rows as the per-cell pandas reader it replaced (issue 11), on a generated
sscards delivery and on a workbook with every awkward cell: numbers typed into
text columns (accounts, IDs), date cells, serial numbers and text in the date
column, wholly empty rows, short rows, booleans.

fastexcel reads a sheet whose columns each hold one kind of cell (text; dates in
the date column); any other sheet goes the exact way (python-calamine's cells).
Planted cells prove that each case the fast reader cannot render exactly falls
back, and that both ways give the same rows, or the same refusal."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from counties import generated

from crosscheck.ingest import readers
from crosscheck.ingest.readers import read_text_xlsx, read_xlsx_fast
from crosscheck.ingest.sources import get_source
from crosscheck.ingest.verify import DeliveryRefused, MarkerEntry, VerifiedFile

SRC = get_source("sscards")


# --- the reader before issue 11, kept here as the reference --------------------


def _old_excel_dates(s: pd.Series) -> pd.Series:
    out = pd.Series(pd.NA, index=s.index, dtype="string")
    is_dt = s.map(lambda v: isinstance(v, dt.date))
    if is_dt.any():
        out[is_dt] = pd.to_datetime(s[is_dt]).dt.strftime("%Y-%m-%d")
    num = pd.to_numeric(s.where(~is_dt), errors="coerce")
    is_num = num.notna() & s.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    if is_num.any():
        base = pd.Timestamp("1899-12-30")
        out[is_num] = (base + pd.to_timedelta(num[is_num].astype("int64"), unit="D")).dt.strftime(
            "%Y-%m-%d"
        )
    rest = ~is_dt & ~is_num
    out[rest] = s[rest].astype("string")
    return out


def _old_text_cells(s: pd.Series) -> pd.Series:
    is_float = s.map(lambda v: isinstance(v, float) and v.is_integer())
    out = s.astype("string")
    if is_float.any():
        out[is_float] = s[is_float].map(lambda v: str(int(v))).astype("string")
    return out


def old_rows(path: Path) -> list[tuple]:
    from python_calamine import CalamineWorkbook

    rows = (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name(SRC.sheet)
        .to_python(skip_empty_area=False)
    )
    width = len(SRC.columns)
    frame = pd.DataFrame(rows[1:], dtype=object)
    for k in range(frame.shape[1], width):
        frame[k] = None
    frame = frame.iloc[:, :width]
    names = [c.name for c in SRC.columns]
    frame.columns = names
    frame = frame.replace("", None)
    frame["_row_no"] = range(1, len(frame) + 1)
    frame = frame[frame[names].notna().any(axis=1)]
    out = []
    cols = {}
    for c in SRC.columns:
        convert = _old_excel_dates if c.type == "excel_date" else _old_text_cells
        cols[c.name] = convert(frame[c.name])
    for i, row_no in enumerate(frame["_row_no"]):
        cells = (cols[n].iloc[i] for n in names)
        out.append((int(row_no), *(None if pd.isna(v) else str(v) for v in cells)))
    return out


# --- helpers ---------------------------------------------------------------------


def new_rows(path: Path) -> list[tuple]:
    con = duckdb.connect()
    vf = VerifiedFile(path=path, read_path=path, entry=MarkerEntry(path.name, 0, 0, ""), sha256="")
    table, rejects, row_no = read_text_xlsx(con, SRC, vf, "sscards:20261101:x")
    assert rejects == 0 and row_no is None
    names = ", ".join(f'"{c.name}"' for c in SRC.columns)
    rows = con.execute(f"SELECT _row_no, {names} FROM {table} ORDER BY _row_no").fetchall()
    con.close()
    return rows


def outcome(path: Path, *, exact: bool = False) -> list[tuple] | str:
    """The text rows (or the refusal) of the reader; `exact` forces python-calamine."""
    saved = readers.read_xlsx_fast
    if exact:
        readers.read_xlsx_fast = lambda source, p: None
    try:
        return new_rows(path)
    except DeliveryRefused as e:
        return f"refused: {e}"
    finally:
        readers.read_xlsx_fast = saved


def takes_fast_path(path: Path) -> bool:
    return read_xlsx_fast(SRC, path) is not None


HEADER = [c.header for c in SRC.columns]


def good_row(i: int) -> list:
    return [f"11010119600101{i:04d}", "名", f"A{i}", f"62179912340000{i:05d}", "银行",
            "已激活", "正常", dt.datetime(2020, 1, 1) + dt.timedelta(days=i)]  # fmt: skip


def workbook(path: Path, rows: list[list], *, sheet: str = SRC.sheet, epoch=None, at=None) -> Path:
    """A workbook of rows; `at` = {(row, column): (value, number_format)} for styled cells."""
    from openpyxl import Workbook

    wb = Workbook()
    if epoch is not None:
        wb.epoch = epoch
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    for (r, c), (value, fmt) in (at or {}).items():
        cell = ws.cell(row=r, column=c, value=value)
        cell.number_format = fmt
    wb.save(path)
    return path


def awkward_workbook(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = SRC.sheet
    ws.append([c.header for c in SRC.columns])
    # id, name, card, account, bank, financial, status, issued
    ws.append(["110101196001011234", "张三", "A1", "6217991234000000056", "银行", "已激活", "正常",
               dt.datetime(2022, 3, 22)])  # fmt: skip
    ws.append([110101196001011234, "李四", 42, 6217991234000000, "银行", "未激活", "挂失", 44642])
    ws.append([None] * 8)  # wholly empty: skipped, its number kept by the next rows
    ws.append(["x", None, "A3", 12.5, None, None, None, "2022-03-22"])
    ws.append(["y", "  ", "A4", "00123", True, None, None, 44642.75])
    ws.append(["z", None, "A5", "1", None, None, None, "not a date"])
    ws.append(["w", None, "A6"])  # a short row
    ws.append([None] * 8)
    wb.save(path)


def test_awkward_cells_read_as_before(tmp_path):
    path = tmp_path / "awkward.xlsx"
    awkward_workbook(path)
    new = new_rows(path)
    assert new == old_rows(path)
    by_row = {r[0]: r for r in new}
    assert 3 not in by_row and 8 not in by_row  # wholly empty rows skipped, numbers kept
    assert by_row[1][8] == "2022-03-22" and by_row[2][8] == "2022-03-22"  # date cell, serial
    # a number cell holds a float: an 18-digit ID loses its last digits, as before
    assert by_row[2][1].startswith("1101011960010112") and by_row[2][4] == "6217991234000000"
    assert by_row[5][4] == "00123" and by_row[5][8] == "2022-03-22"  # text account, fraction


def test_all_text_and_date_columns_take_the_fast_path(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = SRC.sheet
    ws.append([c.header for c in SRC.columns])
    for i in range(50):
        issued = dt.datetime(2020, 1, 1) + dt.timedelta(days=i) if i % 7 else None
        ws.append([f"11010119600101{i:04d}", "名", f"A{i}", f"62179912340000{i:05d}", "银行",
                   "已激活", "正常", issued])  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    path = tmp_path / "plain.xlsx"
    path.write_bytes(out.getvalue())
    assert takes_fast_path(path)
    assert new_rows(path) == old_rows(path) == outcome(path, exact=True)


def test_fast_path_keeps_empty_rows_short_rows_and_text_as_it_is(tmp_path):
    rows = [HEADER, good_row(1), [None] * 8, good_row(2)[:3], good_row(3)]
    rows[4][1] = "NULL"  # text that fastexcel counts as empty when it guesses a type: kept
    rows[4][4] = " x "  # spaces are text, as before (trimmed when typed)
    rows[4][5] = "NA"
    rows += [["x", "nan", "A9", "N/A", "None", "#N/A ", "null", None], [None] * 8]
    path = workbook(tmp_path / "gaps.xlsx", rows)
    assert takes_fast_path(path)
    new = new_rows(path)
    assert new == old_rows(path) == outcome(path, exact=True)
    assert [r[0] for r in new] == [1, 3, 4, 5]  # wholly empty rows skipped, numbers kept
    assert new[1][4:] == (None, None, None, None, None)  # the short row's cut-off cells
    assert new[2][2] == "NULL" and new[2][5] == " x " and new[3][2] == "nan"


def test_fast_path_reads_reordered_and_padded_headers(tmp_path):
    order = [7, 0, 2, 1, 3, 4, 6, 5]
    rows = [[(" " + HEADER[k] + " ") for k in order]]
    rows += [[good_row(i)[k] for k in order] for i in range(5)]
    path = workbook(tmp_path / "order.xlsx", rows)
    assert takes_fast_path(path)
    assert new_rows(path) == outcome(path, exact=True)


def test_fast_path_reads_a_1904_workbook(tmp_path):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    path = workbook(
        tmp_path / "mac.xlsx", [HEADER, good_row(1), good_row(2)], epoch=CALENDAR_MAC_1904
    )
    assert takes_fast_path(path)
    assert new_rows(path) == outcome(path, exact=True)
    assert new_rows(path)[0][8] == "2020-01-02"


# Cells the fast reader cannot render as python-calamine's cells are: each sends the
# whole sheet the exact way, with the same rows as before.
PLANTED = {
    "account typed as a number": (3, 6217991234000000),
    "a fraction in a text column": (3, 12.5),
    "a boolean": (4, True),
    "a date cell in a text column": (1, dt.datetime(2022, 3, 22)),
    "a serial number in the date column": (7, 44642.75),
    "text among dates": (7, "2022-03-22"),
    "'NA' among dates": (7, "NA"),
    "an error cell among text": (1, "#N/A"),
    "an error cell among dates": (7, "#DIV/0!"),
    "an unnamed error": (1, "#NAME?"),
    "a date before 1904": (7, dt.datetime(1900, 1, 5)),
}


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_planted_cells_take_the_exact_path(tmp_path, case):
    col, value = PLANTED[case]
    rows = [HEADER, good_row(1), good_row(2), good_row(3)]
    rows[2][col] = value
    path = workbook(tmp_path / "planted.xlsx", rows)
    assert not takes_fast_path(path)
    assert new_rows(path) == old_rows(path) == outcome(path, exact=True)


@pytest.mark.parametrize(
    ("case", "value", "fmt", "expected"),
    [
        ("a time of day in the date column", 0.5, "hh:mm", "12:00:00"),
        ("a date past 9999", 3_000_000, "yyyy-mm-dd", "3000000.0"),
        ("a negative date", -3, "yyyy-mm-dd", None),
    ],
)
def test_date_cells_python_renders_otherwise_take_the_exact_path(
    tmp_path, case, value, fmt, expected
):
    path = workbook(
        tmp_path / "dates.xlsx", [HEADER, good_row(1), good_row(2)], at={(3, 8): (value, fmt)}
    )
    assert not takes_fast_path(path)
    new = new_rows(path)
    assert new == outcome(path, exact=True)
    if expected is not None:
        assert new[1][8] == expected


def _with_header(header: list) -> list[list]:
    return [header, good_row(1), good_row(2)]


SHAPES = {
    "duplicate column": lambda p: workbook(p, _with_header([*HEADER[:7], HEADER[0]])),
    "missing column": lambda p: workbook(p, _with_header(HEADER[:7])),
    "extra column": lambda p: workbook(p, [[*HEADER, "备注"], [*good_row(1), "x"]]),
    "empty header cell": lambda p: workbook(p, [[*HEADER[:3], None, *HEADER[4:]], good_row(1)]),
    "data past the header": lambda p: workbook(p, [HEADER, [*good_row(1), "x"]]),
    "number header": lambda p: workbook(p, _with_header([*HEADER[:7], 42])),
    "header in row 2": lambda p: workbook(p, [[None] * 8, HEADER, good_row(1)]),
    "sheet from column B": lambda p: workbook(p, [[None, *r] for r in _with_header(HEADER)]),
    "wrong sheet": lambda p: workbook(p, _with_header(HEADER), sheet="Sheet1"),
    "header only": lambda p: workbook(p, [HEADER]),
    "empty sheet": lambda p: workbook(p, []),
    "not a workbook": lambda p: p.write_bytes(b"PK\x03\x04 not a zip") and p,
}


@pytest.mark.parametrize("case", sorted(SHAPES))
def test_odd_shapes_are_read_or_refused_as_before(tmp_path, case):
    path = tmp_path / "shape.xlsx"
    SHAPES[case](path)
    assert not takes_fast_path(path)
    assert outcome(path) == outcome(path, exact=True)


@pytest.mark.slow
def test_generated_sscards_read_as_before():
    root = generated(persons=2000, seed=3, start=dt.date(2026, 10, 25), end=dt.date(2026, 11, 1))
    files = sorted((root / "landing" / "sscards").glob("*/sscards_*.xlsx"))
    assert files
    assert takes_fast_path(files[-1])
    new = new_rows(files[-1])
    assert len(new) > 1000
    assert new == old_rows(files[-1]) == outcome(files[-1], exact=True)
