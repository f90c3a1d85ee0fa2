"""The generated files read back as a department's files are read (docs/DELIVERY_FORMATS.md).

Headers, code lists and formats are written out here from docs/DELIVERY_FORMATS.md, not
taken from the generator or sources.yml, so a drift on either side fails.
"""

# ruff: noqa: E501  (headers and code lists copied verbatim from docs/DELIVERY_FORMATS.md)

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections import defaultdict

import openpyxl
import pytest
from gen_support import END, START
from reference_rules import normalize_id

HEADERS = {
    "hukou": ["公民身份号码", "姓名", "性别", "出生日期", "户号", "与户主关系", "户籍地区划", "人员状态", "注销日期"],
    "vehicles": ["号牌号码", "号牌种类", "所有人证件号码", "所有人姓名", "使用性质", "初次登记日期", "机动车状态", "状态日期"],
    "deaths": ["死亡证编号", "公民身份号码", "姓名", "死亡日期", "填报日期"],
    "cremations": ["record_no", "id_number", "name", "date_of_death", "cremation_date", "funeral_home"],
    "assistance": ["id_number", "name", "program_code", "household_no", "division_code", "start_month", "end_month", "status"],
    "sscards": ["社会保障号码", "姓名", "社保卡号", "银行账号", "发卡银行", "金融功能", "卡状态", "发卡日期"],
    "payroll": ["id_number", "name", "employer", "employer_type", "month", "gross_pay"],
    "ledger": ["payment_id", "batch_no", "program_code", "recipient_id", "recipient_name", "account_no", "bank_name", "amount", "period", "division_code", "approved_date", "sent_date", "status", "status_date", "fail_reason", "reissue_of", "updated_at"],
}  # fmt: skip
ENCODING = {
    "hukou": ("gb18030", b"\r\n"),
    "vehicles": ("gb18030", b"\r\n"),
    "deaths": ("utf-8-sig", b"\n"),
    "cremations": ("utf-8", b"\n"),
    "assistance": ("utf-8", b"\n"),
    "payroll": ("utf-8", b"\n"),
    "ledger": ("utf-8", b"\n"),
}
EXT = {s: "xlsx" if s == "sscards" else "csv" for s in HEADERS}
YMD = r"\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
ISO = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
MONTH = r"\d{4}(0[1-9]|1[0-2])"
MONEY = r"[1-9]\d*\.\d{2}"
DIVISION = r"\d{9}"
ACCOUNT = r"\d{16,19}"
# (column, regex or value list, may be empty)
CHECKS = {
    "hukou": [("性别", ["1", "2", "9"], False), ("出生日期", YMD, False),
              ("与户主关系", ["02", "10", "20", "30", "40", "50", "99"], False),
              ("户籍地区划", DIVISION, False), ("人员状态", ["0", "1", "2", "3", "4", "9"], False),
              ("注销日期", YMD, True)],
    "vehicles": [("号牌种类", ["01", "02", "07", "08", "13", "22"], False),
                 ("使用性质", list("ABCDEFZ"), False), ("初次登记日期", YMD, False),
                 ("机动车状态", list("ABEG"), False), ("状态日期", YMD, False),
                 ("号牌号码", r"渝[A-Z][0-9A-Z]{5}", False)],
    "deaths": [("死亡日期", ISO, False), ("填报日期", ISO, False), ("死亡证编号", r"\S+", False)],
    "cremations": [("date_of_death", ISO, False), ("cremation_date", ISO, False)],
    "assistance": [("program_code", ["10", "11", "13", "14", "15", "16"], False),
                   ("division_code", DIVISION, False), ("start_month", MONTH, False),
                   ("end_month", MONTH, True), ("status", ["在保", "停保", "退出"], False)],
    "payroll": [("employer_type", ["机关", "事业单位", "国有企业"], False), ("month", MONTH, False),
                ("gross_pay", MONEY, False)],
    "ledger": [("program_code", [f"{i:02d}" for i in range(1, 19)], False),
               ("account_no", ACCOUNT, False), ("amount", MONEY, False),
               ("period", r"\d{4}((0[1-9]|1[0-2])|Q[1-4])?", False), ("division_code", DIVISION, False),
               ("approved_date", ISO, False), ("sent_date", ISO, True),
               ("status", ["PENDING", "PAID", "FAILED", "RETURNED", "CANCELLED"], False),
               ("status_date", ISO, False), ("updated_at", ISO + r" \d{2}:\d{2}:\d{2}", False)],
}  # fmt: skip


