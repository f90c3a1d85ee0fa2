"""The nightly linking step: questioned records → best register candidates → linkage.identity_links.

Deterministic for a given as-of: the inputs are read in a fixed order, the
model is the saved artefact, candidates are ranked by match weight then
person id. The whole table is replaced in one transaction, so the dbt build
that follows always reads the links of this as-of.

The links are a function of the register (the hukou snapshot in force), the
questioned records and the model, and of nothing else but the as-of date they
carry. A night whose inputs are those of the table's last run (the same good
hukou snapshots up to D, the same records, the same model: `inputs_fingerprint`,
kept in linkage.identity_links_inputs) re-dates the links instead of linking
again (issue 11): the table is then what linking would write.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from crosscheck.linkage import explain, model, records
from crosscheck.warehouse import LINKS_DDL, connect, open_warehouse

log = logging.getLogger(__name__)

KEEP_CANDIDATES = 3  # per record, best first
STORE_FLOOR = 0.001  # candidates below this probability are not stored

DDL = LINKS_DDL  # the table lives with the others outside dbt (crosscheck.warehouse)


@dataclass
class LinkSummary:
    as_of: dt.date
    register_persons: int
    records: int
    candidates: int
    seconds: float
    relinked: bool = True  # False: the inputs of the last run, links re-dated

    def line(self) -> str:
        return (
            f"identity linking for {self.as_of}: {self.records} questioned records against "
            f"{self.register_persons} register persons, {self.candidates} candidates "
            + ("" if self.relinked else "(unchanged since the last run, re-dated) ")
            + f"({self.seconds:.1f} s)"
        )


def model_version(m: dict) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(m, sort_keys=True).encode()).hexdigest()[:12]


def predict(register, recs, m: dict):
    """Scored candidate pairs (Arrow), register person on one side, record on the other."""
    from splink import Linker

    m = dict(m, probability_two_random_records_match=model.prior_for(register.num_rows))
    db = model.quiet_db()
    reg = db.register(register, dataset_display_name="register")
    rec = db.register(recs, dataset_display_name="records")
    linker = Linker([reg, rec], m, log_level=logging.WARNING)
    scored = linker.inference.predict(threshold_match_probability=STORE_FLOOR, warning_mode="never")
    con = db.duckdb_con
    return con.sql(f"select * from {scored.physical_name}").to_arrow_table()


def candidates(pairs, version: str, as_of: dt.date) -> list[tuple]:
    """The rows of linkage.identity_links, best KEEP_CANDIDATES per record."""
    rows = pairs.to_pylist()
    by_record: dict[str, list[dict]] = {}
    for r in rows:
        side = "l" if r["source_dataset_l"] == "records" else "r"
        other = "r" if side == "l" else "l"
        levels = {
            c: model.level_codes(c)[int(r[f"gamma_{c}"])] for c in model.LEVELS
        }  # fmt: skip
        weights = {c: r[f"mw_{c}"] + (r.get(f"mw_tf_{c}") or 0.0) for c in model.LEVELS}
        by_record.setdefault(r[f"unique_id_{side}"], []).append(
            {
                "record_source": r[f"record_source_{side}"],
                "record_key": r[f"record_key_{side}"],
                "typed_id": r[f"id_number_{side}"],
                "typed_name": r[f"typed_name_{side}"],
                "person_id": r[f"id_number_{other}"],
                "name": r[f"name_{other}"],
                "match_weight": float(r["match_weight"]),
                "match_probability": float(r["match_probability"]),
                "levels": levels,
                "weights": weights,
            }
        )
    out = []
    for key in sorted(by_record):
        ranked = sorted(by_record[key], key=lambda c: (-c["match_weight"], c["person_id"]))
        for rank, c in enumerate(ranked[:KEEP_CANDIDATES], start=1):
            out.append(
                (
                    as_of,
                    c["record_source"],
                    c["record_key"],
                    c["typed_id"],
                    c["typed_name"],
                    rank,
                    c["person_id"],
                    c["name"],
                    round(c["match_weight"], 6),
                    round(c["match_probability"], 9),
                    # compact, as DuckDB re-serializes JSON: the evidence embedding it is
                    # then the same text on every engine (tests/pipeline/test_spark_equality)
                    json.dumps(
                        explain.waterfall(c["levels"], c["weights"]),
                        ensure_ascii=False,
                        separators=(",", ":"),
                    ),
                    explain.in_chinese(c["levels"]),
                    version,
                )
            )
    return out


def inputs_fingerprint(con, as_of: dt.date, recs, version: str) -> str:
    """What the links of D are computed from: the model, the register (named by
    the good hukou snapshots delivered up to D, which decide the snapshot in
    force, records.REGISTER_ROWS) and the questioned records themselves."""
    import hashlib

    import pyarrow as pa

    [(snapshots,)] = con.execute(
        "SELECT coalesce(string_agg(load_id, ',' ORDER BY load_id), '') FROM meta.loads "
        "WHERE source = 'hukou' AND status = 'loaded' AND extract_date <= ?",
        [as_of],
    ).fetchall()
    digest = hashlib.sha256(f"{version}\n{snapshots}\n".encode())
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, recs.schema) as writer:
        writer.write_table(recs)
    digest.update(sink.getvalue())
    return digest.hexdigest()


def link_identities(
    warehouse: Path | str, as_of: dt.date, *, model_path: Path | None = None
) -> LinkSummary:
    """Link every questioned record of D to the register; replace linkage.identity_links
    (or re-date them, when their inputs are unchanged: see the module's docstring)."""

    started = time.perf_counter()
    m = model.load(model_path or model.MODEL_PATH)
    version = model_version(m)
    con = open_warehouse(warehouse)
    try:
        register, recs = records.read(con, as_of, ordered_register=False)
        inputs = inputs_fingerprint(con, as_of, recs, version)
        previous = con.execute("SELECT fingerprint FROM linkage.identity_links_inputs").fetchall()
        if previous == [(inputs,)]:
            con.execute("BEGIN")
            con.execute("UPDATE linkage.identity_links SET as_of = ?", [as_of])
            [(stored,)] = con.execute("SELECT count(*) FROM linkage.identity_links").fetchall()
            con.execute("COMMIT")
            summary = LinkSummary(
                as_of, register.num_rows, recs.num_rows, stored, time.perf_counter() - started,
                relinked=False,
            )  # fmt: skip
            log.info(summary.line())
            return summary
        rows = []
        if recs.num_rows and register.num_rows:
            rows = candidates(predict(register, recs, m), version, as_of)
        con.execute("BEGIN")
        con.execute("DELETE FROM linkage.identity_links")
        if rows:
            con.executemany(
                "INSERT INTO linkage.identity_links VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        con.execute("DELETE FROM linkage.identity_links_inputs")
        con.execute("INSERT INTO linkage.identity_links_inputs VALUES (?)", [inputs])
        con.execute("COMMIT")
    finally:
        con.close()
    summary = LinkSummary(
        as_of, register.num_rows, recs.num_rows, len(rows), time.perf_counter() - started
    )
    log.info(summary.line())
    return summary


def retrain(
    warehouse: Path | str, as_of: dt.date, *, out: Path | None = None, seed: int = 1
) -> Path:
    """Re-estimate the model on a warehouse's questioned records and save the artefact."""
    from crosscheck.errors import CrosscheckError

    con = connect(warehouse, read_only=True)
    try:
        register, recs = records.read(con, as_of)
    finally:
        con.close()
    if not recs.num_rows or not register.num_rows:
        raise CrosscheckError(
            f"nothing to train on: {recs.num_rows} questioned records as of {as_of}"
        )
    return model.save(model.train(register, recs, seed=seed), out or model.MODEL_PATH)
