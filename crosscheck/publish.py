"""The serving copy: what readers open, swapped in atomically after a build.

Readers (notebooks, exports, the report, status and backup while a writer is
at work) never open the live warehouse, so they never see a half-built state
and never block the nightly writer.

Publishing costs what changed, not the history (issue 11): the serving copy
is a small new DuckDB file holding copies of the marts, the rule tables, the
seeds, the bookkeeping and the small intermediate tables the lookups read
(`SERVED_INTERMEDIATE`; not the ledger's version history nor the
payment-month and card-snapshot expansions), the staging views, and views
over immutable Parquet files under `<stem>.serving.parquet/<schema>/<table>/`:

- the raw and quarantined deliveries, one file per promoted load, written
  once when the load first appears; a snapshot source's change history
  (crosscheck/ingest/history.py) is one file, rewritten on the nights a
  snapshot of it arrives, under the same view as in the warehouse;
- the large intermediate tables (`SERVED_AS_FILES`): `int_payments` in one
  part per extract date of each payment's winning version, of which only the
  parts holding a payment the build touched are rewritten (read from its
  incremental plan; every part when the plan does not follow the published
  one); `int_persons` and `int_vehicles` as one part each, rewritten when what
  its rows are made from changed (the build's record of a kept table, else a
  hash of its rows).

The views name their files and a file is never rewritten in place, so a
serving copy is one build and a later night's files never show in it. The
manifest (written before the swap) names the new copy's files and those of
the copy in place; a publication deletes the files neither the copy in place
nor the one it replaced names, so a reader's copy stays whole through the next
two publications (a night's, and a re-run's).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import duckdb

from crosscheck.config import serving_path
from crosscheck.errors import CrosscheckError
from crosscheck.locking import describe_holder, is_duckdb_lock_error, lock_path, writer_lock
from crosscheck.warehouse import open_file

# Copied whole into the serving copy every night: what readers query.
COPIED_SCHEMAS = ("marts", "rules", "reference", "meta", "review", "linkage")
# Of the intermediate state, only what the lookups `crosscheck person/finding`
# (crosscheck/review/lookup.py) read: a copy costs every night, and the other
# intermediate tables (the ledger's versions, payment months, card snapshots,
# the marts' helpers) grow with the history. tests/pipeline/test_serving.py
# holds every reader in the package and the notebooks to this list.
SERVED_INTERMEDIATE = frozenset(
    {"int_persons", "int_snapshot_dates", "int_death_dates", "int_vehicles", "int_payments"}
)
# The large served tables: Parquet parts behind the serving copy's views, not
# copies. int_payments grows with the history: one part per extract date of a
# payment's winning version, only the parts holding a payment the night's
# build touched rewritten (read from its incremental plan). int_persons and
# int_vehicles follow the latest snapshot: one part, rewritten when the fingerprint
# its build recorded changed (a snapshot arrived; `_built_from`).
PART_FORMAT, UNDATED_PART = "d%Y%m%d", "dnone"  # a part's name: its extract date, or none
PART_KEY = f"coalesce(strftime(_extract_date, '{PART_FORMAT}'), '{UNDATED_PART}')"
SERVED_AS_FILES: dict[str, str | None] = {
    "intermediate.int_payments": PART_KEY,
    "intermediate.int_persons": None,
    "intermediate.int_vehicles": None,
}
# Views re-created over the served tables (staging reads raw, as in the warehouse).
VIEW_SCHEMAS = (*COPIED_SCHEMAS, "intermediate", "raw", "quarantine", "staging")
# Served as views over one immutable Parquet file per load.
LOAD_SCHEMAS = ("raw", "quarantine")
MANIFEST = "manifest.json"


def parquet_dir(warehouse: Path | str) -> Path:
    """The serving copy's Parquet files of raw loads: `<stem>.serving.parquet/` beside it."""
    serving = serving_path(Path(warehouse))
    return serving.with_name(serving.stem + ".parquet")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish(warehouse: Path | str, *, take_lock: bool = True) -> Path:
    """Write a new serving copy and swap it in atomically; return its path."""
    warehouse = Path(warehouse)
    target = serving_path(warehouse)

    def _publish() -> None:
        old = os.umask(0o077)
        try:
            _write_serving(warehouse, target)
        finally:
            os.umask(old)

    if take_lock:
        with writer_lock(warehouse):
            _publish()
    else:
        _publish()
    return target


