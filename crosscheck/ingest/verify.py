"""Checking a delivery against its `_SUCCESS` marker before reading a row.

One streaming pass over the data file computes its sha256 and checks its
encoding strictly; GB18030 files are transcoded to a temporary UTF-8 file on
the way (DuckDB's CSV reader has no GB18030 without the `encodings`
extension, which cannot be downloaded here). A failure raises
`DeliveryRefused` with the reason an operator reads in meta.loads.

A delivery is confined to its folder: the folder, the marker and the data
file must be real entries (no symlinks), and the data file is opened with
O_NOFOLLOW. Temporary transcodes go to a private folder the caller names
(beside the warehouse), created owner-only; `clean_temp` removes what a
killed run left there.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from crosscheck.ingest.discover import MARKER, Delivery
from crosscheck.ingest.sources import Source

# 1 MiB: decoding a chunk holds Python's lock (~4 ms a MiB of GB18030), which the loader
# needs between statements while `readahead` verifies on its thread
CHUNK = 1024 * 1024
MARKER_MAX_BYTES = 1024 * 1024  # a marker lists one file: anything larger is not one
BOM = codecs.BOM_UTF8


class DeliveryRefused(Exception):
    """The delivery must not be loaded; str(e) is the reason."""


@dataclass(frozen=True)
class MarkerEntry:
    name: str
    bytes: int
    rows: int
    sha256: str


@dataclass
class VerifiedFile:
    """A data file that matches its marker, ready for a reader."""

    path: Path  # the delivered file
    read_path: Path  # what the reader opens (a UTF-8 copy for GB18030)
    entry: MarkerEntry
    sha256: str
    header: list[str] = field(default_factory=list)  # CSV header fields (decoded)
    temp_dir: Path | None = None
    stat_key: str = ""  # the file's stat before it was hashed (see stat_key)
    # an XLSX sheet fastexcel read ahead (readers.read_xlsx_fast, by ingest.readahead)
    sheet: tuple | None = None

    def cleanup(self) -> None:
        if self.temp_dir is not None:
            for p in self.temp_dir.iterdir():
                p.unlink()
            self.temp_dir.rmdir()
            self.temp_dir = None


TEMP_PREFIX = "crosscheck-ingest-"


def stat_key(path: Path) -> str:
    """Device, inode, size, mtime and ctime: any change to the file changes it."""
    st = path.stat(follow_symlinks=False)
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def clean_temp(temp_root: Path) -> int:
    """Remove transcodes a killed run left in `temp_root`; the writer lock must be held."""
    n = 0
    if not temp_root.is_dir():
        return 0
    for d in temp_root.glob(TEMP_PREFIX + "*"):
        if d.is_dir() and not d.is_symlink():
            for p in d.iterdir():
                p.unlink()
            d.rmdir()
            n += 1
    return n


def _refuse_links(delivery: Delivery) -> None:
    """A delivery is its folder's own bytes: no symlinked folder or marker."""
    if delivery.folder.is_symlink():
        raise DeliveryRefused(
            f"delivery folder {delivery.folder.name} is a symlink; deliveries must be real folders"
        )
    if delivery.marker.is_symlink():
        raise DeliveryRefused("_SUCCESS is a symlink; the marker must be a file in its folder")


