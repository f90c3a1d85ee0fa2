"""ID number (公民身份号码) normalization: the ONE definition everything uses.

docs/DELIVERY_FORMATS.md "ID number": trim white space (ASCII, U+3000, U+00A0), fold
full-width digits and Ｘ/ｘ, upper-case x, upgrade an all-digit 15-character
value to 18 (insert 19 after the area code, compute the ISO 7064 MOD 11-2
check character). Valid = 18 chars, 17 digits + digit/X, correct check
character, characters 7–14 a real date.

Two implementations of the same rules: DuckDB macros (`install_macros`, used
set-based by the readers) and a pure-Python reference (`normalize`,
`is_valid`), which the property tests hold equal on random input.
"""

from __future__ import annotations

import datetime as dt

import duckdb

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# ASCII white space as Python's str.isspace sees it in ASCII, plus U+3000, U+00A0.
TRIM_CHARS = " \t\n\r\x0b\x0c\u3000\u00a0"
FULL_WIDTH = "０１２３４５６７８９Ｘｘ"
HALF_WIDTH = "0123456789XX"
_FOLD = str.maketrans(FULL_WIDTH, HALF_WIDTH)


# --- pure-Python reference -------------------------------------------------


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize(value: str | None) -> str | None:
    """Normalized text of an ID value (None for NULL or blank)."""
    if value is None:
        return None
    s = value.strip(TRIM_CHARS).translate(_FOLD).replace("x", "X")
    if not s:
        return None
    if len(s) == 15 and s.isascii() and s.isdigit():
        body = s[:6] + "19" + s[6:]
        s = body + check_char(body)
    return s


def is_valid(normalized: str | None) -> bool:
    """Whether a normalized value is a valid 18-character ID number."""
    s = normalized
    if s is None or len(s) != 18 or not s.isascii():
        return False
    if not (s[:17].isdigit() and (s[17].isdigit() or s[17] == "X")):
        return False
    if check_char(s[:17]) != s[17]:
        return False
    try:
        dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return True


# --- DuckDB macros ---------------------------------------------------------


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _check_sum_sql(v: str) -> str:
    """The weighted digit sum of 17 digits given as their BIGINT value `v`: integer
    arithmetic on one value, not 17 substrings (the check is in every ID of every row)."""
    terms = " + ".join(
        f"({v} // {10 ** (16 - i)} % 10) * {w}" if i < 16 else f"({v} % 10) * {w}"
        for i, w in enumerate(WEIGHTS)
    )
    return f"({terms})"


def macro_sql() -> list[str]:
    """CREATE MACRO statements: cc_id_norm(text) and cc_id_valid(normalized)."""
    trim_class = "".join(f"\\x{{{ord(c):04x}}}" for c in TRIM_CHARS)
    # translate() is slow on long columns and only non-ASCII values can hold full-width
    # characters; folding before trimming is the same (the fold touches no white space).
    full = f"translate(s, {_sql_literal(FULL_WIDTH)}, {_sql_literal(HALF_WIDTH)})"
    folded = f"CASE WHEN regexp_matches(s, '[^\\x00-\\x7F]') THEN {full} ELSE s END"
    trim = f"regexp_replace({folded}, '^[{trim_class}]+|[{trim_class}]+$', '', 'g')"
    fold = f"replace({trim}, 'x', 'X')"
    check = f"substr({_sql_literal(CHECK_CHARS)}, ({_check_sum_sql('v')}) % 11 + 1, 1)"
    return [
        # check character of 17 digits, from their value / from their text
        f"CREATE OR REPLACE MACRO cc_id_check_of(v) AS {check}",
        "CREATE OR REPLACE MACRO cc_id_check(b) AS cc_id_check_of(TRY_CAST(b AS BIGINT))",
        f"CREATE OR REPLACE MACRO cc_id_fold(s) AS nullif({fold}, '')",
        """CREATE OR REPLACE MACRO cc_id_upgrade(s) AS
           CASE WHEN regexp_full_match(s, '[0-9]{15}')
                THEN substr(s, 1, 6) || '19' || substr(s, 7)
                     || cc_id_check(substr(s, 1, 6) || '19' || substr(s, 7))
                ELSE s END""",
        "CREATE OR REPLACE MACRO cc_id_norm(s) AS cc_id_upgrade(cc_id_fold(s))",
        # the value of the 17 digits of a well-formed ID, NULL for anything else
        """CREATE OR REPLACE MACRO cc_id_value(n) AS
           CASE WHEN regexp_full_match(n, '[0-9]{17}[0-9X]')
                THEN TRY_CAST(substr(n, 1, 17) AS BIGINT) END""",
        # valid, given the normalized text and its cc_id_value (computed once, in an
        # earlier projection: inside AND/CASE DuckDB would evaluate it once per digit)
        """CREATE OR REPLACE MACRO cc_id_valid_of(n, v) AS
           coalesce(v IS NOT NULL
                AND cc_id_check_of(v) = substr(n, 18, 1)
                AND substr(n, 7, 4) >= '0001'
                AND try_strptime(substr(n, 7, 8), '%Y%m%d') IS NOT NULL, false)""",
        # standalone: a scalar subquery binds the (often nested) argument once
        """CREATE OR REPLACE MACRO cc_id_valid(n) AS
           (SELECT cc_id_valid_of(x, cc_id_value(x)) FROM (SELECT n AS x))""",
    ]


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ID macros on a connection (temporary, per connection)."""
    for stmt in macro_sql():
        con.execute(stmt.replace("CREATE OR REPLACE MACRO", "CREATE OR REPLACE TEMP MACRO"))


def id_stages_sql(expr: str, name: str) -> tuple[str, str, str, str]:
    """The three raw-table columns of an `id` column, computed in four steps.

    Nesting the macros (cc_id_valid(cc_id_norm(x))) expands to a huge
    expression that takes DuckDB seconds to plan, and repeats inner values;
    computing fold → upgrade → value → valid in successive projections keeps
    each step small and computes each value once. Returns the select-list items
    of step 1 (fold), step 2 (upgrade), step 3 (value) and the final step.
    """
    f, n, v = f'"__f_{name}"', f'"__n_{name}"', f'"__v_{name}"'
    return (
        f"cc_id_fold({expr}) AS {f}",
        f"cc_id_upgrade({f}) AS {n}",
        f"cc_id_value({n}) AS {v}",
        f'{expr} AS "{name}_raw", {n} AS "{name}", cc_id_valid_of({n}, {v}) AS "{name}_valid"',
    )
