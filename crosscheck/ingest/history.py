"""Snapshot deliveries stored as change history (issue 11).

A snapshot source (hukou, vehicles, assistance, sscards, payroll) is stored in
`raw.<source>_history`: one row per run of consecutive good snapshots in which
a row (its delivered columns) stayed the same, valid from `_extract_date` (the
snapshot that first delivered it; its lineage columns are that delivery's) to
`_valid_to` (the first later snapshot without it; NULL while in force). A
snapshot that changes a few thousand rows adds a few thousand rows; an
unchanged one adds none.

`raw.<source>` is a view: every good (loaded) snapshot, reconstructed as
delivered — the rows in force at its extract date, with that delivery's
`_load_id` and `_extract_date` — so "the snapshot in force at D" and R10's
"card at payment time" read exactly what full copies gave. `_row_no` and
`_source_file` of a row carried over unchanged are those of the delivery that
first brought it.

Rows are compared by a 64-bit hash of their delivered columns, duplicates
counted (the n-th copy of a row in one snapshot matches the n-th copy in the
next). A snapshot newer than everything stored appends its differences; one
that is older (a late delivery, a correction of an earlier week, a released
quarantine) rebuilds the history from its date on, replaying the later
snapshots reconstructed from the history itself.
"""

from __future__ import annotations

import datetime as dt

from crosscheck.ingest.sources import LINEAGE_COLUMNS, Source

VALID_TO = "_valid_to"
FAR = "DATE '9999-12-31'"


def history_table(source: Source) -> str:
    return f"raw.{source.name}_history"


def _q(name: str) -> str:
    return f'"{name}"'


def content_columns(source: Source) -> list[str]:
    lineage = {n for n, _ in LINEAGE_COLUMNS}
    return [n for n, _ in source.raw_columns() if n not in lineage]


def create_sql(source: Source) -> list[str]:
    """The history table, the view of every snapshot and the macro of one (idempotent)."""
    body = ",\n  ".join(f'"{n}" {t}' for n, t in source.raw_columns())
    cols = []
    for n, _ in source.raw_columns():
        if n == "_load_id":
            cols.append('l.load_id AS "_load_id"')
        elif n == "_extract_date":
            cols.append('l.extract_date AS "_extract_date"')
        else:
            cols.append(f'h."{n}"')
    return [
        f"CREATE TABLE IF NOT EXISTS {history_table(source)} (\n  {body},\n  {VALID_TO} DATE\n)",
        f"""CREATE OR REPLACE VIEW raw.{source.name} AS
            SELECT {", ".join(cols)}
            FROM {history_table(source)} AS h
            INNER JOIN meta.loads AS l
                ON l.source = '{source.name}' AND l.status = 'loaded'
                AND h._extract_date <= l.extract_date
                AND l.extract_date < coalesce(h.{VALID_TO}, {FAR})""",
        # one snapshot, read from the history at its date (dbt: macros/snapshots.sql)
        f"""CREATE OR REPLACE MACRO raw.{source.name}_at(d) AS TABLE
            SELECT {", ".join(cols)}
            FROM {history_table(source)} AS h
            INNER JOIN meta.loads AS l
                ON l.source = '{source.name}' AND l.status = 'loaded' AND l.extract_date = d
            WHERE h._extract_date <= d AND d < coalesce(h.{VALID_TO}, {FAR})""",
    ]


def _keys_sql(source: Source, rows_table: str, where: str = "", occurrences: bool = True) -> str:
    """Each row of `rows_table` by its place (`rowid`), the hash of its delivered columns
    and its occurrence among equal rows (the n-th copy matches the n-th copy of the
    other side, in the order of first delivery and row number). Without `occurrences`
    every row is the first of its kind: right when no hash repeats (see `_append`)."""
    content = ", ".join(_q(c) for c in content_columns(source))
    occ = (
        f"row_number() OVER (PARTITION BY hash({content}) ORDER BY _extract_date, _row_no, rowid)"
        if occurrences
        else "1"
    )
    return f"SELECT rowid AS _rid, hash({content}) AS _h, {occ} AS _occ FROM {rows_table} {where}"


