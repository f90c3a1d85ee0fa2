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
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from crosscheck.ingest.archive import archive_delivery, archive_folder, commit_staged, stage_async
from crosscheck.ingest.bookkeeping import DeliveryResult, existing_status, make_load_id, record_load
from crosscheck.ingest.discover import Delivery
from crosscheck.ingest.history import CAME_KEYS, KEYS, add_snapshot, delivered_sql, forget
from crosscheck.ingest.readahead import ReadAhead
from crosscheck.ingest.readers import (
    WORK_CATALOG,
    ReadResult,
    TypedBatch,
    map_header,
    read_delivery,
    rejects_table,
    text_table,
    work_table,
)
from crosscheck.ingest.sources import Source, get_source
from crosscheck.ingest.verify import (
    CHUNK,
    MARKER_MAX_BYTES,
    DeliveryRefused,
    MarkerEntry,
    VerifiedFile,
    hash_file,
    open_nofollow,
    read_marker,
    stat_key,
    verify,
)
from crosscheck.review.privacy import mask_in_text

log = logging.getLogger("crosscheck.ingest")


def _now() -> dt.datetime:
    # Bookkeeping timestamps only (started_at/finished_at); never used by a rule.
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _claimed_sha(delivery: Delivery) -> tuple[MarkerEntry | None, str]:
    """The marker's entry and the sha256 it claims (the marker's own hash if unreadable)."""
    try:
        entry = read_marker(delivery)
    except DeliveryRefused:
        data = b""
        if not delivery.marker.is_symlink():
            with delivery.marker.open("rb") as f:
                data = f.read(MARKER_MAX_BYTES)
        return None, hashlib.sha256(data).hexdigest()
    sha = entry.sha256.lower()
    return entry, sha if len(sha) >= 12 else hashlib.sha256(sha.encode()).hexdigest()


@dataclass
class Known:
    """What the warehouse knew of earlier loads when a run began, read in one query each.

    A night re-examines every delivery ever received (to skip it): a query or two
    each would make its cost follow the history, not the new deliveries. A run
    meets each (source, extract date) folder once, and what it records for one
    folder says nothing of another, so what these said at the start holds for
    every folder the run has not reached yet."""

    loads: dict[str, tuple[str, str | None, str | None]]  # load id -> status, file, sha256
    hashes: dict[str, tuple[str, str]]  # file path -> stat key, sha256
    # (source, extract date) of the loads a promotion would supersede (loaded, quarantined)
    held: set[tuple[str, dt.date]] = field(default_factory=set)

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> Known:
        loads = con.execute(
            "SELECT load_id, status, file_name, sha256, source, extract_date FROM meta.loads"
        ).fetchall()
        hashes = con.execute("SELECT path, stat, sha256 FROM meta.file_hashes").fetchall()
        held = {(r[4], r[5]) for r in loads if r[1] in ("loaded", "quarantined")}
        return cls(
            {r[0]: (r[1], r[2], r[3]) for r in loads}, {r[0]: (r[1], r[2]) for r in hashes}, held
        )

    def status(self, load_id: str) -> str | None:
        row = self.loads.get(load_id)
        return row[0] if row else None


def _status(con, load_id: str, known: Known | None) -> str | None:
    return known.status(load_id) if known is not None else existing_status(con, load_id)


def file_sha256(
    con: duckdb.DuckDBPyConnection, path: Path, known: Known | None = None
) -> str | None:
    """The sha256 of a delivered file's bytes (cached by stat); None if it is not a plain file."""
    if path.is_symlink() or not path.is_file():
        return None
    key = stat_key(path)
    if known is not None:
        cached = known.hashes.get(str(path))
        row = (cached[1],) if cached is not None and cached[0] == key else None
    else:
        row = con.execute(
            "SELECT sha256 FROM meta.file_hashes WHERE path = ? AND stat = ?", [str(path), key]
        ).fetchone()
    if row:
        return row[0]
    try:
        digest = hash_file(path)
    except DeliveryRefused:
        return None
    remember_hash(con, path, key, digest)
    return digest