def _write_serving(warehouse: Path, target: Path) -> None:
    from crosscheck.warehouse import connect, cursor

    tmp = target.with_name(f".{target.name}.tmp")
    for p in (tmp, tmp.with_name(tmp.name + ".wal")):
        p.unlink(missing_ok=True)
    files_root = parquet_dir(warehouse)
    manifest_path = files_root / MANIFEST
    previous = _read_manifest(manifest_path)
    con = connect(warehouse)
    try:
        # the night's work into the file itself (not left in the WAL): a copy or
        # backup of the warehouse file alone is then the state just published
        con.execute("CHECKPOINT")
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() ORDER BY 1, 2"
        ).fetchall()
        views = con.execute(
            "SELECT schema_name, sql FROM duckdb_views() WHERE NOT internal "
            "AND database_name = current_database() ORDER BY schema_name, view_name"
        ).fetchall()
        con.execute("ATTACH ? AS cc_serving", [str(tmp)])  # a path is data: bound
        try:
            for schema in sorted({s for s, _ in tables} | {s for s, _ in views}):
                if schema in VIEW_SCHEMAS:
                    con.execute(f"CREATE SCHEMA IF NOT EXISTS cc_serving.{_q(schema)}")
            # Two independent halves: the copies into the serving file, then the
            # loads' and histories' files, go on a second connection of the same
            # instance (DuckDB lets go of Python's lock), on a thread, while this one
            # writes the parts of SERVED_AS_FILES.
            parts = [t for t in tables if ".".join(t) in SERVED_AS_FILES]
            other = [t for t in tables if t not in parts]
            side = cursor(con)  # on the warehouse's catalog (a file named like a schema)
            try:
                with ThreadPoolExecutor(1, thread_name_prefix="crosscheck-publish") as pool:
                    done = pool.submit(_copies_and_loads, side, other, files_root, previous)
                    files, state = _export_files(con, parts, files_root, previous)
                files.update(done.result()[0])
            finally:
                side.close()
            for key, names in files.items():
                schema, table = key.split(".", 1)
                folder = files_root / schema / table
                paths = ", ".join(_lit(str(folder / f)) for f in names)
                con.execute(
                    f"CREATE VIEW cc_serving.{_q(schema)}.{_q(table)} AS "
                    f"SELECT * FROM read_parquet([{paths}], hive_partitioning = false)"
                )
        finally:
            con.execute("DETACH cc_serving")
    finally:
        con.close()
    # the warehouse's own views (review.current_decisions, raw.<snapshot source>
    # over its change history): the same SQL over the served tables
    srv = open_file(tmp)
    try:
        from crosscheck.ingest import history
        from crosscheck.ingest.sources import load_sources

        for source in load_sources().values():  # the snapshot macros staging reads
            if source.kind == "snapshot":
                srv.execute(history.create_sql(source)[-1])
        pending = [sql for schema, sql in views if schema in VIEW_SCHEMAS]
        while pending:  # views may read views: create in dependency order
            failed = []
            for sql in pending:
                try:
                    srv.execute(sql)
                except duckdb.CatalogException:
                    failed.append(sql)
            if len(failed) == len(pending):
                break  # what reads an unserved intermediate table is not served
            pending = failed
        srv.execute("CHECKPOINT")
    finally:
        srv.close()
    os.chmod(tmp, 0o600)
    # The manifest goes first, naming the new copy's files and (kept) those of
    # the copy in place: whether or not the swap below happens, the next
    # publication keeps every file a serving copy in place or just replaced
    # names (readers may hold it open), and deletes the rest.
    doc = {"version": 2, "files": files, "kept": previous["files"], "state": state}
    tmp_manifest = manifest_path.with_name("." + MANIFEST + ".tmp")
    tmp_manifest.write_text(json.dumps(doc, indent=0) + "\n")
    os.replace(tmp_manifest, manifest_path)
    os.replace(tmp, target)


def _copy_tables(con, tables: list[tuple[str, str]]) -> None:
    """The copied tables into the attached serving file (COPIED_SCHEMAS, SERVED_INTERMEDIATE)."""
    for schema, table in tables:
        if f"{schema}.{table}" in SERVED_AS_FILES:
            continue
        if schema in COPIED_SCHEMAS or (schema == "intermediate" and table in SERVED_INTERMEDIATE):
            name = f"{_q(schema)}.{_q(table)}"
            con.execute(f"CREATE TABLE cc_serving.{name} AS SELECT * FROM {name}")


