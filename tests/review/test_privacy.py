"""No ID number or bank account in logs, command output or file names."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from decimal import Decimal

import review_fixtures as fx

from crosscheck.cli import main
from crosscheck.review.export import workbook_name
from crosscheck.review.feedback import FEEDBACK_DIR
from crosscheck.review.privacy import mask, mask_in_text, show


def test_mask_keeps_six_and_four():
    assert mask("500101194501011234") == "500101********1234"
    assert mask("6228480010002222") == "622848******2222"
    assert mask("12345") == "***45"
    assert mask_in_text("卡主 50010119500202221X，账号 6217000010001234567；单号 P000123") == (
        "卡主 500101********221X，账号 621700*********4567；单号 P000123"
    )
    # social-security card numbers (a letter and 8 digits) too, not longer codes
    assert mask_in_text("社保卡号：A01233097；证号 D2026000123；单号 P0000000143") == (
        "社保卡号：*******97；证号 D2026000123；单号 P0000000143"
    )
    assert show("A01233097", field="card_no") == "*******97"
    assert show("A01233097", full=True, field="card_no") == "A01233097"
    assert show(Decimal("900.00")) == Decimal("900.00")


def test_export_and_feedback_log_no_identifiers(tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    wh = fx.build(tmp_path / "wh" / "warehouse.duckdb")
    out = tmp_path / "out"
    assert main(["export", "--warehouse", str(wh), "--as-of", "2026-10-31", "--out", str(out)]) == 0
    assert (
        main(
            [
                "export",
                "--warehouse",
                str(wh),
                "--as-of",
                "2026-10-31",
                "--out",
                str(tmp_path / "full"),
                "--full-identifiers",
            ]
        )
        == 0
    )
    landing = tmp_path / "landing"
    (landing / FEEDBACK_DIR).mkdir(parents=True)
    a = [x["anomaly_id"] for x in fx.anomalies()]
    dst = landing / FEEDBACK_DIR / "back.xlsx"
    shutil.copy(tmp_path / "full" / workbook_name(fx.TOWNSHIPS[0], fx.AS_OF), dst)
    fx.fill_feedback(
        dst,
        {
            a[0]: {
                "核查结论": "属实",
                "核查人": "刘",
                "核查日期": dt.date(2026, 11, 2),
                "说明": f"本人身份证 {fx.PEOPLE[0][0]}",
            },
            a[1]: {"核查结论": "属实", "核查人": "刘", "核查日期": "2026-13-45"},
        },
    )
    assert (
        main(
            [
                "load-feedback",
                "--landing",
                str(landing),
                "--warehouse",
                str(wh),
                "--as-of",
                "2026-11-10",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    seen = caplog.text + captured.out + captured.err
    assert "FULL identifiers" in seen and "1 decisions loaded" in seen
    for pid, _, account in fx.PEOPLE:
        assert pid not in seen and account not in seen
        assert pid[6:14] not in seen  # not even the birth-date middle
    assert fx.OTHER_OWNER not in seen
    names = " ".join(p.name for p in tmp_path.rglob("*"))
    for pid, _, account in fx.PEOPLE:
        assert pid not in names and account not in names
