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

A snapshot is compared with the one in force as delivered TEXT before it is
typed (`split_delivered`): each history row keeps `_text_hash`, the hash of
the delivered fields it was typed from (salted with what typing depends on,
`readers.typing_signature`). A delivered row whose text matches a row in force
is not typed again: its typed values are the stored ones
(`kept_view`); only the rows that came are typed, gated with the rest and
compared with the rows that left (`add_snapshot`). Typing is a function of a
row's text alone, so this is what typing every row gives, at the cost of the
change: a week that changes 26 of 200,000 household rows types 26.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass

from crosscheck.ingest.sources import LINEAGE_COLUMNS, Source

VALID_TO = "_valid_to"
TEXT_HASH = "_text_hash"  # hash of the delivered text a row was typed from (NULL: unknown)
FAR = "DATE '9999-12-31'"
KEYS = "cc_snap_keys"  # temp: the delivery's rows by row number and text hash
CAME_KEYS = "cc_snap_came"  # temp: those of its rows that are not rows in force

# What a writer knows of a source's rows in force without counting them: after a
# snapshot is appended, the rows in force are rows it delivered, so their text
# hashes repeat only if its own did (a go-live's catch-up counted 200,000 hashes
# twice per snapshot). Per connection (a run), per source: (the date the history
# then speaks for, `_stored_until`; no hash repeats). Only `add_snapshot` writes
# the history; it drops the entry first and sets it once appended, and a rolled
# back delivery drops it (`forget`). `split_delivered` trusts it while the
# history speaks for that date.
_IN_FORCE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def forget(con, source: Source) -> None:
    """Drop what `_IN_FORCE` holds of `source`: its delivery's transaction was rolled back."""
    _IN_FORCE.get(con, {}).pop(source.name, None)


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
        f"CREATE TABLE IF NOT EXISTS {history_table(source)} "
        f"(\n  {body},\n  {VALID_TO} DATE,\n  {TEXT_HASH} UBIGINT\n)",
        f"ALTER TABLE {history_table(source)} ADD COLUMN IF NOT EXISTS {TEXT_HASH} UBIGINT",
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


def _numbered(con, tables: list[tuple[str, str]]) -> bool:
    """Whether some hash repeats within one of the `(table, hash column)` key tables
    (then occurrences must be numbered)."""
    return any(
        con.execute(f"SELECT count(*) - count(DISTINCT {h}) FROM {t}").fetchone()[0]
        for t, h in tables
    )


def _append(
    con,
    source: Source,
    day: dt.date,
    rows_table: str,
    left: str | None = None,
    text_hash_sql: str = "NULL",
) -> bool:
    """Apply one snapshot newer than everything stored: end what left, add what came
    (whether any row did: else the history still speaks for the date it did).

    Only the keys of the snapshot and of the rows in force are computed (`_keys_sql`);
    the rows that came are read from `rows_table` itself (the delivery's work table:
    no copy of it). Occurrences are numbered only when some hash repeats on either
    side: numbering 200,000 rows costs as much as hashing them, and without a
    repeated hash every row is the first (and only) of its kind.

    With `left` (`split_delivered`: the rows in force whose text was not delivered
    again), `rows_table` holds only the rows that came, and only they and `left`
    are compared: the other rows in force stay as they are. A row in force
    that came again with other text but the same typed values stays, and takes the
    new text's hash (`text_hash_sql`: SQL over `r`, a row of `rows_table`)."""
    hist = history_table(source)
    current = f"WHERE {VALID_TO} IS NULL"
    if left is not None:
        current += f" AND rowid IN (SELECT _rid FROM {left})"
    for numbered in (False, True):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE cc_hist_new AS "
            f"{_keys_sql(source, rows_table, occurrences=numbered)}"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE cc_hist_cur AS "
            f"{_keys_sql(source, hist, current, occurrences=numbered)}"
        )
        if numbered or not _numbered(con, [("cc_hist_new", "_h"), ("cc_hist_cur", "_h")]):
            break
    ended = con.execute(
        f"""UPDATE {hist} SET {VALID_TO} = ? WHERE rowid IN (
                SELECT c._rid FROM cc_hist_cur AS c
                ANTI JOIN cc_hist_new AS n ON n._h = c._h AND n._occ = c._occ)""",
        [day],
    ).fetchone()[0]
    if text_hash_sql != "NULL":
        con.execute(
            f"""UPDATE {hist} AS h SET {TEXT_HASH} = s._th FROM (
                    SELECT c._rid, (SELECT {text_hash_sql} FROM {rows_table} AS r
                                    WHERE r.rowid = n._rid) AS _th
                    FROM cc_hist_cur AS c
                    INNER JOIN cc_hist_new AS n ON n._h = c._h AND n._occ = c._occ) AS s
                WHERE h.rowid = s._rid AND h.{TEXT_HASH} IS DISTINCT FROM s._th"""
        )
    cols = ", ".join(_q(n) for n, _ in source.raw_columns())
    r_cols = ", ".join(f"r.{_q(n)}" for n, _ in source.raw_columns())
    added = con.execute(
        f"""INSERT INTO {hist} ({cols}, {VALID_TO}, {TEXT_HASH})
            SELECT {r_cols}, NULL, {text_hash_sql} FROM {rows_table} AS r WHERE r.rowid IN (
                SELECT n._rid FROM cc_hist_new AS n
                ANTI JOIN cc_hist_cur AS c ON n._h = c._h AND n._occ = c._occ)"""
    ).fetchone()[0]
    con.execute("DROP TABLE IF EXISTS cc_hist_cur")
    con.execute("DROP TABLE IF EXISTS cc_hist_new")
    return bool(ended or added)


