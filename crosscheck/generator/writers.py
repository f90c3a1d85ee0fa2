"""Delivery files in the byte formats of EXTRACTS.md, and their _SUCCESS markers.

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
import pandas as pd

from ingestion.sources import Source

EXCEL_EPOCH = dt.date(1899, 12, 30)


def write_csv(con, query: str, path: Path, source: Source) -> int:
    """Write `query`'s rows under the source's header; returns the data row count."""
    headers = source.headers
    cols = ", ".join(f'c{i} AS "{h}"' for i, h in enumerate(headers))
    tmp = path.with_suffix(".tmp")
    rows = con.execute(
        f"COPY (SELECT {cols} FROM ({query}) q) TO '{tmp}' (FORMAT csv, HEADER, DELIMITER ',', QUOTE '\"')"
    ).fetchall()[0][0]
    data = tmp.read_bytes()
    tmp.unlink()
    encoding = (source.encoding or "UTF-8").upper()
    if source.newline == "CRLF":
        data = data.replace(b"\n", b"\r\n")
    if encoding == "GB18030":
        data = data.decode("utf-8").encode("gb18030")
    elif encoding == "UTF-8-BOM":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return int(rows)


def _xml_escape(values: pd.Series) -> pd.Series:
    return values.str.replace("&", "&amp;").str.replace("<", "&lt;").str.replace(">", "&gt;")


def _col_letter(i: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]


def write_xlsx(frame: pd.DataFrame, path: Path, source: Source, when: dt.date) -> int:
    """One sheet, header row, text cells inline; `excel_date` columns are date cells.

    `frame` holds one column per declared column in order: text as str (None
    for empty), excel_date as datetime.date-like day numbers (Excel serials).
    """
    n = len(frame)
    header_cells = "".join(
        f'<c r="{_col_letter(i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for i, h in enumerate(source.headers)
    )
    parts = []
    rownum = pd.Series(np.arange(2, n + 2)).astype(str)
    body = '<row r="' + rownum + '">'
    for i, col in enumerate(source.columns):
        ref = _col_letter(i) + rownum
        values = frame.iloc[:, i]
        if col.type == "excel_date":
            cell = '<c r="' + ref + '" s="1"><v>' + values.astype(str) + "</v></c>"
        else:
            txt = _xml_escape(values.fillna("").astype(str))
            cell = (
                '<c r="'
                + ref
                + '" t="inlineStr"><is><t xml:space="preserve">'
                + txt
                + "</t></is></c>"
            ).where(values.notna(), "")
        body = body + cell
    body = body + "</row>"
    parts.append(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{_col_letter(len(source.columns) - 1)}{n + 1}"/><sheetData>'
        f'<row r="1">{header_cells}</row>'
    )
    parts.append("".join(body.tolist()))
    parts.append("</sheetData></worksheet>")
    sheet = "".join(parts).encode("utf-8")
    stamp = when.isoformat() + "T00:00:00Z"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            "</Relationships>"
        ),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<dc:creator>人社局社保卡管理系统</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{source.sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
            '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        ),
    }
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, text in [*files.items(), ("xl/worksheets/sheet1.xml", sheet)]:
            info = zipfile.ZipInfo(name, date_time=(when.year, when.month, when.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(
                info, text if isinstance(text, bytes) else text.encode("utf-8"), compresslevel=1
            )
    tmp.replace(path)
    return n


def excel_serial(days_since_base: np.ndarray, base: dt.date) -> np.ndarray:
    return np.asarray(days_since_base) + (base - EXCEL_EPOCH).days


def write_success(
    folder: Path, source: str, extract_date: dt.date, data_file: Path, rows: int
) -> None:
    """The _SUCCESS marker, written last."""
    data = data_file.read_bytes()
    marker = {
        "source": source,
        "extract_date": extract_date.isoformat(),
        "files": [
            {
                "name": data_file.name,
                "bytes": len(data),
                "rows": rows,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        ],
    }
    (folder / "_SUCCESS").write_text(json.dumps(marker, ensure_ascii=False), encoding="utf-8")
