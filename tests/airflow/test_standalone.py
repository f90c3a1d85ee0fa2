"""`make airflow`: a real `airflow standalone`, started and stopped as an operator would.

It prints a few lines (URL, user, password and its file, where the logs are),
listens on 127.0.0.1 only, and Ctrl-C / SIGTERM stops every component.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

GUARD = 600  # seconds: a hung start fails the test instead of blocking the suite


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> set[str]:
    """Local addresses listening on `port` (from /proc/net/tcp and tcp6)."""
    out = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.split(":")
            if state == "0A" and int(hexport, 16) == port:
                if len(addr) == 8:
                    out.add(socket.inet_ntoa(bytes.fromhex(addr)[::-1]))
                else:
                    out.add("::" if set(addr) == {"0"} else addr)
    return out


def _ours(home: Path) -> list[int]:
    """Live processes started with this test's CROSSCHECK_HOME."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            env = (proc / "environ").read_bytes()
            state = (proc / "stat").read_text().split()[2]
        except OSError:
            continue
        if f"CROSSCHECK_HOME={home}".encode() in env and state != "Z":
            pids.append(int(proc.name))
    return pids


@pytest.mark.slow
def test_make_airflow_prints_where_to_log_in_binds_localhost_and_stops_cleanly(tmp_path):
    home = tmp_path / "home"
    port = _free_port()
    env = {**os.environ, "CROSSCHECK_HOME": str(home), "CROSSCHECK_AIRFLOW_PORT": str(port)}
    env.pop("CROSSCHECK_AIRFLOW_HOST", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "crosscheck.orchestration.standalone"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + GUARD
        while time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([proc.stdout], [], [], 5)
            if ready:
                line = proc.stdout.readline()
                lines.append(line.rstrip("\n"))
                if line.startswith("Ready:"):
                    break
        assert lines and lines[-1] == f"Ready: http://127.0.0.1:{port}", lines
        listening = _listening(port)
    finally:
        os.kill(proc.pid, signal.SIGTERM)  # what Ctrl-C does, for a process without a terminal
        try:
            rest, _ = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            rest, _ = proc.communicate()
    airflow_home = home / "airflow"
    passwords = airflow_home / "passwords.json"
    password = json.loads(passwords.read_text())["admin"]
    assert f"Airflow UI:  http://127.0.0.1:{port}" in lines
    assert f"Password:    {password}   (kept in {passwords}, owner-only)" in lines
    assert oct(passwords.stat().st_mode & 0o777) == "0o600"
    log = airflow_home / "standalone.log"
    assert any(str(log) in line for line in lines) and log.stat().st_size > 0
    assert len(lines) <= 10, lines  # the components' chatter is in the log, not here
    assert listening == {"127.0.0.1"}, listening
    assert "Airflow stopped." in rest
    time.sleep(3)
    assert _ours(home) == [], "components left running"
