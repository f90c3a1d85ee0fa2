"""Worksheets to government-form standard, shared by the township workbooks and
the county's 暂停支付清单.

- every cell locked and the sheet protected (no password: it guards against
  slips, not people; load-feedback checks every cell it reads anyway), except
  the input cells, which are unlocked and yellow;
- every coded input a validation with an input prompt (drop-down lists for
  code lists);
- A4 landscape, one page wide, the header row repeated on every page, a page
  header naming the form and a footer with 第 N 页，共 M 页.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins

DATA_SIZE = 9  # points: the tables' text
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
BOLD = Font(bold=True)
DATA_FONT = Font(size=DATA_SIZE)
HEADER_FONT = Font(bold=True, size=DATA_SIZE)
URGENT_FONT = Font(color="C00000", bold=True, size=DATA_SIZE)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
_SIDE = Side(style="thin", color="808080")
BORDER = Border(left=_SIDE, right=_SIDE, top=_SIDE, bottom=_SIDE)
UNLOCKED = Protection(locked=False)

PAGE_FOOTER = "第 &P 页，共 &N 页"


def protect(ws) -> None:
    """Lock the sheet: people may resize rows/columns and filter, nothing else."""
    p = ws.protection
    p.sheet = True
    p.formatColumns = False
    p.formatRows = False
    p.autoFilter = False
    p.selectLockedCells = False
    p.selectUnlockedCells = False


def unlock(cell, *, fill: bool = True) -> None:
    """An input cell: unlocked (and yellow) in a protected sheet."""
    cell.protection = UNLOCKED
    if fill:
        cell.fill = INPUT_FILL
    cell.border = BORDER


def print_setup(ws, *, title: str, title_rows: str | None = "1:1", left_footer: str = "") -> None:
    """A4 landscape, fit to one page wide, header rows repeated, page numbers."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(
        left=0.3, right=0.3, top=0.6, bottom=0.6, header=0.25, footer=0.25
    )
    if title_rows:
        ws.print_title_rows = title_rows
    for hf in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
        hf.center.text = title
        hf.center.size = 11
    for hf in (ws.oddFooter, ws.evenFooter, ws.firstFooter):
        hf.center.text = PAGE_FOOTER
        hf.center.size = 9
        if left_footer:
            hf.left.text = left_footer
            hf.left.size = 9


def validation(kind: str, *, title: str, prompt: str, error: str, **kwargs) -> DataValidation:
    """A validation that prompts when the cell is selected and refuses bad input."""
    return DataValidation(
        type=kind,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        promptTitle=title[:32],
        prompt=prompt[:255],
        errorTitle=title[:32],
        error=error[:255],
        **kwargs,
    )


def choice(values, *, title: str, prompt: str) -> DataValidation:
    """A drop-down list of codes with its prompt."""
    listed = ",".join(values)
    return validation(
        "list",
        title=title,
        prompt=prompt,
        error=f"请从下拉列表选择：{'、'.join(values)}",
        formula1=f'"{listed}"',
    )


def header_row(ws, columns: list[tuple[str, int]], *, input_from: int | None = None) -> None:
    """Row 1: bold headers, blue (item) or yellow (input columns from `input_from`)."""
    ws.append([h for h, _ in columns])
    for i, (_, width) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = HEADER_FONT
        cell.alignment = HEADER_ALIGN
        cell.border = BORDER
        cell.fill = INPUT_FILL if input_from and i >= input_from else HEADER_FILL
        ws.column_dimensions[cell.column_letter].width = width
    ws.row_dimensions[1].height = 26


def _display_width(text: str) -> float:
    """Width of a text in Excel character units at 11 points (CJK counts 2)."""
    return sum(1.55 if ord(ch) >= 0x2E80 else 0.9 for ch in text)


def fit_rows(ws, first: int, last: int, *, size: float = DATA_SIZE) -> None:
    """Set each row's height to its tallest wrapped cell.

    Spreadsheets do not grow rows for wrapped text on their own when they open
    a file written by openpyxl (LibreOffice prints them one line high), so
    the height is estimated here from the text and the column width.
    """
    widths = {letter: (dim.width or 8.43) for letter, dim in ws.column_dimensions.items()}
    scale = size / 11
    for r in range(first, last + 1):
        lines = 1
        for cell in ws[r]:
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            room = max(widths.get(cell.column_letter, 8.43) - 1, 1)
            n = sum(
                max(1, -(-int(_display_width(part) * scale) // int(room)))
                for part in cell.value.split("\n")
            )
            lines = max(lines, n)
        ws.row_dimensions[r].height = round(lines * size * 1.35 + 3, 1)
