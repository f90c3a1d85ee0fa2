"""Reading a verified data file into a typed work table inside DuckDB.

Two steps, both set-based:
1. text: every field as VARCHAR under its English name (sources.yml), with
   `_row_no`; CSV through DuckDB's read_csv (rows with a wrong column count go
   to the rejects with their line), XLSX through fastexcel into Arrow (or
   python-calamine's cells where a column holds other than text or dates);
2. typed: explicit types (DATE, DECIMAL(18,2), TIMESTAMP; IDs/accounts text)
   with try_cast/try_strptime; a row whose non-empty field does not parse is
   a reject with its reason, never dropped silently.

The result is the work table `cc_work.<source>`: the raw table's columns and
lineage, ready for the quality gate, which reads it as `ingest_work.<source>`.

Work tables live in `cc_work`, an in-memory database attached to the writer's
connection (`attach_work`; DuckDB spills it to the temp directory under its
memory limit), not in the warehouse file: creating, renaming and dropping
them per delivery then writes nothing to the file or its WAL, and the file's
size is what the data needs. `ingest_work` (in the warehouse) holds one view
per source over its work table for Great Expectations, whose SQLAlchemy
dialect cannot reflect a table of an attached database; the views are
dropped when the run ends (`detach_work`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crosscheck.ingest import history
from crosscheck.ingest.idnorm import id_stages_sql, macro_sql
from crosscheck.ingest.sources import Column, Source
from crosscheck.ingest.verify import DeliveryRefused, VerifiedFile
from crosscheck.query import scalar

WORK_SCHEMA = "ingest_work"  # in the warehouse: one view per source, what GX reads
WORK_CATALOG = "cc_work"  # in memory: the work tables themselves


@dataclass
class ReadResult:
    rows_read: int
    rows_rejected: int
    work_table: str
    # a snapshot: its rows compared with those in force (history.split_delivered; the
    # work table is a view: history.kept_view)
    split: history.Split | None = None


def rejects_table(source: Source) -> str:
    """Rejected rows of the delivery being read; copied to meta.rejects when recorded."""
    return f"{WORK_CATALOG}.{source.name}_rejects"


def work_table(source: Source) -> str:
    """The typed rows of the delivery being read (GX reads them as ingest_work.<source>)."""
    return f"{WORK_CATALOG}.{source.name}"


def _drop_all(con, catalog: str, schema: str) -> None:
    for kind, listing in (("VIEW", "duckdb_views()"), ("TABLE", "duckdb_tables()")):
        for (name,) in con.execute(
            f"SELECT {kind.lower()}_name FROM {listing} "
            "WHERE database_name = ? AND schema_name = ? AND NOT internal",
            [catalog, schema],
        ).fetchall():
            con.execute(f'DROP {kind} IF EXISTS "{catalog}"."{schema}"."{name}"')


def attach_work(con) -> None:
    """Give the writer's connection an empty `cc_work` (attached in memory, or emptied
    if this database instance has it already) and an empty `ingest_work` in the
    warehouse: whatever a killed run left there (views, or the work tables of
    warehouses from before) is dropped."""
    attached = scalar(
        con, "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [WORK_CATALOG]
    )
    if attached:
        _drop_all(con, WORK_CATALOG, "main")
    else:
        con.execute(f"ATTACH ':memory:' AS {WORK_CATALOG}")
    _drop_all(con, scalar(con, "SELECT current_database()"), WORK_SCHEMA)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {WORK_SCHEMA}")


def detach_work(con) -> None:
    """At the end of a run: the views in `ingest_work` go, and `cc_work` with its tables."""
    _drop_all(con, scalar(con, "SELECT current_database()"), WORK_SCHEMA)
    con.execute(f"DETACH DATABASE IF EXISTS {WORK_CATALOG}")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def map_header(source: Source, header: list[str]) -> list[Column]:
    """Declared columns in file order; refuse missing, renamed or extra columns."""
    by_header = {c.header: c for c in source.columns}
    missing = [c.header for c in source.columns if c.header not in header]
    extra = [h for h in header if h not in by_header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if missing or extra or dupes:
        parts = []
        if missing:
            parts.append(f"missing columns: {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected columns: {', '.join(extra)}")
        if dupes:
            parts.append(f"duplicate columns: {', '.join(dupes)}")
        raise DeliveryRefused("; ".join(parts))
    return [by_header[h] for h in header]


def text_table(source: Source) -> str:
    """The delivery's fields as text: a TEMP table (memory, not the warehouse file)."""
    return f"cc_text_{source.name}"


