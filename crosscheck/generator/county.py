"""Build the whole synthetic county and write its deliveries and truth file."""

# ruff: noqa: E501  (SQL text)

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from crosscheck.generator import ledger as ledger_mod
from crosscheck.generator import population, programs, registries
from crosscheck.generator.deliveries import write_all
from crosscheck.generator.workdays import Workdays, month_of, months_add


@dataclass
class Options:
    out: Path
    truth: Path
    persons: int
    seed: int
    start: dt.date
    end: dt.date
    history_months: int
    part: int = 0  # of a province generated in parts (crosscheck/generator/__init__.py)


@dataclass
class County:
    """Everything generated, as tables; planted cases append to them."""

    opts: Options
    cal: Workdays
    rng: np.random.Generator
    first: dt.date  # first day of the history
    persons: pd.DataFrame
    cards: pd.DataFrame
    vehicles: pd.DataFrame
    payroll: pd.DataFrame
    roster: pd.DataFrame
    deaths: pd.DataFrame
    cremations: pd.DataFrame
    lb: ledger_mod.LedgerBuilder
    acc: registries.Accounts
    payments_extra: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    near_misses: list = field(default_factory=list)
    linked_findings: list = field(default_factory=list)  # issue 15: found through a link
    identity_typos: list = field(default_factory=list)  # mistyped numbers, true person
    payment_ids: dict = field(default_factory=dict)  # ledger key -> payment_id, once written


