"""`crosscheck generate`: same seed same bytes, and one-line errors."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from gen_support import generate

from crosscheck.cli import main

SHORT = dict(persons=300, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 6))


def files(root):
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_same_seed_same_bytes(tmp_path):
    a = generate(tmp_path / "a", seed=5, **SHORT).parent
    b = generate(tmp_path / "b", seed=5, **SHORT).parent
    fa, fb = files(a), files(b)
    assert fa.keys() == fb.keys()
    assert [k for k in fa if fa[k] != fb[k]] == []
    c = generate(tmp_path / "c", seed=6, **SHORT).parent
    fc = files(c)
    assert any(fa[k] != fc.get(k) for k in fa)


def test_truth_defaults_beside_the_landing(tmp_path):
    landing = generate(tmp_path, seed=1, **SHORT)
    assert (tmp_path / "truth.json").is_file()
    assert not list(landing.rglob("truth.json"))


@pytest.fixture
def run(capsys):
    def run(args):
        capsys.readouterr()
        rc = main(["generate", "--quiet", *args])
        return rc, capsys.readouterr().err.strip()

    return run


def test_console_script_generates(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "crosscheck", "generate", "--out", str(tmp_path / "landing"),
         "--persons", "200", "--end", "2026-10-01", "--quiet"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert str(tmp_path / "truth.json") in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2026-13-01"], "not a date"),
        (["--start", "2026-10-10", "--end", "2026-10-01"], "before --start"),
        (["--persons", "10"], "at least"),
        (["--history-months", "1"], "history-months"),
        (["--history-months", "61"], "between 3 and 60"),
    ],
)
def test_bad_arguments_are_one_line_errors(tmp_path, run, args, message):
    rc, err = run(["--out", str(tmp_path / "landing"), *args])
    assert rc != 0
    assert err.count("\n") == 0 and message in err
    assert not (tmp_path / "landing").exists() or not any((tmp_path / "landing").iterdir())


def test_non_empty_out_is_refused_unless_forced(tmp_path, run):
    out = tmp_path / "landing"
    out.mkdir()
    (out / "something").write_text("x")
    rc, err = run(["--out", str(out), "--persons", "300", "--end", "2026-10-02"])
    assert rc != 0 and err.count("\n") == 0 and "not empty" in err
    assert (out / "something").exists()
    rc = main(["generate", "--out", str(out), "--persons", "300", "--end", "2026-10-02", "--quiet",
               "--force"])  # fmt: skip
    assert rc == 0 and not (out / "something").exists()
    assert (out / "ledger" / "20261002" / "_SUCCESS").exists()


def test_truth_inside_landing_is_refused(tmp_path, run):
    rc, err = run(["--out", str(tmp_path / "l"), "--truth", str(tmp_path / "l" / "t.json")])
    assert rc != 0 and "outside" in err