def expected_days(source: str) -> list[dt.date]:
    days, d = [], START
    while d <= END:
        due = {
            "ledger": True, "deaths": True, "cremations": True, "payroll": d.day == 1,
        }.get(source, d.weekday() == 6)  # fmt: skip
        if d == START or due:
            days.append(d)
        d += dt.timedelta(1)
    return days


def read_rows(path, source) -> list[list[str]]:
    enc, _ = ENCODING[source]
    return list(csv.reader(io.StringIO(path.read_bytes().decode(enc, errors="strict"), newline="")))


def test_layout_and_cadence(landing):
    assert sorted(p.name for p in landing.iterdir()) == sorted(HEADERS)
    for source in HEADERS:
        days = expected_days(source)
        assert sorted(p.name for p in (landing / source).iterdir()) == [
            d.strftime("%Y%m%d") for d in days
        ], source
        for d in days:
            folder = landing / source / d.strftime("%Y%m%d")
            names = sorted(p.name for p in folder.iterdir())
            assert names == sorted(["_SUCCESS", f"{source}_{d:%Y%m%d}.{EXT[source]}"])


def test_success_markers_are_true(landing):
    for marker in landing.glob("*/*/_SUCCESS"):
        data = json.loads(marker.read_bytes().decode("utf-8"))
        folder = marker.parent
        source = folder.parent.name
        assert set(data) == {"source", "extract_date", "files"}
        assert data["source"] == source
        day = dt.datetime.strptime(folder.name, "%Y%m%d").date()
        assert data["extract_date"] == day.isoformat()
        (f,) = data["files"]
        assert set(f) == {"name", "bytes", "rows", "sha256"}
        raw = (folder / f["name"]).read_bytes()
        assert f["bytes"] == len(raw)
        assert f["sha256"] == hashlib.sha256(raw).hexdigest()
        if source == "sscards":
            ws = openpyxl.load_workbook(folder / f["name"], read_only=True)["社保卡"]
            rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
        else:
            rows = read_rows(folder / f["name"], source)
        assert f["rows"] == len(rows) - 1


@pytest.mark.parametrize("source", [s for s in HEADERS if s != "sscards"])
def test_encoding_newlines_headers(landing, source):
    enc, nl = ENCODING[source]
    for path in (landing / source).glob("*/*.csv"):
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") == (source == "deaths"), path
        if enc == "gb18030":
            raw.decode("gb18030")  # strict
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
        if nl == b"\r\n":
            assert raw.count(b"\n") == raw.count(b"\r\n") > 0
        else:
            assert b"\r" not in raw
        assert raw.endswith(nl)
        rows = read_rows(path, source)
        assert rows[0] == HEADERS[source]
        assert all(len(r) == len(HEADERS[source]) for r in rows)


@pytest.mark.parametrize("source", list(CHECKS))
def test_values_and_formats(landing, source):
    idx = {h: i for i, h in enumerate(HEADERS[source])}
    n = 0
    for path in (landing / source).glob("*/*.csv"):
        for row in read_rows(path, source)[1:]:
            n += 1
            for col, rule, may_be_empty in CHECKS[source]:
                v = row[idx[col]]
                if v == "" and may_be_empty:
                    continue
                if isinstance(rule, list):
                    assert v in rule, (source, col, v)
                else:
                    assert re.fullmatch(rule, v), (source, col, v)
    assert n > 0 or source in ("deaths", "cremations")