def remember_hash(
    con: duckdb.DuckDBPyConnection, path: Path, key: str, digest: str, replace: bool = True
) -> None:
    """Remember a file's hash by its stat; `replace=False`: the caller knows the path has
    no row yet (a plain insert is cheaper than an upsert)."""
    con.execute(
        f"INSERT {'OR REPLACE ' if replace else ''}INTO meta.file_hashes VALUES (?, ?, ?, ?)",
        [str(path), key, digest, _now()],
    )


def delivery_identity(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, known: Known | None = None
) -> tuple[str, bool]:
    """(load id, already seen with these very bytes).

    The id names the sha256 the marker claims; a new delivery's bytes are
    proven against it by `verify` before anything is recorded under it. A
    delivery whose id was seen is skipped only when its file still hashes to
    that sha256; a re-delivery whose file does not match its marker gets an
    id of its own (file and marker hashes) and goes on to be refused.
    """
    entry, claimed = _claimed_sha(delivery)
    load_id = make_load_id(delivery.source, delivery.extract_date, claimed)
    seen = _status(con, load_id, known)
    if seen is None or seen == "rejected":
        return load_id, False
    actual = None
    if entry is not None:
        path = delivery.folder / entry.name
        actual = file_sha256(con, path, known)
        if actual == claimed and path.stat().st_size == entry.bytes:
            return load_id, True
    mixed = hashlib.sha256(f"{actual}|{claimed}".encode()).hexdigest()
    return make_load_id(delivery.source, delivery.extract_date, mixed), False


def _backfill_archive(
    con, archive: Path, delivery: Delivery, load_id: str, known: Known | None = None
) -> None:
    """A delivery loaded before the archive existed is archived when next seen (same bytes)."""
    if known is not None and load_id in known.loads:
        _, file_name, sha = known.loads[load_id]
    else:
        file_name, sha = con.execute(
            "SELECT file_name, sha256 FROM meta.loads WHERE load_id = ?", [load_id]
        ).fetchone()
    if not file_name or not sha:
        return
    if (archive_folder(archive, delivery.source, delivery.extract_date, sha) / file_name).is_file():
        return
    try:
        archive_delivery(
            archive,
            delivery.source,
            delivery.extract_date,
            delivery.folder / file_name,
            delivery.marker,
            sha,
        )
    except DeliveryRefused as e:
        log.warning("could not archive %s: %s", load_id, e)


def reader_reason(exc: BaseException, path: Path | None) -> str:
    """One line for a reader's error, identifiers masked (the error may quote a line)."""
    first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
    hint = ""
    if path is not None and _mixed_line_ends(path):
        hint = "mixed line ends (CRLF and LF) in one file; "
    return mask_in_text(f"unreadable file: {hint}{first}"[:300])


def _mixed_line_ends(path: Path) -> bool:
    crlf = lf = 0
    with open_nofollow(path) as f:
        while chunk := f.read(CHUNK):
            n, r = chunk.count(b"\n"), chunk.count(b"\r\n")
            crlf, lf = crlf + r, lf + n - r
            if crlf and lf:
                return True
    return False


def _columns(source: Source) -> str:
    return ", ".join(f'"{n}"' for n, _ in source.raw_columns())


@dataclass
class _Pending:
    """A delivery verified and read into its work table, waiting for its verdict."""

    delivery: Delivery
    source: Source
    result: DeliveryResult
    info: dict
    vf: VerifiedFile
    read: ReadResult
    t0: float  # when its own work started
    # no record of its load id when the run began (`Known`): nothing of it to replace
    new: bool = False
    batched: bool = False  # its work table came from a `TypedBatch` (dropped with the batch)
    pre: tuple | None = None  # its batch's gate counts and its load id (`Gate.batch_counts`)


def _refused(
    con, source: Source, result: DeliveryResult, info: dict, e, t0, drop: bool = True
) -> DeliveryResult:
    """Record a refused delivery (its own transaction); the run goes on."""
    result.status = "rejected"
    result.reasons = [mask_in_text(str(e))]
    info["finished_at"] = _now()
    con.execute("BEGIN TRANSACTION")
    try:
        record_load(con, result, **info)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if drop:
        _drop_work(con, source)
    result.seconds = time.monotonic() - t0
    log.error("refused %s: %s", result.load_id, result.reasons[0])
    return result


