"""A test seam: one dbt parse per process for warehouses of one file name.

dbt parses the whole project again (~3 s of CPU) whenever the warehouse path
changes: dbt-duckdb's connection info (path, database) is part of the profile
hash that dbt's partial parsing compares ("Unable to do partial parsing
because profile has changed"), and the saved parse lives in the target folder
beside each warehouse (`crosscheck.build.dbt_args`). A test suite builds
hundreds of warehouses, each in a new folder.

With CROSSCHECK_TEST_DBT_PARSE set to a folder (tests/conftest.py sets it for
the test processes; nothing else does), `crosscheck.build.run_dbt` points dbt
at `<folder>/<pid>/<file name>/dir/<file name>`, `dir` being a symlink re-aimed
at the warehouse's own folder for each invocation, and hands dbt this
process's last parse for that file name and target (`--partial-parse-file-path`),
copying the one dbt writes back after the invocation. The profile is then the
same for every warehouse of that name in the process, and dbt's partial
parsing (which still compares every project file, the vars and the env vars
it read) applies as it does to a nightly build at one path. Nothing
path-specific is parsed: the database of the nodes is the file's stem, which
is the same.

Left to the normal path (no sharing): a target other than duckdb, a file
named like a schema (attached to a named in-memory instance), a folder
holding ; ? or # (crosscheck.build._dbt_path's own symlink), and a file this
process already has open (a DuckDB instance on the real path and one on the
symlink would be two writers on one file). Each process has its own
subfolder, so concurrent test workers never share a symlink or a parse; after
each invocation dbt-duckdb's DuckDB instance on the symlink is closed, so the
next warehouse behind the same symlink cannot be served by the last one's.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENV = "CROSSCHECK_TEST_DBT_PARSE"
PARTIAL_PARSE_FILE = "partial_parse.msgpack"  # dbt's name, in --target-path


def _option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def _open_here(real: Path) -> bool:
    """Whether this process holds the file (or its WAL) open."""
    names = {str(real), f"{real}.wal"}
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return True  # cannot tell: take the normal path
    for fd in fds:
        try:
            if os.readlink(f"/proc/self/fd/{fd}") in names:
                return True
        except OSError:
            continue
    return False


def _close_dbt_duckdb() -> None:
    """Close the DuckDB instance dbt-duckdb may keep for its last profile."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            env.close()
            DuckDBConnectionManager._ENV = None


@contextmanager
def shared(path: str, args: list[str], url_chars: str) -> Iterator[tuple[str, list[str]]]:
    """(path, args) for dbt: unchanged unless the seam applies (module doc).
    `url_chars`: what dbt-duckdb cannot read in a path (crosscheck.build)."""
    root = os.environ.get(ENV)
    if not root or _option(args, "--target") != "duckdb":
        yield path, args
        return
    from crosscheck.warehouse import needs_alias

    real = Path(path)
    if (
        real.is_symlink()
        or real.parent != real.parent.resolve()
        or any(c in f"{root}{real}" for c in url_chars)
        or needs_alias(real)
        or _open_here(real)
    ):
        yield path, args
        return
    here = Path(root) / str(os.getpid()) / real.name
    here.mkdir(parents=True, exist_ok=True)
    link = here / "dir"
    if not link.is_symlink() or os.readlink(link) != str(real.parent):
        new = here / "dir.new"
        new.unlink(missing_ok=True)
        new.symlink_to(real.parent, target_is_directory=True)
        new.replace(link)
    parse = here / f"duckdb-{PARTIAL_PARSE_FILE}"
    written = Path(_option(args, "--target-path") or "target") / PARTIAL_PARSE_FILE
    before = written.stat().st_mtime_ns if written.exists() else None
    if parse.exists():
        args = [*args, "--partial-parse-file-path", str(parse)]
    try:
        yield str(link / real.name), args
    finally:
        _close_dbt_duckdb()
        if written.exists() and written.stat().st_mtime_ns != before:
            tmp = parse.with_suffix(".tmp")
            shutil.copyfile(written, tmp)
            tmp.replace(parse)
