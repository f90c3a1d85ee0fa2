"""Opening the warehouse and creating the tables outside dbt.

dbt owns the models; this module owns what dbt must never drop: the raw and
quarantined deliveries, the load bookkeeping (meta.*) and people's review
decisions (review.*). All writers open the file through `connect`.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import duckdb

from crosscheck import config, locking
from crosscheck.ingest import history
from crosscheck.ingest.sources import load_sources
from crosscheck.query import scalar

SCHEMAS = ("raw", "quarantine", "meta", "review", "linkage")

META_DDL = [
    """CREATE TABLE IF NOT EXISTS meta.loads (
        load_id VARCHAR PRIMARY KEY,
        source VARCHAR NOT NULL,
        extract_date DATE NOT NULL,
        file_name VARCHAR,
        file_bytes BIGINT,
        sha256 VARCHAR,
        rows_read BIGINT,
        rows_loaded BIGINT,
        rows_rejected BIGINT,
        status VARCHAR NOT NULL,          -- loaded | quarantined | rejected | superseded
        reasons VARCHAR,                  -- JSON list of human-readable reasons
        superseded_by VARCHAR,
        started_at TIMESTAMP,
        finished_at TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS meta.rejects (
        load_id VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        extract_date DATE NOT NULL,
        line_no BIGINT,
        raw_text VARCHAR,
        reason VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS meta.validation_results (
        load_id VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        extract_date DATE NOT NULL,
        expectation VARCHAR NOT NULL,
        column_name VARCHAR,
        severity VARCHAR NOT NULL,        -- critical | warning
        success BOOLEAN NOT NULL,
        observed_value VARCHAR,
        details VARCHAR,
        validated_at TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS meta.releases (
        load_id VARCHAR NOT NULL,
        released_by VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        released_at TIMESTAMP NOT NULL
    )""",
    # What a seen data file hashed to, keyed by its path and stat (like git's
    # index): a re-delivery is re-hashed only when its stat changed.
    """CREATE TABLE IF NOT EXISTS meta.file_hashes (
        path VARCHAR PRIMARY KEY,
        stat VARCHAR NOT NULL,            -- device, inode, size, mtime_ns, ctime_ns
        sha256 VARCHAR NOT NULL,
        hashed_at TIMESTAMP
    )""",
    # Every lookup or hold list shown with full identifiers (issue 13), who and when;
    # chained in meta.audit_chain like full-identifier exports.
    """CREATE TABLE IF NOT EXISTS meta.full_access (
        access_id VARCHAR PRIMARY KEY,
        command VARCHAR NOT NULL,         -- holds | person | finding
        subject VARCHAR,                  -- what was looked up (a finding id, a date)
        requested_by VARCHAR NOT NULL,    -- operator account
        requested_at TIMESTAMP NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS meta.late_deliveries (
        source VARCHAR NOT NULL,
        extract_date DATE NOT NULL,       -- the delivery that was due
        reported_for DATE NOT NULL,       -- the as-of date of the run that noticed
        reported_at TIMESTAMP
    )""",
]

# Each source's state as of D (crosscheck.ingest.status, the one definition of a
# stale source), written by every build before dbt; marts.source_status reads it.
SOURCE_STALENESS_DDL = """CREATE TABLE IF NOT EXISTS meta.source_staleness (
    as_of DATE NOT NULL,
    source VARCHAR NOT NULL,
    last_good_extract_date DATE,
    is_stale BOOLEAN NOT NULL,
    stale_since DATE,
    stale_reasons VARCHAR,            -- late / quarantined / rejected, comma-separated
    stale_deliveries VARCHAR,         -- 'YYYY-MM-DD:reason', comma-separated
    unresolved_problem_dates BIGINT NOT NULL,
    earliest_unresolved DATE
)"""
META_DDL.append(SOURCE_STALENESS_DDL)

# What the seeds and their own tests were made of at the last good build that ran
# them (crosscheck.seed_state): a later build with the same leaves them out.
SEED_STATE_DDL = "CREATE TABLE IF NOT EXISTS meta.seed_state (fingerprint VARCHAR NOT NULL)"
META_DDL.append(SEED_STATE_DDL)

REVIEW_DDL = [
    """CREATE TABLE IF NOT EXISTS review.exports (
        export_id VARCHAR NOT NULL,
        anomaly_id VARCHAR NOT NULL,
        as_of DATE NOT NULL,
        township VARCHAR,
        evidence_hash VARCHAR,
        file_name VARCHAR,
        full_identifiers BOOLEAN,
        exported_at TIMESTAMP,
        exported_by VARCHAR,              -- operator account, never an identifier
        rule_code VARCHAR,
        severity VARCHAR,
        urgent BOOLEAN,                   -- hold-list finding (status pending)
        amount_at_risk DECIMAL(18,2)      -- as sent: the ceiling for 追回金额
    )""",
    """CREATE TABLE IF NOT EXISTS review.decisions (
        decision_id VARCHAR NOT NULL,
        anomaly_id VARCHAR NOT NULL,
        conclusion VARCHAR NOT NULL,      -- 属实 | 不属实 | 部分属实
        measures VARCHAR,
        recovered_amount DECIMAL(18,2),
        reviewer VARCHAR,
        review_date DATE,
        note VARCHAR,
        feedback_file VARCHAR,
        sheet VARCHAR,
        row_no INTEGER,
        loaded_at TIMESTAMP,
        seq BIGINT,                       -- arrival order; the latest is current
        evidence_hash VARCHAR,            -- the evidence the township verified
        file_id VARCHAR,
        confirmed_amount DECIMAL(18,2)    -- 核实金额: the part found true (部分属实)
    )""",
    """CREATE TABLE IF NOT EXISTS review.sample_items (
        sample_id VARCHAR NOT NULL,       -- the 问题编号 of a 抽查 item (also in review.exports)
        export_id VARCHAR NOT NULL,
        as_of DATE NOT NULL,
        iso_week VARCHAR NOT NULL,        -- the week the sample was drawn for
        payment_id VARCHAR NOT NULL,
        county_code VARCHAR,
        township_code VARCHAR,
        program_code VARCHAR,
        amount DECIMAL(18,2),
        stratum_population BIGINT,        -- N_h when drawn
        stratum_sample BIGINT,            -- n_h
        week_population BIGINT,           -- N
        sample_size BIGINT,               -- n
        sample_seed VARCHAR,
        exported_at TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS review.feedback_files (
        file_id VARCHAR NOT NULL,
        file_name VARCHAR,
        sha256 VARCHAR,
        rows_total INTEGER,
        rows_loaded INTEGER,
        rows_rejected INTEGER,
        status VARCHAR,                   -- loaded | partial | rejected
        loaded_at TIMESTAMP,
        as_of DATE,
        report_file VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS review.feedback_rejects (
        file_id VARCHAR NOT NULL,
        sheet VARCHAR,
        row_no INTEGER,
        cell VARCHAR,
        value VARCHAR,
        reason VARCHAR NOT NULL,
        column_name VARCHAR,              -- the header of the bad cell
        anomaly_id VARCHAR,
        loaded_at TIMESTAMP
    )""",
]

# The audit chain of people's records (crosscheck.audit).
AUDIT_DDL = """CREATE TABLE IF NOT EXISTS meta.audit_chain (
    seq BIGINT NOT NULL,
    kind VARCHAR NOT NULL,            -- decision | release | full_export | full_access
    record_key VARCHAR NOT NULL,
    record_hash VARCHAR NOT NULL,     -- sha256 of the record's declared columns
    prev_hash VARCHAR NOT NULL,       -- chain_hash of the previous row (genesis: 64 zeros)
    chain_hash VARCHAR NOT NULL,
    chained_at TIMESTAMP
)"""

# Identity links of the as-of date (crosscheck.linkage.link).
LINKS_COLUMNS = """
    as_of DATE NOT NULL,
    record_source VARCHAR NOT NULL,      -- ledger | deaths | cremations
    record_key VARCHAR NOT NULL,         -- ledger: recipient_id|recipient_name; else the record no
    typed_id VARCHAR,
    typed_name VARCHAR,
    candidate_rank INTEGER NOT NULL,     -- 1 = best
    candidate_person_id VARCHAR NOT NULL,
    candidate_name VARCHAR,
    match_weight DOUBLE NOT NULL,
    match_probability DOUBLE NOT NULL,
    agreement VARCHAR NOT NULL,          -- JSON list: comparison, level, match_weight
    agreement_zh VARCHAR NOT NULL,       -- the same in plain Chinese
    model_version VARCHAR NOT NULL
"""
LINKS_DDL = f"CREATE TABLE IF NOT EXISTS linkage.identity_links ({LINKS_COLUMNS})"
# What linkage.identity_links was computed from (crosscheck.linkage.link.inputs_fingerprint):
# a night whose inputs are the same only re-dates the links.
LINK_INPUTS_DDL = "CREATE TABLE IF NOT EXISTS linkage.identity_links_inputs (fingerprint VARCHAR)"

# Columns added after a table first shipped: warehouses created before get them here.
MIGRATIONS = [
    "ALTER TABLE review.decisions ADD COLUMN IF NOT EXISTS confirmed_amount DECIMAL(18,2)",
]

# The current decision of each finding, defined once: the latest decided
# (review_date, else the day it was loaded), the latest to arrive among those
# of one day; the history stays in review.decisions. The marts use the same
# order (dbt var `current_decision_order`, generated by crosscheck.rulebook),
# counting only the decisions dated on or before D.
DECIDED_ON = "coalesce(review_date, cast(loaded_at as date))"
CURRENT_DECISION_ORDER = f"{DECIDED_ON} desc, loaded_at desc, seq desc, decision_id desc"
REVIEW_VIEWS = [
    f"""CREATE OR REPLACE VIEW review.current_decisions AS
    SELECT * FROM review.decisions
    QUALIFY row_number() OVER (PARTITION BY anomaly_id ORDER BY {CURRENT_DECISION_ORDER}) = 1""",
]


# DuckDB names a file's catalog after the first dot-separated part of its
# name. A file named like one of its schemas (review.duckdb, marts.duckdb…) or
# like a built-in catalog makes every `schema.table` reference ambiguous: such
# a file is attached instead, under the catalog name `warehouse`, into a named
# in-memory instance (dbt's profile does the same, crosscheck.build). Any
# other file is opened directly, as DuckDB and every tool would open it.
CATALOG = "warehouse"
RESERVED_CATALOGS = frozenset(
    {*SCHEMAS, "marts", "staging", "intermediate", "rules", "reference", "main",
     "ingest_work", "cc_work", "memory", "system", "temp"}
)  # fmt: skip


def catalog_of(path: Path | str) -> str:
    """The catalog name DuckDB gives a file opened directly."""
    return Path(path).name.lstrip(".").split(".")[0]


def needs_alias(path: Path | str) -> bool:
    """Whether the file must be attached under `warehouse` (see RESERVED_CATALOGS)."""
    return catalog_of(path).lower() in RESERVED_CATALOGS


def instance_name(path: Path | str, read_only: bool = False) -> str:
    """The process-wide in-memory DuckDB instance an aliased file is attached to.

    Named (`:memory:<name>`), so every connection of one process to one file
    shares one instance, as `duckdb.connect(path)` would; dbt's profile uses
    the same name (crosscheck.build).
    """
    key = hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:16]
    return f":memory:{'ro' if read_only else 'rw'}_{key}"


def open_file(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB file opened so that `schema.table` works whatever it is called.

    Raises DuckDB's own errors (missing file read-only, lock held elsewhere).
    Read-only while this very process has the file open read-write (dbt keeps
    its connection), the read-write instance is shared instead: DuckDB lets one
    process open a file once, under one configuration.
    """
    path = Path(path)
    if read_only:
        try:
            return _open(path, read_only=True)
        except (duckdb.ResourceInUseException, duckdb.ConnectionException):
            pass
    return _open(path, read_only=False)


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    if not needs_alias(path):
        return duckdb.connect(str(path), read_only=read_only)
    con = duckdb.connect(instance_name(path, read_only))
    try:
        mode = " (READ_ONLY)" if read_only else ""
        con.execute(f"ATTACH IF NOT EXISTS ? AS {CATALOG}{mode}", [str(path.resolve())])
        con.execute(f"USE {CATALOG}")
    except BaseException:
        con.close()
        raise
    return con


def dbt_env(path: Path | str) -> dict[str, str]:
    """The environment dbt's duckdb profile reads to open this warehouse file
    (`path` as dbt-duckdb can read it; see dbt_project/profiles.yml)."""
    if not needs_alias(path):
        return {
            "CROSSCHECK_DUCKDB_PATH": str(path),
            "CROSSCHECK_DUCKDB_DATABASE": catalog_of(path),
            "CROSSCHECK_DUCKDB_ATTACH": ":memory:",
        }
    return {
        "CROSSCHECK_DUCKDB_PATH": instance_name(path),
        "CROSSCHECK_DUCKDB_DATABASE": CATALOG,
        "CROSSCHECK_DUCKDB_ATTACH": str(path),
    }


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor (a new connection to the same database) on `con`'s catalog."""
    cur = con.cursor()
    catalog = scalar(con, "SELECT current_database()")
    cur.execute(f'USE "{catalog}"')
    return cur


def connect(
    path: Path | str, read_only: bool = False, timeout: float | None = None
) -> duckdb.DuckDBPyConnection:
    """Open a warehouse file, owner-readable only, creating it if needed.

    A process outside the writer lock holding the file open (a DuckDB shell,
    a notebook on the live file) makes DuckDB refuse; we wait for it with one
    line naming it (pid, command), and after `timeout` seconds (default
    CROSSCHECK_LOCK_TIMEOUT) refuse with the same line, never DuckDB's error.
    """
    path = Path(path)
    if read_only:
        return open_file(path, read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    timeout = locking.default_timeout() if timeout is None else timeout
    last_error = [""]

    def attempt():
        old = os.umask(0o077)
        try:
            return open_file(path)
        except duckdb.IOException as e:
            if not locking.is_duckdb_lock_error(e):
                raise
            last_error[0] = str(e)
            return None
        finally:
            os.umask(old)

    con = locking.wait_for(
        attempt,
        lambda: _file_holder(last_error[0]),
        timeout=timeout,
        poll=1.0,
        waiting=f"warehouse {path} is held open by {{who}}; waiting (up to {timeout:.0f}s)",
        refused=f"warehouse {path} is held open by {{who}} for more than {timeout:.0f}s; "
        "close it and retry",
    )
    os.chmod(path, 0o600)
    config.apply_duckdb_settings(con, path)
    return con


def _file_holder(message: str) -> str:
    """'pid N (command)' from DuckDB's lock error, which names the conflicting PID."""
    m = re.search(r"PID (\d+)", message)
    if not m:
        return "another process"
    pid = int(m.group(1))
    return f"pid {pid} ({locking.process_command(pid) or 'gone'})"


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table that lives outside dbt. Idempotent."""
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for ddl in META_DDL + REVIEW_DDL + MIGRATIONS + [AUDIT_DDL, LINKS_DDL, LINK_INPUTS_DDL]:
        con.execute(ddl)
    for ddl in REVIEW_VIEWS:
        con.execute(ddl)
    for source in load_sources().values():
        if source.kind == "snapshot":  # change history + the view of every snapshot
            history.migrate(con, source)
            for stmt in history.create_sql(source):
                con.execute(stmt)
        else:
            con.execute(source.create_table_sql("raw"))
        con.execute(source.create_table_sql("quarantine"))


def has_table(con, schema: str, table: str, database: str | None = None) -> bool:
    """Whether the table exists (in an attached database, if named)."""
    sql = "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?"
    params = [schema, table]
    if database:
        sql += " AND database_name = ?"
        params.append(database)
    return scalar(con, sql, params) > 0


def open_warehouse(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open for writing and make sure the tables exist."""
    con = connect(path)
    init_schema(con)
    return con