def _verified(
    delivery: Delivery,
    source: Source,
    temp_root: Path | None,
    info: dict,
    read,
    keep=False,
    ahead: ReadAhead | None = None,
):
    """Verify the delivery (or take it verified from `ahead`) and read it with
    `read(vf)`: (vf, what read returned). Any reader error refuses the delivery
    (DeliveryRefused with a one-line reason), never the night; the transcode is
    removed once read (the archive copies the delivered file), unless `keep` (then
    the caller removes it: `vf.cleanup()`)."""
    if ahead is not None:
        vf = ahead.verified(delivery, source)
    else:
        vf = verify(delivery, source, temp_root)
    done = False
    try:
        info.update(file_name=vf.path.name, file_bytes=vf.entry.bytes, sha256=vf.sha256)
        out = _reading(vf, read)
        done = True
        return vf, out
    finally:
        if not (keep and done):
            vf.cleanup()


def _reading(vf: VerifiedFile, read):
    """`read(vf)`; any reader error refuses the delivery, never the night."""
    try:
        return read(vf)
    except DeliveryRefused:
        raise
    except Exception as e:
        raise DeliveryRefused(reader_reason(e, vf.path)) from None


def _prepare(
    con,
    delivery: Delivery,
    temp_root: Path | None,
    archive: Path | None,
    known: Known | None = None,
    ahead: ReadAhead | None = None,
) -> DeliveryResult | _Pending:
    """Identity, verification and reading: a finished result (skipped or refused) or a
    delivery read into its work table (`readers.work_table`), ready for the gate."""
    source = get_source(delivery.source)
    load_id, seen = delivery_identity(con, delivery, known)
    if seen:
        status = _status(con, load_id, known)
        if archive is not None:
            _backfill_archive(con, archive, delivery, load_id, known)
        return DeliveryResult(
            load_id, source.name, delivery.extract_date, "skipped", reasons=[f"already {status}"]
        )
    t0 = time.monotonic()
    result = DeliveryResult(load_id, source.name, delivery.extract_date, "rejected")
    info: dict = {"started_at": _now()}
    try:
        vf, read = _verified(
            delivery, source, temp_root, info,
            lambda vf: read_delivery(con, source, vf, load_id, delivery.extract_date),
            ahead=ahead,
        )  # fmt: skip
    except DeliveryRefused as e:
        return _refused(con, source, result, info, e, t0)
    result.rows_read, result.rows_rejected = read.rows_read, read.rows_rejected
    new = known is not None and load_id not in known.loads
    return _Pending(delivery, source, result, info, vf, read, t0, new)


# A backlog's small deliveries of an incremental CSV source are typed together
# (`readers.TypedBatch`): a delivery of at most SMALL_ROWS rows (its marker's count),
# at most BATCH_ROWS rows per batch (memory). 0 turns batches off.
SMALL_ROWS = 10_000
BATCH_ROWS = 50_000


@dataclass
class _Read:
    """A delivery of a batch, read as text (or refused), waiting for its turn."""

    load_id: str
    info: dict
    t0: float
    batch: TypedBatch
    vf: VerifiedFile | None = None
    share: float = 0.0  # its share of the seconds reading and typing the batch took
    rows_read: int = 0
    refused: DeliveryRefused | None = None


def _unseen(con, delivery: Delivery, known: Known | None) -> tuple[MarkerEntry | None, str] | None:
    """(marker entry, load id) when the load id the marker claims is not seen (or was
    rejected): a delivery `_prepare` will verify and read. A seen one is left to
    `delivery_identity` in its turn."""
    entry, claimed = _claimed_sha(delivery)
    load_id = make_load_id(delivery.source, delivery.extract_date, claimed)
    if _status(con, load_id, known) not in (None, "rejected"):
        return None
    return entry, load_id


