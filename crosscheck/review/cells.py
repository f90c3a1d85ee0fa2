"""Text from data never becomes a live formula in a workbook or CSV we write.

Excel, WPS and LibreOffice treat a cell that starts with `=`, `+`, `-` or `@`
(or a tab or carriage return before one) as a formula, also when a CSV is
opened. A registry name like `=HYPERLINK("http://…","点击核对")` would
become a link in a township's workbook. Such text gets one visible leading
apostrophe (`'=HYPERLINK(…)`): an auditor still reads the exact value, and
no spreadsheet runs it. Numbers and dates stay typed values; the project
writes no formula cells of its own (list validations are not cells).

Every workbook and CSV writer of the project passes its data cells through
`neutral` / `row`, or writes with `csv_writer`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MARK = "'"


def neutral(value: Any) -> Any:
    """The value as written: text starting with a formula character gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return MARK + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    """A row of cells, each passed through `neutral`."""
    return [neutral(v) for v in values]


class _NeutralWriter:
    def __init__(self, fh: IO[str], **kwargs):
        self._w = csv.writer(fh, **kwargs)

    def writerow(self, values: Iterable[Any]):
        return self._w.writerow(row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for r in rows:
            self.writerow(r)


def csv_writer(fh: IO[str], **kwargs) -> _NeutralWriter:
    """`csv.writer` whose every field goes through `neutral`."""
    return _NeutralWriter(fh, **kwargs)