def read_text_csv(
    con, source: Source, vf: VerifiedFile, load_id: str, rejects: str | None = None
) -> tuple[str, int, str | None]:
    """CSV → text table; wrong-shape lines → rejects (`rejects`, by default the delivery's
    `rejects_table`). Returns (table, rejects, row_no SQL)."""
    cols = map_header(source, vf.header)
    table = text_table(source)
    columns = "{" + ", ".join(f"{_lit(c.name)}: 'VARCHAR'" for c in cols) + "}"
    rej, scan = f"cc_rej_{source.name}", f"cc_scan_{source.name}"
    # DuckDB appends to rejects tables that exist: they are dropped after every read
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM read_csv(?,
                header = true, auto_detect = false, columns = {columns}, delim = ',',
                quote = '"', escape = '"', store_rejects = true,
                rejects_table = '{rej}', rejects_scan = '{scan}')""",
            [str(vf.read_path)],  # the path is data: bound, never spliced into the SQL
        )
        n_rej = scalar(con, f"SELECT count(*) FROM (SELECT line FROM {rej} GROUP BY line)")
        # Data row number of each good row: its position plus the rejected rows before it.
        row_no = "rowid + 1"
        if n_rej:  # lines DuckDB could not split into the declared columns: rejects
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE cc_csv_rejects AS
                    SELECT line - 1 AS row_no, any_value(csv_line) AS raw_text,
                           string_agg(DISTINCT error_type || ': ' || error_message, '; '
                                      ORDER BY error_type || ': ' || error_message)
                               AS reason
                    FROM {rej} GROUP BY line"""
            )
            con.execute(
                f"""INSERT INTO {rejects or rejects_table(source)}
                    SELECT ?, ?, ?, row_no, raw_text, reason FROM cc_csv_rejects""",
                [load_id, source.name, _extract_date(load_id)],
            )
            con.execute(
                """CREATE OR REPLACE TEMP TABLE cc_gaps AS
                   SELECT row_no - row_number() OVER (ORDER BY row_no) AS gap
                   FROM cc_csv_rejects"""
            )
            k = f"{table}.rowid + 1"
            row_no = f"{k} + (SELECT count(*) FROM cc_gaps g WHERE g.gap < {k})"
    finally:
        con.execute(f"DROP TABLE IF EXISTS {rej}; DROP TABLE IF EXISTS {scan}")
    return table, n_rej, row_no


def _extract_date(load_id: str) -> dt.date:
    return dt.datetime.strptime(load_id.split(":")[1], "%Y%m%d").date()


EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's 1900 date system (serial numbers)


def _cell_text(v: object) -> str | None:
    """One cell as text: empty → None; an integral number without '.0' (an account typed
    as a number); NaN → None; anything else as Python writes it."""
    if v is None or v == "":
        return None
    if type(v) is float:
        if v != v:  # NaN
            return None
        if v.is_integer():
            return str(int(v))
    return str(v)


def _cell_date_text(v: object) -> str | None:
    """An Excel date cell as 'YYYY-MM-DD': a date, or a serial number (days since
    1899-12-30, fraction dropped); any other cell as text (its parse fails later)."""
    if isinstance(v, dt.date):
        return f"{v.year:04d}-{v.month:02d}-{v.day:02d}"
    if isinstance(v, int | float) and not isinstance(v, bool) and v == v:
        try:
            return (EXCEL_EPOCH + dt.timedelta(days=int(v))).isoformat()
        except OverflowError:
            return str(v)
    return _cell_text(v)


def _text_column(values: tuple, excel_date: bool) -> tuple[pa.Array, pa.Array | None]:
    """A sheet column as Arrow arrays: (text, dates or None).

    The common cases go to Arrow whole (a column of text cells; a date column of
    date cells and empty text); only a column of other cell types is converted
    cell by cell in Python. Date cells become text in SQL (`read_text_xlsx`).
    """
    if not excel_date:
        try:  # a column of text cells (Arrow refuses any other cell: then cell by cell)
            return pa.array(values, pa.large_string(), from_pandas=False), None
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            pass
    kinds = set(map(type, values))
    if excel_date and kinds <= {str, dt.date}:
        if kinds == {dt.date}:
            return pa.nulls(len(values), pa.large_string()), pa.array(values, pa.date32())
        dates = pa.array([v if type(v) is dt.date else None for v in values], pa.date32())
        texts = pa.array([v if type(v) is str else None for v in values], pa.large_string())
        return texts, dates
    convert = _cell_date_text if excel_date else _cell_text
    return pa.array([convert(v) for v in values], pa.large_string()), None


