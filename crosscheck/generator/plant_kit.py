"""The toolkit planted cases are written with: fresh persons, cards, payments, deaths.

Every planted case lives in its own fresh household with its own card
account, so it cannot meet the background (or another case) in any rule
except the ones it is written for.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd

from crosscheck.generator import ids
from crosscheck.generator.catalog import PROGRAMS, due_date, money
from crosscheck.generator.population import COUNTY, GIVEN, SURNAMES, TOWNSHIPS
from crosscheck.generator.workdays import month_add, month_of, month_start


class Kit:
    """Appends planted rows to a County and records truth entries."""

    def __init__(self, county) -> None:
        self.c = county
        self.cal = county.cal
        self.rng = np.random.default_rng(county.opts.seed + 7919)
        self.persons: list[dict] = []
        self.cards: list[dict] = []
        self.vehicles: list[dict] = []
        self.payroll: list[dict] = []
        self.roster: list[dict] = []
        self.deaths: list[dict] = []
        self.cremations: list[dict] = []
        self.payments: list[dict] = []
        self.versions: list[dict] = []
        self.next_pidx = len(county.persons)
        self.next_hh = int(county.persons["hh"].max()) + 1  # households continue the numbering
        self.seq_used: set[str] = set()
        self.plates = 0
        self.certs = 0
        opts = county.opts
        self.start, self.end = opts.start, opts.end
        self.s, self.e = self.cal.idx(opts.start), self.cal.idx(opts.end)
        self.m0 = month_of(county.first)
        self.mA = month_add(self.m0, 1)
        self.mB = month_add(self.m0, 2)
        # the last working day on or before the as-of date: pending payments are approved then
        self.pend_day = int(self.cal.sub(self.e + 1, 1))
        self.pend_month = month_add(month_of(self.cal.date(self.pend_day)), 1)
        # the last working day on or before --start: a payment held since go-live
        self.held_since_start = int(self.cal.sub(self.s + 1, 1))

    # ---- days -------------------------------------------------------------------------
    def day(self, d: dt.date) -> int:
        return self.cal.idx(d)

    def add(self, i: int, n: int) -> int:
        return int(self.cal.add(i, n))

    def sub(self, i: int, n: int) -> int:
        return int(self.cal.sub(i, n))

    def workday_on_or_after(self, i: int) -> int:
        return int(self.cal.on_or_after(i))

    def due(self, program: str, period: str, approved: int) -> int:
        return self.day(due_date(self.cal, program, period, self.cal.date(approved)))

    def month_day(self, yyyymm: int, dom: int) -> int:
        return self.day(month_start(yyyymm).replace(day=dom))

    def quiet_days(self, count: int) -> list[int]:
        """The `count` working days after go-live whose ledger deliveries are smallest so far.

        Planted there, a case lands in a daily delivery of one or a few rows (at county
        scale; a province's every day is busy, and the case is then in a larger one).
        """
        frames = [f[["upd_day"]] for f in self.c.lb.versions]
        if self.versions:
            frames.append(pd.DataFrame(self.versions)[["upd_day"]])
        sizes = pd.concat(frames)["upd_day"].value_counts()
        days = [d for d in range(self.s + 1, self.e + 1) if self.cal.is_work[d]]
        return sorted(days, key=lambda d: (int(sizes.get(d, 0)), d))[:count]

    # ---- persons ----------------------------------------------------------------------
    def _id(
        self, birth: dt.date, male: bool, area: str = COUNTY, want_x: bool | None = False
    ) -> str:
        b = birth.strftime("%Y%m%d")
        for seq in range(901 if male else 902, 1000, 2):
            body = f"{area}{b}{seq:03d}"
            value = ids.make_id(body)
            if value in self.seq_used:
                continue
            if want_x is not None and (value[-1] == "X") != want_x:
                continue
            self.seq_used.add(value)
            return value
        return self._id(birth + dt.timedelta(1), male, area, want_x)

    def name(self) -> str:
        r = self.rng
        return SURNAMES[r.integers(len(SURNAMES))] + "".join(
            GIVEN[r.integers(len(GIVEN))] for _ in range(1 + int(r.random() < 0.7))
        )

    def birth(self, age: int) -> dt.date:
        return self.start - dt.timedelta(days=int(age * 365 + self.rng.integers(0, 300)))

    def household(self, ages=(50,), card=True, want_x=False) -> list[dict]:
        """A fresh household: head, spouse, children by age order."""
        self.next_hh += 1
        township = TOWNSHIPS[self.next_hh % len(TOWNSHIPS)]
        hh_no = f"{township}{self.next_hh + 1:06d}"
        members = []
        for k, age in enumerate(ages):
            male = k == 0 or (k >= 2 and self.rng.random() < 0.5)
            rel = "02" if k == 0 else "10" if k == 1 else ("20" if male else "30")
            b = self.birth(age)
            p = {
                "pidx": self.next_pidx,
                "pos": k,
                "id": self._id(b, male, want_x=want_x if k == 0 else False),
                "name": self.name(),
                "sex": "1" if male else "2",
                "birth": b.strftime("%Y%m%d"),
                "household_no": hh_no,
                "relation": rel,
                "division": COUNTY + township,
                "status": "0",
                "dereg_day": -(10**6),
                "in_hukou": True,
            }
            self.next_pidx += 1
            self.persons.append(p)
            if card:
                p["account"], p["bank"] = self.card(p)
            members.append(p)
        return members

    def person(self, age=50, **kw) -> dict:
        return self.household((age,), **kw)[0]

    def outsider_id(self, age=40) -> str:
        """A valid ID of another county, present in no register."""
        return self._id(self.birth(age), True, area="500101", want_x=None)

    # ---- registers --------------------------------------------------------------------
    def card(
        self,
        p: dict,
        status="正常",
        fin="已激活",
        change_day=10**7,
        status_after=None,
        fin_after=None,
    ) -> tuple[str, str]:
        bank = int(self.rng.integers(0, 5))
        account, bank_name = self.c.acc.one(bank)
        self.cards.append(
            {
                "person": p["pidx"],
                "card_no": self.c.acc.cards(1)[0],
                "account_no": account,
                "bank_name": bank_name,
                "fin": fin,
                "status": status,
                "issued": self.day(self.c.first) - int(self.rng.integers(100, 2000)),
                "id_typed": p["id"],
                "name": p["name"],
                "change_day": change_day,
                "fin_after": fin_after or fin,
                "status_after": status_after or status,
            }
        )
        return account, bank_name

    def spell(
        self,
        p: dict,
        program: str,
        start: int,
        end: int | None = None,
        status=None,
        id_typed: str | None = None,
    ) -> None:
        self.roster.append(
            {
                "id_number": id_typed or p["id"],
                "name": p["name"],
                "program": program,
                "household_no": p["household_no"],
                "division": p["division"],
                "start_month": str(start),
                "end_month": str(end) if end else None,
                "status": status or ("退出" if end else "在保"),
            }
        )

    def vehicle(
        self, p: dict, plate_class="02", use="A", first_reg=None, status="A", status_day=None
    ) -> str:
        self.plates += 1
        plate = f"渝M{self.plates:05d}"
        fr = first_reg if first_reg is not None else self.day(self.c.first) - 1500
        self.vehicles.append(
            {
                "person": p["pidx"],
                "plate_class": plate_class,
                "owner_id": p["id"],
                "owner_name": p["name"],
                "use_code": use,
                "first_reg": fr,
                "vstatus": status,
                "status_day": status_day if status_day is not None else fr,
                "plate_no": plate,
            }
        )
        return plate

    def employ(self, p: dict, employer: str, employer_type: str, from_month: int) -> None:
        self.payroll.append(
            {
                "person": p["pidx"],
                "employer": employer,
                "employer_type": employer_type,
                "cents": int(self.rng.integers(50, 120)) * 10000,
                "from_month": from_month,
                "to_month": 999999,
            }
        )

    def die(
        self, p: dict, death: int, cert=True, crem=False, dereg=True, cert_no=None, id_number=None
    ) -> None:
        """Death evidence; hukou deregisters 10 days later unless dereg is False."""
        pid = id_number or p["id"]
        if cert:
            self.deaths.append(
                {
                    "cert_no": cert_no,
                    "id_number": pid,
                    "name": p["name"],
                    "death": death,
                    "issued": death + 1,
                    "deliver": death + 1,
                }
            )
        if crem:
            self.cremations.append(
                {
                    "id_number": pid,
                    "name": p["name"],
                    "death": death,
                    "cremation": death + 2,
                    "home": "县殡仪馆",
                    "deliver": death + 2,
                }
            )
        if dereg:
            p["status"] = "1"
            p["dereg_day"] = death + 10

    # ---- payments ---------------------------------------------------------------------
    def _pay(
        self,
        p: dict | None,
        program: str,
        period,
        cents: int,
        approved: int,
        events,
        account=None,
        bank=None,
        rid=None,
        rname=None,
        reissue_of=-1,
        over_ceiling=False,
    ) -> int:
        ceiling = PROGRAMS[program].ceiling
        if not over_ceiling and ceiling is not None and cents > ceiling * 100:
            # would be an R12 finding the truth file does not list
            raise ValueError(f"planted {program} payment of {cents / 100} above its ceiling")
        key = self.c.lb._keys(1)[0]
        person = p or {}  # no person: the recipient's fields are all given
        self.payments.append(
            {
                "pkey": key,
                "person": -1,
                "program": program,
                "cents": cents,
                "period": str(period),
                "approved": approved,
                "reissue_of": reissue_of,
                "recipient_id": rid if rid is not None else person["id"],
                "recipient_name": rname if rname is not None else person["name"],
                "account_no": account or person["account"],
                "bank_name": bank or (person.get("bank") if account is None else "中国农业银行"),
                "division": p["division"] if p else COUNTY + TOWNSHIPS[0],
            }
        )
        versions = [("PENDING", approved, -1, None)] + list(events)
        for status, sday, sent, reason in versions:
            if sday > self.e:
                continue
            self.versions.append(
                {
                    "pkey": key,
                    "status": status,
                    "status_day": sday,
                    "sent_day": sent,
                    "fail_reason": reason,
                    "upd_day": sday,
                    "upd_sec": int(self.rng.integers(9 * 3600, 17 * 3600)),
                }
            )
        return key

    def clean_days(self, program: str, period, approved: int | None = None):
        """(approved, sent, paid) on time: paid 2 working days before the due date."""
        if approved is None:
            due = self.due(program, str(period), 0)
            paid = self.sub(due, 2)
            sent = self.sub(paid, 1)
            return self.sub(sent, 2), sent, paid
        sent = self.add(approved, 1)
        return approved, sent, self.add(sent, 1)

    def paid(self, p, program, period, cents, days=None, **kw) -> int:
        a, s, d = days or self.clean_days(program, period)
        if d > self.e:
            raise ValueError("planted payment paid after the as-of date")
        return self._pay(p, program, period, cents, a, [("PAID", d, s, None)], **kw)

    def pending(self, p, program, period, cents, approved=None, **kw) -> int:
        return self._pay(p, program, period, cents, approved or self.pend_day, [], **kw)

    def failed(self, p, program, period, cents, days=None, returned=False, **kw) -> tuple[int, int]:
        """A failed payment; returns (pkey, last failure-event day)."""
        a, s, _ = days or self.clean_days(program, period)
        f = self.add(s, 1)
        events = [("FAILED", f, s, "账户冻结")]
        last = f
        if returned:
            last = self.add(f, 1)
            events.append(("RETURNED", last, s, "账户冻结"))
        return self._pay(p, program, period, cents, a, events, **kw), last

    # ---- truth ------------------------------------------------------------------------
    def finding(self, rule, subtype, status, key, person_id, payment, amount) -> None:
        self.c.findings.append(
            {
                "rule_code": rule,
                "subtype": subtype,
                "status": status,
                "finding_key": ("pkey", key) if isinstance(key, (int, np.integer)) else key,
                "person_id": person_id,
                "payment_id": ("pkey", payment) if payment is not None else None,
                "amount_at_risk": money(Decimal(amount)),
            }
        )

    def pay_finding(self, rule, subtype, status, pkey, p_or_id, cents, amount=None) -> None:
        pid = p_or_id["id"] if isinstance(p_or_id, dict) else p_or_id
        self.finding(
            rule,
            subtype,
            status,
            pkey,
            pid,
            pkey,
            Decimal(cents) / 100 if amount is None else amount,
        )

    def near(self, kind, rule, key, note) -> None:
        self.c.near_misses.append(
            {
                "kind": kind,
                "rule_code": rule,
                "finding_key": ("pkey", key) if isinstance(key, (int, np.integer)) else key,
                "note": note,
            }
        )

    # ---- commit -----------------------------------------------------------------------
    def commit(self) -> None:
        c = self.c
        if self.persons:
            extra = pd.DataFrame(self.persons).drop(columns=["account", "bank"], errors="ignore")
            c.persons = pd.concat([c.persons, extra], ignore_index=True)
        if self.cards:
            c.cards = pd.concat([c.cards, pd.DataFrame(self.cards)], ignore_index=True)
        if self.vehicles:
            c.vehicles = pd.concat([c.vehicles, pd.DataFrame(self.vehicles)], ignore_index=True)
        if self.payroll:
            c.payroll = pd.concat([c.payroll, pd.DataFrame(self.payroll)], ignore_index=True)
        if self.roster:
            c.roster = pd.concat([c.roster, pd.DataFrame(self.roster)], ignore_index=True)
        if self.deaths:
            c.deaths = pd.concat([c.deaths, pd.DataFrame(self.deaths)], ignore_index=True)
        if self.cremations:
            c.cremations = pd.concat(
                [c.cremations, pd.DataFrame(self.cremations)], ignore_index=True
            )
        if self.payments:
            c.lb.add_rows(pd.DataFrame(self.payments), pd.DataFrame(self.versions))