def _in_force_sql(source: Source, day: dt.date, load_id: str) -> str:
    """A stored snapshot as delivered: rows in force at `day`, lineage of `load_id`
    (and the text hash each row was stored with)."""
    cols = []
    for n, _ in source.raw_columns():
        if n == "_load_id":
            cols.append(f"'{load_id}' AS \"_load_id\"")
        elif n == "_extract_date":
            cols.append(f"DATE '{day.isoformat()}' AS \"_extract_date\"")
        else:
            cols.append(_q(n))
    return f"""SELECT {", ".join(cols)}, {TEXT_HASH} FROM {history_table(source)}
               WHERE _extract_date <= DATE '{day.isoformat()}'
                 AND DATE '{day.isoformat()}' < coalesce({VALID_TO}, {FAR})"""


def _stored_until(con, source: Source) -> dt.date | None:
    """The latest date the history speaks for (an extract date or an end)."""
    return con.execute(
        f"SELECT max(greatest(_extract_date, coalesce({VALID_TO}, _extract_date))) "
        f"FROM {history_table(source)}"
    ).fetchone()[0]


@dataclass
class Split:
    """A snapshot delivery compared with the rows in force as text (`split_delivered`)."""

    left: str  # (_rid): rows in force whose text was not delivered again
    came: str  # the delivered text rows that are not rows in force (with `_row_no`)
    typed: str  # where the caller types `came` (the rows `add_snapshot` stores)
    append: bool  # newer than everything stored (else nothing is kept: `came` is all)
    unique: bool = False  # no text hash repeats among the delivered rows
    stored_until: dt.date | None = None  # what the history spoke for (`_stored_until`)