def open_nofollow(path: Path):
    """Open a data file for reading, refusing a symlink swapped in after the checks."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        raise DeliveryRefused(f"data file {path.name!r} cannot be opened: {e.strerror}") from None
    return os.fdopen(fd, "rb")


def read_marker(delivery: Delivery) -> MarkerEntry:
    """Parse and sanity-check `_SUCCESS`; the one data file it names."""
    _refuse_links(delivery)
    if delivery.marker.stat().st_size > MARKER_MAX_BYTES:
        raise DeliveryRefused(f"unparseable _SUCCESS marker: larger than {MARKER_MAX_BYTES} bytes")
    try:
        data = json.loads(delivery.marker.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DeliveryRefused(f"unparseable _SUCCESS marker: {e}") from None
    if not isinstance(data, dict):
        raise DeliveryRefused("unparseable _SUCCESS marker: not a JSON object")
    if data.get("source") != delivery.source:
        raise DeliveryRefused(
            f"_SUCCESS names source {data.get('source')!r}, folder is {delivery.source!r}"
        )
    if data.get("extract_date") != delivery.extract_date.isoformat():
        raise DeliveryRefused(
            f"_SUCCESS names extract_date {data.get('extract_date')!r}, "
            f"folder is {delivery.extract_date.isoformat()}"
        )
    files = data.get("files")
    if not isinstance(files, list) or not files:
        raise DeliveryRefused("unparseable _SUCCESS marker: no 'files' list")
    if len(files) != 1:
        raise DeliveryRefused(f"more than one data file: _SUCCESS lists {len(files)} files")
    f = files[0]
    try:
        entry = MarkerEntry(
            name=str(f["name"]), bytes=int(f["bytes"]), rows=int(f["rows"]), sha256=str(f["sha256"])
        )
    except (KeyError, TypeError, ValueError) as e:
        raise DeliveryRefused(f"unparseable _SUCCESS marker: bad file entry ({e})") from None
    name = entry.name
    if (
        not name
        or "/" in name
        or "\\" in name
        or name in (".", "..")
        or os.path.isabs(name)
        or Path(name).name != name
    ):
        raise DeliveryRefused(f"file name {name!r} in _SUCCESS points outside its folder")
    return entry


def check_folder(delivery: Delivery, source: Source, entry: MarkerEntry) -> Path:
    """The folder holds exactly the marker and the expected data file."""
    expected = source.file_name(delivery.extract_date)
    if entry.name != expected:
        raise DeliveryRefused(f"data file is named {entry.name!r}, expected {expected!r}")
    others = sorted(p.name for p in delivery.folder.iterdir() if p.name not in (MARKER, expected))
    if others:
        raise DeliveryRefused(f"more than one data file: unexpected {', '.join(others)}")
    path = delivery.folder / expected
    if path.is_symlink():
        raise DeliveryRefused(
            f"data file {expected!r} is a symlink; a delivery's file must lie in its folder"
        )
    if not path.is_file():
        raise DeliveryRefused(f"data file {expected!r} named in _SUCCESS is missing")
    if path.resolve().parent != delivery.folder.resolve():
        raise DeliveryRefused(f"data file {expected!r} resolves outside its delivery folder")
    return path


def verify(delivery: Delivery, source: Source, temp_root: Path | None = None) -> VerifiedFile:
    """Marker, folder, size, sha256 and encoding; transcode GB18030 to UTF-8.

    Transcodes go under `temp_root` (default: the system temp folder).
    """
    entry = read_marker(delivery)
    path = check_folder(delivery, source, entry)
    key = stat_key(path)
    size = path.stat().st_size
    if size != entry.bytes:
        raise DeliveryRefused(f"size mismatch: file has {size} bytes, _SUCCESS says {entry.bytes}")
    if source.format == "xlsx":
        digest = hash_file(path)
        _check_hash(digest, entry)
        return VerifiedFile(path=path, read_path=path, entry=entry, sha256=digest, stat_key=key)
    vf = _verify_text(path, source, entry, temp_root)
    vf.stat_key = key
    return vf


def hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open_nofollow(path) as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _check_hash(digest: str, entry: MarkerEntry) -> None:
    if digest != entry.sha256.lower():
        raise DeliveryRefused(
            f"sha256 mismatch: file is {digest[:12]}…, _SUCCESS says {entry.sha256[:12]}…"
        )


def _private_temp(temp_root: Path | None) -> Path:
    if temp_root is not None:
        old = os.umask(0o077)
        try:
            temp_root.mkdir(parents=True, exist_ok=True)
        finally:
            os.umask(old)
    return Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=temp_root))  # mode 0700


def _verify_text(
    path: Path, source: Source, entry: MarkerEntry, temp_root: Path | None = None
) -> VerifiedFile:
    encoding = (source.encoding or "UTF-8").upper()
    gb = encoding == "GB18030"
    h = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("gb18030" if gb else "utf-8")("strict")
    temp_dir = _private_temp(temp_root) if gb else None
    out = None
    if temp_dir is not None:
        target = temp_dir / path.with_suffix(".utf8.csv").name
        out = os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
    head = ""
    offset = 0
    try:
        with open_nofollow(path) as f:
            first = True
            while chunk := f.read(CHUNK):
                h.update(chunk)
                data = chunk
                if first:
                    first = False
                    if encoding == "UTF-8-BOM":
                        if not chunk.startswith(BOM):
                            raise DeliveryRefused(
                                "wrong encoding: expected UTF-8 with BOM, no BOM found"
                            )
                        data = chunk[len(BOM) :]
                    elif chunk.startswith(BOM):
                        if gb:
                            raise DeliveryRefused(
                                "wrong encoding: file is UTF-8 (BOM), expected GB18030"
                            )
                        raise DeliveryRefused(
                            "wrong encoding: file starts with a UTF-8 BOM, expected UTF-8 "
                            "without BOM"
                        )
                try:
                    text = decoder.decode(data)
                except UnicodeDecodeError as e:
                    if gb and _looks_utf8(data):
                        raise DeliveryRefused(
                            "wrong encoding: file is UTF-8, expected GB18030"
                        ) from None
                    raise DeliveryRefused(
                        f"wrong encoding: not valid {encoding} at byte {offset + e.start}"
                    ) from None
                offset += len(chunk)
                if len(head) < 65536:
                    head += text[:65536]
                if out is not None:
                    out.write(text.encode("utf-8"))
            try:
                tail = decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise DeliveryRefused(
                    f"wrong encoding: truncated {encoding} sequence at end of file"
                ) from None
            if out is not None:
                out.write(tail.encode("utf-8"))
        digest = h.hexdigest()
        _check_hash(digest, entry)
        header_line = head.split("\n", 1)[0].rstrip("\r")
        if gb and not header_line.isascii():
            _refuse_utf8_as_gb(path, header_line)
        header = [c.strip().strip('"') for c in header_line.split(",")] if header_line else []
    except BaseException:
        if out is not None:
            out.close()
        if temp_dir is not None:
            for p in temp_dir.iterdir():
                p.unlink()
            temp_dir.rmdir()
        raise
    if out is not None:
        out.close()
        read_path = target
    else:
        read_path = path
    return VerifiedFile(
        path=path, read_path=read_path, entry=entry, sha256=digest, header=header, temp_dir=temp_dir
    )


def _looks_utf8(data: bytes) -> bool:
    """Whether bytes (possibly cut mid-character at the end) are valid UTF-8 text."""
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return not data.isascii()


def _refuse_utf8_as_gb(path: Path, decoded_header: str) -> None:
    """A UTF-8 file often decodes as GB18030 (into nonsense): catch it by its header."""
    with open_nofollow(path) as f:
        raw = f.readline()
    try:
        as_utf8 = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        return
    if as_utf8 != decoded_header:
        raise DeliveryRefused("wrong encoding: file is UTF-8, expected GB18030")