# Date cells the fast reader hands to SQL, as Unix milliseconds: python-calamine
# gives a time of day (not a date) for a serial below 1 — before 1899-12-31 in the
# 1900 date system, 1904-01-02 in the 1904 one — and a number for a year past
# 9999, so a date column with a cell outside these bounds is read exactly.
_FAST_DATES_FROM_MS = (dt.date(1904, 1, 2) - dt.date(1970, 1, 1)).days * 86_400_000
_FAST_DATES_UNTIL_MS = ((dt.date(9999, 12, 31) - dt.date(1970, 1, 1)).days + 1) * 86_400_000

# A sheet column as Arrow: (text, dates or None); DuckDB writes the dates as text.
XlsxColumn = tuple[pa.Array, pa.Array | None]


def _fast_headers_ok(headers: list[str]) -> bool:
    """Whether fastexcel's names of the header cells can stand for the cells' text:
    it writes a number cell without '.0' and renames the second of two equal
    headers `<name>_1`, so a declared header that looks like a number or like such
    an alias must go the exact way."""
    for h in headers:
        try:
            float(h)
            return False
        except ValueError:
            pass
        base, _, suffix = h.rpartition("_")
        if suffix.isdigit() and base in headers:
            return False
    return True


def read_xlsx_fast(source: Source, path: Path) -> tuple[list[Column], list[XlsxColumn]] | None:
    """The sheet straight into Arrow with fastexcel (calamine in Rust, no Python
    object per cell), when that gives exactly the exact reader's text; None otherwise.

    Only a sheet whose every column fastexcel types as one kind of cell, judged on
    all rows (`dtype_coercion="strict"`, `schema_sample_rows=None`), is read here:
    a text column of text cells (a cell's string as it is; an empty cell NULL), and
    an `excel_date` column of date cells within the bounds above (or of text cells).
    Any other column (numbers, booleans, mixed cells), any cell fastexcel could not
    convert (a text 'NA' among dates, an error cell), a header that is not exactly
    the declared one (missing, extra, duplicate, empty, a sheet not starting in
    column A), a missing sheet, an empty sheet or a workbook fastexcel cannot open
    returns None: the exact reader then reads the sheet or refuses the delivery
    with its own words.
    """
    import fastexcel

    logging.getLogger("fastexcel").setLevel(logging.ERROR)  # its type guesses are judged here
    headers = [c.header for c in source.columns]
    if not _fast_headers_ok(headers):
        return None
    try:
        reader = fastexcel.read_excel(str(path))
        if source.sheet not in reader.sheet_names:
            return None
        sheet = reader.load_sheet(
            source.sheet,
            header_row=0,
            skip_rows=0,  # the header is the sheet's first row, as for the exact reader
            schema_sample_rows=None,
            dtype_coercion="strict",
        )
        infos = sheet.available_columns()
        names = [i.name.strip() for i in infos]
        if (
            sorted(names) != sorted(headers)
            or any(i.column_name_from != "looked_up" for i in infos)
            or [i.absolute_index for i in infos] != list(range(len(infos)))
        ):
            return None
        batch, errors = sheet.to_arrow_with_errors()
    except Exception:  # noqa: BLE001 - whatever fastexcel cannot read, the exact way judges
        return None
    except BaseException as e:  # a Rust panic: pyo3's PanicException is a BaseException
        if type(e).__name__ != "PanicException":
            raise
        return None
    if (errors is not None and errors.errors) or batch.num_rows == 0:
        return None
    by_header = {c.header: c for c in source.columns}
    cols = [by_header[h] for h in names]
    out: list[XlsxColumn] = []
    for k, c in enumerate(cols):
        values = batch.column(k)
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            out.append((values, None))
        elif c.type == "excel_date" and values.type == pa.timestamp("ms"):
            low, high = pc.min_max(values.cast(pa.int64())).values()
            if low.as_py() is None:
                return None
            if low.as_py() < _FAST_DATES_FROM_MS or high.as_py() >= _FAST_DATES_UNTIL_MS:
                return None
            # the day in Arrow (floor, as a date's own): DuckDB's scan of timestamp[ms]
            # overflows past 2262 (nanoseconds)
            out.append((pa.nulls(len(values), pa.large_string()), values.cast(pa.date32())))
        else:
            return None
    return cols, out


