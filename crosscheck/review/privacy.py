"""Keeping vulnerable people's identifiers out of places they need not be.

Township workbooks, the hold list and lookups show ID numbers, bank accounts
and social-security card numbers masked (`show`, the one rule); files and
folders we write are readable by their owner only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, overload

# Personal identifiers standing alone inside a longer text: an 18-character ID
# (17 digits + digit/X), a legacy 15-digit ID, a 16–19 digit bank account, or a
# social-security card number (社保卡号, 9 characters: a letter and 8 digits).
_IDENTIFIER_RE = re.compile(
    r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15,19}|[A-Za-z]\d{8})(?![0-9A-Za-z])"
)

# Fields whose value is a personal identifier: masked whole, even if short or odd.
IDENTIFIER_FIELDS = frozenset(
    {
        "person_id",
        "id_number",
        "recipient_id",
        "recipient_id_raw",
        "recipient_id_normalized",
        "id_raw",
        "typed_id",
        "linked_person_id",
        "owner_id",
        "member_id",
        "card_owner_id",
        "holder_id",
        "account_no",
        "own_card_account",
        "rightful_account_no",
        "card_no",
    }
)


@overload
def mask(value: None) -> None: ...
@overload
def mask(value: str) -> str: ...
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


@overload
def mask_in_text(text: None) -> None: ...
@overload
def mask_in_text(text: str) -> str: ...
def mask_in_text(text: str | None) -> str | None:
    """Mask every ID, account or card number that appears inside a text."""
    if text is None:
        return None
    return _IDENTIFIER_RE.sub(lambda m: mask(m.group(0)), str(text))


def show(value: Any, *, full: bool = False, field: str | None = None) -> Any:
    """The masking rule, written once: what a masked artefact shows of a value.

    With `full` (a logged full-identifier export or lookup) the value as is.
    Otherwise a value of an identifier field is masked whole, and any other
    text has every identifier inside it masked; numbers and dates stay as they
    are. Workbooks, evidence texts, the hold list and lookups all call this.
    """
    if full or value is None:
        return value
    if field in IDENTIFIER_FIELDS:
        return mask(str(value))
    if isinstance(value, str):
        return mask_in_text(value)
    return value


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
