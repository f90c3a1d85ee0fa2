"""The CLI frame: help for every command, one-line errors, non-zero exits."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crosscheck.cli import main
from crosscheck.commands import COMMANDS


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in COMMANDS:
        assert cmd.name in out


@pytest.mark.parametrize("name", [c.name for c in COMMANDS])
def test_each_command_has_its_own_help(name, capsys):
    assert main([name, "--help"]) == 0
    assert "Usage:" in capsys.readouterr().out


def test_unknown_command_is_one_line_error(capsys):
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "frobnicate" in err


def test_console_script_runs_as_module():
    proc = subprocess.run(
        [sys.executable, "-m", "crosscheck", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert "generate" in proc.stdout


def test_console_script_exits_quietly_after_gx_and_duckdb(tmp_path):
    """No teardown noise ('nanobind: leaked …') after a command that loads GX."""
    from crosscheck.warehouse import open_warehouse

    wh = tmp_path / "w.duckdb"
    open_warehouse(wh).close()
    code = (
        "import great_expectations, sqlalchemy, duckdb_engine\n"
        "e = sqlalchemy.create_engine('duckdb:///:memory:'); e.connect().close()\n"
        "import sys; sys.argv = ['crosscheck', 'status', '--warehouse', sys.argv[1]]\n"
        "from crosscheck.cli import console_main; console_main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(wh)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "leaked" not in proc.stderr
    assert "nanobind" not in proc.stderr
