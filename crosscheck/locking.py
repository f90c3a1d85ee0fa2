"""One writer at a time: an advisory lock file beside the warehouse.

DuckDB lets one process write a file; a second writer would fail with a raw
lock error. Every writer (CLI, Airflow task) takes this lock first and waits,
with a clear log line naming the holder (pid, command, since when, written
into the lock file by whoever holds it), instead of failing; after the
timeout it refuses with the same names (readers use `describe_holder` to
say which run they did not wait for).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crosscheck.errors import CrosscheckError

log = logging.getLogger(__name__)

# Locks this process already holds, by lock file: re-entering is free, so a
# caller (the nightly run) can hold the lock across steps that also take it.
_held: dict[str, int] = {}
_held_guard = threading.Lock()


def lock_path(warehouse: Path | str) -> Path:
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + ".lock")


def default_timeout() -> float:
    """Seconds a writer waits for another (CROSSCHECK_LOCK_TIMEOUT, default one hour)."""
    return float(os.environ.get("CROSSCHECK_LOCK_TIMEOUT", "3600"))


def process_command(pid: int) -> str:
    """A process's command line, shortened (empty if it is gone or hidden)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    parts = [
        Path(a).name if i == 0 else a
        for i, a in enumerate(raw.decode(errors="replace").split("\0"))
        if a
    ]
    text = " ".join(" ".join(parts).split())  # one line, whatever the arguments hold
    return text if len(text) <= 120 else text[:117] + "..."


def _write_holder(fd: int) -> None:
    info = {
        "pid": os.getpid(),
        "command": process_command(os.getpid()) or " ".join(sys.argv)[:120],
        "since": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info).encode(), 0)


def describe_holder(path: Path) -> str:
    """'pid N (command) since T' of the lock file's current holder, as it wrote it."""
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        info = {}
    if not info.get("pid"):
        return "another writer (unknown)"
    return f"pid {info['pid']} ({info.get('command') or '?'}) since {info.get('since') or '?'}"


def wait_for(attempt, holder, *, timeout: float, poll: float, waiting: str, refused: str):
    """Call `attempt` until it returns something (not None), at most `timeout` seconds.

    While it returns None, log `waiting` once, then refuse with `refused`
    (in both, `{who}` is replaced by holder()): one line naming who is in the
    way, never a raw lock error. (Replaced, not formatted: paths may hold braces.)
    """
    deadline = time.monotonic() + timeout
    announced = False
    while True:
        result = attempt()
        if result is not None:
            return result
        if time.monotonic() >= deadline:
            raise CrosscheckError(refused.replace("{who}", holder()))
        if not announced:
            log.warning("%s", waiting.replace("{who}", holder()))
            announced = True
        time.sleep(min(poll, max(deadline - time.monotonic(), 0.01)))


@contextmanager
def writer_lock(
    warehouse: Path | str, timeout: float | None = None, poll: float = 2.0
) -> Iterator[None]:
    """Hold the warehouse's writer lock; wait up to `timeout` seconds for it.

    While it is held, files the process creates are owner-only (umask 077).

    Re-entrant within one process: a nested call for the same warehouse
    returns at once and the lock is released when the outermost call ends.
    """
    path = lock_path(warehouse)
    key = str(path.resolve())
    with _held_guard:
        if _held.get(key):
            _held[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    timeout = default_timeout() if timeout is None else timeout
    try:

        def take():
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return None

        wait_for(
            take,
            lambda: describe_holder(path),
            timeout=timeout,
            poll=poll,
            waiting=f"warehouse {warehouse} is locked by another writer; waiting "
            f"(up to {timeout:.0f}s) for {{who}}",
            refused=f"warehouse {warehouse} is busy: {{who}} held it for more than "
            f"{timeout:.0f}s; retry when it has finished",
        )
        _write_holder(fd)
        with _held_guard:
            _held[key] = 1
        old_umask = os.umask(0o077)  # what a writer writes may hold identifiers
        try:
            yield
        finally:
            os.umask(old_umask)
            with _held_guard:
                _held.pop(key, None)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def is_duckdb_lock_error(exc: BaseException) -> bool:
    """DuckDB's own 'file is locked' error (a process outside our lock holds it)."""
    return type(exc).__name__ == "IOException" and "Could not set lock" in str(exc)


def run_as_writer(
    warehouse: Path | str,
    fn,
    *args,
    timeout: float | None = None,
    poll: float = 2.0,
    lock_retry: float = 5.0,
    hold_lock: bool = True,
    **kwargs,
):
    """Call fn(*args, **kwargs) holding the writer lock.

    hold_lock=False for functions that take the writer lock themselves
    (crosscheck.ingest.api): only DuckDB's own lock error is retried then.

    A process that opened the file without our lock (a DuckDB shell, a
    notebook on the live file) makes DuckDB raise "Could not set lock"; we log
    one clear line, release our lock, wait and try again until `timeout`.
    """
    from crosscheck.review.privacy import owner_only_process

    owner_only_process()  # an Airflow task: what it writes may hold identifiers
    timeout = default_timeout() if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while True:
        try:
            if not hold_lock:
                return fn(*args, **kwargs)
            with writer_lock(warehouse, timeout=max(deadline - time.monotonic(), 0.0), poll=poll):
                return fn(*args, **kwargs)
        except Exception as e:
            if not is_duckdb_lock_error(e):
                raise
            if time.monotonic() + lock_retry >= deadline:
                raise CrosscheckError(
                    f"warehouse {warehouse} is held open by another process (not a "
                    f"crosscheck writer) for more than {timeout:.0f}s; close it and retry"
                ) from None
            log.warning(
                "warehouse %s is open in another process outside the writer lock; "
                "retrying in %.0fs",
                warehouse,
                lock_retry,
            )
            time.sleep(lock_retry)