def _read_xlsx_exact(source: Source, path: Path) -> tuple[list[Column], list[XlsxColumn]]:
    """The sheet through python-calamine's Python cells, each column converted by
    `_text_column` (cell by cell where a column holds other than text or dates)."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as e:
        raise DeliveryRefused(f"unreadable XLSX workbook: {e}") from None
    if source.sheet not in wb.sheet_names:
        raise DeliveryRefused(
            f"sheet {source.sheet!r} not found (workbook has: {', '.join(wb.sheet_names)})"
        )
    rows = wb.get_sheet_by_name(source.sheet).to_python(skip_empty_area=False)
    if not rows:
        raise DeliveryRefused(f"sheet {source.sheet!r} is empty (no header row)")
    header = [str(h).strip() for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    cols = map_header(source, header)
    n = len(rows) - 1
    columns = list(itertools.zip_longest(*rows[1:], fillvalue="")) if n else []
    del rows
    out: list[XlsxColumn] = []
    for k, c in enumerate(cols):
        # trailing empty cells may be cut off by the sheet's extent
        values = columns[k] if k < len(columns) else ("",) * n
        out.append(_text_column(values, c.type == "excel_date"))
        if k < len(columns):
            columns[k] = ()  # its cells are in Arrow now
    return cols, out


def read_text_xlsx(
    con, source: Source, vf: VerifiedFile, load_id: str
) -> tuple[str, int, str | None]:
    """XLSX sheet → text table (with `_row_no`), wholly empty rows skipped (not counted).

    fastexcel reads the sheet into Arrow when every column is of one kind of cell
    (`read_xlsx_fast`); otherwise python-calamine reads it and each column goes to
    Arrow by `_text_column` (`_read_xlsx_exact`). Both give the same text, and
    DuckDB does the rest in one statement: empty cells to NULL, date cells to
    'YYYY-MM-DD', wholly empty rows dropped. A sheet holds at most 1,048,576 rows
    (the XLSX format), which bounds what one delivery can hold.
    """
    read = vf.sheet if vf.sheet is not None else read_xlsx_fast(source, Path(vf.read_path))
    vf.sheet = None  # its arrays go to DuckDB below
    cols, columns = read if read is not None else _read_xlsx_exact(source, Path(vf.read_path))
    n = len(columns[0][0]) if columns else 0
    arrays: dict[str, pa.Array] = {"_row_no": pa.array(np.arange(1, n + 1, dtype=np.int64))}
    selects, empties = [], []
    for k, (c, (text, dates)) in enumerate(zip(cols, columns, strict=True)):
        t, d = f"t{k}", f"d{k}"
        arrays[t] = text
        value = f"nullif({t}, '')"
        if dates is not None:
            arrays[d] = dates
            value = f"coalesce(strftime({d}, '%Y-%m-%d'), {value})"
        selects.append(f"{value} AS {_q(c.name)}")
        empties.append(f"{value} IS NULL")
    del columns
    frame = pa.table(arrays)  # noqa: F841 - read by DuckDB below
    table = text_table(source)
    con.register("cc_xlsx_frame", frame)
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table} AS
                SELECT _row_no, {", ".join(selects)} FROM cc_xlsx_frame
                WHERE NOT ({" AND ".join(empties)})"""
        )
    finally:
        con.unregister("cc_xlsx_frame")
    return table, 0, None


