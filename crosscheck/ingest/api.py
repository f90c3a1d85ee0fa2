"""The ingestion entry points the CLI and the DAGs call (docs/CONTRACTS.md §5).

Each writer call holds `crosscheck.locking.writer_lock` and opens the
warehouse with `crosscheck.warehouse.open_warehouse`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from crosscheck.errors import CrosscheckError
from crosscheck.ingest import discover
from crosscheck.ingest.archive import archive_root
from crosscheck.ingest.bookkeeping import DeliveryResult, IngestReport, LateDelivery, record_late
from crosscheck.ingest.idnorm import install_macros
from crosscheck.ingest.load import Backlog, Known, _now, new_snapshots, process
from crosscheck.ingest.readahead import ReadAhead
from crosscheck.ingest.readers import attach_work, detach_work
from crosscheck.ingest.release import ReleaseResult  # noqa: F401 - part of the API
from crosscheck.ingest.sources import load_sources, pinned
from crosscheck.ingest.verify import clean_temp
from crosscheck.locking import writer_lock
from crosscheck.warehouse import open_warehouse

log = logging.getLogger("crosscheck.ingest")


def latest_complete_date(landing: Path | str) -> dt.date | None:
    """The latest extract date with a complete delivery (the default as-of)."""
    return discover.latest_complete_date(Path(landing))


def _check_landing(landing: Path) -> None:
    if not landing.is_dir():
        raise CrosscheckError(f"landing folder {landing} does not exist")


def _check_sources(sources: list[str] | None) -> list[str]:
    known = list(load_sources())
    if not sources:
        return known
    unknown = [s for s in sources if s not in known]
    if unknown:
        raise CrosscheckError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return list(sources)


# DuckDB checkpoints when a commit leaves more than checkpoint_threshold (default 16 MiB)
# of WAL; each checkpoint writes the changed row groups and the metadata anew. A go-live
# catch-up commits ~1,600 deliveries: with 256 MiB it checkpoints far less often (less
# CPU, a smaller file: docs/DECISIONS.md, session 10). What a crash leaves in the WAL
# is replayed on the next open, as before.
CHECKPOINT_THRESHOLD = "256MiB"


def _open(warehouse: Path):
    """The writer's connection: tables ensured, ID macros installed, no progress bar,
    fewer checkpoints (CHECKPOINT_THRESHOLD), an empty in-memory catalog for the
    work tables (nothing a killed run left)."""
    con = open_warehouse(warehouse)
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
    install_macros(con)
    attach_work(con)
    return con


def _close(con) -> None:
    """End a writer's run: the work tables and their views, then the connection. Best
    effort on the way out of an error (the next writer's start drops what is left)."""
    try:
        detach_work(con)
    except Exception as e:  # noqa: BLE001 - never mask the error that ended the run
        log.debug("work tables left for the next start: %s", e)
    finally:
        con.close()


def _make_gate(con, warehouse: Path, data_docs: bool = True, gx_only: bool = False):
    from crosscheck.gate.gate import Gate

    return Gate(con, docs_dir=docs_dir(warehouse) if data_docs else None, count_first=not gx_only)


def docs_dir(warehouse: Path | str) -> Path:
    """Where the GX Data Docs of a warehouse's validations are rendered (absolute: GX needs it)."""
    return Path(warehouse).absolute().parent / "data_docs"


def temp_dir(warehouse: Path | str) -> Path:
    """Private scratch folder beside the warehouse (transcodes); emptied at each writer start."""
    return Path(warehouse).absolute().parent / "tmp"


def _start_writer(warehouse: Path) -> Path:
    """With the writer lock held: remove what a killed run left behind; the scratch folder."""
    tmp = temp_dir(warehouse)
    n = clean_temp(tmp)
    if n:
        log.warning("removed %d temporary transcode(s) left by an interrupted run", n)
    return tmp


def find_late(landing: Path, as_of: dt.date, sources: list[str]) -> list[LateDelivery]:
    """Sources whose latest due extract date ≤ as_of has no complete delivery."""
    late = []
    for name in sources:
        src = load_sources()[name]
        due = discover.last_due_date(src, as_of)
        if due is None:
            continue
        # A complete delivery on or after the due date (e.g. the go-live
        # baseline delivered after a due Sunday) makes the source current.
        delivered = (
            (landing / name / (due + dt.timedelta(days=k)).strftime("%Y%m%d") / discover.MARKER)
            for k in range((as_of - due).days + 1)
        )
        if not any(p.is_file() for p in delivered):
            late.append(LateDelivery(name, due, as_of))
    return late


def ingest(
    landing: Path | str,
    warehouse: Path | str,
    as_of: dt.date | None = None,
    sources: list[str] | None = None,
    data_docs: bool = True,
    on_delivery: Callable[[int, int, DeliveryResult], None] | None = None,
    gx_only: bool = False,
) -> IngestReport:
    """Load every new complete delivery with extract date ≤ as_of; report late sources.

    `on_delivery(i, n, result)` is told each delivery's result as it is done
    (the commands' progress lines). Each delivery gets its own verdict and
    transaction, in extract-date order. The gate first counts each delivery's
    failing rows and runs GX only where there are some (`Gate.counted_results`);
    `gx_only` has GX judge every expectation: the reference the tests compare
    with. The report lists the deliveries oldest first, as discovered."""
    landing, warehouse = Path(landing), Path(warehouse)
    _check_landing(landing)
    names = _check_sources(sources)
    if as_of is None:
        as_of = latest_complete_date(landing)
    report = IngestReport(as_of=as_of)
    deliveries = discover.complete_deliveries(landing, names, as_of)
    with writer_lock(warehouse), pinned():  # one deployment for the whole run
        tmp = _start_writer(warehouse)
        con = _open(warehouse)
        try:
            gate = _make_gate(con, warehouse, data_docs, gx_only)
            archive = archive_root(warehouse)
            known = Known.read(con)  # what every earlier run loaded: one query, not one each
            backlog = Backlog(con, deliveries, tmp, known, gate)  # small ones typed together
            ahead = ReadAhead(new_snapshots(con, deliveries, known), tmp)  # on a thread
            try:
                for delivery in deliveries:
                    result = process(con, delivery, gate, tmp, archive, known, backlog, ahead)
                    report.deliveries.append(result)
                    if on_delivery is not None:
                        on_delivery(len(report.deliveries), len(deliveries), result)
            finally:
                ahead.close()
            if as_of is not None:
                report.late = find_late(landing, as_of, names)
                record_late(con, report.late, _now())
                for item in report.late:
                    log.warning(
                        "late: %s has no complete delivery for %s (run for %s)",
                        item.source,
                        item.extract_date,
                        as_of,
                    )
            gate.build_docs()
            gate.close()
        finally:
            _close(con)
    return report


def ingest_delivery(
    landing: Path | str,
    warehouse: Path | str,
    source: str,
    extract_date: dt.date,
    data_docs: bool = True,
) -> DeliveryResult:
    """Load one delivery (the Airflow per-source DAG); error if it is not complete."""
    landing, warehouse = Path(landing), Path(warehouse)
    _check_landing(landing)
    _check_sources([source])
    folder = landing / source / extract_date.strftime("%Y%m%d")
    if not (folder / discover.MARKER).is_file():
        raise CrosscheckError(f"no complete delivery at {folder} (no {discover.MARKER})")
    with writer_lock(warehouse):
        tmp = _start_writer(warehouse)
        con = _open(warehouse)
        try:
            gate = _make_gate(con, warehouse, data_docs)
            result = process(
                con,
                discover.Delivery(extract_date, source, folder),
                gate,
                tmp,
                archive_root(warehouse),
            )
            gate.build_docs()
            gate.close()
        finally:
            _close(con)
    return result


def release(
    warehouse: Path | str, load_id: str, reason: str, released_by: str = "operator"
) -> ReleaseResult:
    """Audited release of a quarantined delivery: its rows move to raw, status → loaded."""
    from crosscheck.ingest.release import release_quarantined

    if not reason or not reason.strip():
        raise CrosscheckError("a release needs a reason")
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise CrosscheckError(f"warehouse {warehouse} does not exist")
    with writer_lock(warehouse):
        con = open_warehouse(warehouse)
        try:
            return release_quarantined(con, load_id, reason.strip(), released_by, _now())
        finally:
            con.close()


def status(warehouse: Path | str, as_of: dt.date | None = None):
    """Load records, quarantines (with failed expectations) and stale sources."""
    from crosscheck.ingest.status import read_status

    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise CrosscheckError(f"warehouse {warehouse} does not exist")
    return read_status(warehouse, as_of)
