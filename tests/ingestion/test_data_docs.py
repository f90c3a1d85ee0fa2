"""Data Docs: every validation so far, offline, on the page of its extract month,
newest first; a delivery that loaded with a failed warning reads as a warning, a
quarantined one as failed. A run rewrites the index and the months it changed."""

from __future__ import annotations

import datetime as dt
import re

from deliveries import ledger_rows, write_delivery

from crosscheck.gate.data_docs import show_value
from crosscheck.ingest import api
from crosscheck.report import browser
from crosscheck.review.privacy import _IDENTIFIER_RE as IDENTIFIER

DAY = dt.date(2026, 11, 2)  # the day after the baseline
NEXT = dt.date(2026, 11, 3)


def test_the_page_keeps_every_run_offline_with_warnings_as_warnings(env):
    rows = ledger_rows(DAY)
    rows[1]["reissue_of"] = "NOPE999"  # names no known payment: a warning, the delivery loads
    write_delivery(env.landing, "ledger", DAY, rows)
    env.ingest(as_of=DAY, data_docs=True)
    rows = ledger_rows(NEXT)
    write_delivery(env.landing, "ledger", NEXT, [*rows, rows[0]])  # duplicate key: quarantined
    env.ingest(as_of=NEXT, data_docs=True)
    docs = api.docs_dir(env.warehouse)
    page = docs / "2026-11.html"
    for text in (page.read_text(encoding="utf-8"), (docs / "index.html").read_text("utf-8")):
        # offline: nothing to fetch, the style is in the page
        assert "<link" not in text and "<script" not in text and "<style>" in text
        assert not re.findall(r"https?://", text)
        assert not IDENTIFIER.findall(text)
    dom = browser.dump_dom(page)
    runs = dom[dom.index('id="runs"') :]
    runs = runs[: runs.index("</table>")]
    rows = re.findall(r'<tr class="run (\w+)"><td>[^<]*</td><td>(\w+)</td><td>([\d-]+)</td>', runs)
    loads = env.query(
        "SELECT count(*) FROM meta.loads WHERE load_id IN "
        "(SELECT load_id FROM meta.validation_results)"
    )[0][0]
    assert len(rows) == loads > 8  # the baseline's runs are still there (history)
    assert rows[0] == ("failed", "ledger", NEXT.isoformat())  # newest first
    assert rows[1] == ("warning", "ledger", DAY.isoformat())
    assert {r[0] for r in rows[2:]} == {"passed"}
    warned = _details(dom, f"ledger {DAY.isoformat()}")
    assert "警告 / Warning" in warned and "Failed" not in warned
    failed = _details(dom, f"ledger {NEXT.isoformat()}")
    assert "隔离 / Failed" in failed and "key_unique" in failed
    index = browser.dump_dom(docs / "index.html")
    assert re.search(r'<a href="2026-11.html">2026-11</a></td><td class="n">(\d+)<', index)[1] == (
        str(loads)
    )
    latest = index[index.index('id="latest"') :]
    assert f'href="2026-11.html#run-ledger-{NEXT:%Y%m%d}' in latest


def test_a_night_rewrites_the_index_and_its_own_month_only(env):
    """A delivery of December leaves November's page as it was; a missing page, or a
    month whose deliveries changed (a release), is rendered again."""
    rows = ledger_rows(DAY)
    write_delivery(env.landing, "ledger", DAY, [*rows, rows[0]])  # quarantined
    env.ingest(as_of=DAY, data_docs=True)
    docs = api.docs_dir(env.warehouse)
    november = docs / "2026-11.html"
    before = november.stat().st_ino, november.read_text("utf-8")
    assert "quarantined" in before[1]
    dec = dt.date(2026, 12, 1)
    write_delivery(env.landing, "ledger", dec, ledger_rows(dec, prefix="D"))
    env.ingest(as_of=dec, data_docs=True)
    assert november.stat().st_ino == before[0]  # not written again
    assert (docs / "2026-12.html").is_file()
    assert 'href="2026-12.html"' in (docs / "index.html").read_text("utf-8")
    (docs / "2026-12.html").unlink()
    api.release(env.warehouse, _quarantined(env, DAY), "checked by hand")
    dec2 = dt.date(2026, 12, 2)
    write_delivery(env.landing, "ledger", dec2, ledger_rows(dec2, prefix="E"))
    env.ingest(as_of=dec2, data_docs=True)
    assert (docs / "2026-12.html").is_file()  # missing: rendered again
    after = november.read_text("utf-8")
    assert november.stat().st_ino != before[0] and after != before[1]  # the release shows
    run = after[after.index(f"<td>ledger</td><td>{DAY.isoformat()}</td>") :]
    assert run[: run.index("</tr>")].count("<td>loaded</td>") == 1


def _quarantined(env, day) -> str:
    """The load id of the ledger's quarantined delivery of `day`."""
    ((load_id,),) = env.query(
        "SELECT load_id FROM meta.loads WHERE source = 'ledger' AND extract_date = ? "
        "AND status = 'quarantined'",
        [day],
    )
    return load_id


def _details(dom: str, summary: str) -> str:
    """The <details> element of one run (its summary names source and date)."""
    at = dom.index(summary)
    start = dom.rindex("<details", 0, at)
    return dom[start : dom.index("</details>", at)]


def test_observed_values_are_rounded_and_masked():
    assert show_value("0.16666666666666666") == "0.1667"
    assert show_value('{"unexpected_percent": 16.666666666666664, "element_count": 6}') == (
        '{"unexpected_percent": 16.6667, "element_count": 6}'
    )
    assert show_value('["500101194501011234"]') == '["500101********1234"]'
    assert show_value("12") == "12"
