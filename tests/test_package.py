"""One installable package (issue 10): no import cycles inside it, and a wheel
that works outside the checkout."""

from __future__ import annotations

import ast
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from counties import REVIEW, generated

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "crosscheck"


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports (anywhere in it, lazily too)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {resolve(a.name) for a in node.names if a.name.startswith("crosscheck")}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    keep = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(keep + ([base] if base else []))
                if base.startswith("crosscheck"):
                    for a in node.names:
                        full = f"{base}.{a.name}"
                        found.add(resolve(full) if full in modules else resolve(base))
        graph[name] = {m for m in found if m and m != name}
    return graph


def test_no_import_cycles():
    """No module imports (even lazily) a module that imports it back, directly or not."""
    graph = import_graph()
    assert "crosscheck.ingest.api" in graph and "crosscheck.gate.gate" in graph

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            m = todo.pop()
            if m == goal:
                return True
            if m not in seen:
                seen.add(m)
                todo += graph.get(m, ())
        return False

    cycles = sorted(
        (a, b) for a, targets in graph.items() for b in targets if a < b and reaches(b, a)
    )
    assert not cycles, cycles


def test_no_top_level_packages_but_crosscheck():
    for folder in ("ingestion", "expectations"):
        assert not list((REPO / folder).glob("*.py")), f"{folder}/ holds Python modules again"


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    """Build the wheel from a clean copy of the tracked files, install it into a
    fresh virtual environment (the locked dependencies come from the project's
    environment, added as a plain path), and run the command from elsewhere."""
    src = tmp_path / "src"
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for name in files:
        if (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    uv = Path(sys.executable).with_name("uv")
    dist = tmp_path / "dist"
    subprocess.run([str(uv), "build", "--wheel", "-o", str(dist), str(src)], check=True,
                   capture_output=True)  # fmt: skip
    [wheel] = dist.glob("crosscheck-*.whl")

    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    deps = sysconfig.get_paths()["purelib"]
    assert deps in site.getsitepackages() or Path(deps).is_dir()
    # a plain path line: the dependencies, not the project's editable install
    Path(purelib, "crosscheck_deps.pth").write_text(deps + "\n", encoding="utf-8")
    subprocess.run(
        [str(uv), "pip", "install", "--no-deps", "--python", str(python), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CROSSCHECK_", "PYTHON"))}
    env["CROSSCHECK_HOME"] = str(elsewhere / "home")
    where = subprocess.run(
        [str(python), "-c", "import crosscheck, crosscheck.config as c; "
         "print(crosscheck.__file__); print(c.DBT_PROJECT_DIR); print(c.is_checkout())"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert where[0].startswith(str(venv)) and where[1].startswith(str(venv)), where
    assert where[2] == "False"

    cmd = venv / "bin" / "crosscheck"
    help_ = subprocess.run([str(cmd), "--help"], cwd=elsewhere, env=env, capture_output=True,
                           text=True, check=False)  # fmt: skip
    assert help_.returncode == 0 and "run" in help_.stdout, help_.stderr

    county = generated(**REVIEW)
    landing = elsewhere / "landing"
    shutil.copytree(county / "landing", landing)
    run = subprocess.run(
        [str(cmd), "run", "--landing", str(landing), "--warehouse", str(elsewhere / "w.duckdb"),
         "--quiet"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert "findings:" in run.stdout and "nanobind" not in run.stderr
    assert (
        elsewhere / "dbt" / "target"
    ).is_dir()  # dbt wrote beside the warehouse, not in the venv
