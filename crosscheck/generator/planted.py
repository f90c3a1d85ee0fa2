"""Planted findings of every rule and subtype of docs/RULEBOOK.md, and the near misses.

Each function plants one rule's cases with the Kit and records exactly the
findings they produce at as_of = --end (see README.md for the why of each).
Months: m0 is the first month of the history, mA and mB the two after it, so
every "paid" case is settled well before --start whatever the window.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from crosscheck.generator import typos
from crosscheck.generator.catalog import quarter_of, r06_deadline
from crosscheck.generator.deliveries import delivery_days
from crosscheck.generator.plant_kit import Kit
from crosscheck.generator.workdays import month_add
from crosscheck.ingest.sources import load_sources


def per_rule(persons: int) -> int:
    """Cases per rule and subtype: 2, growing mildly with the county."""
    return 2 + max(0, int(math.log10(max(persons, 1000) / 1000)))


def plant(county) -> None:
    k = Kit(county)
    n = per_rule(county.opts.persons)
    for fn in (
        r01,
        r02,
        r03,
        r04,
        r05,
        r06,
        r07,
        r08,
        r09,
        r10,
        r11,
        r12,
        r13,
        r14,
        id_typing,
        holiday_delay,
        corrected_certificate,
        quarter_before_death,
        reissues,
        typos.plant,  # issue 15: after the rules' cases, so they keep their numbers
        small_deliveries,  # last: it picks the days the others left quiet
    ):
        fn(k, n)
    k.commit()


def cents(amount) -> int:
    return int(Decimal(str(amount)) * 100)


def r01(k: Kit, n: int) -> None:
    for i in range(n):
        p = k.person(age=72 + i)
        k.spell(p, "14", month_add(k.m0, -12))
        amt = cents(120 + 10 * (i % 4))  # at most the ceiling of 14 (150)
        death = k.month_day(k.mA, 3)
        k.die(p, death, cert=i % 3 != 1, crem=i % 3 != 0)
        in_month = k.paid(p, "14", k.mA, amt)
        if i == 0:
            k.near(
                "payment_in_death_month",
                "R01",
                in_month,
                "monthly period = the death month: not after the end of the death month",
            )
        after = k.paid(p, "14", k.mB, amt)
        k.pay_finding("R01", None, "paid", after, p, amt)
    # a one-off approved after the death
    p = k.person(age=66)
    k.die(p, k.month_day(k.mA, 12), cert=True)
    a = k.workday_on_or_after(k.month_day(k.mB, 4))
    key = k.paid(p, "17", k.mB, cents(800), days=k.clean_days("17", k.mB, approved=a))
    k.pay_finding("R01", None, "paid", key, p, cents(800))
    # pending: next month's payment already approved for a person who died months ago
    p = k.person(age=80)
    k.spell(p, "14", month_add(k.m0, -20))
    k.die(p, k.month_day(k.mA, 20), cert=True, crem=True)
    key = k.pending(p, "14", k.pend_month, cents(150))
    k.pay_finding("R01", None, "pending", key, p, cents(150))


def r02(k: Kit, n: int) -> None:
    for i in range(n):
        p = k.person(age=40 + i)
        k.spell(p, "14", month_add(k.m0, -6))
        amt = cents(100 + 10 * (i % 6))  # at most the ceiling of 14 (150)
        due = k.due("14", str(k.mB), 0)
        if i % 2 == 0:
            k.paid(p, "14", k.mB, amt)  # paid 2 working days before the due date
            late = k.sub(due, 0 + 1)
            dup = k.paid(p, "14", k.mB, amt, days=(k.sub(late, 2), k.sub(late, 1), late))
        else:
            # the duplicate is created first (smaller payment_id) but paid later
            a = k.sub(due, 6)
            dup = k.paid(p, "14", k.mB, amt, days=(a, k.add(a, 3), k.add(a, 4)))
            k.paid(p, "14", k.mB, amt, days=(k.add(a, 1), k.add(a, 2), k.add(a, 2)))
        k.pay_finding("R02", None, "paid", dup, p, amt)
    # pending duplicate of a paid payment
    p = k.person(age=55)
    k.spell(p, "14", month_add(k.m0, -6))
    k.paid(p, "14", k.mB, cents(130))
    dup = k.pending(p, "14", k.mB, cents(130))
    k.pay_finding("R02", None, "pending", dup, p, cents(130))
    # two pending payments: the larger payment_id is flagged
    p = k.person(age=58)
    k.spell(p, "14", month_add(k.m0, -6))
    k.pending(p, "14", k.pend_month, cents(140), approved=k.sub(k.pend_day, 1))
    dup = k.pending(p, "14", k.pend_month, cents(140))
    k.pay_finding("R02", None, "pending", dup, p, cents(140))


def r03(k: Kit, n: int) -> None:
    stops = ("15", "14", "10")
    for i in range(n):
        stop = stops[i % 3]
        p = k.person(age=68 + i)
        k.spell(p, "11", month_add(k.m0, -24))
        k.spell(p, stop, month_add(k.m0, -10))
        k.paid(p, "11", k.mB, cents(1000))
        amt = cents({"15": 150, "14": 120, "10": 600}[stop])
        key = k.paid(p, stop, k.mB, amt)
        k.pay_finding("R03", None, "paid", key, p, amt)
    p = k.person(age=75)
    k.spell(p, "11", month_add(k.m0, -24))
    k.spell(p, "15", month_add(k.m0, -24))
    k.pending(p, "11", k.pend_month, cents(1050))
    key = k.pending(p, "15", k.pend_month, cents(140))
    k.pay_finding("R03", None, "pending", key, p, cents(140))


def r04(k: Kit, n: int) -> None:
    for i in range(n):
        p = k.person(age=45 + i)
        k.spell(p, "14", month_add(k.m0, -6))
        due = k.due("14", str(k.mB), 0)
        sent = k.sub(due, 6 + i)
        paid = k.add(sent, 3 + i)  # more than 2 working days at the bank
        key = k.paid(p, "14", k.mB, cents(150), days=(k.sub(sent, 1), sent, paid))
        k.pay_finding("R04", None, "paid", key, p, 0, amount=0)


def r05(k: Kit, n: int) -> None:
    for i in range(n):
        p = k.person(age=50 + i)
        kind = i % 3
        if kind == 1:  # one-off: paid 8 working days after approval (due: 7)
            a = k.workday_on_or_after(k.month_day(k.mB, 3))
            key = k.paid(p, "17", k.mB, cents(900), days=(a, k.add(a, 6), k.add(a, 8)))
            k.pay_finding("R05", None, "paid", key, p, 0, amount=0)
            continue
        if kind == 2:  # quarterly: paid 3 working days after the 20th of the quarter's last month
            q = quarter_of(k.mA)
            due = k.due("09", q, 0)
            if k.add(due, 3) <= k.e:
                a = k.add(due, 1)
                key = k.paid(p, "09", q, cents(2400), days=(a, k.add(a, 1), k.add(a, 2)))
                k.pay_finding("R05", None, "paid", key, p, 0, amount=0)
                continue
        k.spell(p, "14", month_add(k.m0, -6))
        a = k.add(k.due("14", str(k.mA), 0), 2)
        key = k.paid(p, "14", k.mA, cents(110), days=(a, k.add(a, 1), k.add(a, 2)))
        k.pay_finding("R05", None, "paid", key, p, 0, amount=0)


def r06(k: Kit, n: int) -> None:
    for i in range(n):
        # AT_BANK: failed, money still at the bank
        p = k.person(age=60 + i)
        k.spell(p, "14", month_add(k.m0, -6))
        amt = cents(130 + i)
        if i % 3 == 2:  # one-off failure, no reissue
            a = k.workday_on_or_after(k.month_day(k.mA, 5))
            first, _ = k.failed(
                p, "17", k.mA, cents(1500), days=k.clean_days("17", k.mA, approved=a)
            )
            amt = cents(1500)
        else:
            first, last = k.failed(p, "14", k.mA, amt)
            if i % 3 == 1:  # reissued, and the reissue failed too
                a = k.add(last, 2)
                k.failed(p, "14", k.mA, amt, days=(a, k.add(a, 1), None), reissue_of=first)
        k.finding("R06", "AT_BANK", None, first, p["id"], first, Decimal(amt) / 100)
        # RETURNED_UNPAID
        p = k.person(age=61 + i)
        k.spell(p, "14", month_add(k.m0, -6))
        amt = cents(120 + i)
        first, last = k.failed(p, "14", k.mA, amt, returned=True)
        if i % 2 == 1:
            a = k.add(last, 2)
            k.failed(
                p, "14", k.mA, amt, days=(a, k.add(a, 1), None), returned=True, reissue_of=first
            )
        k.finding("R06", "RETURNED_UNPAID", None, first, p["id"], first, Decimal(amt) / 100)
        # REISSUE_PENDING
        p = k.person(age=62 + i)
        k.spell(p, "14", month_add(k.m0, -6))
        amt = cents(110 + i)
        first, last = k.failed(p, "14", k.mA, amt, returned=i % 2 == 0)
        approved = k.add(last, 3) if i % 2 == 0 else k.pend_day
        k.pending(p, "14", k.mA, amt, approved=approved, reissue_of=first)
        k.finding("R06", "REISSUE_PENDING", None, first, p["id"], first, Decimal(amt) / 100)
    # quarterly chain: deadline the last day of the month after the failure's quarter
    q = quarter_of(k.m0)
    due = k.due("09", q, 0)
    days = (k.sub(due, 5), k.sub(due, 4), None)
    fail_day = k.add(days[1], 1)
    if fail_day >= k.day(k.c.first) and k.day(r06_deadline("09", k.cal.date(fail_day))) < k.e:
        p = k.person(age=63)
        first, _ = k.failed(p, "09", q, cents(2100), days=days)
        k.finding("R06", "AT_BANK", None, first, p["id"], first, Decimal(2100))
    # near misses: a chain settled by a cancelled reissue; a failure still within its deadline
    p = k.person(age=64)
    k.spell(p, "14", month_add(k.m0, -6))
    first, last = k.failed(p, "14", k.mA, cents(150))
    a = k.add(last, 2)
    k._pay(p, "14", k.mA, cents(150), a, [("CANCELLED", k.add(a, 1), -1, None)], reissue_of=first)
    k.near("chain_cancelled", "R06", first, "failed, reissued, reissue cancelled: settled")
    p = k.person(age=65)
    a = k.sub(k.pend_day, 3)
    first, _ = k.failed(
        p, "17", k.cal.date(a).strftime("%Y%m"), cents(600), days=(a, k.add(a, 1), None)
    )
    k.near("failure_within_deadline", "R06", first, "failed recently: the deadline is not past")


def r07(k: Kit, n: int) -> None:
    for i in range(n + 1):
        head, spouse = k.household((56 + i, 52))
        k.spell(head, "10", month_add(k.m0, -12))
        owner = spouse if i % 2 == 0 else head
        k.vehicle(owner, plate_class="02" if i % 3 else "01", use="A" if i % 3 else "B")
        amt = cents(500 + 10 * i)
        if i < n:
            key = k.paid(head, "10", k.mB, amt)
            k.pay_finding("R07", None, "paid", key, head, amt)
        else:
            key = k.pending(head, "10", k.pend_month, amt)
            k.pay_finding("R07", None, "pending", key, head, amt)
    # near misses in 低保 households
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("motorcycle_in_dibao_household", dict(plate_class="07"), "plate class 07 is not a car"),
        (
            "light_motorcycle_in_dibao_household",
            dict(plate_class="08"),
            "plate class 08 is not a car",
        ),
        ("car_for_disabled_driver", dict(plate_class="02", use="Z"), "use Z: special-purpose"),
        (
            "car_transferred_before_period",
            dict(plate_class="02", status="B", status_day=k.month_day(k.m0, 5)),
            "transferred out before the period start",
        ),
        (
            "car_registered_after_period",
            dict(plate_class="02", first_reg=k.month_day(month_add(k.mB, 1), 15)),
            "registered after the period end",
        ),
    ]
    for kind, kw, note in cases:
        head, spouse = k.household((50, 48))
        k.spell(head, "10", month_add(k.m0, -12))
        k.vehicle(spouse, **kw)
        key = k.paid(head, "10", k.mB, cents(450))
        k.near(kind, "R07", key, note)


def r08(k: Kit, n: int) -> None:
    payroll_days = delivery_days(load_sources()["payroll"], k.start, k.end)
    snap_month = int(payroll_days[-1].strftime("%Y%m"))
    # The payroll snapshot holds its last 24 pay months (docs/DELIVERY_FORMATS.md): on a long
    # history the paid month must lie inside the snapshot the rule reads.
    month = max(k.mB, month_add(snap_month, -21))
    for i in range(n + 1):
        head, spouse = k.household((45 + i, 42))
        k.spell(head, "10", month_add(k.m0, -12))
        etype, employer = ("事业单位", "县第一中学") if i % 2 == 0 else ("机关", "镇人民政府")
        k.employ(spouse if i % 3 else head, employer, etype, month_add(k.m0, -10))
        amt = cents(400 + 10 * i)
        if i < n:
            key = k.paid(head, "10", month, amt)
            k.pay_finding("R08", None, "paid", key, head, amt)
        else:
            key = k.pending(head, "10", snap_month, amt)
            k.pay_finding("R08", None, "pending", key, head, amt)
    head, spouse = k.household((47, 44))
    k.spell(head, "10", month_add(k.m0, -12))
    k.employ(spouse, "县自来水有限公司", "国有企业", month_add(k.m0, -10))
    key = k.paid(head, "10", month, cents(420))
    k.near("soe_payroll_in_means_tested_household", "R08", key, "国有企业 is not 机关/事业单位")


def r09(k: Kit, n: int) -> None:
    def grant(p, status, rid=None, rname=None, account=None):
        amt = cents(1000)
        if status == "paid":
            a = k.workday_on_or_after(k.month_day(k.mB, 6))
            key = k.paid(
                p,
                "17",
                k.mB,
                amt,
                days=k.clean_days("17", k.mB, approved=a),
                rid=rid,
                rname=rname,
                account=account,
            )
        else:
            month = k.cal.date(k.pend_day).strftime("%Y%m")  # held in the last days' deliveries
            key = k.pending(p, "17", month, amt, rid=rid, rname=rname, account=account)
        return key, amt

    for i in range(n + 1):
        status = "paid" if i < n else "pending"
        # INVALID_ID: wrong check digit, impossible date, wrong length
        p = k.person(age=40 + i, card=False)
        good = p["id"]
        bad = [
            good[:17] + ("0" if good[17] != "0" else "1"),
            good[:10] + "0230" + good[14:17] + "5",
            good[:17],
        ][i % 3]
        acct, _ = k.c.acc.one(1)
        key, amt = grant(p, status, rid=bad, account=acct)
        k.pay_finding("R09", "INVALID_ID", status, key, bad, amt)
        p["in_hukou"] = False  # the typed number is the only trace of this person
        # UNKNOWN_PERSON: valid, but not in hukou
        p = k.person(age=35 + i, card=False)
        p["in_hukou"] = False
        other = k.outsider_id(35 + i)
        acct, _ = k.c.acc.one(2)
        key, amt = grant(p, status, rid=other, account=acct)
        k.pay_finding("R09", "UNKNOWN_PERSON", status, key, other, amt)
        # NAME_MISMATCH
        p = k.person(age=30 + i)
        wrong = p["name"][:-1] + ("玮" if p["name"][-1] != "玮" else "伟")
        key, amt = grant(p, status, rname=wrong)
        k.pay_finding("R09", "NAME_MISMATCH", status, key, p, amt)
    p = k.person(age=33)
    spaced = p["name"][0] + "\u3000" + p["name"][1:] + " "
    key, _ = grant(p, "paid", rname=spaced)
    k.near(
        "name_with_spaces", "R09", key, "name typed with U+3000 inside: equal after removing spaces"
    )


def r10(k: Kit, n: int) -> None:
    sscards_days = delivery_days(load_sources()["sscards"], k.start, k.end)
    second = k.day(sscards_days[1]) if len(sscards_days) > 1 else None

    def grant(p, status, account, month=None, approved=None):
        amt = cents(700)
        if status == "paid":
            m = month or k.mB
            a = approved or k.workday_on_or_after(k.month_day(m, 5))
            key = k.paid(p, "17", m, amt, days=k.clean_days("17", m, approved=a), account=account)
        else:
            key = k.pending(p, "17", k.cal.date(k.pend_day).strftime("%Y%m"), amt, account=account)
        return key, amt

    for i in range(n + 1):
        status = "paid" if i < n else "pending"
        # CARD_NOT_USABLE: own card, lost or not activated
        p = k.person(age=44 + i, card=False)
        acct, _ = k.card(p, status="挂失") if i % 2 == 0 else k.card(p, fin="未激活")
        key, amt = grant(p, status, acct)
        k.pay_finding("R10", "CARD_NOT_USABLE", status, key, p, amt)
        # OTHER_PERSONS_CARD
        p = k.person(age=46 + i)
        other = k.person(age=30 + i)
        key, amt = grant(p, status, other["account"])
        k.pay_finding("R10", "OTHER_PERSONS_CARD", status, key, p, amt)
        # NOT_A_CARD
        p = k.person(age=48 + i)
        acct, _ = k.c.acc.one(0)
        key, amt = grant(p, status, acct)
        k.pay_finding("R10", "NOT_A_CARD", status, key, p, amt)
    if second is not None:
        # the card was lost when paid, normal again in the latest snapshot: still flagged
        pay_day = k.sub(second, 1)
        if pay_day > k.s:
            p = k.person(age=52, card=False)
            acct, _ = k.card(p, status="挂失", change_day=second, status_after="正常")
            m = int(k.cal.date(pay_day).strftime("%Y%m"))
            a = k.sub(pay_day, 2)
            key = k.paid(p, "17", m, cents(700), days=(a, k.add(a, 1), pay_day), account=acct)
            k.pay_finding("R10", "CARD_NOT_USABLE", "paid", key, p, cents(700))
        # the card was normal when paid and lost later: not flagged
        p = k.person(age=53, card=False)
        acct, _ = k.card(p, change_day=second, status_after="挂失")
        key, _ = grant(p, "paid", acct)
        k.near("card_lost_after_payment", "R10", key, "card normal in the snapshot at payment time")


def r11(k: Kit, n: int) -> None:
    for i in range(n):
        a = k.workday_on_or_after(k.month_day(k.mB, 2))
        if i % 2 == 0:
            head, spouse = k.household((50 + i, 49))
            third = k.person(age=60 + i)
            account = head["account"]
            recipients = [
                (head, None),
                (spouse, "OTHER_PERSONS_CARD"),
                (third, "OTHER_PERSONS_CARD"),
            ]
        else:
            account, _ = k.c.acc.one(3)
            recipients = [(k.person(age=40 + j + i), "NOT_A_CARD") for j in range(3)]
        total = Decimal(0)
        for j, (p, r10) in enumerate(recipients):
            amt = cents(500 + 100 * j)
            aj = k.add(a, j)
            key = k.paid(
                p, "17", k.mB, amt, days=k.clean_days("17", k.mB, approved=aj), account=account
            )
            total += Decimal(amt) / 100
            if r10:
                k.pay_finding("R10", r10, "paid", key, p, amt)
        k.finding("R11", None, None, f"{account}|{k.mB}", None, None, total)
    # near miss: three persons of ONE household paid into the head's account
    head, spouse, child = k.household((48, 46, 20))
    a = k.workday_on_or_after(k.month_day(k.mB, 2))
    first = None
    for j, p in enumerate((head, spouse, child)):
        amt = cents(300)
        key = k.paid(
            p,
            "17",
            k.mB,
            amt,
            days=k.clean_days("17", k.mB, approved=k.add(a, j)),
            account=head["account"],
        )
        first = first or key
        if p is not head:
            k.pay_finding("R10", "OTHER_PERSONS_CARD", "paid", key, p, amt)
    k.near(
        "shared_account_in_household",
        "R11",
        f"{head['account']}|{k.mB}",
        "three persons of one household: not 2 or more households",
    )


def r12(k: Kit, n: int) -> None:
    cases = [("10", 950, 900), ("17", 3500, 3000), ("09", 3300, 3000), ("14", 180, 150)]
    for i in range(n + 1):
        program, amount, ceiling = cases[i % len(cases)] if i < n else ("14", 200, 150)
        p = k.person(age=50 + i)
        if program in ("10", "14"):
            k.spell(p, program, month_add(k.m0, -6))
        amt = cents(amount)
        if i == n:
            key = k.pending(p, program, k.pend_month, amt, over_ceiling=True)
            k.pay_finding("R12", None, "pending", key, p, amt, amount=Decimal(amount - ceiling))
            continue
        if program == "17":
            a = k.workday_on_or_after(k.month_day(k.mB, 8))
            key = k.paid(
                p, program, k.mB, amt, days=k.clean_days("17", k.mB, approved=a), over_ceiling=True
            )
        elif program == "09":
            q = quarter_of(k.m0)
            due = k.due("09", q, 0)
            if k.sub(due, 4) < k.day(k.c.first):
                q = quarter_of(k.mB)
                due = k.due("09", q, 0)
            if due > k.e:
                program, amount, ceiling = "10", 950, 900
                k.spell(p, "10", month_add(k.m0, -6))
                amt = cents(amount)
                key = k.paid(p, program, k.mB, amt, over_ceiling=True)
            else:
                days = (k.sub(due, 4), k.sub(due, 3), k.sub(due, 2))
                key = k.paid(p, "09", q, amt, days=days, over_ceiling=True)
        else:
            key = k.paid(p, program, k.mB, amt, over_ceiling=True)
        k.pay_finding("R12", None, "paid", key, p, amt, amount=Decimal(amount - ceiling))
    p = k.person(age=60)
    k.spell(p, "10", month_add(k.m0, -6))
    key = k.paid(p, "10", k.mB, cents(900))
    k.near("amount_at_ceiling", "R12", key, "900.00 equals the ceiling: not above it")


def r13(k: Kit, n: int) -> None:
    for i in range(n):
        p = k.person(age=85 + i)
        death = k.e - 31 - 9 * i
        k.die(p, death, cert=i % 2 == 0, crem=i % 2 == 1, dereg=False)
        k.finding("R13", None, None, p["id"], p["id"], None, Decimal(0))
    p = k.person(age=88)
    k.die(p, k.e - 30, cert=True, dereg=False)
    k.near("death_30_days_before_asof", "R13", p["id"], "exactly 30 days: not more than 30")
    p = k.person(age=77, card=False)
    p["in_hukou"] = False
    other = k.outsider_id(77)
    k.die(p, k.e - 60, cert=True, crem=True, dereg=False, id_number=other)
    k.near("death_of_person_not_in_hukou", "R13", other, "absent from hukou: not flagged")


def r14(k: Kit, n: int) -> None:
    for i in range(n + 1):
        status = "paid" if i < n else "pending"
        month = k.mB if status == "paid" else k.pend_month
        amt = cents(140)
        # NO_SPELL
        p = k.person(age=40 + i)
        if i % 2 == 1:
            k.spell(p, "16", month_add(k.m0, -6))  # a spell of another program only
        key = k.paid(p, "14", month, amt) if status == "paid" else k.pending(p, "14", month, amt)
        k.pay_finding("R14", "NO_SPELL", status, key, p, amt)
        # OUTSIDE_SPELL
        p = k.person(age=42 + i)
        if i % 2 == 0 or status == "pending":  # the spell ended before the paid month
            k.spell(p, "14", month_add(k.m0, -12), end=k.m0)
        else:  # the spell starts after the paid month
            k.spell(p, "14", month_add(k.mB, 1))
        key = k.paid(p, "14", month, amt) if status == "paid" else k.pending(p, "14", month, amt)
        k.pay_finding("R14", "OUTSIDE_SPELL", status, key, p, amt)
    p = k.person(age=45)
    k.spell(p, "14", month_add(k.m0, -12), status="停保")
    key = k.paid(p, "14", k.mB, cents(150))
    k.near("spell_suspended_covers_month", "R14", key, "status 停保 is informational: months count")
    p = k.person(age=46)
    k.spell(p, "14", month_add(k.m0, -12), id_typed="\u3000" + p["id"] + " ")
    key = k.paid(p, "14", k.mB, cents(150))
    k.near("roster_id_typed_with_spaces", "R14", key, "roster ID normalizes to the recipient")


FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def id_typing(k: Kit, n: int) -> None:
    from crosscheck.generator.ids import legacy_15

    variants = [
        ("id_lowercase_x", lambda v: v[:17] + "x", True, "lowercase x check character"),
        ("id_with_spaces", lambda v: "\u3000" + v + "  ", None, "U+3000 and ASCII spaces around"),
        ("id_with_nbsp", lambda v: "\u00a0" + v, None, "U+00A0 before the number"),
        ("id_fullwidth_digits", lambda v: v.translate(FULLWIDTH), None, "full-width digits"),
        ("legacy_15_digit_id", legacy_15, False, "15-digit number upgrades to the hukou one"),
    ]
    for kind, typed, want_x, note in variants:
        p = k.household((58,), want_x=want_x if want_x is not None else None)[0]
        k.spell(p, "14", month_add(k.m0, -6))
        key = k.paid(p, "14", k.mB, cents(150), rid=typed(p["id"]))
        k.near(kind, "R09", key, note)


def holiday_delay(k: Kit, n: int) -> None:
    """Sent before a public holiday, paid 2 statutory working days later (> 2 Mon–Fri)."""
    cal = k.cal
    lo = k.add(k.day(k.c.first), 3)
    best = None
    for x in cal.work_idx[(cal.work_idx >= lo) & (cal.work_idx <= k.e)]:
        y = k.add(int(x), 2)
        weekdays = sum(1 for d in range(int(x) + 1, y + 1) if cal.date(d).weekday() < 5)
        if y <= k.e and weekdays > 2:
            best = (int(x), y)
    if best is None:
        return
    x, y = best
    p = k.person(age=39)
    a = k.sub(x, 1)
    key = k.paid(p, "17", cal.date(a).strftime("%Y%m"), cents(1200), days=(a, x, y))
    k.near(
        "holiday_bank_delay",
        "R04",
        key,
        f"sent {cal.date(x)}, paid {cal.date(y)}: 2 statutory working days, more Mon–Fri",
    )


def corrected_certificate(k: Kit, n: int) -> None:
    """A certificate corrected after delivery: the corrected death date decides."""
    if k.e <= k.s:
        return
    p = k.person(age=79)
    k.spell(p, "14", month_add(k.m0, -12))
    k.paid(p, "14", k.mA, cents(150))
    key = k.paid(p, "14", k.mB, cents(150))
    first_death = k.month_day(k.mA, 15)
    true_death = k.month_day(k.mB, 20)
    cert = "SW900001"
    k.deaths.append(
        {
            "cert_no": cert,
            "id_number": p["id"],
            "name": p["name"],
            "death": first_death,
            "issued": first_death + 1,
            "deliver": first_death + 1,
        }
    )
    k.deaths.append(
        {
            "cert_no": cert,
            "id_number": p["id"],
            "name": p["name"],
            "death": true_death,
            "issued": k.s + 1,
            "deliver": k.s + 1,
        }
    )
    p["status"], p["dereg_day"] = "1", true_death + 10
    k.near(
        "corrected_death_certificate",
        "R01",
        key,
        "first version dated the death before the period; the correction moves it into it",
    )


def quarter_before_death(k: Kit, n: int) -> None:
    """A quarterly payment approved after a death inside that quarter."""
    q = quarter_of(k.mB)
    death = k.month_day(k.mB, 5)
    due = k.due("09", q, 0)
    a = k.add(death, 2)
    if k.add(a, 2) > min(due, k.e):
        return
    p = k.person(age=70)
    k.die(p, death, cert=True)
    key = k.paid(p, "09", q, cents(2400), days=(a, k.add(a, 1), k.add(a, 2)))
    k.near("quarter_began_before_death", "R01", key, "the quarter started before the death month")


def reissues(k: Kit, n: int) -> None:
    """A failed payment reissued and paid after the due date: not R02, not R05."""
    p = k.person(age=57)
    k.spell(p, "14", month_add(k.m0, -6))
    first, last = k.failed(p, "14", k.mA, cents(150), returned=True)
    a = k.add(last, 2)
    re = k.paid(p, "14", k.mA, cents(150), days=(a, k.add(a, 1), k.add(a, 2)), reissue_of=first)
    k.near("legitimate_reissue", "R02", re, "reissue_of the failed payment, same period")
    k.near("late_reissue", "R05", re, "a reissue is exempt from the cycle's due date")
    k.near("reissue_settles_chain", "R06", first, "the chain's reissue is paid")


def small_deliveries(k: Kit, n: int) -> None:
    """Invalid IDs in small daily ledger deliveries, beside other payments' status changes.

    A quality gate that judged rows would quarantine such a delivery whole (issue 9):
    R09 would miss the invalid ID, and the other rows' changes would be lost with it (a
    reissue paid that day stays pending: an R06 false positive; a duplicate cancelled
    that day stays pending: an R02 false positive). Planted on the quietest working days.
    """
    days = k.quiet_days(1)
    if not days:  # no working day after go-live: no daily delivery to plant in
        return
    busy = days[0]
    amt = cents(1000)
    # a few rows: a grant paid to an invalid ID number (wrong check character) ...
    p = k.person(age=46, card=False)
    p["in_hukou"] = False
    bad = p["id"][:17] + ("0" if p["id"][17] != "0" else "1")
    acct, _ = k.c.acc.one(1)
    a = k.sub(busy, 2)
    month = k.cal.date(a).strftime("%Y%m")
    key = k.paid(p, "17", month, amt, days=(a, k.sub(busy, 1), busy), rid=bad, account=acct)
    k.pay_finding("R09", "INVALID_ID", "paid", key, bad, amt)
    # ... a failed payment's reissue paid the same day: the chain is settled ...
    p = k.person(age=58)
    k.spell(p, "14", month_add(k.m0, -6))
    first, last = k.failed(p, "14", k.mA, cents(140))
    a = k.sub(busy, 2)
    k.paid(p, "14", k.mA, cents(140), days=(a, k.sub(busy, 1), busy), reissue_of=first)
    k.near(
        "reissue_paid_in_small_delivery",
        "R06",
        first,
        "the reissue is paid in a small delivery that also holds an invalid ID",
    )
    # ... and a duplicate cancelled the same day: nothing left to flag
    p = k.person(age=59)
    k.spell(p, "14", month_add(k.m0, -6))
    k.paid(p, "14", k.mB, cents(120))
    dup = k._pay(p, "14", k.mB, cents(120), k.sub(busy, 3), [("CANCELLED", busy, -1, None)])
    k.near(
        "duplicate_cancelled_in_small_delivery",
        "R02",
        dup,
        "the duplicate is cancelled in a small delivery that also holds an invalid ID",
    )
    # a delivery of one row (where the county's days are quiet): a grant held pending,
    # its ID number one character short; planted last, on the quietest day left
    lone = k.quiet_days(1)[0]
    p = k.person(age=44, card=False)
    p["in_hukou"] = False  # the typed number is the only trace of this person
    bad = p["id"][:17]
    acct, _ = k.c.acc.one(1)
    month = k.cal.date(lone).strftime("%Y%m")
    key = k.pending(p, "17", month, amt, approved=lone, rid=bad, account=acct)
    k.pay_finding("R09", "INVALID_ID", "pending", key, bad, amt)
