"""Every command in a folder with quotes, semicolons and spaces; identifiers at rest (issue 16).

The masked artefacts (township workbooks, the 暂停支付清单) are scanned too (issue 13).

One copy of the session county in an odd folder, relative paths: run,
status, ingest, export, load-feedback, report, verify-archive, backup and
restore all work, and afterwards no file or folder in the tree is readable
by anyone but its owner.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from counties import END

from crosscheck.cli import main
from crosscheck.config import serving_path
from crosscheck.review.feedback import FEEDBACK_DIR
from crosscheck.review.privacy import _IDENTIFIER_RE as IDENTIFIER

ODD = 'it\'s; a "county" $HOME'


def loose_files(root: Path) -> list[str]:
    """Files and folders under root with any group/other permission bit; also counts them."""
    bad, n = [], 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            n += 1
            if p.is_symlink():
                continue
            if stat.S_IMODE(p.stat().st_mode) & 0o077:
                bad.append(f"{oct(stat.S_IMODE(p.stat().st_mode))} {p.relative_to(root)}")
    loose_files.scanned = n
    return bad


def identifier_hits(root: Path) -> tuple[list[Path], dict[str, list[str]]]:
    """Logs and Data Docs pages under root, and the ID/account numbers found in them."""
    logs = [p for p in root.rglob("*") if p.suffix in (".log", ".jsonl", ".html") and p.is_file()]
    found = {}
    for p in logs:
        hits = IDENTIFIER.findall(p.read_text(errors="replace"))
        if hits:
            found[str(p.relative_to(root))] = hits[:3]
    return logs, found


def artefact_hits(paths: list[Path]) -> dict[str, list[str]]:
    """ID, account and card numbers left unmasked in masked workbooks and CSVs."""
    from openpyxl import load_workbook

    found = {}
    for p in paths:
        if p.suffix == ".xlsx":
            wb = load_workbook(p, read_only=True)
            text = "\n".join(
                str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r
            )
            wb.close()
        else:
            text = p.read_text(encoding="utf-8-sig")
        hits = IDENTIFIER.findall(text)
        if hits:
            found[p.name] = hits[:3]
    return found


def _copy_county(county, target: Path) -> Path:
    """The county's landing, warehouse, serving copy and archive under `target`."""
    src = county.warehouse.parent
    target.mkdir(mode=0o700)
    shutil.copytree(src / "landing", target / "landing")
    shutil.copytree(src / "archive", target / "archive")
    wh = target / "wh 1-x.duckdb"  # the folder holds ' ; " $ too (file names: see build.py)
    shutil.copy2(county.warehouse, wh)
    shutil.copy2(serving_path(county.warehouse), serving_path(wh))
    return wh


