"""`crosscheck ingest|status|release`: output lines and one-line errors."""

from __future__ import annotations

import datetime as dt

from deliveries import ledger_rows, write_delivery

from crosscheck.cli import main


def test_ingest_prints_each_delivery_and_summary(env, capsys):
    day = dt.date(2026, 11, 2)
    write_delivery(env.landing, "ledger", day, ledger_rows(day))
    rc = main(
        [
            "ingest",
            "--landing",
            str(env.landing),
            "--warehouse",
            str(env.warehouse),
            "--as-of",
            "2026-11-02",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert "loaded      ledger:20261102:" in out
    assert "late        deaths: no complete delivery for 2026-11-02" in out
    assert "as of 2026-11-02: 1 loaded, 0 quarantined, 0 rejected, 8 already loaded" in out


def test_ingest_exit_1_when_something_was_refused(env, capsys):
    day = dt.date(2026, 11, 2)
    write_delivery(env.landing, "ledger", day, ledger_rows(day), n_rows=9)
    rc = main(
        [
            "ingest",
            "--landing",
            str(env.landing),
            "--warehouse",
            str(env.warehouse),
            "--as-of",
            "2026-11-02",
        ]
    )
    assert rc == 1
    assert "rejected    ledger:20261102:" in capsys.readouterr().out


def test_missing_landing_is_one_line_error(tmp_path, capsys):
    rc = main(
        ["ingest", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")]
    )
    err = capsys.readouterr().err.strip()
    assert rc == 1 and err.count("\n") == 0 and "does not exist" in err


def test_bad_date_is_usage_error(tmp_path, capsys):
    rc = main(
        [
            "ingest",
            "--landing",
            str(tmp_path),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
            "--as-of",
            "2026-02-30",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.count("\n") == 0 and "not a date" in err


def test_status_of_missing_warehouse_is_one_line_error(tmp_path, capsys):
    assert main(["status", "--warehouse", str(tmp_path / "none.duckdb")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_ingest_streams_a_progress_line_per_delivery(env, capsys):
    day = dt.date(2026, 11, 2)
    write_delivery(env.landing, "ledger", day, ledger_rows(day))
    rc = main(["ingest", "--landing", str(env.landing), "--warehouse", str(env.warehouse)])
    err = capsys.readouterr().err
    assert rc == 0
    lines = [line for line in err.splitlines() if line.startswith("[")]
    assert any("/9 loaded ledger:20261102:" in line for line in lines), err
    assert all(line.rstrip().endswith("s)") for line in lines), lines  # elapsed, then seconds
