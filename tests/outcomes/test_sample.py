"""The weekly random sample of unflagged payments, on the generated county:
sized and drawn as documented (checked by an independent Python draw),
reproducible, sent out as 抽查 items, and the miss rate estimated from the
returned conclusions matches a hand calculation."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import Counter

import pytest
import review_fixtures as fx
from openpyxl import load_workbook
from outcome_support import Z95, q, wilson

from crosscheck.build import build
from crosscheck.publish import publish
from crosscheck.review import layout
from crosscheck.review.export import export_findings
from crosscheck.review.feedback import FEEDBACK_DIR, load_feedback

MARGIN = 0.15  # a small county: a wide margin, so that the sample is a real subset


SAMPLE_COLS = (
    "sample_id, payment_id, township_code, program_code, stratum_population, stratum_sample"
)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sample")
    _, wh, as_of = fx.copy_county(tmp / "wh")
    # the complete week with the most paid payments (the county is small)
    week = q(
        wh,
        "SELECT strftime(status_date, '%G-W%V') AS w FROM intermediate.int_payments "
        "WHERE status = 'PAID' AND date_trunc('week', status_date) + INTERVAL 6 DAY <= ? "
        "GROUP BY w ORDER BY count(*) DESC, w LIMIT 1",
        [as_of],
    )[0][0]
    extra = {"sample_week": week, "sample_margin_of_error": MARGIN}
    assert build(wh, as_of, extra_vars=extra).success
    first = q(wh, f"SELECT {SAMPLE_COLS} FROM marts.spot_check_sample ORDER BY 1")
    # rebuilt: the same draw
    assert build(wh, as_of, extra_vars=extra, select="spot_check_sample").success
    publish(wh)
    return dict(wh=wh, tmp=tmp, as_of=as_of, week=week, extra=extra, first=first)


def test_sample_is_sized_stratified_and_drawn_as_documented(county):
    wh, week = county["wh"], county["week"]
    monday = dt.date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    flagged = q(wh, "SELECT payment_id, person_id, account_no FROM marts.anomalies")
    pays = {r[0] for r in flagged if r[0]}
    persons = {r[1] for r in flagged if not r[0] and r[1]}
    accounts = {r[2] for r in flagged if not r[0] and r[2]}
    population = [
        r
        for r in q(
            wh,
            "SELECT payment_id, person_id, account_no, division_code, program_code "
            "FROM intermediate.int_payments WHERE status = 'PAID' "
            "AND status_date BETWEEN ? AND ?",
            [monday, monday + dt.timedelta(days=6)],
        )
        if r[0] not in pays and r[1] not in persons and r[2] not in accounts
    ]
    big_n = len(population)
    n0 = Z95**2 * 0.25 / MARGIN**2
    n = min(big_n, math.ceil(n0 / (1 + (n0 - 1) / big_n)))
    strata = Counter((r[3], r[4]) for r in population)
    seed = f"crosscheck-sample|{week}"
    expected = set()
    for (town, prog), big_nh in strata.items():
        nh = min(big_nh, math.ceil(n * big_nh / big_n))
        members = sorted(
            (hashlib.md5(f"{seed}|{r[0]}".encode(), usedforsecurity=False).hexdigest(), r[0])
            for r in population
            if (r[3], r[4]) == (town, prog)
        )
        expected |= {(pid, town, prog, big_nh, nh) for _, pid in members[:nh]}
    got = {tuple(r[1:]) for r in county["first"]}
    assert got == expected
    assert 0 < n < big_n and len(got) >= n and len(strata) > 1
    sizes = q(wh, "SELECT DISTINCT week_population, sample_size FROM marts.spot_check_sample")
    assert sizes == [(big_n, n)]


def test_sample_is_reproducible(county):
    again = q(county["wh"], f"SELECT {SAMPLE_COLS} FROM marts.spot_check_sample ORDER BY 1")
    assert again == county["first"]


def test_sample_goes_out_and_the_miss_rate_matches_a_hand_calculation(county):
    wh, tmp, as_of = county["wh"], county["tmp"], county["as_of"]
    res = export_findings(wh, as_of, tmp / "out")
    assert res.sample_items == len(county["first"])
    items = []
    for path in res.files:
        wb = load_workbook(path, read_only=True)
        if layout.SAMPLE_SHEET in wb.sheetnames:
            rows = list(wb[layout.SAMPLE_SHEET].iter_rows(values_only=True))
            assert list(rows[0]) == layout.SAMPLE_HEADERS
            idc = rows[0].index(layout.ID_HEADER)
            items += [r[idc] for r in rows[1:]]
        wb.close()
    assert sorted(items) == [r[0] for r in county["first"]]
    program = {r[0]: r[3] for r in county["first"]}
    # the township returns all but one; two problems found, in one program
    returned = sorted(items)[:-1]
    target = Counter(program[i] for i in returned).most_common(1)[0][0]
    found = [i for i in returned if program[i] == target][:2]
    who = {"核查人": "赵", "核查日期": as_of}
    answers = {i: {"核查结论": "发现问题" if i in found else "未发现问题", **who} for i in returned}
    folder = tmp / "landing" / FEEDBACK_DIR
    folder.mkdir(parents=True)
    for wb in res.files:
        fx.fill_feedback(wb, answers, out=folder / wb.name)
    loaded = load_feedback(tmp / "landing", wh, as_of)
    assert loaded.decisions_loaded == len(returned) and loaded.cells_rejected == 0
    assert build(wh, as_of, extra_vars=county["extra"], select="miss_rate").success
    rows = {
        (r[0], r[1]): r[2:]
        for r in q(
            wh,
            "SELECT scope, program_code, sampled, returned, misses, miss_rate, ci_low, ci_high "
            "FROM marts.miss_rate WHERE iso_week = ?",
            [county["week"]],
        )
    }
    lo, hi = wilson(2, len(returned))
    assert rows["county", None] == (
        len(items),
        len(returned),
        2,
        pytest.approx(2 / len(returned)),
        pytest.approx(lo, abs=1e-9),
        pytest.approx(hi, abs=1e-9),
    )
    n_t = sum(1 for i in returned if program[i] == target)
    lo, hi = wilson(2, n_t)
    assert rows["program", target][1:] == (
        n_t,
        2,
        pytest.approx(2 / n_t),
        pytest.approx(lo, abs=1e-9),
        pytest.approx(hi, abs=1e-9),
    )
    others = [k for k in rows if k[0] == "program" and k[1] != target]
    assert others and all(rows[k][2] == 0 and rows[k][4] == 0 for k in others)


def test_the_report_shows_the_miss_rate_in_chromium(county, tmp_path):
    from crosscheck.report import browser, render_weekly

    publish(county["wh"])
    files = render_weekly(county["wh"], "2026-W44", tmp_path, png=False, pdf=False)
    # the brief's outcome figure links to the page of outcome tables
    assert 'href="weekly_2026-W44/outcomes.html"' in browser.dump_dom(files.html)
    dom = browser.dump_dom(files.outcomes)
    table = dom[dom.index('id="miss-rate"') :]
    table = table[: table.index("</table>")]
    county_row = q(
        county["wh"],
        "SELECT sampled, returned, misses, miss_rate, ci_low, ci_high FROM marts.miss_rate "
        "WHERE scope = 'county'",
    )[0]
    sampled, returned, misses, rate, lo, hi = county_row
    assert (
        f"<td>{county['week']}</td><td>全县</td>" in table
        and f"<td>{sampled}</td><td>{returned}</td><td>{misses}</td><td>{100 * rate:.1f}%</td>"
        f"<td>{100 * lo:.1f}%–{100 * hi:.1f}%</td>"
        in table
    )
