"""The other departments' registers: cards, vehicles, payroll, deaths, roster.

Each is a table with time information (issue, change and delivery days) so
that every snapshot shows the state as of its extract date.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crosscheck.generator.population import COUNTY
from crosscheck.generator.workdays import Workdays

BANKS = (
    ("中国农业银行", "622848", 13),
    ("重庆农村商业银行", "621461", 10),
    ("中国邮政储蓄银行", "621799", 13),
    ("中国建设银行", "621700", 13),
    ("中国工商银行", "621226", 13),
)
FUNERAL_HOMES = ("县殡仪馆", "城东殡仪服务站", "新田镇殡仪服务站")
EMPLOYERS = {
    "机关": ("县财政局", "县民政局", "县人力资源和社会保障局", "县农业农村委员会", "镇人民政府"),
    "事业单位": ("县人民医院", "县第一中学", "县疾病预防控制中心", "镇中心小学", "县中医院"),
    "国有企业": ("县自来水有限公司", "县交通建设投资集团", "县供电有限公司", "县城市建设发展集团"),
}
PLATE_LETTERS = "ABCDFGHJKL"


def scramble(counter: np.ndarray, modulus: int) -> np.ndarray:
    """A bijection of [0, modulus): unique, random-looking numbers from a counter."""
    return (counter.astype(np.int64) * 7777777 + 1234567) % modulus


class Accounts:
    """Unique bank accounts and card numbers, handed out in order."""

    def __init__(self, part: int = 0):
        # a province's part k numbers from k * 10**8 (card letter k): none repeats
        self.n_acct = part * 10**8
        self.n_card = part * 10**8

    def accounts(self, bank_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(bank_idx)
        c = np.arange(self.n_acct, self.n_acct + n)
        self.n_acct += n
        names = np.array([b[0] for b in BANKS], dtype=object)[bank_idx]
        out: np.ndarray = np.empty(n, dtype=object)
        for b, (_, prefix, width) in enumerate(BANKS):
            m = bank_idx == b
            num = scramble(c[m], 10**width)
            out[m] = prefix + pd.Series(num).astype(str).str.zfill(width).to_numpy(object)
        return out, names

    def cards(self, n: int) -> np.ndarray:
        c = np.arange(self.n_card, self.n_card + n)
        self.n_card += n
        letters = np.array(list("ABCDEFGHJK"), dtype=object)[(c // 10**8) % 10]
        return letters + pd.Series(scramble(c % 10**8, 10**8)).astype(str).str.zfill(8).to_numpy(
            object
        )

    def one(self, bank: int = 0) -> tuple[str, str]:
        a, n = self.accounts(np.array([bank]))
        return str(a[0]), str(n[0])


def background_cards(
    persons: pd.DataFrame,
    recipient: np.ndarray,
    rng,
    cal: Workdays,
    acc: Accounts,
    first: dt.date,
    start: dt.date,
    last: dt.date,
) -> pd.DataFrame:
    """Cards: every recipient holds a normal activated card issued before the history."""
    n = len(persons)
    active = persons["status"].to_numpy() == "0"
    has = recipient | (active & (rng.random(n) < 0.9))
    idx = np.flatnonzero(has)
    m = len(idx)
    bank = rng.integers(0, len(BANKS), m)
    account, bank_name = acc.accounts(bank)
    rec = recipient[idx]
    u = rng.random(m)
    fin = np.where(~rec & (u < 0.08), "未激活", "已激活").astype(object)
    status = np.where(~rec & (u > 0.98), "挂失", "正常").astype(object)
    issued = cal.idx(first) - rng.integers(40, 4000, m)
    new = ~rec & (rng.random(m) < 0.01)  # new cards issued inside the window
    win = max(1, (last - start).days)
    issued = np.where(new, cal.idx(start) + 1 + rng.integers(0, win, m), issued)
    cards = pd.DataFrame(
        {
            "person": idx,
            "card_no": acc.cards(m),
            "account_no": account,
            "bank_name": bank_name,
            "fin": fin,
            "status": status,
            "issued": issued,
        }
    )
    # an older, cancelled card for some recipients
    old = idx[rec & (rng.random(m) < 0.05)]
    k = len(old)
    oa, ob = acc.accounts(rng.integers(0, len(BANKS), k))
    olds = pd.DataFrame(
        {
            "person": old,
            "card_no": acc.cards(k),
            "account_no": oa,
            "bank_name": ob,
            "fin": "已激活",
            "status": "注销",
            "issued": cal.idx(first) - rng.integers(4000, 6000, k),
        }
    )
    return pd.concat([cards, olds], ignore_index=True)


def background_vehicles(
    persons: pd.DataFrame,
    means_hh: np.ndarray,
    rng,
    cal: Workdays,
    first: dt.date,
    start: dt.date,
    last: dt.date,
    part: int = 0,
) -> pd.DataFrame:
    """Cars only outside means-tested households; motorcycles, tractors anywhere."""
    owner_ok = (
        (persons["status"].to_numpy() == "0")
        & (persons["age"].to_numpy() >= 18)
        & np.isin(persons["relation"].to_numpy(), ["02", "10"])
    )
    hh = persons["hh"].to_numpy()
    in_means = means_hh[hh]
    n = len(persons)
    u = rng.random(n)
    car = owner_ok & ~in_means & (u < 0.22)
    moto = owner_ok & (u >= 0.22) & (u < 0.32)
    tractor = owner_ok & persons["rural"].to_numpy() & (u >= 0.32) & (u < 0.35)
    lowspeed = owner_ok & (u >= 0.35) & (u < 0.37)
    parts = []
    for mask, classes in (
        (car, ("02", "02", "02", "01")),
        (moto, ("07", "08")),
        (tractor, ("22",)),
        (lowspeed, ("13",)),
    ):
        i = np.flatnonzero(mask)
        parts.append(
            pd.DataFrame(
                {
                    "person": i,
                    "plate_class": np.array(classes, dtype=object)[
                        rng.integers(0, len(classes), len(i))
                    ],
                }
            )
        )
    v = pd.concat(parts, ignore_index=True)
    m = len(v)
    v["owner_id"] = persons["id"].to_numpy()[v["person"]]
    v["owner_name"] = persons["name"].to_numpy()[v["person"]]
    big = v["plate_class"].to_numpy() == "01"
    use = np.where(big, np.array(list("BCDEF"), dtype=object)[rng.integers(0, 5, m)], "A")
    v["use_code"] = use
    first_reg = cal.idx(first) - rng.integers(30, 5000, m)
    new = rng.random(m) < 0.01
    win = max(1, (last - start).days)
    v["first_reg"] = np.where(new, cal.idx(start) + 1 + rng.integers(0, win, m), first_reg)
    us = rng.random(m)
    vstatus = np.where(us < 0.9, "A", np.where(us < 0.95, "B", np.where(us < 0.98, "E", "G")))
    vstatus = np.where(new, "A", vstatus).astype(object)
    fr = v["first_reg"].to_numpy()
    changed = np.maximum(fr, np.minimum(fr + rng.integers(10, 3000, m), cal.idx(first) - 1))
    v["vstatus"] = vstatus
    v["status_day"] = np.where(vstatus == "A", fr, changed)
    # a few company vehicles: unified social credit codes instead of ID numbers
    nc = max(2, m // 50)
    comp = pd.DataFrame(
        {
            "person": -1,
            "plate_class": np.array(["01", "02"], dtype=object)[rng.integers(0, 2, nc)],
            "owner_id": "91"
            + COUNTY
            + "MA"
            + pd.Series(rng.integers(0, 10**8, nc)).astype(str).str.zfill(8).to_numpy(object),
            "owner_name": np.array(
                ["县运输有限公司", "某建材有限公司", "县农业发展有限公司"], dtype=object
            )[rng.integers(0, 3, nc)],
            "use_code": np.array(list("BCF"), dtype=object)[rng.integers(0, 3, nc)],
            "first_reg": cal.idx(first) - rng.integers(30, 3000, nc),
            "vstatus": "A",
        }
    )
    comp["status_day"] = comp["first_reg"]
    v = pd.concat([v, comp], ignore_index=True)
    per_part = 1_150_000  # a tenth of the plates below: a province's part k starts at k tenths
    if part and len(v) > per_part:
        raise ValueError("too many vehicles in one part of a province for unique plates")
    c: np.ndarray = np.arange(len(v)) + part * per_part
    # 渝 + office letter + 5 characters: digits first, letters in the 2nd/3rd place past 1M
    block: np.ndarray = c // 10**3
    letters = np.array(list(PLATE_LETTERS), dtype=object)
    alnum = np.array(list("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"), dtype=object)
    rest: np.ndarray = block // len(letters)
    v["plate_no"] = (
        "渝"
        + letters[block % len(letters)]
        + alnum[rest % len(alnum)]
        + alnum[(rest // len(alnum)) % len(alnum)]
        + pd.Series(scramble(c % 10**3, 10**3)).astype(str).str.zfill(3).to_numpy(object)
    )
    if len(v) > len(letters) * len(alnum) ** 2 * 10**3:
        raise ValueError("too many vehicles for unique plates")
    return v


def background_payroll(persons: pd.DataFrame, means_hh: np.ndarray, rng) -> pd.DataFrame:
    """Public employees outside means-tested households (one row per person)."""
    ok = (
        (persons["status"].to_numpy() == "0")
        & (persons["age"].to_numpy() >= 22)
        & (persons["age"].to_numpy() <= 60)
        & ~means_hh[persons["hh"].to_numpy()]
    )
    idx = np.flatnonzero(ok & (rng.random(len(persons)) < 0.03))
    types = np.array(["机关", "事业单位", "事业单位", "国有企业"], dtype=object)[
        rng.integers(0, 4, len(idx))
    ]
    employer: np.ndarray = np.empty(len(idx), dtype=object)
    for t, names in EMPLOYERS.items():
        m = types == t
        employer[m] = np.array(names, dtype=object)[rng.integers(0, len(names), m.sum())]
    return pd.DataFrame(
        {
            "person": idx,
            "employer": employer,
            "employer_type": types,
            "cents": rng.integers(40, 130, len(idx)) * 10000 + rng.integers(0, 100, len(idx)) * 100,
            "from_month": 0,
            "to_month": 999999,
        }
    )


def background_deaths(
    persons: pd.DataFrame, eligible: np.ndarray, rng, cal: Workdays, first: dt.date, last: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Deaths of non-recipients: certificate, cremation, deregistration within 20 days."""
    h, e = cal.idx(first), cal.idx(last)
    months = (e - h) / 30.4
    idx = np.flatnonzero(eligible & (rng.random(len(persons)) < 0.0007 * months))
    m = len(idx)
    death = rng.integers(h, e + 1, m)
    dereg = death + rng.integers(3, 21, m)
    has_cert = rng.random(m) < 0.96
    has_crem = ~has_cert | (rng.random(m) < 0.75)
    issued = death + rng.integers(0, 3, m)
    cert = pd.DataFrame(
        {
            "id_number": persons["id"].to_numpy()[idx][has_cert],
            "name": persons["name"].to_numpy()[idx][has_cert],
            "death": death[has_cert],
            "issued": issued[has_cert],
            "deliver": issued[has_cert],
        }
    )
    cd = death + rng.integers(1, 5, m)
    crem = pd.DataFrame(
        {
            "id_number": persons["id"].to_numpy()[idx][has_crem],
            "name": persons["name"].to_numpy()[idx][has_crem],
            "death": death[has_crem],
            "cremation": cd[has_crem],
            "home": np.array(FUNERAL_HOMES, dtype=object)[rng.integers(0, 3, has_crem.sum())],
            "deliver": cd[has_crem],
        }
    )
    # unidentified persons and visitors from elsewhere (no rule applies to them)
    k = max(1, m // 40)
    d2 = rng.integers(h, e + 1, k)
    cert = pd.concat(
        [
            cert,
            pd.DataFrame(
                {
                    "id_number": None,
                    "name": "无名氏",
                    "death": d2,
                    "issued": d2 + 1,
                    "deliver": d2 + 1,
                }
            ),
        ],
        ignore_index=True,
    )
    deregs = np.full(len(persons), -(10**6))
    deregs[idx] = dereg
    return cert, crem, deregs
