"""ID normalization: the DuckDB macros equal the Python reference, and the rules hold."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosscheck.ingest import idnorm
from crosscheck.ingest.idnorm import check_char, is_valid, normalize

FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    idnorm.install_macros(c)
    yield c
    c.close()


def sql_norm(con, values: list[str | None]) -> list[tuple[str | None, bool]]:
    """Normalize through the same staged SQL the readers use."""
    fold, upgrade, value, final = idnorm.id_stages_sql("v", "x")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE vals AS SELECT unnest(range(len($1))) AS i, unnest($1) AS v",
        [values],
    )
    return [
        (r[0], r[1])
        for r in con.execute(
            f"""WITH a AS (SELECT *, {fold} FROM vals), b AS (SELECT *, {upgrade} FROM a),
                c AS (SELECT *, {value} FROM b)
                SELECT "x", "x_valid" FROM (SELECT i, {final} FROM c) ORDER BY i"""
        ).fetchall()
    ]


def valid_ids():
    """Random valid 18-character IDs (real birth dates, correct check character)."""
    return st.builds(
        lambda area, day, seq: (
            area + day.strftime("%Y%m%d") + seq + check_char(area + day.strftime("%Y%m%d") + seq)
        ),
        st.from_regex(r"[1-6][0-9]{5}", fullmatch=True),
        st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2099, 12, 31)),
        st.from_regex(r"[0-9]{3}", fullmatch=True),
    )


ID_ALPHABET = "0123456789xX０１２３４５６７８９ＸｘaA -\u3000\u00a0\t\n\u2003²"
messy = st.one_of(
    st.none(),
    st.text(alphabet=ID_ALPHABET, max_size=22),
    st.from_regex(r"[0-9]{15}", fullmatch=True),
    st.from_regex(r"[0-9]{17}[0-9Xx]", fullmatch=True),
    valid_ids(),
    st.text(max_size=20),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(messy, min_size=1, max_size=40))
def test_sql_macros_equal_python_reference(con, values):
    expected = [(normalize(v), is_valid(normalize(v))) for v in values]
    assert sql_norm(con, values) == expected
    # the plain macros agree too
    plain = con.execute(
        "WITH n AS (SELECT i, cc_id_norm(v) AS n FROM vals) "
        "SELECT n, cc_id_valid(n) FROM n ORDER BY i"
    ).fetchall()
    assert plain == expected


@given(messy)
def test_normalizing_twice_is_idempotent(value):
    once = normalize(value)
    assert normalize(once) == once


@given(
    valid_ids(), st.sampled_from([" ", "\u3000", "\u00a0", "\t", ""]), st.booleans(), st.booleans()
)
def test_valid_ids_survive_decorations(id18, pad, full_width, lower):
    decorated = id18.translate(FULL) if full_width else id18
    if lower:
        decorated = decorated.replace("X", "x").replace("Ｘ", "ｘ")
    decorated = pad + decorated + pad
    assert normalize(decorated) == id18
    assert is_valid(normalize(decorated))


@given(valid_ids().filter(lambda s: s[6:8] == "19"))
def test_15_digit_upgrade_round_trips(id18):
    legacy = id18[:6] + id18[8:17]
    assert len(legacy) == 15
    assert normalize(legacy) == id18
    assert is_valid(normalize(legacy))


@pytest.mark.parametrize(
    ("value", "normalized", "valid"),
    [
        ("11010519491231002X", "11010519491231002X", True),  # GB 11643 published example
        ("11010519491231002x", "11010519491231002X", True),
        ("440524188001010014", "440524188001010014", True),  # widely published sample
        (" １１０１０５１９４９１２３１００２Ｘ\u3000", "11010519491231002X", True),
        ("110105491231002", "11010519491231002X", True),  # 15-digit legacy form
        ("110105194912310021", "110105194912310021", False),  # wrong check character
        ("11010519490231002X", "11010519490231002X", False),  # 31 Feb is no date
        ("91500000MA5U000000", "91500000MA5U000000", False),  # a company's credit code
        ("12345", "12345", False),
        ("   ", None, False),
        (None, None, False),
    ],
)
def test_known_examples(con, value, normalized, valid):
    assert (normalize(value), is_valid(normalize(value))) == (normalized, valid)
    assert sql_norm(con, [value]) == [(normalized, valid)]
