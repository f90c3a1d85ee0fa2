"""Keeping vulnerable people's identifiers out of places they need not be.

Township workbooks show ID numbers and bank accounts masked; files and
folders we write are readable by their owner only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# An 18-character ID (17 digits + digit/X), a legacy 15-digit ID, or a 16–19
# digit bank account, standing alone inside a longer text.
_IDENTIFIER_RE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15,19})(?![0-9A-Za-z])")


def mask(value: str | None) -> str | None:
    """Keep the first 6 and last 4 characters, the middle as `*`.

    Values too short to keep 10 characters and still hide something show only
    their last 2 characters.
    """
    if value is None:
        return None
    text = str(value)
    n = len(text)
    if n == 0:
        return text
    if n > 10:
        return text[:6] + "*" * (n - 10) + text[-4:]
    return "*" * max(n - 2, 1) + text[max(n - 2, 1) :]


def mask_in_text(text: str | None) -> str | None:
    """Mask every ID number or account number that appears inside a text."""
    if text is None:
        return None
    return _IDENTIFIER_RE.sub(lambda m: mask(m.group(0)), str(text))


def private_dir(path: Path | str) -> Path:
    """Create a folder (and parents) readable by its owner only (0700)."""
    path = Path(path)
    existed = path.exists()
    old = os.umask(0o077)
    try:
        path.mkdir(parents=True, exist_ok=True)
    finally:
        os.umask(old)
    if not existed:
        os.chmod(path, 0o700)
    return path


OWNER_ONLY = 0o077


def owner_only_process() -> int:
    """Every file this process creates from now on is owner-only; returns the old umask.

    Called at the entry points (the CLI, the demo, Airflow's writer tasks) so
    that dbt's logs and target, Data Docs, reports, exports and temporary
    files all inherit it.
    """
    return os.umask(OWNER_ONLY)


@contextmanager
def private_files() -> Iterator[None]:
    """Files created inside the block get mode 0600 (umask 077)."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def make_private(path: Path | str) -> Path:
    """Set a written file to 0600 (in case it existed with looser rights)."""
    os.chmod(path, 0o600)
    return Path(path)
