"""Seeds and their tests run when they change, not every night (issue 11).

The five seeds (program catalog, divisions, statutory calendar, incompatible
pairs, risk-score weights) and the data tests that read nothing else are a
fifth of a night's dbt nodes, and their results are a function of files
shipped with the project. A build records, after it succeeds, a fingerprint
of everything those nodes are made of: the files under the dbt project's
`seeds/`, `tests/` and `macros/`, `dbt_project.yml`, the build's extra vars
and dbt's version. A later build whose fingerprint is the recorded one, whose
seed tables are all there, and which reads the last build's manifest, leaves
those nodes out (`--exclude` by name, `--indirect-selection empty`, so that
the tests reading a seed *and* a model still run). Anything else — the first
build, `--full-refresh`, a selection, a changed file, a missing seed table or
manifest — runs them as before.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from crosscheck.config import DBT_PROJECT_DIR

FOLDERS = ("seeds", "tests", "macros")


def fingerprint(extra_vars: dict | None = None, project: Path = DBT_PROJECT_DIR) -> str:
    """What the seeds and their tests are made of (see the module's docstring)."""
    from importlib.metadata import version  # not dbt.version: dbt is imported later, on purpose

    digest = hashlib.sha256(f"dbt-core {version('dbt-core')}\n".encode())
    digest.update(json.dumps(extra_vars or {}, sort_keys=True).encode() + b"\n")
    files = [project / "dbt_project.yml"]
    for folder in FOLDERS:
        files += sorted(p for p in (project / folder).rglob("*") if p.is_file())
    for path in files:
        digest.update(f"{path.relative_to(project).as_posix()}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def unchanged(con: duckdb.DuckDBPyConnection, manifest: Path, fp: str) -> list[str]:
    """The names of the seeds and seed-only tests a build may leave out; [] when
    it must run them."""
    if not _recorded(con, fp):
        return []
    try:
        nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    except (OSError, ValueError, KeyError):
        return []
    seeds = {uid: n for uid, n in nodes.items() if n.get("resource_type") == "seed"}
    if not seeds or not all(_exists(con, n) for n in seeds.values()):
        return []
    names = sorted(n["name"] for n in seeds.values())
    for n in nodes.values():
        depends = n.get("depends_on", {})
        parents = set(depends.get("nodes", []))
        dated = "macro.crosscheck.as_of" in depends.get("macros", [])  # follows D: runs
        if n.get("resource_type") == "test" and parents and parents <= seeds.keys() and not dated:
            names.append(n["name"])
    return names


def record(con: duckdb.DuckDBPyConnection, fp: str) -> None:
    """After a build that ran the seeds and their tests and succeeded."""
    from crosscheck.warehouse import SEED_STATE_DDL

    con.execute(SEED_STATE_DDL)  # a warehouse from before has none
    con.execute("BEGIN")
    con.execute("DELETE FROM meta.seed_state")
    con.execute("INSERT INTO meta.seed_state VALUES (?)", [fp])
    con.execute("COMMIT")


def _recorded(con: duckdb.DuckDBPyConnection, fp: str) -> bool:
    from crosscheck.warehouse import has_table

    if not has_table(con, "meta", "seed_state"):
        return False
    return con.execute("SELECT fingerprint FROM meta.seed_state").fetchall() == [(fp,)]


def _exists(con: duckdb.DuckDBPyConnection, node: dict) -> bool:
    from crosscheck.warehouse import has_table

    return has_table(con, node["schema"], node.get("alias") or node["name"])