def new_snapshots(con, deliveries: list[Delivery], known: Known) -> list[Delivery]:
    """The run's new snapshot deliveries (`_unseen`), which `readahead.ReadAhead`
    verifies ahead of their turn."""
    return [
        d
        for d in deliveries
        if get_source(d.source).kind == "snapshot" and _unseen(con, d, known) is not None
    ]


class Backlog:
    """The run's deliveries, for typing small ones of one source together.

    When the run reaches a new small delivery of an incremental CSV source, it and the
    run's later new small deliveries of that source are verified and read as text, and
    typed in one statement (`readers.TypedBatch`). Each then takes its turn as before:
    its own work table and rejects, its own verdict, its own transaction, in the run's
    order; a refusal found while reading is recorded in its turn. Reading writes
    nothing to the warehouse, so a killed run leaves what it left before.
    `tests/ingestion/test_backlog.py` records the same as deliveries read one by one."""

    def __init__(
        self, con, deliveries: list[Delivery], temp_root: Path | None, known: Known, gate=None
    ):
        self.con, self.deliveries, self.temp_root, self.known = con, deliveries, temp_root, known
        self.gate = gate  # counts the batch's rows for every member at once, when given
        self.counts: dict[int, object] = {}  # id(batch) -> its `Gate.batch_counts`
        self.read: dict[Path, _Read] = {}
        self.tried: set[Path] = set()  # deliveries considered for a batch
        self.left: dict[int, int] = {}  # id(batch) -> members not taken yet

    def _small_new(self, delivery: Delivery) -> tuple[str, int] | None:
        """(load id, rows) if the delivery may join a batch: of an incremental CSV source,
        a readable marker of at most SMALL_ROWS rows, a load id not seen (or rejected).
        Anything else goes the usual way in its turn (skipped, refused, read alone)."""
        source = get_source(delivery.source)
        if source.kind == "snapshot" or source.format != "csv" or BATCH_ROWS <= 0:
            return None
        unseen = _unseen(self.con, delivery, self.known)
        if unseen is None:
            return None  # seen: `delivery_identity` decides in its turn
        entry, load_id = unseen
        if entry is None or entry.rows > SMALL_ROWS:
            return None
        return load_id, entry.rows

    def _read_batch(self, first: Delivery) -> None:
        source = get_source(first.source)
        members: list[tuple[Delivery, str]] = []
        total = 0
        for d in self.deliveries[self.deliveries.index(first) :]:
            if d.source != first.source or d.folder in self.tried:
                continue
            self.tried.add(d.folder)
            small = self._small_new(d)
            if small is None:
                continue
            members.append((d, small[0]))
            total += small[1]
            if total >= BATCH_ROWS:
                break
        if len(members) < 2:
            return  # nothing to share: the usual way
        t_batch = time.monotonic()
        batch = TypedBatch(self.con, source)
        reads, files = [], []
        try:
            for d, load_id in members:
                r = _Read(load_id, {"started_at": _now()}, time.monotonic(), batch)
                reads.append((d, r))
                try:  # verified, and its header mapped (refused as read_text_csv refuses)
                    r.vf, _ = _verified(
                        d, source, self.temp_root, r.info,
                        lambda vf: map_header(source, vf.header), keep=True,
                    )  # fmt: skip
                    files.append((d, r, r.vf))
                except DeliveryRefused as e:
                    r.refused = e
            self._read_text(batch, files)
        finally:
            for _, _, vf in files:
                vf.cleanup()
        try:
            batch.type()
        except duckdb.Error as e:  # then each is read and typed alone, in its turn
            log.debug("typing a batch of %s raised (read one by one): %s", source.name, e)
            batch.drop()
            return
        if self.gate is not None:
            self.counts[id(batch)] = self.gate.batch_counts(source, batch.typed, work_table(source))
        share = (time.monotonic() - t_batch) / len(reads)
        for d, r in reads:
            r.share = share
            self.read[d.folder] = r
        self.left[id(batch)] = len(reads)

    def _read_text(
        self, batch: TypedBatch, files: list[tuple[Delivery, _Read, VerifiedFile]]
    ) -> None:
        """The files' text into the batch: in one read (`TypedBatch.add_files`), else (if
        that read fails) one by one, each refused as it would be alone."""
        try:
            got = batch.add_files([(vf, r.load_id, d.extract_date) for d, r, vf in files])
        except duckdb.Error as e:
            log.debug("reading %d files at once raised (one by one): %s", len(files), e)
            batch.clear()  # what a part of that read added
            got = None
        for d, r, vf in files:
            try:
                if got is None:
                    r.rows_read = _reading(
                        vf, lambda vf, r=r, d=d: batch.add(vf, r.load_id, d.extract_date)
                    )
                else:
                    outcome = got[r.load_id]
                    if isinstance(outcome, DeliveryRefused):
                        raise outcome
                    r.rows_read = outcome
            except DeliveryRefused as e:
                r.refused = e

    def take(self, delivery: Delivery) -> DeliveryResult | _Pending | None:
        """The delivery as its batch read it (refused, or in its work table); None when
        it was not read in a batch (then `_prepare` reads it)."""
        if delivery.folder not in self.tried:
            self._read_batch(delivery)
        r = self.read.pop(delivery.folder, None)
        if r is None:
            return None
        source = get_source(delivery.source)
        result = DeliveryResult(r.load_id, source.name, delivery.extract_date, "rejected")
        # its seconds: its share of the batch's reading, then its own turn (not the
        # deliveries of other sources the run took between the batch and its turn)
        r.t0 = time.monotonic() - r.share
        try:
            if r.refused is not None or r.vf is None:  # (a delivery not refused was read)
                e = r.refused or DeliveryRefused("not read")
                return _refused(self.con, source, result, r.info, e, r.t0, drop=False)
            read = r.batch.take(r.load_id, r.rows_read)
            counts = self.counts.get(id(r.batch))
        finally:
            self.left[id(r.batch)] -= 1
            if not self.left[id(r.batch)]:
                r.batch.drop()
                self.counts.pop(id(r.batch), None)
        result.rows_read, result.rows_rejected = read.rows_read, read.rows_rejected
        new = r.load_id not in self.known.loads  # else a rejected delivery tried again
        pre = (counts, r.load_id) if counts is not None else None
        return _Pending(
            delivery, source, result, r.info, r.vf, read, r.t0, new, batched=True, pre=pre
        )


