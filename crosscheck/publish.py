"""The serving copy: what readers open, swapped in atomically after a build.

Readers (notebooks, exports, the report, status and backup while a writer is
at work) never open the live warehouse, so they never see a half-built state
and never block the nightly writer.

Publishing costs what the readers' tables cost, not the history (issue 11):
the serving copy is a small new DuckDB file holding copies of the marts, the
rule tables, the seeds, the bookkeeping and the few intermediate tables the
lookups read (`SERVED_INTERMEDIATE`; not the ledger's version history nor the
payment-month and card-snapshot expansions), the staging views, and views of
the raw and quarantined deliveries over immutable Parquet files, one per
promoted load, written once when the load first appears
(`<stem>.serving.parquet/<schema>/<table>/`); a snapshot source's change
history (crosscheck/ingest/history.py) is one file, rewritten on the nights a
snapshot of it arrives, under the same view as in the warehouse. The views
name their files, so a later night's files never show in an older serving
copy; a file of a load gone from the warehouse (superseded) is deleted one
publication later, once no serving copy names it.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
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
    from crosscheck.spark import SCHEMA_FILE, ExportReport, _copy, _export_loads
    from crosscheck.warehouse import connect

    tmp = target.with_name(f".{target.name}.tmp")
    for p in (tmp, tmp.with_name(tmp.name + ".wal")):
        p.unlink(missing_ok=True)
    files_root = parquet_dir(warehouse)
    manifest_path = files_root / MANIFEST
    previous = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest: dict[str, list[str]] = {}
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
        report = ExportReport(root=files_root)
        for schema, table in tables:
            if schema not in LOAD_SCHEMAS:
                continue
            folder = files_root / schema / table
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{_q(schema)}.{_q(table)}"
            if not (folder / SCHEMA_FILE).exists():
                _copy(con, f"select * from {name} limit 0", folder / SCHEMA_FILE)
            key = f"{schema}.{table}"
            keep = frozenset(previous.get(key, []))
            if table.endswith("_history"):  # snapshot change history: rows end in place
                manifest[key] = _export_history(con, name, folder, keep)
            else:
                manifest[key] = _export_loads(con, name, folder, report, keep=keep)
        con.execute("ATTACH ? AS cc_serving", [str(tmp)])  # a path is data: bound
        try:
            for schema in sorted({s for s, _ in tables} | {s for s, _ in views}):
                if schema in VIEW_SCHEMAS:
                    con.execute(f"CREATE SCHEMA IF NOT EXISTS cc_serving.{_q(schema)}")
            for schema, table in tables:
                if schema in COPIED_SCHEMAS or (
                    schema == "intermediate" and table in SERVED_INTERMEDIATE
                ):
                    name = f"{_q(schema)}.{_q(table)}"
                    con.execute(f"CREATE TABLE cc_serving.{name} AS SELECT * FROM {name}")
            for key, files in manifest.items():
                schema, table = key.split(".", 1)
                folder = files_root / schema / table
                paths = ", ".join(_lit(str(folder / f)) for f in [SCHEMA_FILE, *files])
                con.execute(
                    f"CREATE VIEW cc_serving.{_q(schema)}.{_q(table)} AS "
                    f"SELECT * FROM read_parquet([{paths}])"
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
    os.replace(tmp, target)
    # the next publication keeps the files this copy names (readers may hold it
    # open) and deletes those of loads gone since the one before
    tmp_manifest = manifest_path.with_name("." + MANIFEST + ".tmp")
    tmp_manifest.write_text(json.dumps(manifest, indent=0) + "\n")
    os.replace(tmp_manifest, manifest_path)


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