def _typed_expr(c: Column) -> tuple[str, str | None]:
    """(select-list SQL, parse-failure condition SQL or None) for one column."""
    v = f"nullif({_q(c.name)}, '')"
    t = f"nullif(trim({_q(c.name)}), '')"
    if c.type == "id":
        return id_stages_sql(v, c.name)[3], None
    if c.type in ("date", "excel_date"):
        fmt = c.format or "%Y-%m-%d"
        parsed = f"CAST(try_strptime({t}, {_lit(fmt)}) AS DATE)"
        return f"{parsed} AS {_q(c.name)}", f"{t} IS NOT NULL AND {parsed} IS NULL"
    if c.type == "timestamp":
        fmt = c.format or "%Y-%m-%d %H:%M:%S"
        parsed = f"CAST(try_strptime({t}, {_lit(fmt)}) AS TIMESTAMP)"
        return f"{parsed} AS {_q(c.name)}", f"{t} IS NOT NULL AND {parsed} IS NULL"
    if c.type == "decimal":
        ok = f"regexp_full_match({t}, '[+-]?[0-9]{{1,16}}(\\.[0-9]{{1,2}})?')"
        return (
            f"CASE WHEN {ok} THEN CAST({t} AS DECIMAL(18,2)) END AS {_q(c.name)}",
            f"{t} IS NOT NULL AND NOT {ok}",
        )
    return f"{v} AS {_q(c.name)}", None


REASON_WORDS = {
    "date": "unparseable date",
    "excel_date": "unparseable date",
    "timestamp": "unparseable timestamp",
    "decimal": "non-numeric amount",
}