def _finish(con, p: _Pending, verdict, gate, staging: Future | None, known: Known | None = None):
    """Archive (the copy `staging` made put in place), then ONE transaction: rejects,
    results, rows (raw or quarantine), load row.

    Statements with nothing to do are left out: no rejects, no earlier record of the
    load id (`_Pending.new`), no earlier load of the day to supersede (`Known.held`)."""
    source, delivery, result, info, read = p.source, p.delivery, p.result, p.info, p.read
    stat = p.vf.stat_key  # the landing file's, as verified; a link into the archive changed it
    try:
        if staging is not None:
            staged = staging.result()
            commit_staged(staged)
            stat = staged.stat or stat
    except DeliveryRefused as e:
        return _refused(con, source, result, info, e, p.t0, drop=not p.batched)
    result.validation_seconds = verdict.seconds
    result.status = "loaded" if verdict.passed else "quarantined"
    result.reasons = verdict.reasons
    target = "raw" if verdict.passed else "quarantine"
    cols = _columns(source)
    con.execute("BEGIN TRANSACTION")
    try:
        if result.rows_rejected:
            con.execute(f"INSERT INTO meta.rejects SELECT * FROM {rejects_table(source)}")
        gate.record(con, verdict, replace=not p.new)
        if verdict.passed and (known is None or (source.name, delivery.extract_date) in known.held):
            result.superseded = supersede(con, source, delivery.extract_date, result.load_id)
        if verdict.passed and source.kind == "snapshot":  # stored as change history
            add_snapshot(
                con, source, result.load_id, delivery.extract_date, table=read.work_table,
                split=read.split,
            )  # fmt: skip
        elif read.split is not None:  # a quarantined snapshot: every row, as delivered
            rows = delivered_sql(
                source, read.split, result.load_id, delivery.extract_date, p.vf.path.name
            )
            con.execute(f"INSERT INTO {target}.{source.name} ({cols}) SELECT {cols} FROM ({rows})")
        else:
            con.execute(
                f"INSERT INTO {target}.{source.name} ({cols}) SELECT {cols} FROM {read.work_table}"
            )
        result.rows_loaded = result.rows_read - result.rows_rejected
        info["finished_at"] = _now()
        record_load(con, result, replace=not p.new, **info)
        new_path = p.new and known is not None and str(p.vf.path) not in known.hashes
        remember_hash(con, p.vf.path, stat, p.vf.sha256, replace=not new_path)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        forget(con, source)
        raise
    finally:
        if not p.batched:
            _drop_work(con, source)
    result.seconds = time.monotonic() - p.t0
    level = logging.INFO if verdict.passed else logging.WARNING
    log.log(level, "%s", result.line())
    return result


