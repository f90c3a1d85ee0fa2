"""The serving copy: what readers open, swapped in atomically after a build.

Readers (notebooks, exports, the report) never open the live warehouse, so
they never see a half-built state and never block the nightly writer.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from crosscheck.config import serving_path
from crosscheck.errors import CrosscheckError
from crosscheck.locking import describe_holder, is_duckdb_lock_error, lock_path, writer_lock
from crosscheck.warehouse import open_file


def publish(warehouse: Path | str, *, take_lock: bool = True) -> Path:
    """Copy the warehouse to its serving path atomically; return that path."""
    warehouse = Path(warehouse)
    target = serving_path(warehouse)
    tmp = target.with_name(f".{target.name}.tmp")

    def _copy() -> None:
        con = open_file(warehouse)
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        old = os.umask(0o077)
        try:
            shutil.copyfile(warehouse, tmp)
        finally:
            os.umask(old)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)

    if take_lock:
        with writer_lock(warehouse):
            _copy()
    else:
        _copy()
    return target


@contextmanager
def reading(warehouse: Path | str) -> Iterator[tuple[duckdb.DuckDBPyConnection, str | None]]:
    """A read-only connection that never waits for the writer: (connection, note).

    With no writer at work, the live warehouse is read (under a shared hold
    of the writer lock, so no writer starts mid-read); while one is at work
    (or another process holds the file), the last published serving copy is
    read and `note` says so and names the writer.
    """
    warehouse = Path(warehouse)
    lock = lock_path(warehouse)
    fd = os.open(lock, os.O_RDONLY) if lock.exists() else None
    busy = None
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                busy = describe_holder(lock)
        if busy is None:
            try:
                con = _connect_read(warehouse)
            except duckdb.IOException as e:
                if not is_duckdb_lock_error(e):
                    raise
                busy = "another process holding the file open"
            else:
                try:
                    yield con, None
                finally:
                    con.close()
                return
    finally:
        if fd is not None:
            os.close(fd)
    serving = serving_path(warehouse)
    if not serving.exists():
        raise CrosscheckError(
            f"warehouse {warehouse} is being written by {busy} and has no published "
            "serving copy yet; try again when it has finished"
        )
    con = open_file(serving, read_only=True)
    try:
        yield (
            con,
            f"a writer is at work ({busy}): showing the last published state ({serving.name})",
        )
    finally:
        con.close()


def _connect_read(warehouse: Path) -> duckdb.DuckDBPyConnection:
    return open_file(warehouse, read_only=True)
