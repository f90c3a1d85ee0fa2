"""The source declarations of sources.yml, as typed objects.

Everything that needs to know a source's file name, encoding, columns or
types reads it from here, so a source is declared exactly once.

A deployment may differ from sources.yml in two agreed ways only, declared in
its deployment file (`crosscheck.config.deployment_file()`):

    sources:
      sscards: {format: csv}                   # an XLSX source delivered as CSV
      hukou: {cadence: {every: monthly, day: 1}}

An XLSX source delivered as CSV keeps its headers; the file is UTF-8 with LF
line ends, named like the workbook with `.csv`, and its Excel-date columns
are written YYYY-MM-DD (a province's card register does not fit in one
sheet). A cadence replaces the declared one, so staleness and the DAGs'
schedules follow it.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from crosscheck import yamlfile

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


DEPLOYMENT_KEYS = ("format", "cadence")
DEPLOYMENT_SECTIONS = ("sources", "archive")


# The deployment a run pinned (`pinned`): a run reads one deployment file, and
# finding it (the home folder resolved, a stat) cost ~0.3 ms a call, thousands of
# calls on a go-live's catch-up.
_PINNED: list[Path | None] = []


def load_sources(path: Path = DECLARATIONS) -> dict[str, Source]:
    """All sources by name, in declaration order, as this deployment receives them."""
    return _load_sources(path, deployment_in_force())


@contextmanager
def pinned():
    """Within it, this deployment (its file found once, on entry): an ingestion run."""
    from crosscheck.config import deployment_file

    _PINNED.append(deployment_file())
    try:
        yield
    finally:
        _PINNED.pop()


def deployment_in_force() -> Path | None:
    """The deployment file in force: the pinned one within `pinned`, else found now."""
    from crosscheck.config import deployment_file

    return _PINNED[-1] if _PINNED else deployment_file()


@cache
def read_deployment(path: Path) -> dict:
    """A deployment file, checked: `sources` (per-source overrides), `archive` (copy|link)."""
    from crosscheck.errors import CrosscheckError

    try:
        data = yamlfile.read(path) or {}
    except OSError as e:
        raise CrosscheckError(f"deployment file {path}: cannot read it ({e})") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        what = getattr(e, "problem", None) or "not YAML"
        raise CrosscheckError(f"deployment file {path}: cannot read it ({what}{where})") from None
    if not isinstance(data, dict) or set(data) - set(DEPLOYMENT_SECTIONS):
        raise CrosscheckError(
            f"deployment file {path}: only {', '.join(DEPLOYMENT_SECTIONS)} may be declared"
        )
    if data.get("archive") not in (None, "copy", "link"):
        raise CrosscheckError(f"deployment file {path}: archive is copy or link")
    _deployment_sources(path, data)
    return data


def _deployment(path: Path | None) -> dict[str, dict]:
    """The deployment file's per-source overrides ({} without one)."""
    if path is None:
        return {}
    return _deployment_sources(path, read_deployment(path))


def _deployment_sources(path: Path, data: dict) -> dict[str, dict]:
    from crosscheck.errors import CrosscheckError

    sources = data.get("sources") or {}
    if not isinstance(sources, dict):
        raise CrosscheckError(f"deployment file {path}: `sources` must be a mapping")
    for name, over in sources.items():
        if not isinstance(over or {}, dict):
            raise CrosscheckError(f"deployment file {path}: {name}: a mapping")
        bad = set(over or {}) - set(DEPLOYMENT_KEYS)
        if bad:
            raise CrosscheckError(
                f"deployment file {path}: {name}: only {', '.join(DEPLOYMENT_KEYS)} may differ "
                f"(not {', '.join(sorted(bad))})"
            )
        if (over or {}).get("format") not in (None, "csv", "xlsx"):
            raise CrosscheckError(f"deployment file {path}: {name}: format is csv or xlsx")
        cadence = (over or {}).get("cadence") or {"every": "daily"}
        ok = isinstance(cadence, dict) and (
            cadence.get("every") == "daily"
            or (cadence.get("every") == "weekly" and cadence.get("weekday") in range(7))
            or (cadence.get("every") == "monthly" and cadence.get("day") in range(1, 29))
        )
        if not ok:
            raise CrosscheckError(
                f"deployment file {path}: {name}: cadence {cadence!r} is not daily, weekly "
                "(weekday 0-6) or monthly (day 1-28)"
            )
    return {k: dict(v or {}) for k, v in sources.items()}


def _as_csv(d: dict) -> dict:
    """An XLSX declaration delivered as CSV (UTF-8, LF, same headers, dates YYYY-MM-DD)."""
    d = dict(d)
    d["file"] = d["file"].rsplit(".", 1)[0] + ".csv"
    d.update(format="csv", encoding="UTF-8", newline="LF", sheet=None)
    d["columns"] = [
        {**c, "type": "date", "format": "%Y-%m-%d"} if c["type"] == "excel_date" else c
        for c in d["columns"]
    ]
    return d


@cache
def _load_sources(path: Path, deployment: Path | None) -> dict[str, Source]:
    data = yamlfile.read(path)
    overrides = _deployment(deployment)
    unknown = set(overrides) - set(data["sources"])
    if unknown:
        from crosscheck.errors import CrosscheckError

        raise CrosscheckError(
            f"deployment file {deployment}: unknown source(s) {', '.join(sorted(unknown))}"
        )
    out: dict[str, Source] = {}
    for name, d in data["sources"].items():
        over = overrides.get(name, {})
        if over.get("format") == "csv" and d["format"] == "xlsx":
            d = _as_csv(d)
        elif over.get("format") == "xlsx" and d["format"] != "xlsx":
            from crosscheck.errors import CrosscheckError

            raise CrosscheckError(
                f"deployment file {deployment}: {name} is declared as CSV; it cannot arrive as XLSX"
            )
        if over.get("cadence"):
            d = {**d, "cadence": over["cadence"]}
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
