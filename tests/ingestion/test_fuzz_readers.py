"""Fuzzing the readers (issue 16): every input loads or is refused with a reason; none raises.

Hypothesis builds deliveries from good ones and breaks them: CSV in each
declared encoding (and the wrong ones), line ends mixed, quotes, NUL bytes,
cut or spliced bytes; XLSX with odd cells, headers and sheets, or corrupt
zips; `_SUCCESS` markers of any shape. Each goes through the very function
a nightly run calls (`crosscheck.ingest.load.process`, gate included).

`make test` runs a few examples per reader; `make fuzz` runs many
(CROSSCHECK_FUZZ_EXAMPLES) and writes its figures to benchmarks/results/.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from deliveries import encode_csv, good_rows, hukou_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosscheck.ingest import api
from crosscheck.ingest.discover import MARKER, Delivery
from crosscheck.ingest.load import process
from crosscheck.ingest.sources import get_source

EXAMPLES = int(os.environ.get("CROSSCHECK_FUZZ_EXAMPLES", "12"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=EXAMPLES <= 20,  # the short run in `make test` is the same every time
    database=None,
)
DAY = dt.date(2026, 11, 2)
SUNDAY = dt.date(2026, 11, 8)
TALLY: Counter = Counter()

NASTY = st.sampled_from(
    [
        "",
        ",",
        '"',
        '""',
        "\n",
        "\r\n",
        "\r",
        "\x00",
        "\ufeff",
        "=cmd|' /C calc'!A0",
        "1e309",
        "-0",
        "2026-02-30",
        "99999999999999999999.999",
        "张三" * 50,
        "\u3000",
        "x" * 5000,
    ]
)
CELL = st.one_of(NASTY, st.text(max_size=12))


@pytest.fixture(scope="module")
def writer(baseline, tmp_path_factory):
    """One connection and gate on a copy of the baseline, as a nightly run holds them."""
    root = tmp_path_factory.mktemp("fuzz")
    wh = root / "wh.duckdb"
    shutil.copy2(baseline.warehouse, wh)
    con = api._open(wh)
    gate = api._make_gate(con, wh, data_docs=False)
    yield root, con, gate, api.temp_dir(wh)
    gate.close()
    con.close()
    if os.environ.get("CROSSCHECK_FUZZ_RESULTS"):
        out = Path(os.environ["CROSSCHECK_FUZZ_RESULTS"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(dict(TALLY), indent=1, sort_keys=True))


_n = Counter()


def _deliver(root: Path, source: str, day: dt.date, data: bytes, marker: bytes | None, rows: int):
    """A fresh delivery folder (new landing per example) with data and marker."""
    _n["k"] += 1
    folder = root / f"landing{_n['k']}" / source / day.strftime("%Y%m%d")
    folder.mkdir(parents=True)
    name = get_source(source).file_name(day)
    (folder / name).write_bytes(data)
    if marker is None:
        body = {
            "source": source,
            "extract_date": day.isoformat(),
            "files": [
                {
                    "name": name,
                    "bytes": len(data),
                    "rows": rows,
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            ],
        }
        marker = json.dumps(body).encode()
    (folder / MARKER).write_bytes(marker)
    return Delivery(day, source, folder)


def _check(writer, delivery, kind: str):
    root, con, gate, tmp = writer
    result = process(con, delivery, gate, tmp, root / "archive")  # must not raise
    TALLY[f"{kind}:tried"] += 1
    TALLY[f"{kind}:{result.status}"] += 1
    assert result.status in ("loaded", "quarantined", "rejected", "skipped")
    if result.status == "rejected":
        assert result.reasons and all(r and "\n" not in r for r in result.reasons)
    sql = "SELECT status FROM meta.loads WHERE load_id = ?"
    row = con.execute(sql, [result.load_id]).fetchone()
    assert row is not None and row[0] in ("loaded", "quarantined", "rejected", "superseded")
    assert not list(tmp.glob("crosscheck-ingest-*"))  # no transcode left behind


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """Up to three byte-level edits: cut, splice in junk, flip line ends, truncate."""
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["insert", "delete", "crlf", "truncate", "nul"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "insert":
            data = data[:pos] + draw(st.binary(min_size=1, max_size=8)) + data[pos:]
        elif op == "delete":
            data = data[:pos] + data[pos + draw(st.integers(1, 16)) :]
        elif op == "crlf":
            i = data.find(b"\n", pos)
            if i >= 0:
                data = data[:i] + (b"\n" if data[i - 1 : i] == b"\r" else b"\r\n") + data[i + 1 :]
        elif op == "truncate":
            data = data[:pos]
        else:
            data = data[:pos] + b"\x00" + data[pos:]
    return data


CSV_SOURCES = {"ledger": DAY, "hukou": SUNDAY, "deaths": DAY}


@FUZZ
@given(data=st.data())
def test_csv_deliveries_load_or_are_refused(writer, data):
    source = data.draw(st.sampled_from(sorted(CSV_SOURCES)), label="source")
    day = CSV_SOURCES[source]
    rows = hukou_rows(10) if source == "hukou" else good_rows(source, day)
    src = get_source(source)
    for r in rows:
        if data.draw(st.booleans(), label="poison row"):
            col = data.draw(st.sampled_from([c.name for c in src.columns]), label="column")
            r[col] = data.draw(CELL, label="cell")
    encoding = data.draw(st.sampled_from([None, "UTF-8", "GB18030", "UTF-8-BOM"]), label="encoding")
    try:
        raw = encode_csv(source, rows, encoding=encoding)
    except UnicodeEncodeError:
        return
    raw = data.draw(mutated(raw), label="bytes")
    n = len(rows) if data.draw(st.booleans(), label="true rows") else data.draw(st.integers(0, 20))
    _check(writer, _deliver(writer[0], source, day, raw, None, n), "csv")


def _xlsx(rows: list[list], sheet: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


XCELL = st.one_of(
    CELL.map(lambda s: s.replace("\x00", "")),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
    st.booleans(),
    st.none(),
    st.just("=1/0"),
)


@FUZZ
@given(data=st.data())
def test_xlsx_deliveries_load_or_are_refused(writer, data):
    src = get_source("sscards")
    header = list(src.headers)
    if data.draw(st.booleans(), label="odd header"):
        header[data.draw(st.integers(0, len(header) - 1))] = data.draw(XCELL, label="header")
    rows = [[r.get(c.name) for c in src.columns] for r in good_rows("sscards", SUNDAY)]
    for r in rows:
        for i in range(len(r)):
            if data.draw(st.integers(0, 4), label="poison?") == 0:
                r[i] = data.draw(XCELL, label="cell")
    sheet = data.draw(st.sampled_from([src.sheet, src.sheet, "Sheet1"]), label="sheet")
    try:
        raw = _xlsx([header, *rows], sheet)
    except Exception:  # openpyxl refuses to write it (illegal characters…): not a delivery
        return
    if data.draw(st.integers(0, 3), label="corrupt?") == 0:
        raw = data.draw(mutated(raw), label="bytes")
    _check(writer, _deliver(writer[0], "sscards", SUNDAY, raw, None, len(rows)), "xlsx")


TEXT_CELL = st.one_of(
    CELL.map(lambda s: s.replace("\x00", "")),
    st.none(),
    st.sampled_from(["NA", "NULL", "nan", "None", "N/A", "null", " x ", "2022-03-22", "44642"]),
)
FAST_CELL = st.one_of(
    XCELL,
    TEXT_CELL,
    st.sampled_from(["#N/A", "#DIV/0!", "#NAME?", "#REF!"]),
    st.datetimes(dt.datetime(1899, 12, 31), dt.datetime(9999, 12, 31)),
    st.times(),
)


def _text_rows(path: Path, exact: bool) -> list[tuple] | str:
    """The XLSX reader's text rows (or its refusal); `exact` forces python-calamine."""
    import duckdb

    from crosscheck.ingest import readers
    from crosscheck.ingest.verify import DeliveryRefused, MarkerEntry, VerifiedFile

    src = get_source("sscards")
    vf = VerifiedFile(path=path, read_path=path, entry=MarkerEntry(path.name, 0, 0, ""), sha256="")
    saved = readers.read_xlsx_fast
    if exact:
        readers.read_xlsx_fast = lambda source, p: None
    con = duckdb.connect()
    try:
        table, _, _ = readers.read_text_xlsx(con, src, vf, "sscards:20261108:x")
        names = ", ".join(f'"{c.name}"' for c in src.columns)
        return con.execute(f"SELECT _row_no, {names} FROM {table} ORDER BY _row_no").fetchall()
    except DeliveryRefused as e:
        return f"refused: {e}"
    finally:
        readers.read_xlsx_fast = saved
        con.close()


