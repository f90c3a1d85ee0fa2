"""The source declarations of sources.yml, as typed objects.

Everything that needs to know a source's file name, encoding, columns or
types reads it from here, so a source is declared exactly once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DECLARATIONS = Path(__file__).with_name("sources.yml")

# SQL type of each declared column type, in the raw tables.
SQL_TYPES = {
    "text": "VARCHAR",
    "code": "VARCHAR",
    "id": "VARCHAR",
    "division": "VARCHAR",
    "date": "DATE",
    "excel_date": "DATE",
    "month": "VARCHAR",
    "decimal": "DECIMAL(18,2)",
    "timestamp": "TIMESTAMP",
    "account": "VARCHAR",
}

# Lineage columns every raw (and quarantine) row carries.
LINEAGE_COLUMNS = (
    ("_load_id", "VARCHAR"),
    ("_extract_date", "DATE"),
    ("_source_file", "VARCHAR"),
    ("_row_no", "BIGINT"),
)


@dataclass(frozen=True)
class Column:
    header: str
    name: str
    type: str
    required: bool = False
    values: tuple[str, ...] | None = None
    format: str | None = None

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    def raw_columns(self) -> list[tuple[str, str]]:
        """Columns this declared column becomes in the raw table."""
        if self.type == "id":
            return [
                (f"{self.name}_raw", "VARCHAR"),
                (self.name, "VARCHAR"),
                (f"{self.name}_valid", "BOOLEAN"),
            ]
        return [(self.name, self.sql_type)]


@dataclass(frozen=True)
class Source:
    name: str
    department: str
    kind: str  # snapshot | incremental
    cadence: dict
    file: str
    format: str  # csv | xlsx
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    key_unique: bool
    encoding: str | None = None
    newline: str | None = None
    sheet: str | None = None

    def file_name(self, extract_date: dt.date) -> str:
        return self.file.format(yyyymmdd=extract_date.strftime("%Y%m%d"))

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def raw_table(self) -> str:
        return f"raw.{self.name}"

    def raw_columns(self) -> list[tuple[str, str]]:
        """(name, SQL type) of the raw table, lineage columns last."""
        cols: list[tuple[str, str]] = []
        for c in self.columns:
            cols.extend(c.raw_columns())
        return cols + list(LINEAGE_COLUMNS)

    def create_table_sql(self, schema: str = "raw") -> str:
        body = ",\n  ".join(f'"{n}" {t}' for n, t in self.raw_columns())
        return f"CREATE TABLE IF NOT EXISTS {schema}.{self.name} (\n  {body}\n)"

    def expected_on(self, day: dt.date) -> bool:
        """Whether a complete delivery with extract date `day` is due."""
        every = self.cadence["every"]
        if every == "daily":
            return True
        if every == "weekly":
            return day.weekday() == int(self.cadence["weekday"])
        if every == "monthly":
            return day.day == int(self.cadence["day"])
        raise ValueError(f"unknown cadence {self.cadence!r} for {self.name}")

    @property
    def cron(self) -> str:
        """The cadence as a cron expression (minute/hour left to the caller)."""
        every = self.cadence["every"]
        if every == "daily":
            return "* * *"
        if every == "weekly":
            return f"* * {(int(self.cadence['weekday']) + 1) % 7}"
        return f"{int(self.cadence['day'])} * *"


@cache
def load_sources(path: Path = DECLARATIONS) -> dict[str, Source]:
    """All sources by name, in declaration order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, Source] = {}
    for name, d in data["sources"].items():
        cols = tuple(
            Column(
                header=c["header"],
                name=c["name"],
                type=c["type"],
                required=bool(c.get("required", False)),
                values=tuple(c["values"]) if c.get("values") else None,
                format=c.get("format"),
            )
            for c in d["columns"]
        )
        out[name] = Source(
            name=name,
            department=d["department"],
            kind=d["kind"],
            cadence=dict(d["cadence"]),
            file=d["file"],
            format=d["format"],
            columns=cols,
            key=tuple(d["key"]),
            key_unique=bool(d.get("key_unique", True)),
            encoding=d.get("encoding"),
            newline=d.get("newline"),
            sheet=d.get("sheet"),
        )
    return out


def get_source(name: str) -> Source:
    try:
        return load_sources()[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(load_sources())}") from None


SOURCE_NAMES = tuple(load_sources())
