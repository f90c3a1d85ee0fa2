"""The XLSX reader (columns straight into Arrow, dates converted in SQL) gives the
same text rows as the per-cell pandas reader it replaced (issue 11), on a generated
sscards delivery and on a workbook with every awkward cell: numbers typed into
text columns (accounts, IDs), date cells, serial numbers and text in the date
column, wholly empty rows, short rows, booleans."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from counties import generated

from crosscheck.ingest.readers import read_text_xlsx
from crosscheck.ingest.sources import get_source
from crosscheck.ingest.verify import MarkerEntry, VerifiedFile

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
    assert new_rows(path) == old_rows(path)


@pytest.mark.slow
def test_generated_sscards_read_as_before():
    root = generated(persons=2000, seed=3, start=dt.date(2026, 10, 25), end=dt.date(2026, 11, 1))
    files = sorted((root / "landing" / "sscards").glob("*/sscards_*.xlsx"))
    assert files
    new = new_rows(files[-1])
    assert len(new) > 1000
    assert new == old_rows(files[-1])