def process(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    gate,
    temp_root: Path | None = None,
    archive: Path | None = None,
    known: Known | None = None,
    backlog: Backlog | None = None,
    ahead: ReadAhead | None = None,
) -> DeliveryResult:
    """Load one delivery unless already seen; returns what happened.

    Every failure to read the delivery (a refusal, or any error of the
    readers) is recorded as a rejected load with its reason; the run goes on.
    A delivery that is loaded or quarantined is first copied to `archive`.
    `known` (`Known.read` at the start of the run) answers "seen before?"
    without a query per delivery; `backlog` (the run's deliveries) types the
    small deliveries of a source together; `ahead` (`new_snapshots` of them) has
    snapshot deliveries verified and parsed on a thread ahead of their turn.
    """
    p = backlog.take(delivery) if backlog is not None else None
    if p is None:
        p = _prepare(con, delivery, temp_root, archive, known, ahead)
    if isinstance(p, DeliveryResult):
        return p
    rows = p.result.rows_read - p.result.rows_rejected
    staging = None  # the archive's copy, made on its thread while the gate judges
    if archive is not None:
        staging = stage_async(
            archive, p.source.name, delivery.extract_date, p.vf.path, delivery.marker, p.vf.sha256
        )
    try:
        verdict = gate.validate(
            p.source, p.read.work_table, p.result.load_id, delivery.extract_date, rows, pre=p.pre
        )
    except BaseException:
        if staging is not None:
            wait([staging])  # nothing of this delivery goes on after it
        raise
    return _finish(con, p, verdict, gate, staging, known)


def supersede(
    con: duckdb.DuckDBPyConnection, source: Source, extract_date: dt.date, new_id: str
) -> list[str]:
    """Mark earlier loaded/quarantined deliveries of (source, date) superseded; delete their rows.

    Must run inside the caller's transaction. A snapshot source's history is
    not touched here: the caller stores the replacement with `add_snapshot`,
    which replays the history from that date on without the superseded load.
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
        # a loaded snapshot's history is replayed by the add_snapshot that follows
        if schema == "quarantine" or source.kind != "snapshot":
            con.execute(f"DELETE FROM {schema}.{source.name} WHERE _load_id = ?", [load_id])
        con.execute(
            """UPDATE meta.loads SET status = 'superseded', superseded_by = ?,
                   reasons = ? WHERE load_id = ?""",
            [new_id, json.dumps([f"replaced by {new_id}"]), load_id],
        )
        log.info("superseded %s by %s", load_id, new_id)
    return [o[0] for o in old]


def _drop_work(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    suffixes: tuple[str, ...]
    temps: tuple[str, ...]
    if source.kind == "snapshot":  # its work table is a view (history.kept_view)
        con.execute(f"DROP VIEW IF EXISTS {WORK_CATALOG}.{source.name}")
        suffixes = ("_rejects", "_came", "_left")
        temps = (f"cc_came_text_{source.name}", KEYS, CAME_KEYS, "cc_snap_cur")
    else:
        suffixes, temps = ("", "_rejects"), ()
    for suffix in suffixes:
        con.execute(f"DROP TABLE IF EXISTS {WORK_CATALOG}.{source.name}{suffix}")
    for temp in (text_table(source), "cc_flagged", "cc_csv_rejects", "cc_gaps", *temps):
        con.execute(f"DROP TABLE IF EXISTS {temp}")
