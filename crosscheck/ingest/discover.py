"""Finding deliveries in the landing folder, and noticing late ones.

A delivery is `<landing>/<source>/<YYYYMMDD>/`; it is complete once its
`_SUCCESS` marker exists (written last by the department). Folders without
the marker are still being written and are left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from crosscheck.ingest.sources import Source, load_sources

MARKER = "_SUCCESS"


@dataclass(frozen=True, order=True)
class Delivery:
    """One complete delivery folder (marker present)."""

    extract_date: dt.date
    source: str
    folder: Path

    @property
    def marker(self) -> Path:
        return self.folder / MARKER


def parse_folder_date(name: str) -> dt.date | None:
    """The extract date of a `YYYYMMDD` folder name, or None if it is not one."""
    if len(name) != 8 or not name.isascii() or not name.isdigit():
        return None
    try:
        return dt.datetime.strptime(name, "%Y%m%d").date()
    except ValueError:
        return None


def complete_deliveries(
    landing: Path, sources: list[str] | None = None, as_of: dt.date | None = None
) -> list[Delivery]:
    """Every complete delivery folder up to `as_of`, oldest extract date first."""
    landing = Path(landing)
    names = sources or list(load_sources())
    found: list[Delivery] = []
    for name in names:
        base = landing / name
        if not base.is_dir():
            continue
        for folder in base.iterdir():
            day = parse_folder_date(folder.name)
            if day is None or not folder.is_dir():
                continue
            if as_of is not None and day > as_of:
                continue
            if (folder / MARKER).is_file():
                found.append(Delivery(day, name, folder))
    order = {n: i for i, n in enumerate(load_sources())}
    return sorted(found, key=lambda d: (d.extract_date, order.get(d.source, 99)))


def latest_complete_date(landing: Path) -> dt.date | None:
    """The latest extract date of any complete delivery (the default as-of)."""
    found = complete_deliveries(landing)
    return max((d.extract_date for d in found), default=None)


def last_due_date(source: Source, as_of: dt.date, horizon_days: int = 62) -> dt.date | None:
    """The latest extract date ≤ as_of on which `source` is due (per cadence)."""
    for back in range(horizon_days + 1):
        day = as_of - dt.timedelta(days=back)
        if source.expected_on(day):
            return day
    return None
