"""The run's new snapshot deliveries verified, and their workbooks parsed, ahead.

A go-live catch-up spends much of its time in work that needs no warehouse: a
card-register workbook takes ~0.8 s of fastexcel to parse, a household register
~0.1 s to hash and transcode from GB18030. While the loader types, judges and
stores one delivery (DuckDB, which lets go of Python's lock), one background
thread verifies the run's next new snapshot deliveries (`verify.verify`: marker,
size, sha256, encoding, transcode) and parses an XLSX one's sheet
(`readers.read_xlsx_fast`): at most SHEETS parsed sheets (memory) and FILES other
verified deliveries (a transcode each, on disk) not yet taken.

The loader takes each in its turn (`verified`) and gets what it would have got by
calling the same functions then: the same VerifiedFile, or the same refusal. A
delivery the thread failed on in another way, or never reached because it stopped
(a fault of its own), is verified by the loader itself, as before. Nothing is
written to the warehouse here; a transcode nobody took is removed by `close` (and
by `verify.clean_temp` after a killed run). Incremental sources are not read
ahead: their small deliveries are read together by `load.Backlog`.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from crosscheck.ingest.discover import Delivery
from crosscheck.ingest.sources import Source, get_source
from crosscheck.ingest.verify import DeliveryRefused, VerifiedFile, verify

log = logging.getLogger("crosscheck.ingest")

# Verified (and parsed) deliveries not yet taken: a parsed sheet holds the workbook's
# cells in memory, another delivery its transcode on disk. SHEETS = 0 turns it off.
SHEETS = 1
FILES = 4


class ReadAhead:
    """One thread verifying (and parsing) `deliveries` in order, ahead of the loader."""

    def __init__(
        self, deliveries: list[Delivery], temp_root: Path | None, sheets: int | None = None
    ):
        sheets = SHEETS if sheets is None else sheets
        self.queue = deliveries if sheets > 0 else []
        self.order = {d.folder: k for k, d in enumerate(self.queue)}
        self.temp_root = temp_root
        self.done: dict[Path, VerifiedFile | DeliveryRefused | None] = {}
        self.cond = threading.Condition()
        self.slots = {"xlsx": threading.Semaphore(max(sheets, 1)), "": threading.Semaphore(FILES)}
        self.next = 0  # index of the delivery the thread works on (or will)
        self.closed = False
        self.thread: threading.Thread | None = None
        if self.queue:
            self.thread = threading.Thread(target=self._run, name="crosscheck-readahead")
            self.thread.daemon = True
            self.thread.start()

    def _run(self) -> None:
        try:
            for k, d in enumerate(self.queue):
                self._slot(d).acquire()
                with self.cond:
                    if self.closed:
                        return
                    self.next = k
                out = _prepared(d, get_source(d.source), self.temp_root)
                with self.cond:
                    if self.closed:
                        _discard(out)
                        return
                    self.done[d.folder] = out
                    self.next = k + 1
                    self.cond.notify_all()
        except Exception as e:  # noqa: BLE001 - a fault here must not stop the run
            log.warning("reading ahead stopped (the loader reads the rest itself): %s", e)
        finally:  # however it ends, the loader stops waiting (and verifies the rest itself)
            with self.cond:
                self.next = len(self.queue)
                self.cond.notify_all()

    def verified(self, delivery: Delivery, source: Source) -> VerifiedFile:
        """The delivery verified (parsed, for XLSX): read ahead, or verified now."""
        k = self.order.get(delivery.folder)
        if k is None:
            return verify(delivery, source, self.temp_root)
        with self.cond:
            self._drop_before(k)
            while delivery.folder not in self.done and self.next <= k and not self.closed:
                self.cond.wait()
            out = self.done.pop(delivery.folder, None)
        if delivery.folder in self.order:
            self._slot(delivery).release()
            del self.order[delivery.folder]
        if isinstance(out, DeliveryRefused):
            raise out
        return out if out is not None else verify(delivery, source, self.temp_root)

    def _slot(self, d: Delivery) -> threading.Semaphore:
        return self.slots["xlsx" if get_source(d.source).format == "xlsx" else ""]

    def _drop_before(self, k: int) -> None:
        """Deliveries queued before the one taken that the loader never asked for (it
        found them seen after all): their transcodes removed, their slots freed."""
        for d in self.queue[:k]:
            if d.folder in self.order:
                _discard(self.done.pop(d.folder, None))
                del self.order[d.folder]
                self._slot(d).release()

    def close(self) -> None:
        """Stop the thread; remove every transcode nobody took."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        for slot in self.slots.values():
            for _ in range(len(self.queue) + 1):
                slot.release()
        if self.thread is not None:
            self.thread.join()
        for out in self.done.values():
            _discard(out)
        self.done.clear()


def _prepared(
    delivery: Delivery, source: Source, temp_root: Path | None
) -> VerifiedFile | DeliveryRefused | None:
    """verify (and parse an XLSX sheet); a refusal as the loader would meet it; None
    for any other failure (the loader then does it all itself, and meets it itself)."""
    from crosscheck.ingest.readers import read_xlsx_fast

    try:
        vf = verify(delivery, source, temp_root)
    except DeliveryRefused as e:
        return e
    except Exception:  # noqa: BLE001 - the loader verifies it again and reports what it finds
        log.debug("read-ahead could not verify %s", delivery.folder, exc_info=True)
        return None
    if source.format == "xlsx":  # None when fastexcel cannot: the loader reads it exactly
        vf.sheet = read_xlsx_fast(source, vf.read_path)
    return vf


def _discard(out: VerifiedFile | DeliveryRefused | None) -> None:
    if isinstance(out, VerifiedFile):
        out.cleanup()