def split_delivered(
    con,
    source: Source,
    text_table: str,
    row_no_sql: str | None,
    day: dt.date,
    salt: str,
    work: str,
) -> Split:
    """Which delivered rows are rows in force delivered again, by their text.

    Each delivered row gets its text hash (`KEYS`: `_row_no`, `_th`), each row in
    force its stored one (`cc_snap_cur`: `_rid`, `_th`); rows are matched by hash and
    occurrence among equal rows. When the snapshot is newer than everything stored,
    the rows in force that were not delivered again are `left` and the
    delivered rows that are not rows in force are left to type (`cc_came_text_<source>`).
    Both are named after `work` (the delivery's work table, in the caller's work
    catalog): `<work>_left`, and `<work>_came` for the typed rows that came.
    An older snapshot (a correction, a late delivery) keeps nothing: it is typed
    whole and `add_snapshot` replays the history. `row_no_sql`: the row number of a
    text row when the table has no `_row_no` column (CSV)."""
    fields = ", ".join(_q(c.name) for c in source.columns)
    row_no = row_no_sql or "_row_no"
    left = f"{work}_left"
    hist = history_table(source)
    stored_until = _stored_until(con, source)
    append = stored_until is not None and day > stored_until
    in_force = f"{VALID_TO} IS NULL AND {TEXT_HASH} IS NOT NULL" if append else "false"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {KEYS} AS
            SELECT {row_no} AS _row_no, hash('{salt}', {fields}) AS _th FROM {text_table}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE cc_snap_cur AS
            SELECT rowid AS _rid, {TEXT_HASH} AS _th FROM {hist} WHERE {in_force}"""
    )
    unique = not _numbered(con, [(KEYS, "_th")])
    if not unique or not _unique_in_force(con, source, stored_until):
        for table, order in ((KEYS, "_row_no"), ("cc_snap_cur", "_rid")):
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE {table} AS SELECT *,
                    row_number() OVER (PARTITION BY _th ORDER BY {order}) AS _occ FROM {table}"""
            )
    else:
        for table in (KEYS, "cc_snap_cur"):
            con.execute(f"ALTER TABLE {table} ADD COLUMN _occ BIGINT DEFAULT 1")
    # one join finds both sides of the change: rows in force not delivered again,
    # delivered rows not in force (with their text hash, for what `add_snapshot` stores)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE cc_snap_diff AS
            SELECT c._rid, n._row_no, n._th FROM {KEYS} AS n FULL OUTER JOIN cc_snap_cur AS c
                ON n._th = c._th AND n._occ = c._occ
            WHERE n._row_no IS NULL OR c._rid IS NULL"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE {left} AS
            SELECT _rid FROM cc_snap_diff WHERE _rid IS NOT NULL
            UNION ALL
            SELECT rowid FROM {hist}
            WHERE {VALID_TO} IS NULL AND {TEXT_HASH} IS NULL AND {append}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {CAME_KEYS} AS
            SELECT _row_no, _th FROM cc_snap_diff WHERE _row_no IS NOT NULL"""
    )
    con.execute("DROP TABLE cc_snap_diff")
    came = f"cc_came_text_{source.name}"
    numbered = f"{row_no_sql} AS _row_no, *" if row_no_sql else "*"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {came} AS
            SELECT {numbered} FROM {text_table}
            WHERE {row_no} IN (SELECT _row_no FROM {CAME_KEYS})"""
    )
    return Split(left, came, f"{work}_came", append, unique, stored_until)


def _unique_in_force(con, source: Source, stored_until: dt.date | None) -> bool:
    """Whether no text hash repeats among the rows in force (`cc_snap_cur`): what
    this run's last append of the source left (`_IN_FORCE`, while the history
    still speaks for the same date), else counted."""
    known = _IN_FORCE.get(con, {}).get(source.name)
    if known is not None and known[0] == stored_until:
        return known[1]
    return not _numbered(con, [("cc_snap_cur", "_th")])


def _kept_sql(
    source: Source, split: Split, load_id: str, day, file_name, exact: bool, hist: str = ""
) -> str:
    """The rows in force delivered again, with their stored typed values and this
    delivery's lineage. `exact`: with this delivery's row numbers (a join of every
    kept row with its delivered one); otherwise with the row numbers they were first
    delivered with, which nothing that judges a delivery reads."""
    lit = {
        "_load_id": "'" + load_id.replace("'", "''") + "'",
        "_extract_date": f"DATE '{day.isoformat()}'",
        "_source_file": "'" + file_name.replace("'", "''") + "'",
    }
    if exact and split.append:
        lit["_row_no"] = "m._row_no"
    cols = ", ".join(f"{lit.get(n, 'h.' + _q(n))} AS {_q(n)}" for n, _ in source.raw_columns())
    hist = hist or history_table(source)
    if not split.append:
        return f"SELECT {cols} FROM {hist} AS h WHERE false"
    if exact:
        return f"""SELECT {cols} FROM {hist} AS h INNER JOIN (
                       SELECT c._rid, n._row_no FROM cc_snap_cur AS c INNER JOIN {KEYS} AS n
                           ON n._th = c._th AND n._occ = c._occ) AS m ON h.rowid = m._rid"""
    return f"""SELECT {cols} FROM {hist} AS h WHERE {VALID_TO} IS NULL
                   AND rowid NOT IN (SELECT _rid FROM {split.left})"""


