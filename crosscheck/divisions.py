"""Names of administrative divisions (行政区划): the county and its townships.

The one home of code → name is the operator-maintained seed
`dbt_project/seeds/divisions.csv` (code, name, level, parent_code): dbt
loads it as `reference.divisions` for SQL to join, and this module reads the
same file for the Python artefacts (workbooks, hold list, lookups, report).
No package covers township level (docs/DECISIONS.md, issue 13), so the
operator keeps the seed; the demo county's rows come from the generator
(dbt_project/scripts/build_divisions_seed.py).

Two ways to ask:
- `division_name(code)`: where a name is required; an unknown code raises a
  one-line error that says where to add it.
- `display_name(code)` / `label(code)`: in artefacts people read; an unknown
  code shows as `[500230999]` instead of failing a whole export or report.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from crosscheck.config import DBT_PROJECT_DIR
from crosscheck.errors import CrosscheckError

SEED = DBT_PROJECT_DIR / "seeds" / "divisions.csv"
SEED_COLUMNS = ("code", "name", "level", "parent_code")
LEVELS = ("county", "township")
# What a finding without a division code is filed under (workbooks, hold list).
UNKNOWN = "未知乡镇"


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent_code: str | None


class UnknownDivision(CrosscheckError):
    """A division code the seed does not name."""


def _read(path: Path) -> dict[str, Division]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
            header = tuple(rows[0].keys()) if rows else ()
    except OSError as e:
        raise CrosscheckError(f"cannot read the divisions seed {path}: {e.strerror}") from None
    if rows and header[: len(SEED_COLUMNS)] != SEED_COLUMNS:
        raise CrosscheckError(
            f"divisions seed {path} must have the columns {','.join(SEED_COLUMNS)}"
        )
    out: dict[str, Division] = {}
    for line, row in enumerate(rows, start=2):
        code, name = (row["code"] or "").strip(), (row["name"] or "").strip()
        level = (row["level"] or "").strip()
        if not code or not name or level not in LEVELS:
            raise CrosscheckError(
                f"divisions seed {path} line {line}: needs a code, a name and a level "
                f"({' or '.join(LEVELS)})"
            )
        if code in out:
            raise CrosscheckError(f"divisions seed {path} line {line}: code {code} twice")
        out[code] = Division(code, name, level, (row["parent_code"] or "").strip() or None)
    return out


@lru_cache(maxsize=4)
def _cached(path: str, mtime_ns: int) -> dict[str, Division]:
    return _read(Path(path))


def divisions(path: Path = SEED) -> dict[str, Division]:
    """Every division of the seed by code (re-read when the file changes)."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        mtime = -1
    return _cached(str(path), mtime)


def _key(code) -> str | None:
    if code is None:
        return None
    text = str(code).strip()
    return text or None


def division_name(code) -> str:
    """The name of a division code; an unknown code is a one-line error."""
    key = _key(code)
    found = divisions().get(key) if key else None
    if found is None:
        raise UnknownDivision(
            f"division code {key or '(empty)'} has no name: add a row "
            f"({','.join(SEED_COLUMNS)}) to {SEED} and rebuild"
        )
    return found.name


def display_name(code) -> str:
    """The name for people: `[code]` when the seed lacks it, 未知乡镇 when there is no code."""
    key = _key(code)
    if key is None or key == UNKNOWN:
        return UNKNOWN
    found = divisions().get(key)
    return found.name if found else f"[{key}]"


def label(code) -> str:
    """Name and code for a clerk who needs both: 龙河镇（500230101）, or [500230999]."""
    key = _key(code)
    name = display_name(key)
    if key is None or key == UNKNOWN or name.startswith("["):
        return name
    return f"{name}（{key}）"


def file_part(code) -> str:
    """A piece of a file name: 龙河镇_500230101 (the code keeps names unique)."""
    key = _key(code)
    name = display_name(key)
    if key is None or key == UNKNOWN:
        parts = [UNKNOWN]
    elif name.startswith("["):
        parts = [key]
    else:
        parts = [name, key]
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f\s]', "_", "_".join(parts)).lstrip(".")
    return safe or "_"


def county_of(code) -> str | None:
    """The 6-digit county code (GB/T 2260) a 9-digit township code belongs to."""
    key = _key(code)
    return key[:6] if key and len(key) >= 6 else None
