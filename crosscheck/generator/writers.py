"""Delivery files in the byte formats of docs/DELIVERY_FORMATS.md, and their _SUCCESS markers.

CSV bodies are written by DuckDB (quoting only where needed, NULL as an
empty field) and re-encoded in bulk where the source declares GB18030, CRLF
or a BOM. The XLSX writer emits the few XML parts itself, with fixed zip
timestamps and properties, so the same data gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np

from crosscheck.generator.xlsx_parts import package_parts
from crosscheck.ingest.sources import Source

EXCEL_EPOCH = dt.date(1899, 12, 30)


def write_csv(con, query: str, path: Path, source: Source, append: bool = False) -> int:
    """Write `query`'s rows under the source's header; returns the data row count.

    `append`: add the rows to the end of `path` (a province's next part), no header.
    """
    headers = source.headers
    cols = ", ".join(f'c{i} AS "{h}"' for i, h in enumerate(headers))
    tmp = path.with_suffix(".tmp")
    header = ", HEADER false" if append else ", HEADER"
    options = f"FORMAT csv{header}, DELIMITER ',', QUOTE '\"'"
    rows = con.execute(f"COPY (SELECT {cols} FROM ({query}) q) TO '{tmp}' ({options})").fetchall()[
        0
    ][0]
    data = tmp.read_bytes()
    tmp.unlink()
    encoding = (source.encoding or "UTF-8").upper()
    if source.newline == "CRLF":
        data = data.replace(b"\n", b"\r\n")
    if encoding == "GB18030":
        data = data.decode("utf-8").encode("gb18030")
    elif encoding == "UTF-8-BOM" and not append:
        data = b"\xef\xbb\xbf" + data
    with path.open("ab" if append else "wb") as f:
        f.write(data)
    return int(rows)


def _col_letter(i: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]


def _cells_sql(source: Source) -> str:
    """SQL: the cells of one sheet row (columns c0, c1, ...), without references.

    Cell references are optional in SpreadsheetML (cells follow one another);
    leaving them out makes a row's XML independent of its row number, so it
    is built once and reused by every snapshot.
    """
    cells = []
    for i, col in enumerate(source.columns):
        if col.type == "excel_date":
            cells.append(
                f"""CASE WHEN c{i} IS NULL THEN '<c/>' ELSE '<c s="1"><v>'"""
                f""" || CAST(c{i} AS VARCHAR) || '</v></c>' END"""
            )
        else:
            esc = f"replace(replace(replace(c{i}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
            cells.append(
                f"""CASE WHEN c{i} IS NULL THEN '<c/>' ELSE '<c t="inlineStr">"""
                f"""<is><t xml:space="preserve">' || {esc} || '</t></is></c>' END"""
            )
    return " || ".join(cells) + " || '</row>'"


class SheetRows:
    """The rows of a snapshot register as XML, built once, cut per extract day.

    `query` yields, in row order, `visible` (first day offset the row is in
    a snapshot), `changed` (day offset its state changes, or a large number),
    and the declared columns c0, c1, ... before the change; `after` yields the
    same for the changed rows after the change, in the same order.
    """

    def __init__(self, con, query: str, after: str, source: Source):
        self.source = source
        cells = _cells_sql(source)
        t = con.sql(f"SELECT visible, changed, {cells} AS x FROM ({query}) q").to_arrow_table()
        self.visible = t.column("visible").to_numpy()
        self.changed = t.column("changed").to_numpy()
        self.xml = np.array(t.column("x").to_pylist(), dtype=object)
        changed_idx = np.flatnonzero(self.changed < 10**7)
        after_xml = con.sql(f"SELECT {cells} AS x FROM ({after}) q").fetchall()
        self.after = dict(zip(changed_idx.tolist(), (r[0] for r in after_xml), strict=True))

    def write(self, path: Path, x: int, when: dt.date) -> int:
        idx = np.flatnonzero(self.visible <= x)
        xml = self.xml[idx]
        for pos in np.flatnonzero(self.changed[idx] <= x):
            xml[pos] = self.after[int(idx[pos])]
        n = len(xml)

        def chunks(size=100_000):
            for lo in range(0, n, size):
                part = xml[lo : lo + size].tolist()
                starts = [f'<row r="{r}">' for r in range(lo + 2, lo + 2 + len(part))]
                yield "".join([s for pair in zip(starts, part, strict=True) for s in pair]).encode()

        write_xlsx_parts(path, self.source, n, chunks(), when)
        return n


def write_xlsx_parts(path: Path, source: Source, n: int, body, when: dt.date) -> None:
    """The workbook: one sheet named as declared, a header row, then the `body` chunks."""
    header_cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in source.headers)
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{_col_letter(len(source.columns) - 1)}{n + 1}"/><sheetData>'
        f'<row r="1">{header_cells}</row>'
    ).encode()
    if source.sheet is None:
        raise ValueError(f"{source.name}: an XLSX source declares its sheet (sources.yml)")
    stamp = (when.year, when.month, when.day, 0, 0, 0)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, text in package_parts(source.sheet, when).items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"), compresslevel=1)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        # Python 3.11's name of the per-entry level (3.13: compress_level), not in the stubs
        info._compresslevel = 1  # type: ignore[attr-defined]
        # zip64 only where the sheet may pass 2 GiB (a fact of the data, so still reproducible)
        with z.open(info, "w", force_zip64=n > 2_000_000) as sheet:
            sheet.write(head)
            for chunk in body:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    tmp.replace(path)


def write_success(
    folder: Path, source: str, extract_date: dt.date, data_file: Path, rows: int
) -> None:
    """The _SUCCESS marker, written last."""
    digest = hashlib.sha256()
    with data_file.open("rb") as f:
        while chunk := f.read(1 << 24):
            digest.update(chunk)
    marker = {
        "source": source,
        "extract_date": extract_date.isoformat(),
        "files": [
            {
                "name": data_file.name,
                "bytes": data_file.stat().st_size,
                "rows": rows,
                "sha256": digest.hexdigest(),
            }
        ],
    }
    (folder / "_SUCCESS").write_text(json.dumps(marker, ensure_ascii=False), encoding="utf-8")