def test_hukou_ids_are_valid_and_unique(landing):
    for path in (landing / "hukou").glob("*/*.csv"):
        rows = read_rows(path, "hukou")[1:]
        ids = [r[0] for r in rows]
        assert len(ids) == len(set(ids))
        for r in rows:
            value, ok = normalize_id(r[0])
            assert ok and value == r[0], r
            assert r[3] == r[0][6:14]  # birth date inside the number
            assert (r[7] == "0") == (r[8] == "")


def test_only_planted_ledger_ids_are_not_canonical(landing, truth):
    planted = {f["finding_key"] for f in truth["findings"] if f["subtype"] == "INVALID_ID"}
    planted |= {n["finding_key"] for n in truth["near_misses"] if n["rule_code"] == "R09"}
    odd = set()
    for path in (landing / "ledger").glob("*/*.csv"):
        for r in read_rows(path, "ledger")[1:]:
            value, ok = normalize_id(r[3])
            if not ok or value != r[3]:
                odd.add(r[0])
    names = {n["kind"] for n in truth["near_misses"] if n["rule_code"] == "R09"}
    assert "name_with_spaces" in names
    name_key = {n["finding_key"] for n in truth["near_misses"] if n["kind"] == "name_with_spaces"}
    assert odd == planted - name_key


def test_sscards_workbook(landing):
    for path in (landing / "sscards").glob("*/*.xlsx"):
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == ["社保卡"]
        ws = wb["社保卡"]
        assert [c.value for c in ws[1]] == HEADERS["sscards"]
        seen = 0
        for row in ws.iter_rows(min_row=2):
            holder, _, card_no, account, _, fin, status, issued = row
            assert holder.data_type == "s" and account.data_type == "s"
            assert re.fullmatch(ACCOUNT, account.value)
            assert len(card_no.value) == 9
            assert fin.value in ("已激活", "未激活") and status.value in ("正常", "挂失", "注销")
            assert issued.is_date and isinstance(issued.value, dt.datetime)
            assert "yy" in issued.number_format
            seen += 1
        assert seen > 0


def test_ledger_versions_follow_the_lifecycle(landing):
    allowed = {
        "PENDING": {"PAID", "FAILED", "CANCELLED"},
        "FAILED": {"RETURNED"},
        "PAID": set(),
        "RETURNED": set(),
        "CANCELLED": set(),
    }
    versions = defaultdict(list)
    idx = {h: i for i, h in enumerate(HEADERS["ledger"])}
    for path in sorted((landing / "ledger").glob("*/*.csv")):
        day = dt.datetime.strptime(path.parent.name, "%Y%m%d").date()
        rows = read_rows(path, "ledger")[1:]
        keys = {(r[0], r[16]) for r in rows}
        assert len(keys) == len(rows), "(payment_id, updated_at) is the key"
        if day != START:  # after the baseline a delivery holds each payment's change of the day
            assert len({r[0] for r in rows}) == len(rows)
        for r in rows:
            rec = {h: r[i] for h, i in idx.items()}
            at = dt.date.fromisoformat(rec["updated_at"][:10])
            assert at == day or (day == START and at <= START)
            versions[rec["payment_id"]].append(rec)
    assert versions
    for pid, vs in versions.items():
        vs.sort(key=lambda v: v["updated_at"])
        assert vs[0]["status"] == "PENDING", pid
        for a, b in zip(vs, vs[1:], strict=False):
            assert b["status"] in allowed[a["status"]], (pid, a["status"], b["status"])
        for v in vs:
            assert (v["sent_date"] == "") == (v["status"] in ("PENDING", "CANCELLED")), v
            if v["status"] in ("FAILED", "RETURNED"):
                assert v["fail_reason"]
            if v["sent_date"]:
                assert v["approved_date"] < v["sent_date"] <= v["status_date"]
        last = vs[-1]
        if last["reissue_of"]:
            parent = versions[last["reissue_of"]]
            assert any(p["status"] in ("FAILED", "RETURNED") for p in parent)
            assert (parent[0]["program_code"], parent[0]["period"], parent[0]["recipient_id"]) == (
                last["program_code"], last["period"], last["recipient_id"]
            )  # fmt: skip
    # the hold list exists: payments still pending at the end
    assert any(vs[-1]["status"] == "PENDING" for vs in versions.values())