def kept_view(con, source: Source, split: Split, view: str, load_id: str, day, file_name) -> None:
    """The delivery's typed rows as one view `view`, what the gate judges: the rows
    in force delivered again (`_kept_sql`), then the rows that came, typed
    (`split.typed`). `delivered_sql` gives the same rows with their row numbers."""
    db = con.execute("SELECT current_database()").fetchone()[0]  # the view is in `cc_work`
    hist = f'"{db}".{history_table(source)}'
    kept = _kept_sql(source, split, load_id, day, file_name, False, hist)
    cols = ", ".join(_q(n) for n, _ in source.raw_columns())
    con.execute(
        f"CREATE OR REPLACE VIEW {view} AS {kept} UNION ALL SELECT {cols} FROM {split.typed}"
    )


def delivered_sql(source: Source, split: Split, load_id: str, day, file_name) -> str:
    """The delivery's typed rows exactly as typing all of them gives (row numbers
    included): what a quarantined snapshot stores."""
    kept = _kept_sql(source, split, load_id, day, file_name, exact=True)
    return f"""{kept} UNION ALL
               SELECT {", ".join(_q(n) for n, _ in source.raw_columns())} FROM {split.typed}"""


def add_snapshot(
    con,
    source: Source,
    load_id: str,
    day: dt.date,
    select_sql: str | None = None,
    params: list | None = None,
    table: str | None = None,
    split: Split | None = None,
) -> None:
    """Store a good snapshot delivery: the rows of `table` (a table with the raw
    columns, e.g. the delivery's work table) or of `select_sql`.

    `split` (`split_delivered`: the rows in force that were not delivered again,
    and the delivery's typed rows that came): only these are compared; the rows
    stored take their text hash from `CAME_KEYS`.

    Runs inside the caller's transaction, after earlier deliveries of the same
    date were marked superseded and before this one is recorded as loaded.
    """
    if table is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE cc_hist_rows AS {select_sql}", params or [])
        table = "cc_hist_rows"
    text_hash = "NULL"
    if split is not None:
        text_hash = f"(SELECT k._th FROM {CAME_KEYS} AS k WHERE k._row_no = r._row_no)"
    left, came = (split.left, split.typed) if split is not None else (None, table)
    known = _IN_FORCE.setdefault(con, {})
    known.pop(source.name, None)  # until this snapshot is stored, nothing is known
    # split_delivered read it just now (this delivery's turn: nothing wrote the history since)
    stored_until = split.stored_until if split is not None else _stored_until(con, source)
    append = stored_until is None or day > stored_until
    if append:
        changed = _append(con, source, day, came, left, text_hash)
        if split is not None:  # the rows in force are rows it delivered
            known[source.name] = (day if changed else stored_until, split.unique)
    else:  # nothing was kept (`split_delivered`): what came is the whole snapshot
        _rebuild(con, source, day, came, text_hash)
    con.execute("DROP TABLE IF EXISTS cc_hist_rows")


def _rebuild(con, source: Source, day: dt.date, rows_table: str, text_hash_sql: str) -> None:
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
    _append(con, source, day, rows_table, text_hash_sql=text_hash_sql)
    for i, (d, _) in enumerate(later):
        _append(con, source, d, f"cc_hist_later_{i}", text_hash_sql=f"r.{TEXT_HASH}")
        con.execute(f"DROP TABLE cc_hist_later_{i}")


def migrate(con, source: Source) -> None:
    """A warehouse from before issue 11 holds raw.<source> as full copies: fold them."""
    # duckdb_tables() holds base tables only (the view of today is not one); read
    # in the warehouse's own catalog: ~1 ms, where information_schema took ~10
    # (every process opening the warehouse asks for each snapshot source)
    full_copies = con.execute(
        "SELECT 1 FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = 'raw' AND table_name = ?",
        [source.name],
    ).fetchone()
    if full_copies is None:
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
