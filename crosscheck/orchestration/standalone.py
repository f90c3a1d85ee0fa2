"""`make airflow`: Airflow standalone on the embedded defaults, for a look at the DAGs.

AIRFLOW_HOME = <CROSSCHECK_HOME>/airflow, DAGs from dags/, SQLite, no
examples, parallelism 4. The UI listens on 127.0.0.1:8080 only
(CROSSCHECK_AIRFLOW_HOST / CROSSCHECK_AIRFLOW_PORT to change; 0.0.0.0 exposes
it to the network). The components' logs go to <AIRFLOW_HOME>/standalone.log,
not to the terminal: what is printed is the URL, the user, the password and
the file it is kept in, where the logs are, and when the UI answers.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from crosscheck import config
from crosscheck.orchestration import local

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = "8080"
LOG_NAME = "standalone.log"


def admin_password(passwords_file) -> str:
    """The admin's password, created once and kept in AIRFLOW_HOME (mode 600)."""
    if passwords_file.exists():
        return json.loads(passwords_file.read_text())["admin"]
    password = secrets.token_urlsafe(12)
    passwords_file.write_text(json.dumps({"admin": password}))
    passwords_file.chmod(0o600)
    return password


def listen_address(env=None) -> tuple[str, str]:
    """(host, port) the UI binds: localhost unless CROSSCHECK_AIRFLOW_HOST says otherwise."""
    env = os.environ if env is None else env
    host = env.get("CROSSCHECK_AIRFLOW_HOST", "").strip() or DEFAULT_HOST
    port = env.get("CROSSCHECK_AIRFLOW_PORT", "").strip() or DEFAULT_PORT
    return host, port


def banner(url: str, password: str, passwords: Path, log: Path, host: str) -> list[str]:
    lines = [
        f"Airflow UI:  {url}",
        "User:        admin",
        f"Password:    {password}   (kept in {passwords}, owner-only)",
        f"Logs:        {log}   (tail -f to follow; nothing else is printed here)",
    ]
    if host in ("0.0.0.0", "::"):  # noqa: S104 - a warning about exactly that
        lines.append("Warning:     listening on every network interface (CROSSCHECK_AIRFLOW_HOST)")
    lines.append("Stop:        Ctrl-C")
    return lines


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=2):  # noqa: S310 - our own http URL
            return True
    except Exception:
        return False


def main() -> int:
    from crosscheck.review.privacy import owner_only_process

    owner_only_process()  # Airflow's logs, DB and everything the tasks write: owner-only
    home = local.configure()
    passwords = home / "passwords.json"
    host, port = listen_address()
    os.environ["AIRFLOW__API__HOST"] = host
    os.environ["AIRFLOW__API__PORT"] = port
    os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] = "admin:admin"
    os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] = str(passwords)
    os.environ.setdefault("CROSSCHECK_HOME", str(config.home()))
    log = home / LOG_NAME
    with log.open("a", encoding="utf-8") as fh:  # migration chatter goes to the log too
        old_out, old_err = os.dup(1), os.dup(2)
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            local.migrate()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(old_out, 1)
            os.dup2(old_err, 2)
            os.close(old_out)
            os.close(old_err)
    password = admin_password(passwords)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"  # noqa: S104
    print(f"AIRFLOW_HOME={home}  DAGs: {local.DAGS_FOLDER}")
    print("\n".join(banner(url, password, passwords, log, host)), flush=True)
    # standalone starts its components as `airflow …` by name: the venv's bin first on PATH
    bindir = os.path.dirname(sys.executable)
    os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    airflow = shutil.which("airflow") or os.path.join(bindir, "airflow")
    with log.open("a", encoding="utf-8") as fh:
        # its own process group: stopping it stops every component it started
        proc = subprocess.Popen(
            [airflow, "standalone"], stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        print("Starting (api-server, scheduler, dag-processor, triggerer)…", flush=True)
        while proc.poll() is None:
            if _answers(url):
                print(f"Ready: {url}", flush=True)
                break
            time.sleep(2)
        code = proc.wait()
        print(f"Airflow exited ({code}): see {log}", flush=True)
        return code
    except KeyboardInterrupt:
        stop(proc)
        print("Airflow stopped.")
        return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def stop(proc: subprocess.Popen, wait: float = 30.0) -> None:
    """Stop `airflow standalone` and every component it started (its process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # the group may outlive its leader for a moment
        time.sleep(2)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    sys.exit(main())