def _copies_and_loads(con, tables: list[tuple[str, str]], files_root: Path, previous: dict):
    """The publication's second half (`_write_serving`): `_copy_tables`, then
    `_export_files` of the loads and the snapshot histories."""
    _copy_tables(con, tables)
    return _export_files(con, tables, files_root, previous)


def _export_files(
    con, tables: list[tuple[str, str]], files_root: Path, previous: dict
) -> tuple[dict[str, list[str]], dict[str, dict]]:
    """The tables served as Parquet files written (the loads, the snapshot histories,
    SERVED_AS_FILES): per table, the files its view names, and the parts' state."""
    from crosscheck.spark import SCHEMA_FILE, ExportReport, _copy, _export_loads

    files: dict[str, list[str]] = {}  # per served table, the files its view names
    state: dict[str, dict] = {}
    report = ExportReport(root=files_root)
    for schema, table in tables:
        key = f"{schema}.{table}"
        if schema not in LOAD_SCHEMAS and key not in SERVED_AS_FILES:
            continue
        folder = files_root / schema / table
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{_q(schema)}.{_q(table)}"
        # files the serving copy in place (or the one it replaced) names stay
        keep = frozenset(previous["files"].get(key, []) + previous["kept"].get(key, []))
        if key in SERVED_AS_FILES:
            files[key], state[key] = _export_parts(
                con, key, folder, previous["files"].get(key), previous["state"].get(key)
            )
            _prune(folder, set(files[key]) | keep)
            continue
        if not (folder / SCHEMA_FILE).exists():
            _copy(con, f"select * from {name} limit 0", folder / SCHEMA_FILE)
        if table.endswith("_history"):  # snapshot change history: rows end in place
            files[key] = [SCHEMA_FILE, *_export_history(con, name, folder, keep)]
        else:
            files[key] = [SCHEMA_FILE, *_export_loads(con, name, folder, report, keep=keep)]
    return files, state


def _read_manifest(path: Path) -> dict:
    """The last publication's manifest: the files its copy's views name, those
    of the copy it replaced (kept), and the parts' state. A manifest of before
    the parts (`{table: [file]}`, the schema file implied) is read as files."""
    doc = json.loads(path.read_text()) if path.exists() else {}
    if doc.get("version") != 2:
        return {
            "files": {k: ["schema.parquet", *v] for k, v in doc.items()},
            "kept": {},
            "state": {},
        }
    return {"files": doc["files"], "kept": doc.get("kept", {}), "state": doc["state"]}


def _prune(folder: Path, named: set[str]) -> None:
    """Delete the parts no serving copy names (one a failed publication wrote,
    or one two publications old), and what a killed one left half-written."""
    for f in folder.glob("*.parquet"):
        if f.name not in named:
            f.unlink()
    for f in folder.glob(".*.tmp"):
        f.unlink()
    for d in folder.glob(".write-*"):
        shutil.rmtree(d, ignore_errors=True)


def _signature(con, name: str) -> str:
    """The table's columns and types, hashed: parts of other columns are not reused."""
    cols = con.execute(f"SELECT * FROM {name} LIMIT 0").description
    text = ", ".join(f"{c[0]} {c[1]}" for c in cols)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _export_parts(
    con, key: str, folder: Path, old_files: list[str] | None, old_state: dict | None
) -> tuple[list[str], dict]:
    """A large table served as immutable Parquet parts (SERVED_AS_FILES): the
    files its view names and the state the next publication starts from."""
    from crosscheck.spark import _copy

    schema, table = key.split(".", 1)
    name = f"{_q(schema)}.{_q(table)}"
    sig = _signature(con, name)
    if SERVED_AS_FILES[key] is None:
        # One part, named by what its rows are made from: the build's record of
        # a kept table (`_built_from`), else the row count and the sum of every
        # row's 64-bit hash (order-free; DuckDB combines a row's columns in
        # order); with the columns. Rewritten when that changed.
        built = _built_from(con, schema, table)
        if built is not None:
            fp = hashlib.sha256(f"{sig}|built from {built}".encode()).hexdigest()[:16]
        else:
            n, total = con.execute(
                f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {name} AS t"
            ).fetchone()
            fp = hashlib.sha256(f"{sig}|{n}|{total}".encode()).hexdigest()[:16]
        file = f"all-{fp}.parquet"
        if not (folder / file).exists():
            _copy(con, f"select * from {name}", folder / file)
        return [file], {"signature": sig, "fingerprint": fp}
    schema_file = f"schema-{sig}.parquet"
    if not (folder / schema_file).exists():
        _copy(con, f"select * from {name} limit 0", folder / schema_file)
    old = old_files or []
    if old_state is None or old_state.get("signature") != sig:
        old, old_state = [], None  # other columns (or no state): every part anew
    parts, state = _export_payment_parts(con, name, folder, old, old_state)
    return [schema_file, *parts], {"signature": sig, **state}


