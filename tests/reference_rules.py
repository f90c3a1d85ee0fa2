"""An independent, plain-Python reading of docs/RULEBOOK.md over a landing folder.

Used only by the tests to check that the generator's truth file is exact:
it reads the files the way a department's file is read (csv module with the
declared encoding, openpyxl for the XLSX) and shares no code with the
generator. Small counties only (rows are Python dicts).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import chinese_calendar
import openpyxl

FILES = {
    "hukou": ("gb18030", "\r\n"),
    "vehicles": ("gb18030", "\r\n"),
    "deaths": ("utf-8-sig", "\n"),
    "cremations": ("utf-8", "\n"),
    "assistance": ("utf-8", "\n"),
    "payroll": ("utf-8", "\n"),
    "ledger": ("utf-8", "\n"),
}
CYCLE = {
    **{c: "annual" for c in ("01", "03", "04", "05", "06", "07", "08")},
    "09": "quarterly",
    **{c: "monthly" for c in ("10", "11", "13", "14", "15", "16")},
    **{c: "oneoff" for c in ("02", "12", "17", "18")},
}
PERSON_LEVEL = {"03", "04", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17"}
MEANS_TESTED = {"10", "11", "12", "13", "15"}
CEILING = {
    "03": 600,
    "04": 600,
    "08": 1200,
    "09": 3000,
    "10": 900,
    "11": 1200,
    "12": 5000,
    "13": 400,
    "14": 150,
    "15": 150,
    "16": 1600,
    "17": 3000,
}
ROSTER = {"10", "11", "13", "14", "15", "16"}
PAIRS = {("11", "15"), ("11", "14"), ("11", "10")}
HOLD = {"R01", "R02", "R03", "R07", "R08", "R09", "R10", "R12", "R14"}
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def normalize_id(raw: str) -> tuple[str, bool]:
    v = (raw or "").strip(" \t\r\n\u3000\u00a0")
    v = v.translate(str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")).upper()
    if len(v) == 15 and v.isdigit():
        body = v[:6] + "19" + v[6:]
        v = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, W, strict=True)) % 11]
    ok = len(v) == 18 and v[:17].isdigit() and (v[17].isdigit() or v[17] == "X")
    if ok:
        try:
            dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
        except ValueError:
            ok = False
    if ok:
        ok = "10X98765432"[sum(int(c) * w for c, w in zip(v[:17], W, strict=True)) % 11] == v[17]
    return v, ok


def compact(name: str) -> str:
    return re.sub(r"[\s\u200b\u200c\u200d\u2060\ufeff]", "", name or "")


def workday(d: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:
        return d.weekday() < 5


def wd_between(x: dt.date, y: dt.date) -> int:
    n, d = 0, x
    while d < y:
        d += dt.timedelta(1)
        n += workday(d)
    return n


def next_wd(d: dt.date) -> dt.date:
    while not workday(d):
        d += dt.timedelta(1)
    return d


def add_wd(d: dt.date, n: int) -> dt.date:
    while n:
        d += dt.timedelta(1)
        n -= workday(d)
    return d


def month_last(y: int, m: int) -> dt.date:
    return (dt.date(y + m // 12, m % 12 + 1, 1)) - dt.timedelta(1)


def covered(period: str) -> list[int]:
    if "Q" in period:
        y, q = int(period[:4]), int(period[5])
        return [y * 100 + 3 * (q - 1) + k for k in (1, 2, 3)]
    if len(period) == 4:
        return [int(period) * 100 + k for k in range(1, 13)]
    return [int(period)]


def d(text: str) -> dt.date | None:
    if not text:
        return None
    return dt.datetime.strptime(text, "%Y%m%d" if len(text) == 8 else "%Y-%m-%d").date()


def read_csv(path: Path, source: str) -> list[dict]:
    enc, nl = FILES[source]
    text = path.read_bytes().decode(enc)
    return list(csv.DictReader(io.StringIO(text, newline="")))


def deliveries(landing: Path, source: str, as_of: dt.date) -> list[tuple[dt.date, Path]]:
    out = []
    for folder in sorted((landing / source).iterdir()):
        day = dt.datetime.strptime(folder.name, "%Y%m%d").date()
        if day <= as_of and (folder / "_SUCCESS").exists():
            data = [f for f in folder.iterdir() if f.name != "_SUCCESS"]
            out.append((day, data[0]))
    return out


def read_sscards(path: Path) -> list[dict]:
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb["社保卡"]
    rows = ws.iter_rows(values_only=True)
    header = next(rows)
    return [dict(zip(header, r, strict=True)) for r in rows]


def money(x) -> str:
    return str(Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def findings(landing: Path, as_of: dt.date) -> list[dict]:
    D = as_of
    snap = {s: deliveries(landing, s, D) for s in ("hukou", "vehicles", "assistance", "payroll")}
    hukou = read_csv(snap["hukou"][-1][1], "hukou")
    persons: dict[str, dict] = {}
    for r in hukou:
        pid, _ = normalize_id(r["公民身份号码"])
        if pid not in persons or r["人员状态"] < persons[pid]["人员状态"]:
            persons[pid] = r
    members = defaultdict(set)
    for pid, r in persons.items():
        if r["人员状态"] == "0":
            members[r["户号"]].add(pid)

    def household(pid):
        r = persons.get(pid)
        return ({pid} | members[r["户号"]]) if r else {pid}

    # deaths
    certs, crems = {}, {}
    for _, path in deliveries(landing, "deaths", D):
        for r in read_csv(path, "deaths"):
            certs[r["死亡证编号"]] = r
    for _, path in deliveries(landing, "cremations", D):
        for r in read_csv(path, "cremations"):
            crems[r["record_no"]] = r
    death = {}
    evidence = set()

    def note(pid, day):
        death[pid] = min(day, death.get(pid, day))

    for r in certs.values():
        if r["公民身份号码"]:
            pid = normalize_id(r["公民身份号码"])[0]
            note(pid, d(r["死亡日期"]))
            evidence.add(pid)
    for r in crems.values():
        if r["id_number"]:
            pid = normalize_id(r["id_number"])[0]
            note(pid, d(r["date_of_death"]))
            evidence.add(pid)
    for pid, r in persons.items():
        if r["人员状态"] == "1" and r["注销日期"]:
            note(pid, d(r["注销日期"]))

    # ledger
    versions = defaultdict(list)
    for day, path in deliveries(landing, "ledger", D):
        for r in read_csv(path, "ledger"):
            versions[r["payment_id"]].append((r["updated_at"], day, r))
    pay = {}
    first_at = {}
    for pid_, vs in versions.items():
        vs.sort(key=lambda t: (t[0], t[1]))
        pay[pid_] = dict(vs[-1][2])
        first_at[pid_] = vs[0][0]
        p = pay[pid_]
        p["person"], p["valid"] = normalize_id(p["recipient_id"])
        fails = [d(v[2]["status_date"]) for v in vs if v[2]["status"] == "FAILED"]
        rets = [d(v[2]["status_date"]) for v in vs if v[2]["status"] == "RETURNED"]
        p["failure"] = min(fails) if fails else (min(rets) if rets else None)
        p["amt"] = Decimal(p["amount"])
    out = []

    def flag(rule, sub, p, amount, key=None):
        st = {"PAID": "paid", "PENDING": "pending"}[p["status"]] if p else None
        out.append(
            {
                "rule_code": rule,
                "subtype": sub,
                "status": st,
                "finding_key": key or p["payment_id"],
                "amount_at_risk": money(amount),
            }
        )

    def live(p, rule):
        return p["status"] == "PAID" or (p["status"] == "PENDING" and rule in HOLD)

    # R01
    for p in pay.values():
        if not live(p, "R01") or p["program_code"] not in PERSON_LEVEL or p["person"] not in death:
            continue
        dd = death[p["person"]]
        if CYCLE[p["program_code"]] == "oneoff":
            hit = d(p["approved_date"]) > dd
        else:
            m = covered(p["period"])[0]
            hit = dt.date(m // 100, m % 100, 1) > month_last(dd.year, dd.month)
        if hit:
            flag("R01", None, p, p["amt"])
    # R02
    groups = defaultdict(list)
    for p in pay.values():
        if p["status"] in ("PAID", "PENDING") and p["program_code"] in PERSON_LEVEL:
            groups[(p["person"], p["program_code"], p["period"])].append(p)
    for g in groups.values():
        if len(g) < 2:
            continue
        paid = sorted(
            (x for x in g if x["status"] == "PAID"),
            key=lambda x: (x["status_date"], x["payment_id"]),
        )
        right = paid[0] if paid else min(g, key=lambda x: x["payment_id"])
        for x in g:
            if x is not right:
                flag("R02", None, x, x["amt"])
    # R03
    by_person = defaultdict(list)
    for p in pay.values():
        if p["status"] in ("PAID", "PENDING"):
            by_person[p["person"]].append(p)
    for ps in by_person.values():
        for keep, stop in PAIRS:
            kept = {m for x in ps if x["program_code"] == keep for m in covered(x["period"])}
            for x in ps:
                if x["program_code"] == stop:
                    cm = covered(x["period"])
                    inter = [m for m in cm if m in kept]
                    if inter:
                        flag("R03", None, x, x["amt"] * len(inter) / len(cm))

    def due(p):
        c = CYCLE[p["program_code"]]
        if c == "oneoff":
            return next_wd(add_wd(d(p["approved_date"]), 7))
        cm = covered(p["period"])
        if c == "monthly":
            x = dt.date(cm[0] // 100, cm[0] % 100, 10)
        elif c == "quarterly":
            x = dt.date(cm[-1] // 100, cm[-1] % 100, 20)
        else:
            x = dt.date(cm[0] // 100, 6, 30)
        return next_wd(x)

    for p in pay.values():
        if p["status"] != "PAID":
            continue
        if wd_between(d(p["sent_date"]), d(p["status_date"])) > 2:
            flag("R04", None, p, 0)
        if not p["reissue_of"] and d(p["status_date"]) > due(p):
            flag("R05", None, p, 0)
    # R06
    children = defaultdict(list)
    for p in pay.values():
        if p["reissue_of"] in pay:
            children[p["reissue_of"]].append(p)
    for p in pay.values():
        if p["failure"] is None or p["reissue_of"] in pay:
            continue
        chain, todo = [], [p]
        while todo:
            x = todo.pop()
            chain.append(x)
            todo.extend(children[x["payment_id"]])
        latest = max(chain, key=lambda x: (first_at[x["payment_id"]], x["payment_id"]))
        if any(x["status"] == "PAID" for x in chain) or latest["status"] == "CANCELLED":
            continue
        f = p["failure"]
        c = CYCLE[p["program_code"]]
        if c == "monthly":
            ny, nm = (f.year + 1, 1) if f.month == 12 else (f.year, f.month + 1)
            deadline = dt.date(ny, nm, 28)
        elif c == "quarterly":
            qlast = (f.month - 1) // 3 * 3 + 3
            deadline = month_last(f.year + qlast // 12, qlast % 12 + 1)
        else:
            deadline = month_last(f.year + f.month // 12, f.month % 12 + 1)
        if D > deadline:
            sub = {
                "FAILED": "AT_BANK",
                "RETURNED": "RETURNED_UNPAID",
                "PENDING": "REISSUE_PENDING",
            }[latest["status"]]
            out.append(
                {
                    "rule_code": "R06",
                    "subtype": sub,
                    "status": None,
                    "finding_key": p["payment_id"],
                    "amount_at_risk": money(p["amt"]),
                }
            )
    # R07, R08
    vehicles = read_csv(snap["vehicles"][-1][1], "vehicles")
    cars = defaultdict(list)
    for v in vehicles:
        cars[normalize_id(v["所有人证件号码"])[0]].append(v)
    payroll = read_csv(snap["payroll"][-1][1], "payroll")
    jobs = defaultdict(list)
    for r in payroll:
        jobs[normalize_id(r["id_number"])[0]].append(r)
    for p in pay.values():
        if p["program_code"] not in MEANS_TESTED:
            continue
        cm = covered(p["period"])
        start = dt.date(cm[0] // 100, cm[0] % 100, 1)
        end = month_last(cm[-1] // 100, cm[-1] % 100)
        hh = household(p["person"])
        if live(p, "R07") and any(
            v["号牌种类"] in ("01", "02")
            and v["使用性质"] != "Z"
            and d(v["初次登记日期"]) <= end
            and not (v["机动车状态"] in ("B", "E", "G") and d(v["状态日期"]) < start)
            for m in hh
            for v in cars[m]
        ):
            flag("R07", None, p, p["amt"])
        if live(p, "R08") and any(
            r["employer_type"] in ("机关", "事业单位") and int(r["month"]) in cm
            for m in hh
            for r in jobs[m]
        ):
            flag("R08", None, p, p["amt"])
    # R09, R10
    cards = []
    for day, path in deliveries(landing, "sscards", D):
        by_account = defaultdict(list)
        for c in read_sscards(path):
            by_account[str(c["银行账号"])].append(c)
        cards.append((day, by_account))
    for p in pay.values():
        if not live(p, "R09"):
            continue
        if not p["valid"]:
            flag("R09", "INVALID_ID", p, p["amt"])
            continue
        if p["person"] not in persons:
            flag("R09", "UNKNOWN_PERSON", p, p["amt"])
            continue
        if compact(p["recipient_name"]) != compact(persons[p["person"]]["姓名"]):
            flag("R09", "NAME_MISMATCH", p, p["amt"])
        upto = d(p["status_date"]) if p["status"] == "PAID" else D
        usable = [c for day, c in cards if day <= upto]
        snapshot = usable[-1] if usable else cards[0][1]
        on_account = snapshot.get(p["account_no"], [])
        own = [c for c in on_account if normalize_id(str(c["社会保障号码"]))[0] == p["person"]]
        if own:
            if not any(c["卡状态"] == "正常" and c["金融功能"] == "已激活" for c in own):
                flag("R10", "CARD_NOT_USABLE", p, p["amt"])
        elif on_account:
            flag("R10", "OTHER_PERSONS_CARD", p, p["amt"])
        else:
            flag("R10", "NOT_A_CARD", p, p["amt"])
    # R11
    acct = defaultdict(list)
    for p in pay.values():
        if p["status"] == "PAID":
            acct[(p["account_no"], p["status_date"][:7].replace("-", ""))].append(p)
    for (a, m), ps in acct.items():
        people = {x["person"] for x in ps}
        homes = {persons[x]["户号"] if x in persons else "solo:" + x for x in people}
        if len(people) >= 3 and len(homes) >= 2:
            out.append(
                {
                    "rule_code": "R11",
                    "subtype": None,
                    "status": None,
                    "finding_key": f"{a}|{m}",
                    "amount_at_risk": money(sum(x["amt"] for x in ps)),
                }
            )
    # R12
    for p in pay.values():
        c = CEILING.get(p["program_code"])
        if live(p, "R12") and c is not None and p["amt"] > c:
            flag("R12", None, p, p["amt"] - c)
    # R13
    for pid in evidence:
        if pid in persons and persons[pid]["人员状态"] == "0" and (D - death[pid]).days > 30:
            out.append(
                {
                    "rule_code": "R13",
                    "subtype": None,
                    "status": None,
                    "finding_key": pid,
                    "amount_at_risk": "0.00",
                }
            )
    # R14
    roster = read_csv(snap["assistance"][-1][1], "assistance")
    spells = defaultdict(list)
    for r in roster:
        spells[(normalize_id(r["id_number"])[0], r["program_code"])].append(
            (int(r["start_month"]), int(r["end_month"]) if r["end_month"] else 999999)
        )
    for p in pay.values():
        if not live(p, "R14") or p["program_code"] not in ROSTER:
            continue
        sp = spells[(p["person"], p["program_code"])]
        cm = covered(p["period"])
        outside = [m for m in cm if not any(a <= m <= b for a, b in sp)]
        if outside:
            flag("R14", "OUTSIDE_SPELL" if sp else "NO_SPELL", p, p["amt"] * len(outside) / len(cm))
    return out