def history_start(start: dt.date, months: int) -> dt.date:
    m = months_add(np.array([month_of(start)]), -months)[0]
    return dt.date(int(m) // 100, int(m) % 100, 1)


def build(opts: Options, progress) -> County:
    rng = np.random.default_rng(opts.seed if opts.part == 0 else [opts.seed, opts.part])
    first = history_start(opts.start, opts.history_months)
    cal = Workdays(dt.date(first.year - 1, 10, 1), opts.end + dt.timedelta(days=200))
    persons = population.build_population(opts.persons, rng, opts.start, opts.part)
    progress.step(f"population: {len(persons)} persons in {persons['hh'].nunique()} households")
    enr, means_hh = programs.assign_programs(persons, rng, month_of(first), month_of(opts.start))
    recipient: np.ndarray = np.zeros(len(persons), dtype=bool)
    recipient[enr["person"].to_numpy()] = True
    acc = registries.Accounts(opts.part)
    cards = registries.background_cards(
        persons, recipient, rng, cal, acc, first, opts.start, opts.end
    )
    vehicles = registries.background_vehicles(
        persons, means_hh, rng, cal, first, opts.start, opts.end, opts.part
    )
    payroll = registries.background_payroll(persons, means_hh, rng)
    eligible = (
        (persons["status"].to_numpy() == "0")
        & ~recipient
        & (persons["relation"].to_numpy() != "02")
    )
    deaths, crem, dereg = registries.background_deaths(persons, eligible, rng, cal, first, opts.end)
    persons["dereg_day"] = np.where(
        persons["status"].to_numpy() != "0",
        (persons["dereg"].to_numpy().astype("datetime64[D]") - np.datetime64(cal.base, "D")).astype(
            "int64"
        ),
        dereg,
    )
    persons.loc[dereg > -(10**6), "status"] = "1"
    persons["pidx"] = np.arange(len(persons))
    persons["in_hukou"] = True
    persons = persons.drop(columns=["dereg"])

    # roster rows for roster-program enrolments
    ros = enr[enr["spell_start"] > 0]
    pr = persons.iloc[ros["person"].to_numpy()]
    roster = pd.DataFrame(
        {
            "id_number": pr["id"].to_numpy(),
            "name": pr["name"].to_numpy(),
            "program": ros["program"].to_numpy(),
            "household_no": pr["household_no"].to_numpy(),
            "division": pr["division"].to_numpy(),
            "start_month": ros["spell_start"].astype(str).to_numpy(),
            "end_month": np.where(ros["spell_end"] > 0, ros["spell_end"].astype(str), None),
            "status": np.where(ros["spell_end"] > 0, "退出", "在保"),
        }
    )
    progress.step(f"programs: {len(enr)} enrolments, {len(roster)} roster spells")

    lb = ledger_mod.LedgerBuilder(cal, rng, first, opts.end)
    ledger_mod.background_ledger(lb, enr, first, opts.end)
    progress.step("background ledger built")

    cards = cards.assign(
        id_typed=persons["id"].to_numpy()[cards["person"].to_numpy()],
        name=persons["name"].to_numpy()[cards["person"].to_numpy()],
        change_day=10**7,
    )
    cards["fin_after"] = cards["fin"]
    cards["status_after"] = cards["status"]
    return County(
        opts, cal, rng, first, persons, cards, vehicles, payroll, roster, deaths, crem, lb, acc
    )


def _ledger_table(con, county: County) -> None:
    cal = county.cal
    pay, ver = county.lb.frames()
    persons = county.persons
    # the account a person is paid into: the card that is not cancelled
    cards = county.cards[(county.cards["status"] != "注销") & (county.cards["person"] >= 0)]
    acct = pd.Series(cards["account_no"].to_numpy(), index=cards["person"].to_numpy())
    bank = pd.Series(cards["bank_name"].to_numpy(), index=cards["person"].to_numpy())
    acct = acct[~acct.index.duplicated()]
    bank = bank[~bank.index.duplicated()]
    bg = pay["person"].to_numpy() >= 0
    pidx = pay["person"].to_numpy()[bg].astype(np.int64)
    for col, values in (
        ("recipient_id", persons["id"].to_numpy()[pidx]),
        ("recipient_name", persons["name"].to_numpy()[pidx]),
        ("division", persons["division"].to_numpy()[pidx]),
        ("account_no", acct.reindex(pidx).to_numpy()),
        ("bank_name", bank.reindex(pidx).to_numpy()),
    ):
        if col not in pay:
            pay[col] = None
        pay[col] = pay[col].astype(object)
        pay.loc[bg, col] = values
    pay["cents"] = pay["cents"].astype(np.int64)
    con.register(
        "pay_df",
        pay[
            [
                "pkey",
                "program",
                "recipient_id",
                "recipient_name",
                "account_no",
                "bank_name",
                "cents",
                "period",
                "division",
                "approved",
                "reissue_of",
            ]
        ],
    )
    con.register("ver_df", ver)
    s = cal.idx(county.opts.start)
    b = cal.base.isoformat()
    first_id = county.opts.part * 10**9  # a province's part k: P{k}000000001…
    con.execute(f"""
        CREATE TABLE pay AS
        WITH firsts AS (SELECT pkey, min(upd_day * 100000 + upd_sec) AS first_at FROM ver_df GROUP BY pkey)
        SELECT p.*, 'P' || lpad(CAST({first_id} + row_number() OVER (ORDER BY f.first_at, p.pkey) AS VARCHAR), 10, '0')
                    AS payment_id
        FROM pay_df p JOIN firsts f USING (pkey)""")
    con.execute(f"""
        CREATE TABLE ledger_out AS
        SELECT p.payment_id,
               'PC' || strftime(DATE '{b}' + CAST(p.approved AS INTEGER), '%Y%m%d') || p.program
                    || right(p.division, 3) AS batch_no,
               p.program, p.recipient_id, p.recipient_name, p.account_no, p.bank_name,
               printf('%d.%02d', p.cents // 100, p.cents % 100) AS amount, p.period, p.division,
               strftime(DATE '{b}' + CAST(p.approved AS INTEGER), '%Y-%m-%d') AS approved_date,
               CASE WHEN v.sent_day >= 0
                    THEN strftime(DATE '{b}' + CAST(v.sent_day AS INTEGER), '%Y-%m-%d') END AS sent_date,
               v.status, strftime(DATE '{b}' + CAST(v.status_day AS INTEGER), '%Y-%m-%d') AS status_date,
               v.fail_reason, r.payment_id AS reissue_of,
               strftime(DATE '{b}' + CAST(v.upd_day AS INTEGER), '%Y-%m-%d') || ' '
                 || printf('%02d:%02d:%02d', v.upd_sec // 3600, v.upd_sec % 3600 // 60, v.upd_sec % 60)
                 AS updated_at,
               greatest(v.upd_day, {s}) AS deliver
        FROM ver_df v JOIN pay p USING (pkey) LEFT JOIN pay r ON r.pkey = p.reissue_of""")


def write(county: County, progress, parts: dict | None = None) -> dict:
    """Write the deliveries; `parts` (a province's running totals) when appending a part."""
    opts, cal = county.opts, county.cal
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    _ledger_table(con, county)
    progress.step(
        "ledger versions: " + str(con.execute("SELECT count(*) FROM ledger_out").fetchall()[0][0])
    )
    persons = county.persons
    con.register(
        "persons_df",
        persons[
            [
                "pidx",
                "pos",
                "id",
                "name",
                "sex",
                "birth",
                "household_no",
                "relation",
                "division",
                "status",
                "dereg_day",
                "in_hukou",
            ]
        ],
    )
    con.execute("CREATE TABLE persons AS SELECT * FROM persons_df")
    v = county.vehicles
    con.register(
        "veh_df",
        v[
            [
                "plate_no",
                "plate_class",
                "owner_id",
                "owner_name",
                "use_code",
                "first_reg",
                "vstatus",
                "status_day",
            ]
        ],
    )
    con.execute("CREATE TABLE vehicles AS SELECT * FROM veh_df")
    con.register("roster_df", county.roster)
    con.execute("CREATE TABLE roster AS SELECT * FROM roster_df")
    con.register("payroll_df", county.payroll)
    con.execute("CREATE TABLE payroll AS SELECT * FROM payroll_df")
    y0, y1 = county.first.year - 3, opts.end.year + 1
    con.execute(f"""CREATE TABLE months AS SELECT y * 100 + m AS month
                    FROM range({y0}, {y1 + 1}) a(y), range(1, 13) b(m)""")
    d = county.deaths.sort_values(["deliver", "death"], kind="stable").reset_index(drop=True)
    if "cert_no" not in d or d["cert_no"].isna().any():
        first_no = 500000 + opts.part * 10**7
        auto = "SW" + pd.Series(np.arange(1, len(d) + 1) + first_no).astype(str)
        d["cert_no"] = d["cert_no"].fillna(auto) if "cert_no" in d else auto
    con.register("deaths_df", d[["cert_no", "id_number", "name", "death", "issued", "deliver"]])
    con.execute("CREATE TABLE deaths AS SELECT * FROM deaths_df")
    c = county.cremations.sort_values(["deliver", "death"], kind="stable").reset_index(drop=True)
    first_no = 100000 + opts.part * 10**7
    c["record_no"] = "HH" + pd.Series(np.arange(1, len(c) + 1) + first_no).astype(str)
    con.register(
        "crem_df", c[["record_no", "id_number", "name", "death", "cremation", "home", "deliver"]]
    )
    con.execute("CREATE TABLE cremations AS SELECT * FROM crem_df")
    progress.step("tables loaded; writing deliveries")
    con.register(
        "cards_df",
        county.cards[
            [
                "id_typed",
                "name",
                "card_no",
                "account_no",
                "bank_name",
                "fin",
                "status",
                "issued",
                "change_day",
                "fin_after",
                "status_after",
            ]
        ],
    )
    con.execute("CREATE TABLE cards AS SELECT * FROM cards_df")
    stats = write_all(con, opts.out, cal.base, opts.start, opts.end, progress, parts)
    county.payment_ids = dict(con.execute("SELECT pkey, payment_id FROM pay").fetchall())
    con.close()
    return stats


def unseen_deregistrations(county: County) -> list[dict]:
    """R13 findings of deaths the hukou snapshot in force at the as-of does not show yet.

    Hukou deregisters a death 3-20 days after it (10 for the planted ones). With weekly
    snapshots every death more than 30 days old is deregistered in the snapshot in
    force; with monthly ones (a province's deployment) a death of the 29th,
    deregistered after the 1st, is still active in it at the end of the next month:
    R13 flags it, rightly, and the truth lists it. Persons already in the truth's R13
    findings (the planted cases) are left out."""
    from crosscheck.generator.deliveries import delivery_days
    from crosscheck.ingest.sources import load_sources

    opts, cal = county.opts, county.cal
    in_force = cal.idx(delivery_days(load_sources()["hukou"], opts.start, opts.end)[-1])
    records = pd.concat(
        [county.deaths[["id_number", "death"]], county.cremations[["id_number", "death"]]]
    )
    old = records[records["id_number"].notna() & (records["death"] < cal.idx(opts.end) - 30)]
    persons = county.persons[county.persons["in_hukou"].astype(bool)]
    active = (persons["status"] == "0") | (persons["dereg_day"] > in_force)
    flagged = set(persons.loc[active, "id"]) & set(old["id_number"])
    planted = {f["finding_key"] for f in county.findings if f["rule_code"] == "R13"}
    return [
        {
            "rule_code": "R13",
            "subtype": None,
            "status": None,
            "finding_key": pid,
            "person_id": pid,
            "payment_id": None,
            "amount_at_risk": "0.00",
        }
        for pid in sorted(flagged - planted)
    ]


def _finding_order(f: dict) -> tuple:
    """The truth file's order of findings: rule, subtype, key."""
    return (f["rule_code"], f["subtype"] or "", f["finding_key"])


def add_findings(truth_file: Path, findings: list[dict]) -> None:
    """Add findings of a later part to the truth file its part 0 wrote."""
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    truth["findings"] = sorted(
        [*truth["findings"], *findings],
        key=_finding_order,
    )
    truth_file.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_truth(county: County) -> None:
    opts = county.opts
    ids = county.payment_ids

    def resolve(item):
        item = dict(item)
        for k in ("finding_key", "payment_id"):
            v = item.get(k)
            if isinstance(v, tuple) and v[0] == "pkey":
                item[k] = ids[v[1]]
        return item

    truth = {
        "seed": opts.seed,
        "start": opts.start.isoformat(),
        "end": opts.end.isoformat(),
        "as_of": opts.end.isoformat(),
        "findings": sorted(
            (resolve(f) for f in county.findings),
            key=_finding_order,
        ),
        "near_misses": sorted(
            (resolve(n) for n in county.near_misses), key=lambda n: (n["kind"], n["finding_key"])
        ),
        "linked_findings": sorted(
            (resolve(f) for f in county.linked_findings),
            key=lambda f: (f["rule_code"], f["finding_key"]),
        ),
        "identity_typos": sorted(
            (resolve(t) for t in county.identity_typos),
            key=lambda t: (t["record"], t["finding_key"]),
        ),
    }
    opts.truth.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