def _built_from(con, schema: str, table: str) -> str | None:
    """The fingerprint a kept table's build recorded (`<table>__sync`,
    dbt_project/macros/kept_tables.sql): its model's code, the code upstream,
    the rulebook's parameters and the snapshots it reads. Equal fingerprints,
    equal rows (a kept table equals a full rebuild for the same inputs), so a
    night that kept int_persons does not hash its million rows to find out.
    None when there is no such record (the table is then hashed)."""
    sync = f"{table}__sync"
    found = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ? AND column_name = 'fingerprint'",
        [schema, sync],
    ).fetchone()[0]
    if not found:
        return None
    got = con.execute(f"SELECT fingerprint FROM {_q(schema)}.{_q(sync)}").fetchall()
    return str(got[0][0]) if len(got) == 1 and got[0][0] is not None else None


def _part_of(file: str) -> str:
    return file.split("-", 1)[0]


def _export_payment_parts(
    con, name: str, folder: Path, old_files: list[str], old_state: dict | None
) -> tuple[list[str], dict]:
    """int_payments in parts by the extract date of each payment's winning
    version (PART_KEY): a night's new and updated payments land in the newest.

    Which parts changed is read from the incremental plan (int_payments__plan,
    __touched: dbt_project/macros/incremental_payments.sql), not from the
    rows: a build that recomputed only the touched payments left every other
    row as it was. When the plan is the one the last publication reflects,
    no part is written; when it follows it (its previous_seq is that one, not a
    full rebuild), the parts holding a touched payment before or after are
    rewritten. Anything else (a full rebuild, a build that was not published,
    no plan or state, other columns) rewrites every part. The kept parts' row
    counts and the new ones must add up to the table's, else every part is
    rewritten."""
    part = PART_KEY
    plan = (
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'intermediate' "
            "AND table_name IN ('int_payments__plan', 'int_payments__touched')"
        ).fetchone()[0]
        == 2
    )
    seq = prev = None
    full = True
    if plan:
        seq, prev, full = con.execute(
            "SELECT seq, previous_seq, full_rebuild FROM intermediate.int_payments__plan"
        ).fetchone()
    old: dict[str, list[str]] = {}
    for f in old_files:
        if not f.startswith("schema-"):
            old.setdefault(_part_of(f), []).append(f)
    old_rows = (old_state or {}).get("rows", {})
    published = (old_state or {}).get("seq")
    dirty: set[str] | None = None  # None: every part
    on_disk = all((folder / f).exists() for fs in old.values() for f in fs)
    if plan and published is not None and set(old_rows) == set(old) and on_disk:
        if seq == published:
            dirty = set()
        elif prev == published and not full:
            touched = "(SELECT payment_id FROM intermediate.int_payments__touched)"
            dirty = {
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT {part} FROM {name} WHERE payment_id IN {touched}"
                ).fetchall()
            }
            if old:
                paths = ", ".join(_lit(str(folder / f)) for fs in old.values() for f in fs)
                dirty |= {
                    r[0]
                    for r in con.execute(
                        f"SELECT DISTINCT {part} FROM read_parquet([{paths}]) "
                        f"WHERE payment_id IN {touched}"
                    ).fetchall()
                }
    total = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    files: dict[str, list[str]] = {}
    rows: dict[str, int] = {}
    where: str = "true"
    params: list = []
    if dirty is not None:
        files = {p: fs for p, fs in old.items() if p not in dirty}
        rows = {p: n for p, n in old_rows.items() if p not in dirty}
        where, params = _parts_where(sorted(dirty))
        new_rows = _counts(con, name, part, where, params) if dirty else {}
        if sum(rows.values()) + sum(new_rows.values()) != total:
            dirty = None  # the parts would not add up to the table: start again
    if dirty is None:
        files, rows, where, params = {}, {}, "true", []
        new_rows = _counts(con, name, part, where, params)
    if new_rows:
        files.update(_write_parts(con, name, part, where, params, folder))
        rows.update(new_rows)
    return [f for p in sorted(files) for f in files[p]], {"seq": seq, "rows": rows}


