"""The plain-DuckDB floor of `crosscheck bench`: the least a machine must do.

Reads the landing folder as of D the shortest way — the latest delivery of
each snapshot source (every `sscards` snapshot: R10 looks at cards at
payment time), every delivery of the incremental ones — with DuckDB's CSV
reader (GB18030 transcoded in Python: DuckDB ships no GB18030 decoder),
fastexcel for the XLSX (as the pipeline reads it), and computes the 14 rules of
docs/RULEBOOK.md in one SQL script (benchmarks/floor.sql). No verification, no quality gate, no
bookkeeping, no history, no linking: it is a reference for cost, not a
second implementation to trust (its finding counts are printed beside
Crosscheck's so a gross divergence shows).
"""

from __future__ import annotations

import codecs
import datetime as dt
import tempfile
from pathlib import Path

import duckdb

from crosscheck.config import DBT_PROJECT_DIR, REPO_ROOT, apply_duckdb_settings

FLOOR_SQL = REPO_ROOT / "benchmarks" / "floor.sql"
SNAPSHOT_LATEST = ("hukou", "vehicles", "assistance", "payroll")


def _deliveries(landing: Path, source: str, as_of: dt.date) -> list[tuple[dt.date, Path]]:
    out = []
    for folder in sorted((landing / source).glob("[0-9]" * 8)):
        day = dt.datetime.strptime(folder.name, "%Y%m%d").date()
        if day > as_of or not (folder / "_SUCCESS").exists():
            continue
        files = [p for p in folder.iterdir() if p.suffix in (".csv", ".xlsx")]
        if files:
            out.append((day, files[0]))
    return out


def _transcode(path: Path, encoding: str, tmp: Path) -> Path:
    target = tmp / (path.parent.name + "-" + path.name)
    with (
        open(path, encoding=encoding, newline="") as src,
        open(target, "w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(1 << 22):
            dst.write(chunk)
    return target


def _load_csv(con, source, files: list[tuple[dt.date, Path]], tmp: Path) -> None:
    enc = codecs.lookup((source.encoding or "utf-8").replace("UTF-8-BOM", "utf-8-sig")).name
    paths = []
    for _, p in files:
        paths.append(str(_transcode(p, enc, tmp) if enc not in ("utf-8", "utf-8-sig") else p))
    cols = ", ".join(f'"{c.header}" AS {c.name}' for c in source.columns)
    con.execute(
        f"""CREATE TABLE t_{source.name} AS
            SELECT {cols}, CAST(strptime(regexp_extract(filename, '(\\d{{8}})[^/]*$', 1),
                   '%Y%m%d') AS DATE) AS extract_date
            FROM read_csv(?, header = true, all_varchar = true, filename = true)""",
        [paths],
    )


def _load_xlsx(con, source, files: list[tuple[dt.date, Path]]) -> None:
    """The columns the rules need, each sheet read by fastexcel straight into Arrow
    (calamine underneath, as the pipeline's reader), numbers as Excel shows them."""
    import fastexcel

    keep = ("id_number", "card_no", "account_no", "financial_status", "card_status")
    header = {c.name: c.header for c in source.columns}
    con.execute(
        f"CREATE TABLE t_{source.name} ("
        + ", ".join(f"{k} VARCHAR" for k in keep)
        + ", extract_date DATE)"
    )
    cols = ", ".join(f"coalesce(\"{header[k]}\", '') AS {k}" for k in keep)
    for day, p in files:
        sheet = fastexcel.read_excel(str(p)).load_sheet(
            source.sheet, use_columns=[header[k] for k in keep], dtypes="string", eager=True
        )
        con.register("floor_sheet", sheet)
        try:
            con.execute(f"INSERT INTO t_{source.name} SELECT {cols}, ? FROM floor_sheet", [day])
        finally:
            con.unregister("floor_sheet")


def run_floor(landing: Path, as_of: dt.date, db: Path) -> dict:
    """Load, compute every rule; the number of findings per rule."""
    from crosscheck.ingest.idnorm import install_macros
    from crosscheck.ingest.sources import load_sources

    con = duckdb.connect(str(db))
    apply_duckdb_settings(con, db)
    install_macros(con)
    with tempfile.TemporaryDirectory(dir=db.parent) as tmp:
        for name, source in load_sources().items():
            files = _deliveries(landing, name, as_of)
            if name in SNAPSHOT_LATEST:
                files = files[-1:]
            if source.format == "xlsx":
                _load_xlsx(con, source, files)
            else:
                _load_csv(con, source, files, Path(tmp))
    seeds = DBT_PROJECT_DIR / "seeds"
    for seed in ("program_catalog", "incompatible_pairs", "statutory_calendar"):
        con.execute(
            f"CREATE TABLE {seed} AS SELECT * FROM read_csv(?, header = true, all_varchar = true)",
            [str(seeds / f"{seed}.csv")],
        )
    script = FLOOR_SQL.read_text(encoding="utf-8").replace("{as_of}", as_of.isoformat())
    for stmt in (s.strip() for s in script.split(";\n")):
        if stmt and not all(line.startswith("--") for line in stmt.splitlines()):
            con.execute(stmt)
    counts = dict(
        con.execute(
            "SELECT rule_code, count(*) FROM findings GROUP BY rule_code ORDER BY rule_code"
        ).fetchall()
    )
    con.close()
    return counts
