"""A tamper-evident trail: decisions, releases, full-identifier exports and lookups, hash-chained.

Every such record gets a row in meta.audit_chain, written in the same
transaction as the record itself: the sha256 of the record's declared columns
(`record_hash`), the previous chain row's hash (`prev_hash`) and its own
(`chain_hash` = sha256 of prev_hash, kind, key and record_hash). `verify`
walks the chain and re-reads every record: an edited, deleted or
back-dated row, an edited chain row, or a record written behind the system's
back (not in the chain) is reported by name — the first one found.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from crosscheck.errors import CrosscheckError
from crosscheck.warehouse import AUDIT_DDL, connect, has_table

GENESIS = "0" * 64


@dataclass(frozen=True)
class Kind:
    table: str
    key: str  # SQL expression of the record key
    columns: tuple[str, ...]  # what the hash covers (fixed: later columns do not break it)
    where: str = "true"  # which rows of the table are chained


KINDS = {
    "decision": Kind(
        "review.decisions",
        "decision_id",
        (
            "decision_id",
            "anomaly_id",
            "conclusion",
            "measures",
            "recovered_amount",
            "reviewer",
            "review_date",
            "note",
            "feedback_file",
            "sheet",
            "row_no",
            "loaded_at",
            "seq",
            "evidence_hash",
            "file_id",
        ),
    ),
    "release": Kind(
        "meta.releases",
        "load_id || '|' || strftime(released_at, '%Y-%m-%dT%H:%M:%S.%f')",
        ("load_id", "released_by", "reason", "released_at"),
    ),
    "full_export": Kind(
        "review.exports",
        "export_id",
        (
            "export_id",
            "anomaly_id",
            "as_of",
            "township",
            "evidence_hash",
            "file_name",
            "full_identifiers",
            "exported_at",
            "exported_by",
            "amount_at_risk",
        ),
        "full_identifiers",
    ),
    "full_access": Kind(
        "meta.full_access",
        "access_id",
        ("access_id", "command", "subject", "requested_by", "requested_at"),
    ),
}

DDL = AUDIT_DDL  # the table lives with the others outside dbt (crosscheck.warehouse)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _record_hash(con, kind: str, key: str) -> str | None:
    """sha256 of the record's columns as text (rows ordered: an export has many)."""
    k = KINDS[kind]
    cols = ", ".join(f"CAST({c} AS VARCHAR)" for c in k.columns)
    rows = con.execute(
        f"SELECT {cols} FROM {k.table} WHERE {k.where} AND ({k.key}) = ? ORDER BY ALL", [key]
    ).fetchall()
    if not rows:
        return None
    return _sha(json.dumps([list(r) for r in rows], ensure_ascii=False))


def _chain_hash(prev: str, kind: str, key: str, record_hash: str) -> str:
    return _sha(f"{prev}|{kind}|{key}|{record_hash}")


def _keys(con, kind: str) -> list[str]:
    k = KINDS[kind]
    return [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT ({k.key}) AS key FROM {k.table} WHERE {k.where} ORDER BY key"
        ).fetchall()
    ]


def append(con, kind: str, keys: list[str]) -> None:
    """Chain these records; call inside the transaction that wrote them.

    The first call on a warehouse whose chain is empty first chains the
    records written before the trail existed (in key order), so the trail
    covers everything from then on.
    """
    if kind not in KINDS:
        raise ValueError(kind)
    last = con.execute(
        "SELECT seq, chain_hash FROM meta.audit_chain ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    todo: list[tuple[str, str]] = []
    if last is None:
        new = set(keys)
        for k in KINDS:
            todo += [(k, key) for key in _keys(con, k) if not (k == kind and key in new)]
        last = (0, GENESIS)
    todo += [(kind, key) for key in dict.fromkeys(keys)]
    seq, prev = last
    rows = []
    for k, key in todo:
        record = _record_hash(con, k, key)
        if record is None:
            raise CrosscheckError(f"audit trail: no {k} record {key!r} to chain")
        seq += 1
        chain = _chain_hash(prev, k, key, record)
        rows.append([seq, k, key, record, prev, chain])
        prev = chain
    if rows:
        con.executemany(
            "INSERT INTO meta.audit_chain VALUES (?, ?, ?, ?, ?, ?, current_timestamp)", rows
        )


@dataclass
class Verdict:
    records: int
    broken: str | None = None  # the first broken record, named
    checked: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_con(con) -> Verdict:
    """Walk the chain in order; name the first record that does not hold."""
    rows = con.execute(
        "SELECT seq, kind, record_key, record_hash, prev_hash, chain_hash "
        "FROM meta.audit_chain ORDER BY seq"
    ).fetchall()
    prev, expected_seq = GENESIS, 1
    chained: set[tuple[str, str]] = set()
    for seq, kind, key, record_hash, prev_hash, chain_hash in rows:
        where = f"record {seq} ({kind} {key})"
        if seq != expected_seq:
            return Verdict(len(rows), f"{where}: chain row {expected_seq} is missing")
        if kind not in KINDS:
            return Verdict(len(rows), f"{where}: unknown kind")
        if prev_hash != prev:
            return Verdict(len(rows), f"{where}: previous hash does not match record {seq - 1}")
        if _chain_hash(prev_hash, kind, key, record_hash) != chain_hash:
            return Verdict(len(rows), f"{where}: chain hash does not match its contents")
        actual = _record_hash(con, kind, key)
        if actual is None:
            return Verdict(len(rows), f"{where}: the record is gone from {KINDS[kind].table}")
        if actual != record_hash:
            return Verdict(len(rows), f"{where}: the record in {KINDS[kind].table} was changed")
        chained.add((kind, key))
        prev, expected_seq = chain_hash, expected_seq + 1
    for kind in KINDS:
        for key in _keys(con, kind):
            if (kind, key) not in chained:
                return Verdict(
                    len(rows), f"{kind} {key} in {KINDS[kind].table} is not in the chain"
                )
    return Verdict(len(rows))


def verify(warehouse: Path | str) -> Verdict:
    """Open the warehouse read-only and verify its audit chain."""
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise CrosscheckError(f"warehouse {warehouse} does not exist")
    con = connect(warehouse, read_only=True)
    try:
        if not has_table(con, "meta", "audit_chain"):
            raise CrosscheckError(f"warehouse {warehouse} has no audit trail (meta.audit_chain)")
        return verify_con(con)
    finally:
        con.close()