def _append(con, source: Source, day: dt.date, rows_table: str) -> None:
    """Apply one snapshot newer than everything stored: end what left, add what came.

    Only the keys of the snapshot and of the rows in force are computed (`_keys_sql`);
    the rows that came are read from `rows_table` itself (the delivery's work table:
    no copy of it). Occurrences are numbered only when some hash repeats on either
    side: numbering 200,000 rows costs as much as hashing them, and without a
    repeated hash every row is the first (and only) of its kind."""
    hist = history_table(source)
    current = f"WHERE {VALID_TO} IS NULL"
    for numbered in (False, True):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE cc_hist_new AS "
            f"{_keys_sql(source, rows_table, occurrences=numbered)}"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE cc_hist_cur AS "
            f"{_keys_sql(source, hist, current, occurrences=numbered)}"
        )
        repeated = con.execute(
            """SELECT (SELECT count(*) - count(DISTINCT _h) FROM cc_hist_new)
                    + (SELECT count(*) - count(DISTINCT _h) FROM cc_hist_cur)"""
        ).fetchone()[0]
        if numbered or not repeated:
            break
    con.execute(
        f"""UPDATE {hist} SET {VALID_TO} = ? WHERE rowid IN (
                SELECT c._rid FROM cc_hist_cur AS c
                ANTI JOIN cc_hist_new AS n ON n._h = c._h AND n._occ = c._occ)""",
        [day],
    )
    cols = ", ".join(_q(n) for n, _ in source.raw_columns())
    con.execute(
        f"""INSERT INTO {hist} ({cols}, {VALID_TO})
            SELECT {cols}, NULL FROM {rows_table} WHERE rowid IN (
                SELECT n._rid FROM cc_hist_new AS n
                ANTI JOIN cc_hist_cur AS c ON n._h = c._h AND n._occ = c._occ)"""
    )
    con.execute("DROP TABLE IF EXISTS cc_hist_cur")
    con.execute("DROP TABLE IF EXISTS cc_hist_new")


def _in_force_sql(source: Source, day: dt.date, load_id: str) -> str:
    """A stored snapshot as delivered: rows in force at `day`, lineage of `load_id`."""
    cols = []
    for n, _ in source.raw_columns():
        if n == "_load_id":
            cols.append(f"'{load_id}' AS \"_load_id\"")
        elif n == "_extract_date":
            cols.append(f"DATE '{day.isoformat()}' AS \"_extract_date\"")
        else:
            cols.append(_q(n))
    return f"""SELECT {", ".join(cols)} FROM {history_table(source)}
               WHERE _extract_date <= DATE '{day.isoformat()}'
                 AND DATE '{day.isoformat()}' < coalesce({VALID_TO}, {FAR})"""


def add_snapshot(
    con,
    source: Source,
    load_id: str,
    day: dt.date,
    select_sql: str | None = None,
    params: list | None = None,
    table: str | None = None,
) -> int:
    """Store a good snapshot delivery: the rows of `table` (a table with the raw
    columns, e.g. the delivery's work table) or of `select_sql`; returns its rows.

    Runs inside the caller's transaction, after earlier deliveries of the same
    date were marked superseded and before this one is recorded as loaded.
    """
    hist = history_table(source)
    if table is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE cc_hist_rows AS {select_sql}", params or [])
        table = "cc_hist_rows"
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    stored_until = con.execute(
        f"SELECT max(greatest(_extract_date, coalesce({VALID_TO}, _extract_date))) FROM {hist}"
    ).fetchone()[0]
    if stored_until is None or day > stored_until:
        _append(con, source, day, table)
    else:
        _rebuild(con, source, day, table)
    con.execute("DROP TABLE IF EXISTS cc_hist_rows")
    return rows


def _rebuild(con, source: Source, day: dt.date, rows_table: str) -> None:
    """A snapshot at or before what is stored: replay the history from `day` on."""
    hist = history_table(source)
    later = con.execute(
        """SELECT extract_date, load_id FROM meta.loads
           WHERE source = ? AND status = 'loaded' AND extract_date > ?
           ORDER BY extract_date""",
        [source.name, day],
    ).fetchall()
    # the later snapshots as delivered, read before the history is cut
    for i, (d, lid) in enumerate(later):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE cc_hist_later_{i} AS {_in_force_sql(source, d, lid)}"
        )
    # cut the history back to the last snapshot before `day`
    con.execute(f"DELETE FROM {hist} WHERE _extract_date >= ?", [day])
    con.execute(f"UPDATE {hist} SET {VALID_TO} = NULL WHERE {VALID_TO} >= ?", [day])
    _append(con, source, day, rows_table)
    for i, (d, _) in enumerate(later):
        _append(con, source, d, f"cc_hist_later_{i}")
        con.execute(f"DROP TABLE cc_hist_later_{i}")


def migrate(con, source: Source) -> None:
    """A warehouse from before issue 11 holds raw.<source> as full copies: fold them."""
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables "
        "WHERE table_schema = 'raw' AND table_name = ?",
        [source.name],
    ).fetchone()
    if kind is None or kind[0] != "BASE TABLE":
        return
    con.execute(f"ALTER TABLE raw.{source.name} RENAME TO {source.name}_full_copies")
    for stmt in create_sql(source)[:1]:
        con.execute(stmt)
    loads = con.execute(
        f"""SELECT DISTINCT _load_id, _extract_date FROM raw.{source.name}_full_copies
            ORDER BY _extract_date, _load_id"""
    ).fetchall()
    cols = ", ".join(_q(n) for n, _ in source.raw_columns())
    for load_id, day in loads:
        add_snapshot(
            con,
            source,
            load_id,
            day,
            f"SELECT {cols} FROM raw.{source.name}_full_copies WHERE _load_id = ?",
            [load_id],
        )
    con.execute(f"DROP TABLE raw.{source.name}_full_copies")
