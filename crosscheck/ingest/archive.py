"""Raw deliveries archived immutably, with their checksums, and re-checked.

Every delivery that is loaded or quarantined is copied, before its load is
recorded, to `<warehouse dir>/archive/<source>/<yyyymmdd>/<sha256[:12]>/`
(the data file and its `_SUCCESS`), read-only (files 0400, folders 0500),
and the copy's sha256 must equal the verified one. `verify_archive`
re-hashes every archived delivery against meta.loads: the departments may
delete or overwrite their landing folder; the archive is what was loaded.
The copy is made and hashed on a thread of its own while the loader judges the
delivery (`stage_async`), and put in its place (`commit_staged`) before the
load is recorded.

A deployment whose landing folder is too large to keep twice (a province)
declares `archive: link` in its deployment file (`archive_mode`):
the archived data file is then a hard link to the landing file when both are on
one filesystem (a copy otherwise), made read-only like any archived file, so the
landing file becomes read-only too. The archive still keeps what was loaded when a
department deletes its file or replaces it with a new one (a new file, as the
delivery protocol writes: data then _SUCCESS); a file changed in place by someone
who overrides its mode changes the archive too, and `verify-archive` reports it.
Linking and the change of mode change the landing file's ctime, hence its stat key
(`verify.stat_key`): the key remembered with its hash (`meta.file_hashes`) is the one
taken after both, before the link's bytes are hashed (`Staged.stat`), so a later run
finds the file's hash by its stat instead of hashing the landing folder again.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from crosscheck.errors import CrosscheckError
from crosscheck.ingest.sources import deployment_in_force, read_deployment
from crosscheck.ingest.verify import MARKER, DeliveryRefused, hash_file, stat_key

ARCHIVED = ("loaded", "quarantined", "superseded")


def archive_root(warehouse: Path | str) -> Path:
    return Path(warehouse).absolute().parent / "archive"


def archive_folder(root: Path, source: str, extract_date, sha256: str) -> Path:
    return root / source / extract_date.strftime("%Y%m%d") / sha256[:12].lower()


def archive_mode() -> str:
    """How loaded deliveries are archived: "copy" (default) or "link" (the deployment
    file's top-level `archive: link`, crosscheck.config.deployment_file)."""
    path = deployment_in_force()
    return (read_deployment(path).get("archive") or "copy") if path else "copy"


def archive_delivery(root: Path, source: str, extract_date, data: Path, marker: Path, sha: str):
    """Copy (or link, see above) a verified delivery into the archive (idempotent); refuse
    if it changed meanwhile."""
    return commit_staged(stage_delivery(root, source, extract_date, data, marker, sha))


@dataclass
class Staged:
    """A delivery's archive copy, checked, not yet in place (`tmp`), or already there."""

    folder: Path
    target: Path
    tmp: Path | None = None  # None: archived before, with these very bytes
    # a hard link to the landing file (`archive: link`): the landing file's stat key once
    # linked and read-only, taken before its bytes were hashed (what `meta.file_hashes`
    # must remember: linking changed its ctime); None for a copy
    stat: str | None = None


def stage_delivery(
    root: Path, source: str, extract_date, data: Path, marker: Path, sha: str, mode: str = ""
) -> Staged:
    """The copy (or link) made and hashed in `<folder>.tmp` beside its place, owner-only;
    DeliveryRefused (and nothing left) if its bytes are not the verified ones. Touches
    only that folder and creates no file outside it, so it may run on a thread
    (`stage_async`) while the loader works; `mode`: `archive_mode()`, read by the caller."""
    folder = archive_folder(root, source, extract_date, sha)
    target = folder / data.name
    if target.is_file() and hash_file(target) == sha:
        return Staged(folder, target)
    _private_dirs(folder.parent)
    tmp = folder.with_name(f".{folder.name}.tmp")
    if tmp.exists():
        _make_writable(tmp)
        shutil.rmtree(tmp)
    tmp.mkdir(mode=0o700)
    stat = None
    if (mode or archive_mode()) == "link" and _linked(data, tmp / data.name):
        # read-only now, not when put in place: every change of the file's status is
        # made before its stat is taken and its bytes hashed (as `verify` does)
        os.chmod(tmp / data.name, 0o400)
        stat = stat_key(tmp / data.name)
    else:
        shutil.copyfile(data, tmp / data.name, follow_symlinks=False)
    shutil.copyfile(marker, tmp / MARKER, follow_symlinks=False)
    if hash_file(tmp / data.name) != sha:
        _make_writable(tmp)
        shutil.rmtree(tmp)
        raise DeliveryRefused("data file changed while it was being loaded; deliver it again")
    return Staged(folder, target, tmp, stat)


def commit_staged(staged: Staged) -> Path:
    """Put a staged copy in its place, read-only (files 0400, folder 0500)."""
    folder, tmp = staged.folder, staged.tmp
    if tmp is None:
        return staged.target
    for p in tmp.iterdir():
        if p.stat().st_mode & 0o777 != 0o400:  # not a link made read-only (chmod: new ctime)
            os.chmod(p, 0o400)
    if folder.exists():  # an earlier copy that no longer matches: keep it aside, never overwrite
        folder.rename(folder.with_name(f"{folder.name}.damaged-{os.getpid()}"))
    os.rename(tmp, folder)
    os.chmod(folder, 0o500)
    return staged.target


_POOL: ThreadPoolExecutor | None = None


def stage_async(
    root: Path, source: str, extract_date, data: Path, marker: Path, sha: str
) -> Future:
    """`stage_delivery` on the archive's thread, off the loader's path: a go-live
    catch-up copies and hashes its whole landing folder (1.8 GB at 200,000 persons
    and 15 months: 4.7 s of the loader's 79 s), which needs nothing of the warehouse
    and lets go of Python's lock (docs/DECISIONS.md, session 12: no shorter a first
    load on 2 busy cores). The loader starts it once a delivery is read and takes it
    (`Future.result`) before recording the load; one delivery at a time, one thread."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crosscheck-archive")
    mode = archive_mode()  # on the loader's thread, within its run's `pinned`
    return _POOL.submit(stage_delivery, root, source, extract_date, data, marker, sha, mode)


def _private_dirs(path: Path) -> None:
    """mkdir -p with owner-only folders, without touching the process's umask (which
    other threads' files would take)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for p in reversed(missing):
        p.mkdir(mode=0o700, exist_ok=True)


def _linked(data: Path, target: Path) -> bool:
    """Hard-link `data` as `target`; False when it cannot be (another filesystem, a link)."""
    if data.is_symlink():
        return False
    try:
        os.link(data, target)
    except OSError:
        return False
    return True


def _make_writable(folder: Path) -> None:
    os.chmod(folder, 0o700)
    for p in folder.iterdir():
        os.chmod(p, 0o600)


@dataclass
class ArchiveCheck:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_archive(warehouse: Path | str) -> ArchiveCheck:
    """Re-hash every archived delivery recorded in meta.loads; list what is missing or changed."""
    from crosscheck.publish import reading

    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise CrosscheckError(f"warehouse {warehouse} does not exist")
    with reading(warehouse) as (con, _):
        rows = con.execute(
            "SELECT load_id, source, extract_date, file_name, sha256 FROM meta.loads "
            "WHERE status IN (?, ?, ?) ORDER BY extract_date, source, load_id",
            list(ARCHIVED),
        ).fetchall()
    root = archive_root(warehouse)
    result = ArchiveCheck()
    expected = set()
    for load_id, source, day, name, sha in rows:
        folder = archive_folder(root, source, day, sha or "")
        path = folder / (name or "")
        expected.add(folder)
        result.checked += 1
        if not sha or not name or not path.is_file():
            result.problems.append(f"{load_id}: not in the archive ({path})")
            continue
        if path.is_symlink() or os.stat(path).st_mode & 0o222:
            result.problems.append(f"{load_id}: archived file is writable or a link ({path})")
        try:
            actual = hash_file(path)
        except DeliveryRefused as e:
            result.problems.append(f"{load_id}: {e}")
            continue
        if actual != sha:
            result.problems.append(
                f"{load_id}: archived file changed: sha256 {actual[:12]}…, recorded {sha[:12]}…"
            )
    if root.is_dir():
        for folder in sorted(root.glob("*/*/*")):
            if folder.is_dir() and folder not in expected and not folder.name.startswith("."):
                result.problems.append(f"archived but not recorded in meta.loads: {folder}")
    return result
