"""`make airflow`: Airflow standalone on the embedded defaults, for a look at the DAGs.

AIRFLOW_HOME = <CROSSCHECK_HOME>/airflow, DAGs from dags/, SQLite, no
examples, parallelism 4. Prints the admin's password, then hands over to
`airflow standalone` (api-server, scheduler, dag-processor, triggerer).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys

from crosscheck import config
from crosscheck.orchestration import local


def admin_password(passwords_file) -> str:
    """The admin's password, created once and kept in AIRFLOW_HOME (mode 600)."""
    if passwords_file.exists():
        return json.loads(passwords_file.read_text())["admin"]
    password = secrets.token_urlsafe(12)
    passwords_file.write_text(json.dumps({"admin": password}))
    passwords_file.chmod(0o600)
    return password


def main() -> int:
    from crosscheck.review.privacy import owner_only_process

    owner_only_process()  # Airflow's logs, DB and everything the tasks write: owner-only
    home = local.configure()
    passwords = home / "passwords.json"
    os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] = "admin:admin"
    os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] = str(passwords)
    os.environ.setdefault("CROSSCHECK_HOME", str(config.home()))
    local.migrate()
    password = admin_password(passwords)
    print(f"AIRFLOW_HOME={home}  DAGs: {local.DAGS_FOLDER}")
    print("Airflow UI: http://localhost:8080  user: admin  password: " + password, flush=True)
    # standalone starts its components as `airflow …` by name: the venv's bin first on PATH
    bindir = os.path.dirname(sys.executable)
    os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    airflow = shutil.which("airflow") or os.path.join(bindir, "airflow")
    os.execv(airflow, [airflow, "standalone"])  # noqa: S606 - fixed argv, our own venv
    return 0


if __name__ == "__main__":
    sys.exit(main())
