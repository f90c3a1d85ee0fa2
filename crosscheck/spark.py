"""The dbt models on Apache Spark: the tables dbt reads, handed over as Parquet.

Ingestion and the quality gate stay in DuckDB. After a night's ingest,
`export_sources` writes every source table dbt reads (`raw.*`, `meta.*`,
`review.*`, as declared in dbt_project/models/sources.yml) to Parquet under
`<spark dir>/parquet/<schema>/<table>/`. Raw deliveries are immutable: one
file per promoted load, written once, removed when the load is superseded;
the small meta and review tables are rewritten whole. The Spark targets'
`on-run-start` hook (macros/spark.sql) registers each folder as an external
Parquet table, so `dbt build --target spark` needs no hand step.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from crosscheck import yamlfile
from crosscheck.config import DBT_PROJECT_DIR
from crosscheck.errors import CrosscheckError
from crosscheck.query import scalar

# A zero-row file in every table folder: Spark infers a table's columns from
# its files, and a source with no load yet must still have them.
SCHEMA_FILE = "schema.parquet"


def spark_dir(warehouse: Path | str) -> Path:
    """Where the Spark side of a warehouse lives: CROSSCHECK_SPARK_DIR, else
    `spark/` beside the warehouse file (Parquet sources, Spark's tables and its
    catalog)."""
    env = os.environ.get("CROSSCHECK_SPARK_DIR")
    if env:
        return Path(env).resolve()
    return Path(warehouse).resolve().parent / "spark"


def source_tables() -> list[tuple[str, str]]:
    """(schema, table) of every source dbt reads, from models/sources.yml."""
    doc = yamlfile.read(DBT_PROJECT_DIR / "models" / "sources.yml")
    return [
        (src.get("schema", src["name"]), t["name"])
        for src in doc["sources"]
        for t in src.get("tables", [])
    ]


@dataclass
class ExportReport:
    root: Path
    written: list[str] = field(default_factory=list)  # files written this time
    removed: list[str] = field(default_factory=list)  # files of loads gone from raw
    rows: dict[str, int] = field(default_factory=dict)  # schema.table -> rows


def _file_name(load_id: str) -> str:
    # Load ids hold ':' (`ledger:20261030:ab12…`), which Hadoop paths refuse.
    return re.sub(r"[^A-Za-z0-9_.-]", "_", load_id) + ".parquet"


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _copy(con, query: str, target: Path, params: list | None = None) -> None:
    """COPY a query to one Parquet file, atomically (temp name, then rename)."""
    tmp = target.with_name("." + target.name + ".tmp")
    con.execute(f"COPY ({query}) TO {_quote(tmp)} (FORMAT parquet)", params or [])
    os.replace(tmp, target)


def export_sources(warehouse: Path | str, root: Path | str | None = None) -> ExportReport:
    """Write the tables dbt reads to Parquet for Spark; returns what changed.

    Re-running is cheap: raw loads already exported are kept as they are.
    """
    from crosscheck.warehouse import connect

    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise CrosscheckError(f"warehouse {warehouse} does not exist")
    root = Path(root) if root else spark_dir(warehouse) / "parquet"
    report = ExportReport(root=root)
    con = connect(warehouse)
    try:
        existing = {
            (s, t)
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        for schema, table in source_tables():
            if (schema, table) not in existing:
                raise CrosscheckError(
                    f"{schema}.{table} is not in {warehouse}; ingest at least once first"
                )
            folder = root / schema / table
            folder.mkdir(parents=True, exist_ok=True)
            name = f'"{schema}"."{table}"'
            _copy(con, f"select * from {name} limit 0", folder / SCHEMA_FILE)
            report.rows[f"{schema}.{table}"] = scalar(con, f"select count(*) from {name}")
            if schema == "raw":
                _export_loads(con, name, folder, report)
            else:
                _copy(con, f"select * from {name}", folder / "all.parquet")
                report.written.append(str(folder / "all.parquet"))
    finally:
        con.close()
    return report


def _export_loads(
    con, name: str, folder: Path, report: ExportReport, keep: frozenset[str] = frozenset()
) -> list[str]:
    """One immutable file per promoted load; files of loads no longer in raw go
    (unless named in `keep`: the serving copy's previous generation still reads
    them). Returns the file names of the loads now in the table, in load order.

    The loads without a file are written in one statement (`_write_loads`): a
    go-live's backlog has a thousand, and a statement each cost ~5 ms apiece."""
    loads = [r[0] for r in con.execute(f"select distinct _load_id from {name}").fetchall()]
    wanted = {_file_name(lid): lid for lid in loads}
    for f in folder.glob("*.parquet"):
        if f.name != SCHEMA_FILE and f.name not in wanted and f.name not in keep:
            f.unlink()
            report.removed.append(str(f))
    missing = {f: lid for f, lid in sorted(wanted.items()) if not (folder / f).exists()}
    _write_loads(con, name, folder, missing)
    report.written += [str(folder / f) for f in missing]
    return sorted(wanted)


