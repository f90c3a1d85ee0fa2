"""Full-identifier access, recorded: who asked for unmasked IDs, accounts and card
numbers outside an export (the hold list, person and finding lookups).

As `crosscheck export --full-identifiers` does, the request is logged (a
warning naming the operator, never an identifier) and recorded in the live
warehouse: a row in meta.full_access, chained in meta.audit_chain in the same
transaction (`crosscheck audit verify` checks it). The record is written
before anything unmasked is shown; if it cannot be written, nothing is shown.
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import uuid
from pathlib import Path

from crosscheck import audit
from crosscheck.locking import writer_lock
from crosscheck.review.privacy import show
from crosscheck.warehouse import open_warehouse

log = logging.getLogger(__name__)


def record_full_access(
    warehouse: Path | str, command: str, subject: str | None, *, by: str | None = None
) -> str:
    """Record and log one full-identifier request; returns its access id."""
    by = by or getpass.getuser()
    access_id = f"{command}-{dt.datetime.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
    with writer_lock(warehouse):
        con = open_warehouse(warehouse)
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(
                "INSERT INTO meta.full_access VALUES (?, ?, ?, ?, current_timestamp)",
                [access_id, command, subject, by],
            )
            audit.append(con, "full_access", [access_id])
            con.execute("COMMIT")
        finally:
            con.close()
    log.warning(
        "%s %s shows FULL identifiers: requested by %s at %s (access %s)",
        command,
        show(subject or "", field=None),
        by,
        dt.datetime.now().isoformat(timespec="seconds"),
        access_id,
    )
    return access_id
