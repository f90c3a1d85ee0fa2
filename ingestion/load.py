"""One delivery end to end: verify → read → gate → promote or quarantine.

The final step is ONE transaction: rejects, validation results, the
meta.loads row and the rows (into raw, or into quarantine) appear together or
not at all. Promoting a delivery for a (source, extract date) that already
has a loaded or quarantined one supersedes it in the same transaction (its
rows are deleted), so a correction replaces its predecessor wholly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time

import duckdb

from ingestion.bookkeeping import DeliveryResult, existing_status, make_load_id, record_load
from ingestion.discover import Delivery
from ingestion.readers import WORK_SCHEMA, read_delivery, rejects_table
from ingestion.sources import Source, get_source
from ingestion.verify import DeliveryRefused, read_marker, verify

log = logging.getLogger("crosscheck.ingest")


def _now() -> dt.datetime:
    # Bookkeeping timestamps only (started_at/finished_at); never used by a rule.
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def candidate_load_id(delivery: Delivery) -> str:
    """The load id from the marker's claimed sha256 (the marker's own hash if unreadable)."""
    try:
        entry = read_marker(delivery)
        sha = (
            entry.sha256
            if len(entry.sha256) >= 12
            else hashlib.sha256(entry.sha256.encode()).hexdigest()
        )
    except DeliveryRefused:
        sha = hashlib.sha256(delivery.marker.read_bytes()).hexdigest()
    return make_load_id(delivery.source, delivery.extract_date, sha)


def _columns(source: Source) -> str:
    return ", ".join(f'"{n}"' for n, _ in source.raw_columns())


def process(con: duckdb.DuckDBPyConnection, delivery: Delivery, gate) -> DeliveryResult:
    """Load one delivery unless already seen; returns what happened."""
    source = get_source(delivery.source)
    load_id = candidate_load_id(delivery)
    seen = existing_status(con, load_id)
    if seen is not None and seen != "rejected":
        return DeliveryResult(
            load_id, source.name, delivery.extract_date, "skipped", reasons=[f"already {seen}"]
        )
    started, t0 = _now(), time.monotonic()
    result = DeliveryResult(load_id, source.name, delivery.extract_date, "rejected")
    info: dict = {"started_at": started}
    vf = None
    try:
        vf = verify(delivery, source)
        info.update(file_name=vf.path.name, file_bytes=vf.entry.bytes, sha256=vf.sha256)
        read = read_delivery(con, source, vf, load_id, delivery.extract_date)
        result.rows_read, result.rows_rejected = read.rows_read, read.rows_rejected
        verdict = gate.validate(source, read.work_table, load_id, delivery.extract_date)
    except DeliveryRefused as e:
        result.reasons = [str(e)]
        info["finished_at"] = _now()
        con.execute("BEGIN TRANSACTION")
        try:
            record_load(con, result, **info)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        _drop_work(con, source)
        result.seconds = time.monotonic() - t0
        log.error("refused %s: %s", load_id, e)
        return result
    finally:
        if vf is not None:
            vf.cleanup()
    result.validation_seconds = verdict.seconds
    result.status = "loaded" if verdict.passed else "quarantined"
    result.reasons = verdict.reasons
    target = "raw" if verdict.passed else "quarantine"
    cols = _columns(source)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"INSERT INTO meta.rejects SELECT * FROM {rejects_table(source)}")
        gate.record(con, verdict)
        if verdict.passed:
            result.superseded = supersede(con, source, delivery.extract_date, load_id)
        con.execute(
            f"INSERT INTO {target}.{source.name} ({cols}) SELECT {cols} FROM {read.work_table}"
        )
        result.rows_loaded = result.rows_read - result.rows_rejected
        info["finished_at"] = _now()
        record_load(con, result, **info)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        _drop_work(con, source)
    result.seconds = time.monotonic() - t0
    level = logging.INFO if verdict.passed else logging.WARNING
    log.log(level, "%s", result.line())
    return result


def supersede(
    con: duckdb.DuckDBPyConnection, source: Source, extract_date: dt.date, new_id: str
) -> list[str]:
    """Mark earlier loaded/quarantined deliveries of (source, date) superseded; delete their rows.

    Must run inside the caller's transaction.
    """
    old = [
        (r[0], r[1])
        for r in con.execute(
            """SELECT load_id, status FROM meta.loads
               WHERE source = ? AND extract_date = ? AND status IN ('loaded', 'quarantined')
                 AND load_id <> ?""",
            [source.name, extract_date, new_id],
        ).fetchall()
    ]
    for load_id, status in old:
        schema = "raw" if status == "loaded" else "quarantine"
        con.execute(f"DELETE FROM {schema}.{source.name} WHERE _load_id = ?", [load_id])
        con.execute(
            """UPDATE meta.loads SET status = 'superseded', superseded_by = ?,
                   reasons = ? WHERE load_id = ?""",
            [new_id, json.dumps([f"replaced by {new_id}"]), load_id],
        )
        log.info("superseded %s by %s", load_id, new_id)
    return [o[0] for o in old]


def _drop_work(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    for suffix in ("", "_text", "_rejects"):
        con.execute(f"DROP TABLE IF EXISTS {WORK_SCHEMA}.{source.name}{suffix}")