# From this many loads without a file, they are written partitioned, in one COPY.
BATCHED_LOADS = 8


def _write_loads(con, name: str, folder: Path, missing: dict[str, str]) -> None:
    """Write each load of `missing` (file name -> load id) to its file, each file
    appearing whole (renamed into place). A few go one by one, rows in `_row_no`
    order; many go in one partitioned COPY, whose files keep no row order (DuckDB's
    partitioned write does not, even on one thread): a load's rows carry their
    `_row_no`. A load that COPY does not give exactly one file is written alone."""
    if len(missing) >= BATCHED_LOADS:
        missing = _write_partitioned(con, name, folder, missing)
    for fname, load_id in missing.items():
        _copy(con, f"select * from {name} where _load_id = ? order by _row_no",
              folder / fname, [load_id])  # fmt: skip


def _write_partitioned(con, name: str, folder: Path, missing: dict[str, str]) -> dict[str, str]:
    """`_write_loads` in one COPY; returns the loads it did not write."""
    tmp = folder / ".loads.tmp"
    by_id = {lid: f for f, lid in missing.items()}
    left = dict(missing)
    try:
        written = copy_partitioned(
            con, f"select * from {name} where list_contains(?, _load_id)", "_load_id", tmp,
            [list(missing.values())],
        )  # fmt: skip
        for load_id, files in written.items():
            fname = by_id.get(load_id)
            if fname is not None and len(files) == 1:
                os.replace(files[0], folder / fname)
                left.pop(fname)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return left


def copy_partitioned(
    con, query: str, key: str, scratch: Path, params: list | None = None
) -> dict[str, list[Path]]:
    """COPY a query's rows to Parquet files under `scratch` (emptied first), one
    folder per value of the SQL expression `key`; returns each value's files,
    sorted. The rows keep every column of the query (the key is written as a
    column of its own, dropped from the files); the callers rename the files into
    place, so each appears whole."""
    if scratch.exists():
        shutil.rmtree(scratch)
    con.execute(
        f"COPY (SELECT *, {key} AS __part FROM ({query})) TO {_quote(scratch)} "
        "(FORMAT parquet, PARTITION_BY (__part), FILENAME_PATTERN 'f{i}')",
        params or [],
    )
    return {  # a folder per value: __part=<the value, %-quoted>
        unquote(sub.name.partition("=")[2]): sorted(sub.glob("*.parquet"))
        for sub in sorted(scratch.iterdir())
    }


def spark_env(warehouse: Path | str) -> dict[str, str]:
    """Environment of a Spark-target dbt run (profiles.yml reads it)."""
    d = spark_dir(warehouse)
    d.mkdir(parents=True, exist_ok=True)
    return {"CROSSCHECK_SPARK_DIR": str(d)}
