"""Headless Chromium: the report as a PNG and a PDF, and its DOM for tests.

Chromium comes from Debian's `chromium` package (`make setup-browser`). It
is run with networking features off and a throw-away profile, on a local
file: the page needs nothing from outside.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from crosscheck.errors import CrosscheckError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
]


def chromium() -> str:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    raise CrosscheckError("chromium is not installed: run `make setup-browser`")


def run(page: Path, *args: str, timeout: float = 120.0) -> str:
    """Run chromium on a local page with extra arguments; return its stdout."""
    with tempfile.TemporaryDirectory(prefix="crosscheck-chromium-") as profile:
        proc = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise CrosscheckError(f"chromium failed on {page.name} ({proc.returncode}): {last}")
    return proc.stdout


def screenshot(page: Path, png: Path, width: int = 1200, height: int = 3000) -> Path:
    run(page, f"--screenshot={png}", f"--window-size={width},{height}")
    if not png.exists():
        raise CrosscheckError(f"chromium wrote no screenshot for {page.name}")
    return png


def print_pdf(page: Path, pdf: Path) -> Path:
    run(page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    if not pdf.exists():
        raise CrosscheckError(f"chromium wrote no PDF for {page.name}")
    return pdf


def dump_dom(page: Path) -> str:
    """The DOM after the page ran, as the browser sees it."""
    return run(page, "--dump-dom", "--virtual-time-budget=2000")
