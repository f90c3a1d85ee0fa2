"""Backing up and restoring what cannot be rebuilt: load records and decisions.

dbt rebuilds the models from raw, and raw from the archive; the load
bookkeeping (meta.*) and people's review decisions (review.*) exist nowhere
else. `backup` writes every table of those schemas to Parquet with a
manifest of row counts and sha256s; `restore` checks the manifest and puts
the rows back in one transaction (into an empty warehouse, or replacing the
tables' rows with `replace=True`). No SQL is built from paths: files are
written and read with pyarrow, tables named from the catalogue are quoted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crosscheck.errors import CrosscheckError
from crosscheck.query import scalar
from crosscheck.review.privacy import private_dir, private_files

SCHEMAS = ("meta", "review")
MANIFEST = "manifest.json"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class BackupResult:
    folder: Path
    tables: dict[str, int] = field(default_factory=dict)  # schema.table -> rows
    note: str | None = None


def backup(warehouse: Path | str, out: Path | str) -> BackupResult:
    """Write meta.* and review.* to `out` (Parquet + manifest); never waits for a writer."""
    import pyarrow.parquet as pq

    from crosscheck.publish import reading

    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise CrosscheckError(f"warehouse {warehouse} does not exist")
    out = private_dir(out)
    if (out / MANIFEST).exists():
        raise CrosscheckError(f"{out} already holds a backup; choose an empty folder")
    result = BackupResult(folder=out)
    manifest: dict[str, Any] = {"warehouse": warehouse.name, "tables": []}
    with reading(warehouse) as (con, note):
        result.note = note
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name IN (?, ?) "
            "ORDER BY 1, 2",
            list(SCHEMAS),
        ).fetchall()
        for schema, table in tables:
            arrow = con.sql(f"SELECT * FROM {_q(schema)}.{_q(table)}").to_arrow_table()
            path = out / f"{schema}.{table}.parquet"
            with private_files():
                pq.write_table(arrow, path)
            manifest["tables"].append(
                {
                    "schema": schema,
                    "table": table,
                    "file": path.name,
                    "rows": arrow.num_rows,
                    "sha256": _sha(path),
                }
            )
            result.tables[f"{schema}.{table}"] = arrow.num_rows
    manifest["created_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with private_files():
        tmp = out / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, out / MANIFEST)
    return result


def read_manifest(folder: Path) -> dict:
    """The manifest, each file checked against its sha256 and row count."""
    import pyarrow.parquet as pq

    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CrosscheckError(f"no readable backup manifest at {path}: {e}") from None
    for t in manifest.get("tables", []):
        f = Path(folder) / t["file"]
        if Path(t["file"]).name != t["file"] or not f.is_file():
            raise CrosscheckError(f"backup file {t['file']!r} is missing")
        if _sha(f) != t["sha256"]:
            raise CrosscheckError(f"backup file {t['file']} does not match its sha256")
        if pq.ParquetFile(f).metadata.num_rows != t["rows"]:
            raise CrosscheckError(f"backup file {t['file']} does not hold {t['rows']} rows")
        if t["schema"] not in SCHEMAS:
            raise CrosscheckError(f"backup names schema {t['schema']!r}, not one of {SCHEMAS}")
    return manifest


def restore(warehouse: Path | str, source: Path | str, *, replace: bool = False) -> dict[str, int]:
    """Put a backup's rows back, in one transaction; refuse to mix with existing rows."""
    import pyarrow.parquet as pq

    from crosscheck.locking import writer_lock
    from crosscheck.warehouse import open_warehouse

    source = Path(source)
    manifest = read_manifest(source)
    restored: dict[str, int] = {}
    with writer_lock(warehouse):
        con = open_warehouse(warehouse)
        try:
            existing = {
                (s, t)
                for s, t in con.execute(
                    "SELECT schema_name, table_name FROM duckdb_tables() "
                    "WHERE database_name = current_database()"
                ).fetchall()
            }
            busy = []
            for t in manifest["tables"]:
                key = (t["schema"], t["table"])
                name = f"{_q(t['schema'])}.{_q(t['table'])}"
                if key in existing and scalar(con, f"SELECT count(*) FROM {name}"):
                    busy.append(f"{t['schema']}.{t['table']}")
            if busy and not replace:
                raise CrosscheckError(
                    "the warehouse already has rows in " + ", ".join(busy) + "; restore into "
                    "an empty warehouse, or pass --replace to replace them"
                )
            con.execute("BEGIN TRANSACTION")
            try:
                for t in manifest["tables"]:
                    name = f"{_q(t['schema'])}.{_q(t['table'])}"
                    arrow = pq.read_table(source / t["file"])
                    con.register("cc_restore", arrow)
                    if (t["schema"], t["table"]) in existing:
                        con.execute(f"DELETE FROM {name}")
                        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM cc_restore")
                    else:
                        con.execute(f"CREATE TABLE {name} AS SELECT * FROM cc_restore")
                    con.unregister("cc_restore")
                    restored[f"{t['schema']}.{t['table']}"] = arrow.num_rows
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        finally:
            con.close()
    return restored
