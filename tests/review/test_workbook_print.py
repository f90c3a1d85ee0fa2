"""A township workbook printed by LibreOffice headless (issue 13): one A4 page wide,
landscape, a few pages per township instead of dozens.

Needs `soffice` (make setup-office, part of make test).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import review_fixtures as fx
from openpyxl import load_workbook

from crosscheck.review import layout
from crosscheck.review.export import export_findings

OBJECT = re.compile(rb"\d+\s+\d+\s+obj(.*?)endobj", re.S)
PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")
MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]")


def to_pdf(book: Path, out: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is missing: run `make setup-office`"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{out / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = out / (book.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice wrote no {pdf.name}"
    return pdf


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page object (LibreOffice writes no object
    streams, so each page is a plain `N 0 obj << /Type /Page … >> endobj`)."""
    sizes = []
    for body in OBJECT.findall(pdf.read_bytes()):
        if PAGE.search(body):
            m = MEDIABOX.search(body)
            assert m, "a page without its own MediaBox"
            x0, y0, x1, y1 = (float(v) for v in m.groups())
            sizes.append((x1 - x0, y1 - y0))
    assert sizes, f"no pages in {pdf}"
    return sizes


@pytest.mark.slow
def test_the_largest_township_workbook_prints_one_page_wide(tmp_path):
    _, wh, as_of = fx.copy_county(tmp_path / "wh")
    res = export_findings(wh, as_of, tmp_path / "out")

    def rows(path):
        wb = load_workbook(path, read_only=True)
        try:
            sheets = [ws for ws in wb.worksheets if ws.title != layout.COVER_SHEET]
            return len(wb.sheetnames), sum(max(ws.max_row - 1, 0) for ws in sheets)
        finally:
            wb.close()

    book = max(res.files, key=lambda p: rows(p)[1])
    assert "_" in book.stem and not book.stem.split("_")[1].isdigit()  # named, not a code
    sheets, findings = rows(book)
    sizes = page_sizes(to_pdf(book, tmp_path / "pdf"))
    landscape = [s for s in sizes if s[0] > s[1]]
    portrait = [s for s in sizes if s[0] <= s[1]]
    # A4 (595 × 842 pt); the cover portrait, every table page landscape
    assert all(round(min(s)) == 595 and round(max(s)) == 842 for s in sizes)
    assert len(portrait) == 1, sizes
    # one page wide: each table sheet starts a page, and its rows fill pages downward.
    # (Printed one column-block per page, as before issue 13, this workbook would
    # need several pages per sheet: 10 findings printed to 65 pages.)
    assert sheets - 1 <= len(landscape) <= (sheets - 1) + findings // 4, (len(sizes), findings)
    print(f"{book.name}: {findings} rows on {sheets} sheets print to {len(sizes)} A4 pages")
