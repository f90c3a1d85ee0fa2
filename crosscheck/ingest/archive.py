"""Raw deliveries archived immutably, with their checksums, and re-checked.

Every delivery that is loaded or quarantined is copied, before its load is
recorded, to `<warehouse dir>/archive/<source>/<yyyymmdd>/<sha256[:12]>/`
(the data file and its `_SUCCESS`), read-only (files 0400, folders 0500),
and the copy's sha256 must equal the verified one. `verify_archive`
re-hashes every archived delivery against meta.loads: the departments may
delete or overwrite their landing folder; the archive is what was loaded.

A deployment whose landing folder is too large to keep twice (a province)
declares `archive: link` in its deployment file (`archive_mode`):
the archived data file is then a hard link to the landing file when both are on
one filesystem (a copy otherwise), made read-only like any archived file, so the
landing file becomes read-only too. The archive still keeps what was loaded when a
department deletes its file or replaces it with a new one (a new file, as the
delivery protocol writes: data then _SUCCESS); a file changed in place by someone
who overrides its mode changes the archive too, and `verify-archive` reports it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from crosscheck.errors import CrosscheckError
from crosscheck.ingest.sources import deployment_in_force, read_deployment
from crosscheck.ingest.verify import MARKER, DeliveryRefused, hash_file

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
    folder = archive_folder(root, source, extract_date, sha)
    target = folder / data.name
    if target.is_file() and hash_file(target) == sha:
        return target
    old = os.umask(0o077)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = folder.with_name(f".{folder.name}.tmp")
        if tmp.exists():
            _make_writable(tmp)
            shutil.rmtree(tmp)
        tmp.mkdir()
        if not (archive_mode() == "link" and _linked(data, tmp / data.name)):
            shutil.copyfile(data, tmp / data.name, follow_symlinks=False)
        shutil.copyfile(marker, tmp / MARKER, follow_symlinks=False)
    finally:
        os.umask(old)
    if hash_file(tmp / data.name) != sha:
        _make_writable(tmp)
        shutil.rmtree(tmp)
        raise DeliveryRefused("data file changed while it was being loaded; deliver it again")
    for p in tmp.iterdir():
        os.chmod(p, 0o400)
    if folder.exists():  # an earlier copy that no longer matches: keep it aside, never overwrite
        folder.rename(folder.with_name(f"{folder.name}.damaged-{os.getpid()}"))
    os.rename(tmp, folder)
    os.chmod(folder, 0o500)
    return target


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
