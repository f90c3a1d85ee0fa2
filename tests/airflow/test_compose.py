"""The production docker-compose.yml and Dockerfile, checked without a Docker engine.

The file is interpolated the way `docker compose --env-file .env` would,
then validated by compose-spec (a strict parser of the Compose
specification) and by our own cross-reference checks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from compose_spec import PyCompose
from compose_spec.models import ComposeSpecification

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
}
# Only with `--profile celery` (COMPOSE_PROFILES=celery): broker and workers.
CELERY_SERVICES = {"redis", "airflow-worker"}
VAR = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\})")


def env_example() -> dict[str, str]:
    out = {}
    for line in (REPO / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def interpolate(node, env: dict[str, str], used: set[str]):
    """Compose's variable substitution: ${V}, ${V:-default}, ${V:?error}, $$."""
    if isinstance(node, dict):
        return {k: interpolate(v, env, used) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, env, used) for v in node]
    if not isinstance(node, str):
        return node

    def sub(m):
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.group(1), m.group(2), m.group(3)
        used.add(name)
        value = env.get(name, "")
        if op in (":-", "-") and not value:
            return arg
        if op in (":?", "?") and not value:
            raise ValueError(f"{name}: {arg}")
        return value

    return VAR.sub(sub, node)


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def filled_env() -> dict[str, str]:
    env = env_example()
    # the secrets an operator must fill in (left empty in .env.example)
    return {k: (v or f"test-{k.lower()}") for k, v in env.items()}


@pytest.fixture(scope="module")
def compose(raw, filled_env) -> dict:
    used: set[str] = set()
    out = interpolate(raw, filled_env, used)
    missing = used - set(env_example())
    assert not missing, f"variables used in docker-compose.yml but not in .env.example: {missing}"
    return out


def test_validates_against_the_compose_spec(compose):
    parsed = PyCompose.from_json(json.dumps(compose))
    parsed.validate()  # every network/volume a service uses is declared
    ComposeSpecification.model_validate(compose)
    assert set(parsed.service_names()) == {
        "postgres",
        "airflow-init",
        *AIRFLOW_SERVICES,
        *CELERY_SERVICES,
    }


def test_validator_rejects_a_broken_file(compose):
    broken = json.loads(json.dumps(compose))
    broken["services"]["postgres"]["healthcheck"]["intervall"] = "10s"
    with pytest.raises(ValueError):
        PyCompose.from_json(json.dumps(broken))


def test_required_secrets_are_not_committed(raw):
    with pytest.raises(ValueError, match=r"set \w+ in \.env"):
        interpolate(raw, {k: v for k, v in env_example().items()}, set())
    secrets = ("PASSWORD", "FERNET", "JWT", "SECRET")
    for key, value in env_example().items():
        if any(s in key for s in secrets):
            assert value == "", f".env.example must not hold a value for {key}"
    assert ".env" in (REPO / ".gitignore").read_text().split()


def test_references_resolve(compose):
    services, volumes, networks = compose["services"], compose["volumes"], compose["networks"]
    for name, svc in services.items():
        for dep in svc.get("depends_on", {}):
            assert dep in services, (name, dep)
        for net in svc.get("networks", []):
            assert net in networks, (name, net)
        for mount in svc.get("volumes", []):
            src = mount.split(":")[0]
            assert src in volumes, (name, mount)
        assert "healthcheck" in svc or name == "airflow-init", f"{name} has no health check"
    for name in [*AIRFLOW_SERVICES, "airflow-worker"]:
        svc = services[name]
        assert svc["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["airflow-scheduler"]["depends_on"]["airflow-apiserver"]["condition"] == (
        "service_healthy"
    )


