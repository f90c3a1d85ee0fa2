"""A tiny, independent writer of deliveries in the exact docs/DELIVERY_FORMATS.md formats.

Used by the ingestion and expectation tests (it doubles as a second reading
of the formats, separate from the generator's). Rows are dicts keyed by the
English column names of sources.yml with delivered text values (excel_date
columns take a datetime.date, written as an Excel date cell).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

from crosscheck.ingest.idnorm import check_char
from crosscheck.ingest.sources import get_source


def make_id(area: str = "500101", birth: str = "19600101", seq: str = "123") -> str:
    body = area + birth + seq
    return body + check_char(body)


def encode_csv(
    source_name: str,
    rows: list[dict],
    headers: list[str] | None = None,
    encoding: str | None = None,
) -> bytes:
    src = get_source(source_name)
    headers = headers or src.headers
    names = [c.name for c in src.columns]
    newline = "\r\n" if src.newline == "CRLF" else "\n"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow(headers)
    for r in rows:
        w.writerow(["" if r.get(n) is None else r.get(n) for n in names])
    text = buf.getvalue()
    enc = (encoding or src.encoding or "UTF-8").upper()
    if enc == "UTF-8-BOM":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode("gb18030" if enc == "GB18030" else "utf-8")


def encode_xlsx(
    source_name: str, rows: list[dict], sheet: str | None = None, headers: list[str] | None = None
) -> bytes:
    from openpyxl import Workbook

    src = get_source(source_name)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet or src.sheet
    ws.append(headers or src.headers)
    for r in rows:
        ws.append([r.get(c.name) for c in src.columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_delivery(
    landing: Path,
    source_name: str,
    day: dt.date,
    rows: list[dict] | None = None,
    data: bytes | None = None,
    marker: dict | None = None,
    marker_text: str | None = None,
    file_name: str | None = None,
    n_rows: int | None = None,
) -> Path:
    """Write data file then _SUCCESS; overrides let tests break one thing at a time."""
    src = get_source(source_name)
    folder = Path(landing) / source_name / day.strftime("%Y%m%d")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    if data is None:
        data = (
            encode_xlsx(source_name, rows)
            if src.format == "xlsx"
            else encode_csv(source_name, rows)
        )
    name = file_name or src.file_name(day)
    (folder / name).write_bytes(data)
    entry = {
        "name": name,
        "bytes": len(data),
        "rows": len(rows) if n_rows is None else n_rows,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    body = {"source": source_name, "extract_date": day.isoformat(), "files": [entry]}
    if marker:
        body["files"][0].update(marker.get("file", {}))
        body.update({k: v for k, v in marker.items() if k != "file"})
    (folder / "_SUCCESS").write_text(marker_text if marker_text is not None else json.dumps(body))
    return folder


# --- small good data sets --------------------------------------------------

P1, P2, P3, P4 = (make_id(birth="19600101", seq="12" + str(i)) for i in range(1, 5))


def hukou_rows(n: int = 4) -> list[dict]:
    ids = [make_id(birth="19500101", seq=f"{i:03d}") for i in range(n)]
    return [
        {
            "id_number": ids[i],
            "name": f"张{i}",
            "sex": "1",
            "birth_date": "19500101",
            "household_no": f"H{i // 2:04d}",
            "relation_to_head": "02" if i % 2 == 0 else "10",
            "division_code": "500101001",
            "reg_status": "0",
            "dereg_date": None,
        }
        for i in range(n)
    ]


def vehicles_rows() -> list[dict]:
    return [
        {
            "plate_no": "渝A12345",
            "plate_class": "02",
            "owner_id": P1,
            "owner_name": "张1",
            "use_code": "A",
            "first_registered": "20200105",
            "vehicle_status": "A",
            "status_date": "20200105",
        },
        {
            "plate_no": "渝B00001",
            "plate_class": "01",
            "owner_id": "91500000MA5U000000",
            "owner_name": "某公司",
            "use_code": "F",
            "first_registered": "20190101",
            "vehicle_status": "A",
            "status_date": "20190101",
        },
    ]


def deaths_rows(day: dt.date) -> list[dict]:
    d = (day - dt.timedelta(days=3)).isoformat()
    return [
        {
            "certificate_no": "D0001",
            "id_number": P2,
            "name": "李二",
            "death_date": d,
            "issued_date": day.isoformat(),
        },
        {
            "certificate_no": "D0002",
            "id_number": None,
            "name": None,
            "death_date": d,
            "issued_date": day.isoformat(),
        },
    ]


def cremations_rows(day: dt.date) -> list[dict]:
    d = (day - dt.timedelta(days=2)).isoformat()
    return [
        {
            "record_no": "C0001",
            "id_number": P2,
            "name": "李二",
            "death_date": d,
            "cremation_date": day.isoformat(),
            "funeral_home": "城区殡仪馆",
        }
    ]


def assistance_rows() -> list[dict]:
    return [
        {
            "id_number": P1,
            "name": "张1",
            "program_code": "10",
            "household_no": "H0001",
            "division_code": "500101001",
            "start_month": "202401",
            "end_month": None,
            "roster_status": "在保",
        },
        {
            "id_number": P3,
            "name": "王三",
            "program_code": "14",
            "household_no": "H0002",
            "division_code": "500101002",
            "start_month": "202301",
            "end_month": "202312",
            "roster_status": "退出",
        },
    ]


def sscards_rows() -> list[dict]:
    return [
        {
            "id_number": P1,
            "name": "张1",
            "card_no": "A00000001",
            "account_no": "0012345678901234",
            "bank_name": "农商行",
            "financial_status": "已激活",
            "card_status": "正常",
            "issued_date": dt.date(2019, 5, 6),
        },
        {
            "id_number": P3,
            "name": "王三",
            "card_no": "A00000002",
            "account_no": "6228480000000000019",
            "bank_name": "农业银行",
            "financial_status": "未激活",
            "card_status": "挂失",
            "issued_date": dt.date(2021, 1, 2),
        },
    ]


def payroll_rows() -> list[dict]:
    return [
        {
            "id_number": P4,
            "name": "赵四",
            "employer": "某局",
            "employer_type": "机关",
            "pay_month": "202610",
            "gross_pay": "8000.00",
        },
        {
            "id_number": P4,
            "name": "赵四",
            "employer": "某局",
            "employer_type": "机关",
            "pay_month": "202609",
            "gross_pay": "8000.00",
        },
    ]


def ledger_rows(day: dt.date, prefix: str = "P") -> list[dict]:
    d = day.isoformat()
    base = {
        "batch_no": "B001",
        "program_code": "10",
        "recipient_name": "张1",
        "account_no": "0012345678901234",
        "bank_name": "农商行",
        "period": day.strftime("%Y%m"),
        "division_code": "500101001",
        "approved_date": d,
        "fail_reason": None,
        "reissue_of": None,
    }
    return [
        {
            **base,
            "payment_id": f"{prefix}0001",
            "recipient_id": P1,
            "amount": "560.00",
            "sent_date": d,
            "status": "PAID",
            "status_date": d,
            "updated_at": f"{d} 10:00:00",
        },
        {
            **base,
            "payment_id": f"{prefix}0002",
            "recipient_id": " " + P1.lower() + "\u3000",
            "amount": "300.50",
            "sent_date": None,
            "status": "PENDING",
            "status_date": d,
            "updated_at": f"{d} 11:00:00",
        },
    ]


def good_rows(source: str, day: dt.date) -> list[dict]:
    return {
        "hukou": lambda: hukou_rows(),
        "vehicles": vehicles_rows,
        "deaths": lambda: deaths_rows(day),
        "cremations": lambda: cremations_rows(day),
        "assistance": assistance_rows,
        "sscards": sscards_rows,
        "payroll": payroll_rows,
        "ledger": lambda: ledger_rows(day),
    }[source]()


def duplicate_a_row(folder: Path) -> None:
    """Make a ledger delivery's key not unique (critical: quarantined whole); _SUCCESS kept true."""
    import pytest

    marker = json.loads((folder / "_SUCCESS").read_text())
    entry = marker["files"][0]
    data = folder / entry["name"]
    lines = data.read_bytes().splitlines(keepends=True)
    if len(lines) < 2:
        pytest.fail(f"the delivery {folder.name} has no row to duplicate")
    body = b"".join([*lines, lines[1]])
    data.write_bytes(body)
    entry.update(bytes=len(body), rows=entry["rows"] + 1, sha256=hashlib.sha256(body).hexdigest())
    (folder / "_SUCCESS").write_text(json.dumps(marker))