@FUZZ
@given(data=st.data())
def test_xlsx_fast_reader_reads_as_the_exact_one(tmp_path_factory, data):
    """fastexcel's reading (where it answers) and python-calamine's give the same rows or
    the same refusal, whatever the cells: planted ones, odd headers, gaps, column order."""
    src = get_source("sscards")
    header = list(src.headers)
    if data.draw(st.booleans(), label="shuffle"):
        header = data.draw(st.permutations(header), label="order")
    if data.draw(st.integers(0, 3), label="odd header?") == 0:
        header[data.draw(st.integers(0, len(header) - 1))] = data.draw(XCELL, label="header")
    by_header = {c.header: c.name for c in src.columns}
    rows = []
    for r in good_rows("sscards", SUNDAY):
        rows.append([r.get(by_header.get(h, ""), None) for h in header])
    for _ in range(data.draw(st.integers(0, 3), label="extra rows")):
        rows.insert(data.draw(st.integers(0, len(rows))), [None] * len(header))
    poison = data.draw(st.integers(0, 6), label="poison one in")
    # cells the fast reader takes (text; dates in the date column) or any cell at all
    any_cell = data.draw(st.booleans(), label="any cell")
    for r in rows:
        for i, h in enumerate(header):
            if poison and data.draw(st.integers(0, poison), label="poison?") == 0:
                if any_cell:
                    cell = FAST_CELL
                elif h == "发卡日期":
                    cell = st.one_of(st.none(), st.datetimes(dt.datetime(1904, 1, 2)))
                else:
                    cell = TEXT_CELL
                r[i] = data.draw(cell, label="cell")
    path = tmp_path_factory.mktemp("fast") / "sscards.xlsx"
    try:
        path.write_bytes(_xlsx([header, *rows], src.sheet))
    except Exception:  # openpyxl refuses to write it (illegal characters…): not a delivery
        return
    fast = _text_rows(path, exact=False)
    assert fast == _text_rows(path, exact=True)
    TALLY["xlsx-fast:tried"] += 1
    if not isinstance(fast, str):
        from crosscheck.ingest.readers import read_xlsx_fast

        TALLY["xlsx-fast:fast" if read_xlsx_fast(src, path) else "xlsx-fast:exact"] += 1


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3)
    ),
    max_leaves=8,
)


@FUZZ
@given(data=st.data())
def test_success_markers_of_any_shape(writer, data):
    raw = encode_csv("ledger", good_rows("ledger", DAY))
    name = get_source("ledger").file_name(DAY)
    good = {
        "source": "ledger",
        "extract_date": DAY.isoformat(),
        "files": [
            {"name": name, "bytes": len(raw), "rows": 2, "sha256": hashlib.sha256(raw).hexdigest()}
        ],
    }
    kind = data.draw(st.sampled_from(["bytes", "json", "field"]), label="kind")
    if kind == "bytes":
        marker = data.draw(st.binary(max_size=200), label="marker")
    elif kind == "json":
        marker = json.dumps(data.draw(JSON, label="marker")).encode()
    else:
        key = data.draw(st.sampled_from(["name", "bytes", "rows", "sha256"]), label="key")
        good["files"][0][key] = data.draw(JSON, label="value")
        marker = json.dumps(good).encode()
    _check(writer, _deliver(writer[0], "ledger", DAY, raw, marker, 2), "marker")