def typing_signature(source: Source) -> str:
    """What typing a source's text depends on, as a short digest: the SQL of every
    column's typing, the ID macros, the key and DuckDB's version (its functions and
    `hash`). A stored row's text hash is salted with it (history.split_delivered), so
    a change of any of these makes every stored row's text a stranger: typed anew."""
    parts = [*macro_sql(), *(repr(_typed_expr(c)) for c in source.columns)]
    parts += [repr(source.key), repr(REASON_WORDS), duckdb.__version__]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def type_rows(
    con,
    source: Source,
    text_table: str,
    load_id: str | None,
    extract_date: dt.date | None,
    file_name: str | None,
    row_no_sql: str | None = None,
    work: str | None = None,
    rejects: str | None = None,
) -> tuple[str, int]:
    """Typed work table (`work`, by default `work_table(source)`) from the text table;
    unparseable rows → rejects (`rejects`, by default `rejects_table(source)`).

    With `load_id` None the text table holds the rows of several deliveries of the
    source, each row with its lineage (`_load_id`, `_extract_date`, `_source_file`,
    `_row_no`: `TypedBatch`): typing is a function of a row's text, so each row is
    typed as its delivery alone would be."""
    selects, reasons = [], []
    for c in source.columns:
        sel, bad = _typed_expr(c)
        selects.append(sel)
        if bad:
            reasons.append(
                f"CASE WHEN {bad} THEN {_lit(REASON_WORDS[c.type] + ' in ' + c.name + ': ')}"
                f" || {_q(c.name)} END"
            )
    for k in source.key:  # a row without its key cannot be a record: a reject, not a gate failure
        empty = f"nullif(trim({_q(k)}), '') IS NULL"
        reasons.append(f"CASE WHEN {empty} THEN {_lit('empty key column ' + k)} END")
    reason_sql = f"concat_ws('; ', {', '.join(reasons)})" if reasons else "''"
    raw_text = (
        "concat_ws(',', " + ", ".join(f"coalesce({_q(c.name)}, '')" for c in source.columns) + ")"
    )
    if load_id is None:  # lineage from the rows (a batch of deliveries)
        lineage = "_load_id, _extract_date, _source_file, _row_no"
        head, params = f"_load_id, {_lit(source.name)}, _extract_date", []
    else:
        day = extract_date.isoformat() if extract_date is not None else ""
        lineage = (
            f"{_lit(load_id)} AS _load_id, DATE {_lit(day)} AS _extract_date,"
            f" {_lit(file_name or '')} AS _source_file, CAST(_row_no AS BIGINT) AS _row_no"
        )
        head, params = "?, ?, ?", [load_id, source.name, extract_date]
    row_no = f", {row_no_sql} AS _row_no" if row_no_sql else ""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE cc_flagged AS
            SELECT *, nullif({reason_sql}, '') AS _reason{row_no} FROM {text_table}"""
    )
    n_rej = con.execute(
        f"""INSERT INTO {rejects or rejects_table(source)}
            SELECT {head}, _row_no, {raw_text}, _reason
            FROM cc_flagged WHERE _reason IS NOT NULL""",
        params,
    ).fetchone()[0]
    work = work or work_table(source)
    ids = [
        id_stages_sql(f"nullif({_q(c.name)}, '')", c.name) for c in source.columns if c.type == "id"
    ]
    step1 = "".join(f", {s[0]}" for s in ids)
    step2 = "".join(f", {s[1]}" for s in ids)
    step3 = "".join(f", {s[2]}" for s in ids)
    con.execute(
        f"""CREATE OR REPLACE TABLE {work} AS
            WITH folded AS (SELECT *{step1} FROM cc_flagged WHERE _reason IS NULL),
            upgraded AS (SELECT *{step2} FROM folded),
            valued AS (SELECT *{step3} FROM upgraded)
            SELECT {", ".join(selects)}, {lineage}
            FROM valued"""
    )
    con.execute("DROP TABLE IF EXISTS cc_flagged")
    con.execute(f"DROP TABLE IF EXISTS {text_table}")
    return work, int(n_rej)


def _fresh_rejects(con, source: Source) -> None:
    """An empty rejects table for the delivery being read (`cc_work` attached first if a
    caller did not open the writer through crosscheck.ingest.api)."""
    sql = f"CREATE OR REPLACE TABLE {rejects_table(source)} AS SELECT * FROM meta.rejects LIMIT 0"
    try:
        con.execute(sql)
    except duckdb.CatalogException:
        if scalar(
            con, "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [WORK_CATALOG]
        ):
            raise
        attach_work(con)
        con.execute(sql)


def _gx_view(con, source: Source, work: str) -> None:
    # what GX reads (a view in the warehouse over the in-memory table; see the module doc)
    con.execute(f"CREATE VIEW IF NOT EXISTS {WORK_SCHEMA}.{source.name} AS SELECT * FROM {work}")


def read_delivery(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    vf: VerifiedFile,
    load_id: str,
    extract_date: dt.date,
) -> ReadResult:
    """Verified file → typed work table + rejects; refuses wrong row counts."""
    _fresh_rejects(con, source)
    if source.format == "xlsx":
        text, shape_rejects, row_no = read_text_xlsx(con, source, vf, load_id)
    else:
        text, shape_rejects, row_no = read_text_csv(con, source, vf, load_id)
    rows_read = _check_rows(con, text, shape_rejects, vf)
    file_name = Path(vf.path).name
    split = None
    if source.kind == "snapshot":  # type only the rows that are not in force as delivered
        work = work_table(source)
        split = history.split_delivered(
            con, source, text, row_no, extract_date, typing_signature(source), work
        )
        con.execute(f"DROP TABLE IF EXISTS {text}")
        _, type_rejects = type_rows(
            con, source, split.came, load_id, extract_date, file_name, None, work=split.typed
        )
        history.kept_view(con, source, split, work, load_id, extract_date, file_name)
    else:
        work, type_rejects = type_rows(con, source, text, load_id, extract_date, file_name, row_no)
    _gx_view(con, source, work)
    return ReadResult(
        rows_read=rows_read,
        rows_rejected=shape_rejects + type_rejects,
        work_table=work,
        split=split,
    )


def _check_rows(con, text: str, shape_rejects: int, vf: VerifiedFile) -> int:
    """The delivery's data rows (good + wrong-shape); refuse a count other than the marker's."""
    return _check_rows_of(scalar(con, f"SELECT count(*) FROM {text}"), shape_rejects, vf)


def _check_rows_of(good: int, shape_rejects: int, vf: VerifiedFile) -> int:
    rows_read = good + shape_rejects
    if rows_read != vf.entry.rows:
        raise DeliveryRefused(
            f"row count mismatch: file has {rows_read} data rows, _SUCCESS says {vf.entry.rows}"
        )
    return rows_read


class TypedBatch:
    """Several small CSV deliveries of one incremental source typed in ONE statement.

    Typing a delivery of a few rows costs what planning its statements costs (a few
    milliseconds each: the ID stages, the reasons), whatever its size; a go-live
    catch-up has hundreds of such deliveries per source. Each delivery is read as
    text on its own (`add`: read_text_csv, its own wrong-shape rejects, row count and
    row numbers), its rows appended with their lineage to one text table; `type`
    then types them all at once (`type_rows` with lineage from the rows: a row's
    typing is a function of its own text), and `take` gives each delivery, in its
    turn, its own work table and rejects, as `read_delivery` would have made them.
    Nothing is written to the warehouse before a delivery's turn."""

    def __init__(self, con, source: Source):
        self.con, self.source = con, source
        base = f"{WORK_CATALOG}.{source.name}_batch"
        self.text, self.typed, self.rejects = f"cc_batch_text_{source.name}", base, f"{base}_rej"
        self.rejected: dict[str, int] = {}  # load id -> rejected rows (wrong shape or type)
        self.viewed = False  # GX's view over the work table made (it lasts the run)
        lineage = "_row_no BIGINT, _load_id VARCHAR, _extract_date DATE, _source_file VARCHAR"
        columns = ", ".join(f"{_q(c.name)} VARCHAR" for c in source.columns)
        _fresh_rejects(con, source)  # attaches cc_work if needed
        con.execute(f"CREATE OR REPLACE TEMP TABLE {self.text} ({columns}, {lineage})")
        con.execute(f"CREATE OR REPLACE TABLE {self.rejects} AS SELECT * FROM meta.rejects LIMIT 0")

    def add(self, vf: VerifiedFile, load_id: str, extract_date: dt.date) -> int:
        """Read one delivery's text into the batch; its data rows (raises DeliveryRefused)."""
        con, source = self.con, self.source
        text, shape_rejects, row_no = read_text_csv(con, source, vf, load_id, self.rejects)
        try:
            rows_read = _check_rows(con, text, shape_rejects, vf)
        except DeliveryRefused:
            if shape_rejects:
                con.execute(f"DELETE FROM {self.rejects} WHERE load_id = ?", [load_id])
            raise
        con.execute(
            f"""INSERT INTO {self.text} BY NAME
                SELECT *, CAST({row_no} AS BIGINT) AS _row_no, ? AS _load_id,
                       CAST(? AS DATE) AS _extract_date, ? AS _source_file
                FROM {text}""",
            [load_id, extract_date, Path(vf.path).name],
        )
        return rows_read

    def add_files(
        self, files: list[tuple[VerifiedFile, str, dt.date]]
    ) -> dict[str, int | DeliveryRefused]:
        """Read many deliveries' files (vf, load id, extract date) in one read_csv per
        column order: per load id, its data rows or its refusal (a row count other than
        its marker's). Each file's wrong-shape lines, row numbers and rows are what
        `add` gives it alone (DuckDB's CSV scanner reads each file on its own; the
        rejects name their file). Raises duckdb.Error if the read fails: then read
        them one by one (`add`), which refuses the file that fails."""
        con, source = self.con, self.source
        out: dict[str, int | DeliveryRefused] = {}
        groups: dict[tuple[str, ...], list[tuple[VerifiedFile, str, dt.date]]] = {}
        for f in files:
            cols = tuple(c.name for c in map_header(source, f[0].header))
            if {"filename", "_k"} & set(cols):  # names this read gives its own columns
                raise duckdb.InvalidInputException("a column named like read_csv's filename")
            groups.setdefault(cols, []).append(f)
        for names, group in groups.items():
            columns = "{" + ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in names) + "}"
            rej, scan = f"cc_rej_{source.name}", f"cc_scan_{source.name}"
            members = [
                (str(vf.read_path), load_id, day, Path(vf.path).name, k)
                for k, (vf, load_id, day) in enumerate(group)
            ]
            try:
                con.execute(
                    f"""CREATE OR REPLACE TEMP TABLE cc_multi AS SELECT * FROM read_csv(?,
                        header = true, auto_detect = false, columns = {columns}, delim = ',',
                        quote = '"', escape = '"', store_rejects = true, filename = true,
                        rejects_table = '{rej}', rejects_scan = '{scan}')""",
                    [[m[0] for m in members]],  # the paths are data: bound, never spliced
                )
                con.execute(
                    f"""CREATE OR REPLACE TEMP TABLE cc_multi_rej AS
                        SELECT s.file_path AS path, r.line - 1 AS row_no,
                               any_value(r.csv_line) AS raw_text,
                               string_agg(DISTINCT r.error_type || ': ' || r.error_message, '; '
                                          ORDER BY r.error_type || ': ' || r.error_message)
                                   AS reason
                        FROM {rej} r JOIN {scan} s USING (scan_id, file_id)
                        GROUP BY s.file_path, r.line"""
                )
            finally:
                con.execute(f"DROP TABLE IF EXISTS {rej}; DROP TABLE IF EXISTS {scan}")
            good = dict(
                con.execute("SELECT filename, count(*) FROM cc_multi GROUP BY ALL").fetchall()
            )
            bad = dict(
                con.execute("SELECT path, count(*) FROM cc_multi_rej GROUP BY ALL").fetchall()
            )
            kept = []
            for (vf, load_id, _), m in zip(group, members, strict=True):
                try:
                    out[load_id] = _check_rows_of(good.get(m[0], 0), bad.get(m[0], 0), vf)
                    kept.append(m)
                except DeliveryRefused as e:
                    out[load_id] = e
            con.execute("CREATE OR REPLACE TEMP TABLE cc_members (path VARCHAR, load_id VARCHAR, "
                        "extract_date DATE, file_name VARCHAR, ord INTEGER)")  # fmt: skip
            if kept:
                con.execute(
                    "INSERT INTO cc_members VALUES " + ", ".join(["(?, ?, ?, ?, ?)"] * len(kept)),
                    [v for m in kept for v in m],
                )
            # Data row number of each good row: its position in its file plus the
            # rejected rows of its file before it (as `read_text_csv` numbers them).
            row_no = "t._k"
            if bad:
                con.execute(
                    """CREATE OR REPLACE TEMP TABLE cc_gaps AS
                       SELECT path, row_no - row_number() OVER (PARTITION BY path ORDER BY row_no)
                           AS gap
                       FROM cc_multi_rej"""
                )
                row_no = (
                    "t._k + (SELECT count(*) FROM cc_gaps g WHERE g.path = t.filename"
                    " AND g.gap < t._k)"
                )
                con.execute(
                    f"""INSERT INTO {self.rejects}
                        SELECT m.load_id, {_lit(source.name)}, m.extract_date, r.row_no,
                               r.raw_text, r.reason
                        FROM cc_multi_rej r JOIN cc_members m USING (path)
                        ORDER BY m.ord"""
                )
            con.execute(
                f"""INSERT INTO {self.text} BY NAME
                    SELECT t.* EXCLUDE (filename, _k), CAST({row_no} AS BIGINT) AS _row_no,
                           m.load_id AS _load_id, m.extract_date AS _extract_date,
                           m.file_name AS _source_file
                    FROM (SELECT *, row_number() OVER (PARTITION BY filename ORDER BY rowid)
                              AS _k FROM cc_multi) t
                    JOIN cc_members m ON t.filename = m.path
                    ORDER BY m.ord, t._k"""
            )
            for table in ("cc_multi", "cc_multi_rej", "cc_members", "cc_gaps"):
                con.execute(f"DROP TABLE IF EXISTS {table}")
        return out

    def type(self) -> None:
        """Type every row read (one statement); count each delivery's rejects."""
        type_rows(self.con, self.source, self.text, None, None, None, None,
                  work=self.typed, rejects=self.rejects)  # fmt: skip
        self.rejected = dict(
            self.con.execute(
                f"SELECT load_id, count(*) FROM {self.rejects} GROUP BY load_id"
            ).fetchall()
        )

    def take(self, load_id: str, rows_read: int) -> ReadResult:
        """The delivery's own work table (and rejects table, when it has rejects)."""
        con, source = self.con, self.source
        work = work_table(source)
        con.execute(
            f"CREATE OR REPLACE TABLE {work} AS SELECT * FROM {self.typed} WHERE _load_id = ?",
            [load_id],
        )
        rejected = self.rejected.get(load_id, 0)
        if rejected:
            con.execute(
                f"""CREATE OR REPLACE TABLE {rejects_table(source)} AS
                    SELECT * FROM {self.rejects} WHERE load_id = ?""",
                [load_id],
            )
        if not self.viewed:
            _gx_view(con, source, work)
            self.viewed = True
        return ReadResult(rows_read=rows_read, rows_rejected=rejected, work_table=work)

    def clear(self) -> None:
        """Empty the batch (its text and rejects) before anything is typed."""
        self.con.execute(f"DELETE FROM {self.text}")
        self.con.execute(f"DELETE FROM {self.rejects}")

    def drop(self) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {self.text}")
        for table in (self.typed, self.rejects):
            self.con.execute(f"DROP TABLE IF EXISTS {table}")