def test_airflow_services_run_airflow_3_with_local_executor_on_postgres(compose):
    services = compose["services"]
    for name, cmd in AIRFLOW_SERVICES.items():
        svc = services[name]
        assert svc["command"] == ["airflow", cmd]
        env = svc["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert "@postgres:5432/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/crosscheck/dags"
        assert svc["build"] == {
            "context": ".",
            "dockerfile": "Dockerfile",
            "args": svc["build"]["args"],
        }
    scheduler_mounts = {m.split(":")[1] for m in services["airflow-scheduler"]["volumes"]}
    assert {"/data/landing", "/data/warehouse", "/opt/airflow/logs"} <= scheduler_mounts
    init = " ".join(services["airflow-init"]["command"])
    assert "airflow db migrate" in init
    assert "airflow pools set crosscheck_warehouse 1" in init
    assert "passwords.json" in init  # the admin's password, from .env


def test_build_context_and_dockerfile(raw):
    build = raw["x-airflow-common"]["build"]
    context = (COMPOSE.parent / build["context"]).resolve()
    assert context == REPO
    dockerfile = context / build["dockerfile"]
    text = dockerfile.read_text()
    assert re.search(r"^FROM python:3\.11", text, re.M)
    assert re.search(r"^COPY requirements\.lock ", text, re.M)
    assert re.search(r"pip install [^\n]*-r requirements\.lock", text)
    assert text.index("requirements.lock") < text.index("COPY . .")
    assert re.search(r"^USER airflow", text, re.M)
    # the package is installed from its wheel, not as an editable checkout
    assert re.search(r"pip install [^\n]*crosscheck-\*\.whl", text)
    assert not re.search(r"pip install [^\n]*-e ", text)
    ignored = (REPO / ".dockerignore").read_text().split()
    for entry in (".venv", "work", ".env", "*.duckdb", ".git"):
        assert entry in ignored
    lock = (REPO / "requirements.lock").read_text()
    for pin in ("apache-airflow==3.3.2", "psycopg2-binary==", "asyncpg=="):
        assert pin in lock, f"{pin} missing from requirements.lock"


@pytest.fixture(scope="module")
def celery(raw, filled_env) -> dict:
    """The file as an operator who chose Celery interpolates it (.env.example's
    comments: AIRFLOW_EXECUTOR=CeleryExecutor, COMPOSE_PROFILES=celery)."""
    env = {**filled_env, "AIRFLOW_EXECUTOR": "CeleryExecutor", "COMPOSE_PROFILES": "celery"}
    return interpolate(raw, env, set())


def test_celery_profile_adds_broker_and_workers_only(compose):
    services = compose["services"]
    profiled = {name for name, svc in services.items() if "profiles" in svc}
    assert profiled == CELERY_SERVICES
    assert all(services[name]["profiles"] == ["celery"] for name in CELERY_SERVICES)
    # without the profile nothing changes: LocalExecutor, tasks in the scheduler
    assert services["airflow-scheduler"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == (
        "LocalExecutor"
    )


def test_celery_profile_validates_and_runs_every_service_on_celery(celery):
    PyCompose.from_json(json.dumps(celery)).validate()
    ComposeSpecification.model_validate(celery)
    services = celery["services"]
    for name in [*AIRFLOW_SERVICES, "airflow-worker", "airflow-init"]:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        broker = env["AIRFLOW__CELERY__BROKER_URL"]
        assert broker.startswith("redis://") and broker.split("//")[1].split(":")[0] in services
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
        assert "@postgres:5432/" in env["AIRFLOW__CELERY__RESULT_BACKEND"]


def test_workers_mount_what_the_tasks_read_and_wait_for_the_broker(celery):
    services = celery["services"]
    worker = services["airflow-worker"]
    assert worker["command"] == ["airflow", "celery", "worker"]
    mounts = {m.split(":")[1]: m for m in worker["volumes"]}
    scheduler = {m.split(":")[1]: m for m in services["airflow-scheduler"]["volumes"]}
    # the same named volumes as the LocalExecutor's scheduler: one warehouse, one lock file
    assert mounts["/data/warehouse"] == scheduler["/data/warehouse"]
    assert mounts["/data/landing"] == scheduler["/data/landing"]
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"
    assert worker["environment"]["CROSSCHECK_WAREHOUSE"] == "/data/warehouse/warehouse.duckdb"
    check = " ".join(worker["healthcheck"]["test"])
    assert "airflow.providers.celery.executors.celery_executor.app inspect ping" in check
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    lock = (REPO / "requirements.lock").read_text()
    for pin in ("apache-airflow-providers-celery==", "celery==", "redis=="):
        assert pin in lock, f"{pin} missing from requirements.lock"