def test_every_command_in_an_odd_folder_leaves_only_owner_only_files(
    county, tmp_path, monkeypatch, capsys
):
    root = tmp_path / ODD
    wh = _copy_county(county, root)
    monkeypatch.chdir(root)
    whr, landing = wh.name, "landing"  # relative paths, as an operator types them

    def ok(*args):
        rc = main(list(args))
        out = capsys.readouterr()
        assert rc == 0, (args, out.err)
        return out.out

    assert "archive ok" in ok("verify-archive", "--warehouse", whr)
    # kill -9 a nightly run at a random point (dbt build or publish: nothing new to ingest) ...
    seed = int(os.environ.get("CROSSCHECK_KILL_SEED", time.time_ns() % 100000))
    delay = random.Random(seed).uniform(2.0, 12.0)
    proc = subprocess.Popen(
        [sys.executable, "-m", "crosscheck", "run", "--landing", landing, "--warehouse", whr],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # ... and the next run finishes it: the same findings as the uninterrupted run
    assert "already loaded" in ok("run", "--landing", landing, "--warehouse", whr)
    key = "SELECT anomaly_id, rule_code, amount_at_risk FROM marts.anomalies ORDER BY 1"
    want = [(a["anomaly_id"], a["rule_code"], a["amount_at_risk"]) for a in county.after]
    for path in (wh, serving_path(wh)):
        con = duckdb.connect(str(path))  # this process holds dbt's connection to the live one
        try:
            assert con.execute(key).fetchall() == want, f"seed {seed}: killed after {delay:.1f}s"
        finally:
            con.close()
    assert "loaded" in ok("status", "--warehouse", whr)
    ok("ingest", "--landing", landing, "--warehouse", whr)
    said = ok("export", "--warehouse", whr, "--as-of", END.isoformat(), "--out", "out; x")
    assert "workbooks under" in said
    books = sorted(Path("out; x").glob("*.xlsx"))
    assert books
    said = ok("holds", "--warehouse", whr, "--as-of", END.isoformat(), "--out", "holds; x")
    assert "暂停支付清单" in said
    holds = sorted(Path("holds; x").glob("暂停支付清单_*"))
    assert [p.suffix for p in holds] == [".csv", ".xlsx"]
    (root / landing / FEEDBACK_DIR).mkdir(mode=0o700)  # what the township returns
    shutil.copy(books[0], root / landing / FEEDBACK_DIR / books[0].name)
    returned = root / landing / FEEDBACK_DIR / "返回'; 表.csv"
    returned.write_text("问题编号,核查结论\n")
    returned.chmod(0o600)
    said = ok("load-feedback", "--landing", landing, "--warehouse", whr, "--as-of", END.isoformat())
    assert "rejected" in said
    y, w, _ = END.isocalendar()
    ok("report", "--warehouse", whr, "--week", f"{y}-W{w:02d}", "--out", "rep'ort", "--html-only")
    ok("backup", "--warehouse", whr, "--out", "back up; 1")
    ok("restore", "--warehouse", "restored 'x'.duckdb", "--from", "back up; 1")
    con = duckdb.connect(str(root / "restored 'x'.duckdb"), read_only=True)
    src = duckdb.connect(str(wh))  # this process still holds dbt's connection to it
    try:
        for table in ("meta.loads", "review.exports", "review.feedback_files"):
            q = f"SELECT * FROM {table} ORDER BY ALL"
            assert con.execute(q).fetchall() == src.execute(q).fetchall(), table
    finally:
        con.close()
        src.close()
    assert "archive ok" in ok("verify-archive", "--warehouse", whr)

    bad = loose_files(root)
    assert loose_files.scanned > 100
    assert not bad, bad[:20]
    print(f"owner-only scan: {loose_files.scanned} files and folders")  # figure for the note
    # logs and Data Docs carry no full identifiers (dbt's manifest holds the unit tests' fixtures)
    logs, found = identifier_hits(root)
    assert any(p.name == "dbt.log" for p in logs)
    assert not found, found
    print(f"identifier scan: {len(logs)} logs and Data Docs pages")
    # the masked artefacts carry none either: ID, account or social-security card numbers
    assert IDENTIFIER.search("社保卡号：A01233097")  # the scan knows card numbers (issue 13)
    masked = [root / p for p in books + holds]
    assert not artefact_hits(masked), artefact_hits(masked)
    print(f"identifier scan: {len(masked)} masked workbooks and CSVs")


@pytest.mark.parametrize("name", ["a;b.duckdb", "it's.duckdb"])
def test_a_warehouse_file_name_dbt_cannot_use_is_refused_before_any_work(tmp_path, capsys, name):
    (tmp_path / "landing" / "ledger" / "20261101").mkdir(parents=True)
    (tmp_path / "landing" / "ledger" / "20261101" / "_SUCCESS").write_text("{}")
    wh = tmp_path / name
    assert main(["run", "--landing", str(tmp_path / "landing"), "--warehouse", str(wh)]) == 1
    assert "dbt cannot use it as a database name" in capsys.readouterr().err
    assert not wh.exists()


def test_the_session_county_run_left_only_owner_only_files(county):
    """What `generate`, ingest, dbt, Data Docs and publish wrote for the county."""
    root = county.warehouse.parent
    bad = loose_files(root)
    assert loose_files.scanned > 100
    assert not bad, bad[:20]
    logs, found = identifier_hits(root)
    assert any(p.parent.name == "data_docs" for p in logs)
    assert not found, found
    print(f"county: {loose_files.scanned} files and folders, {len(logs)} logs and Data Docs pages")


def test_verify_archive_notices_a_changed_or_missing_delivery(county, tmp_path, capsys):
    wh = _copy_county(county, tmp_path / "c")
    archived = sorted((tmp_path / "c" / "archive").rglob("*.csv"))
    victim = archived[0]
    os.chmod(victim.parent, 0o700)
    os.chmod(victim, 0o600)
    victim.write_bytes(victim.read_bytes() + b"x")
    gone = archived[-1]
    os.chmod(gone.parent, 0o700)
    gone.unlink()
    rc = main(["verify-archive", "--warehouse", str(wh)])
    out = capsys.readouterr()
    assert rc == 1
    assert "archived file changed" in out.out and "writable" in out.out
    assert "not in the archive" in out.out
    assert "archive check failed: 3 problem(s)" in out.err


def test_backup_restore_round_trip_refuses_to_mix(county, tmp_path, capsys):
    wh = _copy_county(county, tmp_path / "c")
    assert main(["backup", "--warehouse", str(wh), "--out", str(tmp_path / "bk")]) == 0
    # into the same warehouse: its rows are there already
    assert main(["restore", "--warehouse", str(wh), "--from", str(tmp_path / "bk")]) == 1
    err = capsys.readouterr().err
    assert "already has rows in" in err and "meta.loads" in err
    con = duckdb.connect(str(wh))
    before = con.execute("SELECT count(*) FROM meta.loads").fetchone()[0]
    con.execute("DELETE FROM meta.loads WHERE extract_date = ?", [END - dt.timedelta(days=1)])
    con.close()
    args = ["restore", "--warehouse", str(wh), "--from", str(tmp_path / "bk"), "--replace"]
    assert main(args) == 0
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT count(*) FROM meta.loads").fetchone()[0] == before
    con.close()
    # a tampered backup is refused before anything is touched
    f = next((tmp_path / "bk").glob("meta.loads.parquet"))
    f.write_bytes(f.read_bytes()[:-10])
    assert main(args) == 1
    assert "does not match its sha256" in capsys.readouterr().err
