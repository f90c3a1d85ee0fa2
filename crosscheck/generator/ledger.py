"""Payment timelines and ledger versions for the background (vectorized).

Every background payment is clean by construction: approved before it is
sent, sent at most 2 working days before it is paid, paid on or before its
due date; a failed payment is reissued within a few working days (paid, or
cancelled) so no chain outlives its R06 deadline.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crosscheck.generator.workdays import Workdays, month_add, month_of, months_add

FAIL_REASONS = np.array(
    ["账户已销户", "账户冻结", "户名不符", "账号不存在", "卡片挂失"], dtype=object
)


def _months_index(yyyymm: np.ndarray) -> np.ndarray:
    return yyyymm // 100 * 12 + yyyymm % 100 - 1


def _day_of(cal: Workdays, y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    dates = pd.to_datetime(dict(year=y, month=m, day=d)).to_numpy().astype("datetime64[D]")
    return (dates - np.datetime64(cal.base, "D")).astype(np.int64)


class LedgerBuilder:
    """Accumulates payments and versions; keys are assigned in creation order."""

    def __init__(self, cal: Workdays, rng: np.random.Generator, first: dt.date, last: dt.date):
        self.cal, self.rng = cal, rng
        self.h, self.e = cal.idx(first), cal.idx(last)
        self.payments: list[pd.DataFrame] = []
        self.versions: list[pd.DataFrame] = []
        self.next_key = 0

    def _keys(self, n: int) -> np.ndarray:
        k = np.arange(self.next_key, self.next_key + n)
        self.next_key += n
        return k

    def _secs(self, n: int) -> np.ndarray:
        return self.rng.integers(8 * 3600 + 1800, 18 * 3600, n)

    def add_background(self, person, program, cents, period, approved, sent, paid, reissue_of=None):
        """Payments with the given approval/sending/payment days; outcomes drawn here."""
        cal, rng = self.cal, self.rng
        keep = (approved >= self.h) & (approved <= self.e)
        person, program, cents, period = person[keep], program[keep], cents[keep], period[keep]
        approved, sent, paid = approved[keep], sent[keep], paid[keep]
        n = len(person)
        keys = self._keys(n)
        self.payments.append(
            pd.DataFrame(
                {
                    "pkey": keys,
                    "person": person,
                    "program": program,
                    "cents": cents,
                    "period": period,
                    "approved": approved,
                    "reissue_of": -1 if reissue_of is None else reissue_of[keep],
                }
            )
        )
        u = rng.random(n)
        is_paid = u < 0.986
        is_failed = (u >= 0.986) & (u < 0.996)
        is_cancel = u >= 0.996
        neg = np.full(n, -1)
        vs = [
            (keys, "PENDING", approved, neg, None, approved),
            (keys[is_paid], "PAID", paid[is_paid], sent[is_paid], None, paid[is_paid]),
        ]
        cancel_day = cal.add(approved[is_cancel], 1)
        vs.append((keys[is_cancel], "CANCELLED", cancel_day, neg[is_cancel], None, cancel_day))
        fk = keys[is_failed]
        fail_day = cal.add(sent[is_failed], 1)
        reasons = FAIL_REASONS[rng.integers(0, len(FAIL_REASONS), len(fk))]
        vs.append((fk, "FAILED", fail_day, sent[is_failed], reasons, fail_day))
        returned = rng.random(len(fk)) < 0.5
        ret_day = cal.add(fail_day[returned], 1)
        vs.append(
            (
                fk[returned],
                "RETURNED",
                ret_day,
                sent[is_failed][returned],
                reasons[returned],
                ret_day,
            )
        )
        for k, status, sday, snt, reason, uday in vs:
            self._versions(k, status, sday, snt, reason, uday)
        if len(fk):
            last_day = np.where(returned, cal.add(fail_day, 1), fail_day)
            r_app = cal.add(last_day, rng.integers(1, 3, len(fk)))
            r_sent = cal.add(r_app, 1)
            r_paid = cal.add(r_sent, rng.integers(0, 3, len(fk)))
            f = is_failed
            self._reissues(person[f], program[f], cents[f], period[f], r_app, r_sent, r_paid, fk)

    def _reissues(self, person, program, cents, period, approved, sent, paid, parent):
        """Reissues of failed payments: paid, or (one in ten) cancelled."""
        cal, rng = self.cal, self.rng
        keep = approved <= self.e
        person, program, cents, period = person[keep], program[keep], cents[keep], period[keep]
        approved, sent, paid, parent = approved[keep], sent[keep], paid[keep], parent[keep]
        n = len(person)
        keys = self._keys(n)
        self.payments.append(
            pd.DataFrame(
                {
                    "pkey": keys,
                    "person": person,
                    "program": program,
                    "cents": cents,
                    "period": period,
                    "approved": approved,
                    "reissue_of": parent,
                }
            )
        )
        neg = np.full(n, -1)
        self._versions(keys, "PENDING", approved, neg, None, approved)
        cancel = rng.random(n) < 0.1
        cday = cal.add(approved[cancel], 1)
        self._versions(keys[cancel], "CANCELLED", cday, neg[cancel], None, cday)
        p = ~cancel
        self._versions(keys[p], "PAID", paid[p], sent[p], None, paid[p])

    def _versions(self, keys, status, status_day, sent_day, reason, upd_day):
        n = len(keys)
        if n == 0:
            return
        keep = np.asarray(upd_day) <= self.e
        self.versions.append(
            pd.DataFrame(
                {
                    "pkey": keys,
                    "status": status,
                    "status_day": status_day,
                    "sent_day": sent_day,
                    "fail_reason": reason if reason is not None else None,
                    "upd_day": upd_day,
                    "upd_sec": self._secs(n),
                }
            )[keep]
        )

    def add_rows(self, payments: pd.DataFrame, versions: pd.DataFrame) -> None:
        """Planted payments, already fully specified."""
        self.payments.append(payments)
        self.versions.append(versions)

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        p = pd.concat(self.payments, ignore_index=True)
        v = pd.concat(self.versions, ignore_index=True)
        return p, v


def paid_before(cal: Workdays, rng, due: np.ndarray, max_back: int):
    """(approved, sent, paid): paid on or before `due`, bank delay 0–2 working days."""
    n = len(due)
    back = rng.integers(0, max_back + 1, n)
    paid = np.where(back == 0, due, cal.sub(due, np.maximum(back, 1)))
    k = rng.integers(0, 3, n)
    sent = np.where(k == 0, paid, cal.sub(paid, np.maximum(k, 1)))
    approved = cal.sub(sent, rng.integers(1, 4, n))
    return approved, sent, paid


def _add_payments(lb: LedgerBuilder, enrolments: pd.DataFrame, rows, period, a, s, p) -> None:
    """Background payments of the enrolment rows `rows`, for `period`, on days a/s/p."""
    lb.add_background(
        enrolments["person"].to_numpy()[rows],
        enrolments["program"].to_numpy()[rows],
        enrolments["cents"].to_numpy()[rows],
        period,
        a,
        s,
        p,
    )


def background_ledger(lb: LedgerBuilder, enr: pd.DataFrame, first: dt.date, last: dt.date) -> None:
    """Monthly, quarterly, annual and one-off payments of every enrolment."""
    cal, rng = lb.cal, lb.rng
    m0, m_last = month_of(first), month_add(month_of(last), 1)
    nmonths = int(_months_index(np.array(m_last)) - _months_index(np.array(m0))) + 1
    cycle = (
        enr["program"]
        .map(
            {
                "10": "m",
                "11": "m",
                "13": "m",
                "14": "m",
                "15": "m",
                "16": "m",
                "09": "q",
                "01": "a",
                "03": "a",
                "04": "a",
                "05": "a",
                "06": "a",
                "07": "a",
                "08": "a",
                "02": "o",
                "12": "o",
                "17": "o",
                "18": "o",
            }
        )
        .to_numpy()
    )

    # monthly programs: every month of the spell inside [first month, month after last]
    mon = enr[cycle == "m"]
    rep: np.ndarray = np.repeat(np.arange(len(mon)), nmonths)
    month = months_add(np.full(len(rep), m0), np.tile(np.arange(nmonths), len(mon)))
    ss = mon["spell_start"].to_numpy()[rep]
    se = mon["spell_end"].to_numpy()[rep]
    ok = (month >= ss) & ((se == 0) | (month <= se))
    rep, month = rep[ok], month[ok]
    due = cal.on_or_after(_day_of(cal, month // 100, month % 100, np.full(len(month), 10)))
    a, s, p = paid_before(cal, rng, due, 5)
    _add_payments(lb, mon, rep, month.astype(str).astype(object), a, s, p)

    # quarterly (09): every quarter touching the window
    q = enr[cycle == "q"]
    q0 = (m0 // 100) * 4 + (m0 % 100 - 1) // 3
    q1 = (m_last // 100) * 4 + (m_last % 100 - 1) // 3
    nq = q1 - q0 + 1
    rep = np.repeat(np.arange(len(q)), nq)
    qi = np.tile(np.arange(q0, q1 + 1), len(q))
    year, qn = qi // 4, qi % 4 + 1
    due = cal.on_or_after(_day_of(cal, year, qn * 3, np.full(len(qi), 20)))
    a, s, p = paid_before(cal, rng, due, 15)
    period = (
        pd.Series(year).astype(str).to_numpy(object)
        + "Q"
        + pd.Series(qn).astype(str).to_numpy(object)
    )
    _add_payments(lb, q, rep, period, a, s, p)

    # annual: every year touching the window, paid April–June
    an = enr[cycle == "a"]
    years = np.arange(first.year, last.year + 1)
    rep = np.repeat(np.arange(len(an)), len(years))
    yr = np.tile(years, len(an))
    due = cal.on_or_after(_day_of(cal, yr, np.full(len(yr), 6), np.full(len(yr), 30)))
    a, s, p = paid_before(cal, rng, due, 45)
    _add_payments(lb, an, rep, yr.astype(str).astype(object), a, s, p)

    # one-off: one grant per enrolment on a working day of the history or window
    oo = enr[cycle == "o"]
    days = cal.work_idx[(cal.work_idx >= lb.h) & (cal.work_idx <= lb.e)]
    a = days[rng.integers(0, len(days), len(oo))]
    s = cal.add(a, rng.integers(1, 4, len(oo)))
    p = cal.add(s, rng.integers(0, 3, len(oo)))
    period = np.array([cal.days[i].strftime("%Y%m") for i in range(len(cal.days))], dtype=object)[a]
    _add_payments(lb, oo, slice(None), period, a, s, p)
