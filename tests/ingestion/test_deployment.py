"""A deployment's own delivery format, cadence and archive (issue 11, the province):
crosscheck/ingest/sources.py reads the deployment file over sources.yml, and the
generator, ingestion, staleness, the DAGs' schedule and the archive follow it."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from counties import generate_into

from crosscheck.cli import main
from crosscheck.errors import CrosscheckError
from crosscheck.ingest import api
from crosscheck.ingest.archive import archive_delivery, archive_root, verify_archive
from crosscheck.ingest.sources import get_source, load_sources
from crosscheck.ingest.status import source_states
from crosscheck.orchestration.local import sources_for

MONTHLY = {"every": "monthly", "day": 1}
PROVINCE = {
    "sources": {
        "hukou": {"cadence": MONTHLY},
        "vehicles": {"cadence": MONTHLY},
        "assistance": {"cadence": MONTHLY},
        "sscards": {"format": "csv", "cadence": MONTHLY},
    },
    "archive": "link",
}
START, END = dt.date(2026, 10, 1), dt.date(2026, 11, 2)


def _deploy(tmp_path: Path, monkeypatch, doc) -> Path:
    path = tmp_path / "deployment.yml"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    monkeypatch.setenv("CROSSCHECK_DEPLOYMENT", str(path))
    return path


def test_without_a_deployment_file_sources_yml_holds(monkeypatch, tmp_path):
    monkeypatch.delenv("CROSSCHECK_DEPLOYMENT", raising=False)
    monkeypatch.setenv("CROSSCHECK_HOME", str(tmp_path))
    cards = get_source("sscards")
    assert cards.format == "xlsx" and cards.sheet == "社保卡"
    assert get_source("hukou").cadence == {"every": "weekly", "weekday": 6}
    from crosscheck.ingest.archive import archive_mode

    assert archive_mode() == "copy"


def test_home_deployment_file_is_read_and_csv_cards_keep_their_headers(monkeypatch, tmp_path):
    monkeypatch.delenv("CROSSCHECK_DEPLOYMENT", raising=False)
    monkeypatch.setenv("CROSSCHECK_HOME", str(tmp_path))
    (tmp_path / "deployment.yml").write_text(json.dumps(PROVINCE), encoding="utf-8")
    cards = get_source("sscards")
    assert cards.format == "csv" and cards.sheet is None
    assert (cards.encoding, cards.newline) == ("UTF-8", "LF")
    assert cards.file_name(START) == "sscards_20261001.csv"
    issued = next(c for c in cards.columns if c.name == "issued_date")
    assert (issued.type, issued.format) == ("date", "%Y-%m-%d")
    assert cards.headers[-1] == "发卡日期"


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ({"sources": {"sscards": {"sheet": "x"}}}, "only format, cadence may differ"),
        ({"sources": {"hukou": {"format": "xlsx"}}}, "cannot arrive as XLSX"),
        ({"sources": {"nosuch": {"format": "csv"}}}, "unknown source(s) nosuch"),
        ({"sources": {"hukou": {"cadence": {"every": "monthly", "day": 31}}}}, "day 1-28"),
        ({"archive": "move"}, "archive is copy or link"),
        ({"extra": 1}, "only sources, archive may be declared"),
        ("sources: [", "cannot read it"),
    ],
)
def test_a_bad_deployment_file_is_one_line(tmp_path, monkeypatch, capsys, doc, words):
    _deploy(tmp_path, monkeypatch, doc)
    with pytest.raises(CrosscheckError) as e:
        load_sources()
    assert words in str(e.value) and "\n" not in str(e.value)
    rc = main(["generate", "--out", str(tmp_path / "g"), "--persons", "300", "--quiet"])
    err = capsys.readouterr().err
    assert rc != 0 and words in err and "Traceback" not in err


def test_a_province_in_parts_needs_cards_as_csv(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CROSSCHECK_DEPLOYMENT", raising=False)
    monkeypatch.setenv("CROSSCHECK_HOME", str(tmp_path))
    args = ["generate", "--out", str(tmp_path / "g"), "--persons", "900", "--part-size", "300"]
    assert main([*args, "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "3 parts" in err and "sscards delivered as CSV" in err


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """A small county generated and ingested as the province deployment receives it."""
    root = tmp_path_factory.mktemp("province")
    deployment = root / "deployment.yml"
    deployment.write_text(json.dumps(PROVINCE), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("CROSSCHECK_DEPLOYMENT", str(deployment))
    try:
        landing = generate_into(root, persons=300, seed=5, start=START, end=END)
        report = api.ingest(landing, root / "wh.duckdb", as_of=END, data_docs=False)
        yield root, landing, report, mp
    finally:
        mp.undo()


def test_the_generator_delivers_on_the_deployments_cadence_and_format(province):
    _, landing, report, _ = province
    for name in ("hukou", "vehicles", "assistance", "sscards"):
        days = sorted(p.name for p in (landing / name).iterdir())
        assert days == ["20261001", "20261101"], name  # the 1st only, no Sundays
    assert sorted(p.name for p in (landing / "sscards" / "20261101").iterdir()) == [
        "_SUCCESS",
        "sscards_20261101.csv",
    ]
    head = (landing / "sscards" / "20261101" / "sscards_20261101.csv").read_text("utf-8")
    assert head.startswith(
        "社会保障号码,姓名,社保卡号,银行账号,发卡银行,金融功能,卡状态,发卡日期\n"
    )
    first_row = head.splitlines()[1].split(",")
    assert dt.date.fromisoformat(first_row[-1]) < START
    assert (landing / "ledger" / "20261015").is_dir()  # the daily sources stay daily
    assert report.ok and report.count("quarantined") == 0 and report.count("rejected") == 0


def test_csv_cards_are_typed_as_dates(province):
    root, _, _, _ = province
    import duckdb

    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    try:
        n, dated, files = con.execute(
            "SELECT count(*), count(issued_date), string_agg(DISTINCT _source_file, ',') "
            "FROM raw.sscards"
        ).fetchone()
    finally:
        con.close()
    assert n > 200 and dated == n and files.endswith(".csv")


def test_staleness_and_schedule_follow_a_monthly_cadence(province):
    root, landing, _, mp = province
    import duckdb

    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    try:
        now = {s.source: s for s in source_states(con, END)}
        sunday_after = {s.source: s for s in source_states(con, dt.date(2026, 11, 29))}
        december = {s.source: s for s in source_states(con, dt.date(2026, 12, 2))}
    finally:
        con.close()
    assert not now["hukou"].stale and now["hukou"].last_good == dt.date(2026, 11, 1)
    assert not sunday_after["hukou"].stale  # weekly would be late since 8 November
    assert sunday_after["ledger"].stale  # daily: nothing after 2 November
    assert december["hukou"].stale and december["hukou"].stale_since == dt.date(2026, 12, 1)
    assert december["sscards"].stale_since == dt.date(2026, 12, 1)
    hukou = get_source("hukou")
    assert hukou.cron == "1 * *"  # the ingest DAG's schedule: 30 23 1 * *
    assert "hukou" not in sources_for(dt.date(2026, 11, 8), landing)  # a Sunday
    assert "hukou" in sources_for(dt.date(2026, 12, 1), landing)


def test_archive_links_the_landing_file_on_one_filesystem(province):
    root, landing, _, _ = province
    data = landing / "sscards" / "20261101" / "sscards_20261101.csv"
    archived = list((archive_root(root / "wh.duckdb") / "sscards" / "20261101").rglob("*.csv"))
    assert len(archived) == 1
    assert os.stat(archived[0]).st_ino == os.stat(data).st_ino
    assert os.stat(data).st_mode & 0o777 == 0o400  # one file: read-only in both places
    check = verify_archive(root / "wh.duckdb")
    assert check.ok and check.checked > 60, check.problems[:3]


def test_archive_copies_across_filesystems(tmp_path, monkeypatch):
    """Landing on another filesystem (tmpfs) than the archive: a copy, as without the setting.
    Where the machine has no second filesystem, the kernel's refusal (EXDEV) is simulated."""
    import errno
    import hashlib
    import tempfile

    from crosscheck.ingest import archive

    shm = Path("/dev/shm")  # noqa: S108  (a tmpfs: another filesystem than tmp_path's)
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        shm = tmp_path

        def cross_device(src, dst):
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(src))

        monkeypatch.setattr(archive.os, "link", cross_device)
    _deploy(tmp_path, monkeypatch, {"archive": "link"})

    folder = Path(tempfile.mkdtemp(dir=shm))
    try:
        data, marker = folder / "ledger_20261101.csv", folder / "_SUCCESS"
        data.write_bytes(b"payment_id\nP1\n")
        marker.write_text("{}")
        sha = hashlib.sha256(data.read_bytes()).hexdigest()
        target = archive_delivery(tmp_path / "archive", "ledger", START, data, marker, sha)
        assert os.stat(target).st_ino != os.stat(data).st_ino
        assert target.read_bytes() == data.read_bytes() and os.stat(data).st_mode & 0o222
    finally:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


def test_a_night_after_linking_hashes_no_landing_file_again(province, monkeypatch):
    """Linking a landing file into the archive (and making it read-only) changes its
    ctime: the stat key its hash was cached under must be the one after that, or the
    first night after a go-live re-hashes the whole landing folder (34 s at 10,000,000
    persons, 30 GB)."""
    from crosscheck.ingest import load

    root, landing, _, _ = province
    hashed: list[Path] = []
    real = load.hash_file

    def counted(path, *args, **kwargs):
        hashed.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(load, "hash_file", counted)
    report = api.ingest(landing, root / "wh.duckdb", as_of=END, data_docs=False)
    assert report.count("skipped") == len(report.deliveries) > 60
    assert hashed == []