def _parts_where(parts: list[str]) -> tuple[str, list]:
    """SQL (and its parameters) for the rows of int_payments in `parts` (PART_KEY
    values). The key is an expression, which DuckDB cannot push into the table
    scan: alone it reads every column of every payment ever made. A range on
    `_extract_date` itself is pushed down, so a night reads the row groups of
    the days it rewrites (1,000,000 persons, 15 months: 0.40 against 0.28 s)."""
    where = f"{PART_KEY} IN (SELECT unnest(?::VARCHAR[]))"
    if not parts or UNDATED_PART in parts:  # payments without an extract date: no range
        return where, [parts]
    days = sorted(dt.datetime.strptime(p, PART_FORMAT).date() for p in parts)
    bounds = f"_extract_date BETWEEN DATE '{days[0].isoformat()}' AND DATE '{days[-1].isoformat()}'"
    return f"{bounds} AND {where}", [parts]


def _counts(con, name: str, part: str, where: str, params: list) -> dict[str, int]:
    sql = f"SELECT {part} AS p, count(*) FROM {name} WHERE {where} GROUP BY p"
    return dict(con.execute(sql, params).fetchall())


def _write_parts(con, name, part, where, params, folder: Path) -> dict[str, list[str]]:
    """One COPY partitioned by the part key into a scratch folder
    (`spark.copy_partitioned`), then each file renamed to `<part>-<token>-<n>.parquet`
    beside the others (new names: a part is never overwritten)."""
    from crosscheck.spark import copy_partitioned

    token = uuid.uuid4().hex[:8]
    scratch = folder / f".write-{token}"
    try:
        written = copy_partitioned(
            con, f"SELECT * FROM {name} WHERE {where}", part, scratch, params
        )
        out: dict[str, list[str]] = {}
        for p, files in written.items():
            for n, f in enumerate(files):
                dest = f"{p}-{token}-{n}.parquet"
                os.replace(f, folder / dest)
                out.setdefault(p, []).append(dest)
        return out
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _export_history(con, name: str, folder: Path, keep: frozenset[str]) -> list[str]:
    """A snapshot source's change history as one file, rewritten when it changed
    (a snapshot arrived: rows were added or ended); files neither this nor the
    previous serving copy names go."""
    from crosscheck.spark import SCHEMA_FILE, _copy

    count, ended, mark = con.execute(
        f"SELECT count(*), count(_valid_to), "
        f"coalesce(sum(hash(_load_id, _valid_to, _row_no)), 0) FROM {name}"
    ).fetchone()
    file = f"history-{count}-{ended}-{int(mark) & 0xFFFFFFFFFFFF:012x}.parquet"
    if not (folder / file).exists():
        _copy(con, f"select * from {name}", folder / file)
    for f in folder.glob("*.parquet"):
        if f.name not in (SCHEMA_FILE, file) and f.name not in keep:
            f.unlink()
    return [file]


@contextmanager
def reading(warehouse: Path | str) -> Iterator[tuple[duckdb.DuckDBPyConnection, str | None]]:
    """A read-only connection that never waits for the writer: (connection, note).

    With no writer at work, the live warehouse is read (under a shared hold
    of the writer lock, so no writer starts mid-read); while one is at work
    (or another process holds the file), the last published serving copy is
    read and `note` says so and names the writer.
    """
    warehouse = Path(warehouse)
    lock = lock_path(warehouse)
    fd = os.open(lock, os.O_RDONLY) if lock.exists() else None
    busy = None
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                busy = describe_holder(lock)
        if busy is None:
            try:
                con = _connect_read(warehouse)
            except duckdb.IOException as e:
                if not is_duckdb_lock_error(e):
                    raise
                busy = "another process holding the file open"
            else:
                try:
                    yield con, None
                finally:
                    con.close()
                return
    finally:
        if fd is not None:
            os.close(fd)
    serving = serving_path(warehouse)
    if not serving.exists():
        raise CrosscheckError(
            f"warehouse {warehouse} is being written by {busy} and has no published "
            "serving copy yet; try again when it has finished"
        )
    con = open_file(serving, read_only=True)
    try:
        yield (
            con,
            f"a writer is at work ({busy}): showing the last published state ({serving.name})",
        )
    finally:
        con.close()


def _connect_read(warehouse: Path) -> duckdb.DuckDBPyConnection:
    return open_file(warehouse, read_only=True)
