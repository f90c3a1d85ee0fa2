"""Mistyped ID numbers with their true identity, for the identity linking (issue 15).

A township clerk types a resident's number with one or two wrong digits, two
digits swapped, a wrong check character, or a relative's number. Each planted
payment carries the resident's true name, so the exact rules see only an R09
finding (INVALID_ID / UNKNOWN_PERSON / NAME_MISMATCH, listed in the truth's
`findings` as before), while the resident behind it is dead (R01), has a car
(R07) or a payroll salary (R08) in the household: the findings the linking
step must recover (truth `linked_findings`). Death certificates typed with a
wrong but valid number hide a death that hukou never deregistered (R13).
Homonyms of one township paid under their own number are the near misses: no
link, no linked finding. Every planted record and its true person id is in
the truth's `identity_typos`.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from crosscheck.generator import ids
from crosscheck.generator.deliveries import delivery_days
from crosscheck.generator.plant_kit import Kit
from crosscheck.generator.workdays import month_add
from crosscheck.ingest.sources import load_sources

LINKED = "LINKED"
KINDS = ("one_digit", "two_digits", "transposition", "check_char", "relative_id")
TARGETS = ("R01", "R07", "R08", None)  # None: a typo behind which no rule applies


def typo_count(persons: int) -> int:
    """Mistyped payments: one per 1,000 persons, at least 12 (every kind meets every target)."""
    return max(12, persons // 1000)


def homonym_count(persons: int) -> int:
    return max(2, persons // 10000)


def plant(k: Kit, n: int) -> None:
    c = k.c
    known = set(c.persons["id"]) | {p["id"] for p in k.persons}
    persons = c.opts.persons
    for i in range(typo_count(persons)):
        _payment_case(k, known, KINDS[i % len(KINDS)], TARGETS[i % len(TARGETS)], i)
    for i in range(max(2, n)):
        _death_record_case(k, known, i)
    for i in range(homonym_count(persons)):
        _homonym_case(k, known, i)


# ---- mistyped numbers ------------------------------------------------------------------
def mistype(k: Kit, good: str, kind: str, known: set[str], valid: bool | None = None) -> str:
    """A mistyped `good` of the given kind, in no register (valid=True: check char recomputed)."""
    rng = k.rng
    for _ in range(200):
        d = list(good)
        if kind == "check_char":
            d[17] = str(rng.choice([x for x in ids.CHECK_CHARS if x != good[17]]))
        elif kind == "transposition":
            i = int(rng.integers(6, 16))
            if d[i] == d[i + 1]:
                continue
            d[i], d[i + 1] = d[i + 1], d[i]
        else:
            for i in rng.choice(np.arange(6, 17), 1 if kind == "one_digit" else 2, replace=False):
                d[int(i)] = str(rng.choice([x for x in "0123456789" if x != good[int(i)]]))
        typed = "".join(d)
        if valid:
            typed = ids.make_id(typed[:17])
        if typed == good or typed in known or (valid is not None and ids.is_valid(typed) != valid):
            continue
        known.add(typed)
        k.seq_used.add(typed)  # no later planted person gets this number
        return typed
    raise RuntimeError(f"could not mistype {good} ({kind})")


def r09_subtype(typed: str, registered: bool) -> str:
    """What R09 sees of a typed number: invalid, a registered person's (another name), or
    a valid number of no one here."""
    if not ids.is_valid(typed):
        return "INVALID_ID"
    return "NAME_MISMATCH" if registered else "UNKNOWN_PERSON"


def _typo(k, kind, rule, key, record, typed, true_id) -> None:
    k.c.identity_typos.append(
        {
            "kind": kind,
            "record": record,
            "target_rule": rule,
            "finding_key": ("pkey", key) if record == "ledger" else key,
            "typed_id": typed,
            "true_person_id": true_id,
        }
    )


def _linked(k: Kit, rule, status, key, true_id, cents_) -> None:
    k.c.linked_findings.append(
        {
            "rule_code": rule,
            "subtype": LINKED,
            "status": status,
            "finding_key": ("pkey", key) if status else key,
            "person_id": true_id,
            "payment_id": ("pkey", key) if status else None,
            "amount_at_risk": f"{Decimal(cents_) / 100:.2f}",
        }
    )


def _payroll_month(k: Kit) -> int:
    payroll_days = delivery_days(load_sources()["payroll"], k.start, k.end)
    snap_month = int(payroll_days[-1].strftime("%Y%m"))
    return max(k.mB, month_add(snap_month, -21))


def _payment_case(k: Kit, known: set[str], kind: str, rule: str | None, i: int) -> None:
    # the resident X (head) and a spouse: the relative whose number may be typed instead
    head, spouse = k.household((58 + i % 20, 55 + i % 20))
    known.update((head["id"], spouse["id"]))
    month = k.mB
    if rule == "R01":
        k.die(head, k.month_day(k.mA, 5 + i % 10), cert=True, crem=i % 2 == 0)
    elif rule == "R07":
        k.vehicle(spouse if i % 2 else head, plate_class="02")
    elif rule == "R08":
        month = _payroll_month(k)
        k.employ(spouse if i % 2 else head, "县人民医院", "事业单位", month_add(k.m0, -10))
    if kind == "relative_id":
        if spouse["name"] == head["name"]:
            spouse["name"] += "华"
        typed, account, bank = spouse["id"], spouse["account"], spouse["bank"]
    else:
        typed = mistype(k, head["id"], kind, known)
        account, bank = k.c.acc.one(int(k.rng.integers(0, 5)))
    program = "17" if rule in ("R01", None) else "12"
    amt = 30000 + 1000 * (i % 20)  # 300–490 yuan: under both ceilings
    approved = k.workday_on_or_after(k.month_day(month, 6))
    key = k.paid(
        head,
        program,
        month,
        amt,
        days=k.clean_days(program, month, approved=approved),
        rid=typed,
        account=account,
        bank=bank,
    )
    # a relative's number is registered (under the relative's name); a mistyped one never
    # is (`mistype` adds it to `known` only to keep it out of every register)
    k.pay_finding("R09", r09_subtype(typed, kind == "relative_id"), "paid", key, typed, amt)
    _typo(k, kind, rule, key, "ledger", typed, head["id"])
    if kind == "relative_id" and rule in ("R07", "R08"):
        # the relative shares the household: the exact rule already flags the payment,
        # and a linked finding is never raised beside an exact one
        k.pay_finding(rule, None, "paid", key, typed, amt)
    elif rule:
        _linked(k, rule, "paid", key, head["id"], amt)


def _death_record_case(k: Kit, known: set[str], i: int) -> None:
    """A death certificate typed with a wrong valid number: hukou still lists X as active."""
    x = k.person(age=83 + i % 10, card=False)
    known.add(x["id"])
    typed = mistype(k, x["id"], ("one_digit", "two_digits", "transposition")[i % 3], known, True)
    k.die(x, k.e - 40 - 7 * (i % 5), cert=True, dereg=False, id_number=typed)
    _typo(k, "death_certificate", "R13", typed, "deaths", typed, x["id"])
    _linked(k, "R13", None, x["id"], x["id"], 0)


def _homonym_case(k: Kit, known: set[str], i: int) -> None:
    """Two residents of one township share a name with a payee who is neither of them."""
    a = k.person(age=70 + i % 15, card=False)
    k.die(a, k.month_day(k.mA, 8), cert=True)  # a wrong link would raise R01
    b = k.person(age=45 + i % 15, card=False)
    y = k.person(age=30 + i % 25, card=False)
    for p in (b, y):
        p["name"], p["division"] = a["name"], a["division"]
    y["in_hukou"] = False  # registered elsewhere: his number is in no register here
    # a number of his own: the planted persons' sequence numbers all start at 901,
    # which would make any two of them look like a typo of each other
    while True:
        seq = 2 * int(k.rng.integers(0, 450)) + 1
        own = ids.make_id(y["id"][:14] + f"{seq:03d}")
        if own not in known and own not in k.seq_used:
            break
    k.seq_used.add(own)
    y["id"] = own
    typed = y["id"] if i % 2 == 0 else y["id"][:17] + ("1" if y["id"][17] != "1" else "2")
    account, bank = k.c.acc.one(int(k.rng.integers(0, 5)))
    approved = k.workday_on_or_after(k.month_day(k.mB, 7))
    key = k.paid(
        y, "17", k.mB, 40000, days=k.clean_days("17", k.mB, approved=approved),
        rid=typed, account=account, bank=bank,
    )  # fmt: skip
    subtype = "UNKNOWN_PERSON" if i % 2 == 0 else "INVALID_ID"
    k.pay_finding("R09", subtype, "paid", key, typed, 40000)
    k.near("homonym_in_township", "R01", key, "same name and township, another person: no link")
    _typo(k, "homonym", None, key, "ledger", typed, None)
