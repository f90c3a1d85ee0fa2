"""Derive each source's expectation suite from sources.yml and thresholds.yml.

The suites are kept as reviewable files (crosscheck/gate/suites/<source>.yml);
`python -m crosscheck.gate.suite_builder` regenerates them and a test fails when
a committed suite differs from what the declarations give. Each expectation
carries an `id` (what meta.validation_results and `crosscheck status` show),
a policy and the reason for it (docs/QUALITY_GATE.md is generated from them):

- `critical`: a failure quarantines the delivery (it is broken as a whole:
  wrong columns, implausible volume, ambiguous keys);
- `warning`: a failure is recorded and the delivery loads;
- `rate`: a row-level defect. Failing rows are recorded as a warning; the
  delivery is quarantined only when it has at least `rate_min_rows` rows and
  the failing share exceeds the expectation's `share_above`. Bad values in a
  few rows are what the rules are for (an invalid ID is R09's), so a small
  daily delivery is never quarantined for them.

Per-delivery values are GX suite parameters ($PARAMETER): `min_rows`,
`max_rows` (from the previous good delivery of a snapshot source).
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import yaml

from crosscheck import rulebook, yamlfile
from crosscheck.config import REPO_ROOT
from crosscheck.ingest.sources import Source, load_sources

HERE = Path(__file__).resolve().parent
SUITES_DIR = HERE / "suites"
THRESHOLDS = HERE / "thresholds.yml"

MONTH_REGEX = r"^[0-9]{4}(0[1-9]|1[0-2])$"
DIVISION_REGEX = r"^[0-9]{9}$"
PERIOD_REGEX = r"^[0-9]{4}((0[1-9]|1[0-2])|Q[1-4])?$"
ACCOUNT_REGEX = r"^[0-9]{16,19}$"


@cache
def thresholds() -> dict:
    return yamlfile.read(THRESHOLDS)


POLICIES = ("critical", "warning", "rate")


def _e(
    id_: str,
    type_: str,
    severity: str,
    description: str,
    why: str,
    share_above: float | None = None,
    **kwargs,
) -> dict:
    """One expectation; `rate` ones carry when they quarantine (see the module docstring)."""
    if severity not in POLICIES:
        raise ValueError(f"unknown policy {severity!r} of expectation {id_}")
    out: dict[str, object] = {
        "id": id_,
        "type": type_,
        "severity": severity,
        "description": description,
    }
    if severity == "rate":
        t = thresholds()
        share = t["rate_quarantine_share"] if share_above is None else share_above
        out["quarantine"] = {"min_rows": int(t["rate_min_rows"]), "share_above": float(share)}
    out["why"] = why
    out["kwargs"] = kwargs
    return out


def _rows(id_: str, severity: str, description: str, where: str, why: str) -> dict:
    return _e(
        id_,
        "unexpected_rows",
        severity,
        description,
        why,
        unexpected_rows_query=f"SELECT * FROM {{batch}} WHERE {where}",
    )


WHY_ROWS = (
    "a row-level defect: recorded on any row, quarantines only a large delivery where it is common"
)


def build_suite(source: Source) -> dict:
    t = thresholds()
    out: list[dict] = []
    raw_cols = [n for n, _ in source.raw_columns()]
    out.append(
        _e(
            "columns_as_declared",
            "expect_table_columns_to_match_set",
            "critical",
            "the typed batch has exactly the declared columns",
            "a delivery with other columns than declared cannot be read as a whole",
            column_set=raw_cols,
            exact_match=True,
        )
    )
    if source.kind == "snapshot":
        out.append(
            _e(
                "row_count_near_previous",
                "expect_table_row_count_to_be_between",
                "critical",
                f"a snapshot stays within ±{t['snapshot_row_tolerance']:.0%} of the previous good "
                "delivery's row count (a snapshot that halves overnight is broken)",
                "implausible volume: a truncated or doubled snapshot would silently end or "
                "duplicate every person's facts",
                min_value={"$PARAMETER": "min_rows"},
                max_value={"$PARAMETER": "max_rows"},
            )
        )
    # Empty keys never reach the gate: the reader rejects such rows (meta.rejects).
    # Uniqueness as one GROUP BY (GX's compound-uniqueness SQL is a self-join:
    # seconds per million rows).
    keys = ", ".join(f'"{k}"' for k in source.key)
    key_id = f"{source.key[0]}_unique" if len(source.key) == 1 else "key_unique"
    out.append(
        _e(
            key_id,
            "unexpected_rows",
            "critical" if source.key_unique else "warning",
            f"key ({', '.join(source.key)}) is unique within the delivery",
            "two different rows under one key make the delivery ambiguous: which one is the "
            "record cannot be decided"
            if source.key_unique
            else "one ID in several rows is a data-quality warning (the rulebook says which "
            "row wins)",
            unexpected_rows_query=(
                f"SELECT {keys}, count(*) AS n FROM {{batch}} GROUP BY {keys} HAVING count(*) > 1"
            ),
        )
    )
    for c in source.columns:
        if c.required and c.name not in source.key:
            out.append(
                _e(
                    f"{c.name}_not_null",
                    "expect_column_values_to_not_be_null",
                    "rate",
                    f"required column {c.name} is filled in at least {t['required_mostly']:.0%} "
                    "of rows",
                    WHY_ROWS,
                    column=c.name,
                    mostly=t["required_mostly"],
                )
            )
        if c.type == "id":
            mostly = t["id_valid_mostly"].get(source.name, t["id_valid_mostly"]["default"])
            share = t["id_invalid_quarantine_share"]
            out.append(
                _e(
                    f"{c.name}_valid_rate",
                    "expect_column_values_to_be_in_set",
                    "rate",
                    f"at least {mostly:.0%} of the filled {c.name} normalize to a valid ID number",
                    "an invalid ID is R09's finding, never a reason to hold back the delivery; "
                    f"only a large delivery with more than {share:.0%} invalid IDs is broken",
                    share_above=share,
                    column=f"{c.name}_valid",
                    value_set=[True],
                    mostly=mostly,
                    row_condition=f'col("{c.name}").notNull()',
                    condition_parser="great_expectations",
                )
            )
        if c.type == "code":
            out.append(
                _e(
                    f"{c.name}_in_list",
                    "expect_column_values_to_be_in_set",
                    "rate",
                    f"{c.name} takes only the declared codes",
                    WHY_ROWS,
                    column=c.name,
                    value_set=list(c.values or ()),
                )
            )
        if c.type == "month":
            out.append(
                _e(
                    f"{c.name}_is_month",
                    "expect_column_values_to_match_regex",
                    "rate",
                    f"{c.name} is YYYYMM",
                    WHY_ROWS,
                    column=c.name,
                    regex=MONTH_REGEX,
                )
            )
        if c.type == "division":
            out.append(
                _e(
                    f"{c.name}_is_division",
                    "expect_column_values_to_match_regex",
                    "warning",
                    f"{c.name} is a 9-digit division code",
                    "no rule depends on the division's form; it only places a finding",
                    column=c.name,
                    regex=DIVISION_REGEX,
                )
            )
        if c.type == "account":
            out.append(
                _e(
                    f"{c.name}_is_account",
                    "expect_column_values_to_match_regex",
                    "warning",
                    f"{c.name} is 16-19 digits",
                    "an odd account is R10's (not a card) or R11's to judge",
                    column=c.name,
                    regex=ACCOUNT_REGEX,
                )
            )
        if c.type in ("date", "excel_date", "timestamp"):
            col = f'CAST("{c.name}" AS DATE)'
            out.append(
                _rows(
                    f"{c.name}_plausible",
                    "rate",
                    f"{c.name} lies between {t['earliest_date']} and the extract date",
                    f"{col} > _extract_date OR {col} < DATE '{t['earliest_date']}'",
                    WHY_ROWS,
                )
            )
    out.extend(_specific(source))
    return {"source": source.name, "expectations": out}


def _specific(source: Source) -> list[dict]:
    t = thresholds()
    if source.name == "ledger":
        margin = t["amount_ceiling_margin"]
        ceilings = {c: p.ceiling for c, p in rulebook.load().programs.items() if p.ceiling}
        cases = " ".join(
            f"WHEN '{code}' THEN {int(ceiling) * margin}"
            for code, ceiling in sorted(ceilings.items())
        )
        return [
            _rows("amount_positive", "rate", "every amount is positive", "amount <= 0", WHY_ROWS),
            _rows(
                "amount_within_ceiling_margin",
                "warning",
                f"amount ≤ the program's ceiling × {margin} (rulebook catalog)",
                f"amount > CASE program_code {cases} ELSE {t['amount_uncapped_max']} END",
                "an amount above the ceiling is R12's finding; the margin only points at "
                "unit slips (fen for yuan)",
            ),
            _rows(
                "paid_has_sent_date",
                "rate",
                "a PAID payment has a sent_date",
                "status = 'PAID' AND sent_date IS NULL",
                WHY_ROWS,
            ),
            _rows(
                "pending_has_no_sent_date",
                "warning",
                "a PENDING payment has no sent_date yet",
                "status = 'PENDING' AND sent_date IS NOT NULL",
                "harmless to every rule: recorded for the paying department",
            ),
            _rows(
                "failure_has_reason",
                "warning",
                "FAILED and RETURNED carry a fail_reason",
                "status IN ('FAILED', 'RETURNED') AND fail_reason IS NULL",
                "the reason is evidence, not an input of R06",
            ),
            _rows(
                "reissue_of_known_payment",
                "warning",
                "reissue_of names a payment already loaded or in the same delivery "
                "(rulebook R06: otherwise a data-quality warning)",
                # not correlated: raw.ledger has a reissue_of column of its own, which an
                # unqualified name inside a correlated subquery would mean
                "reissue_of IS NOT NULL AND reissue_of NOT IN "
                "(SELECT r.payment_id FROM raw.ledger r "
                "WHERE r.payment_id IN (SELECT reissue_of FROM {batch})) "
                "AND reissue_of NOT IN "
                "(SELECT payment_id FROM {batch} WHERE payment_id IS NOT NULL)",
                "the rulebook makes it a data-quality warning: the payment counts as an original",
            ),
            _e(
                "period_format",
                "expect_column_values_to_match_regex",
                "warning",
                "period is YYYY, YYYYQn or YYYYMM",
                "the rulebook makes a period that does not match the cycle a warning",
                column="period",
                regex=PERIOD_REGEX,
            ),
        ]
    if source.name == "payroll":
        return [
            _rows(
                "gross_pay_positive",
                "warning",
                "gross pay is positive",
                "gross_pay <= 0",
                "R08 looks at the employer and month, not the pay",
            )
        ]
    if source.name == "hukou":
        return [
            _rows(
                "dereg_date_only_when_deregistered",
                "warning",
                "注销日期 is empty while 人员状态 is 0",
                "reg_status = '0' AND dereg_date IS NOT NULL",
                "the death date counts only where 人员状态 is 1",
            ),
            _rows(
                "dead_have_dereg_date",
                "warning",
                "a deregistration for death has its date",
                "reg_status = '1' AND dereg_date IS NULL",
                "certificates and cremations still give the death date",
            ),
        ]
    if source.name == "deaths":
        return [
            _rows(
                "issued_after_death",
                "warning",
                "a certificate is issued on or after the death",
                "issued_date < death_date",
                "the issue date is evidence, not an input of any rule",
            )
        ]
    if source.name == "cremations":
        return [
            _rows(
                "cremated_after_death",
                "warning",
                "cremation on or after the death",
                "cremation_date < death_date",
                "the cremation date is evidence, not an input of any rule",
            )
        ]
    if source.name == "assistance":
        return [
            _rows(
                "spell_ends_after_start",
                "warning",
                "end_month is not before start_month",
                "end_month IS NOT NULL AND end_month < start_month",
                "a reversed spell covers no month: R14 flags the payments it should cover",
            )
        ]
    return []


def suite_path(source_name: str) -> Path:
    return SUITES_DIR / f"{source_name}.yml"


def render(suite: dict) -> str:
    head = (
        f"# Quality suite of `{suite['source']}`: GENERATED by\n"
        "# `python -m crosscheck.gate.suite_builder`"
        " from crosscheck/ingest/sources.yml, crosscheck/gate/thresholds.yml\n"
        "# and crosscheck/rulebook.yml; edit those, not this.\n"
    )
    return head + yaml.safe_dump(suite, allow_unicode=True, sort_keys=False, width=100)


def load_suite(source_name: str) -> dict:
    return yamlfile.read(suite_path(source_name))


POLICY_DOC = REPO_ROOT / "docs" / "QUALITY_GATE.md"


def render_policy() -> str:
    """docs/QUALITY_GATE.md: one line per expectation, its policy and why."""
    t = thresholds()
    lines = [
        "# The quality gate's policy",
        "",
        "GENERATED by `python -m crosscheck.gate.suite_builder` from",
        "`crosscheck/ingest/sources.yml` and `crosscheck/gate/thresholds.yml`; edit those, not",
        "this.",
        "",
        "The gate judges deliveries, not the rows the rules need. Three policies:",
        "",
        "- **critical**: a failure quarantines the whole delivery (it is untrustworthy as a",
        "  whole: wrong columns, implausible volume, ambiguous keys);",
        "- **warning**: a failure is recorded in `meta.validation_results` and the delivery loads;",
        "- **rate**: a row-level defect. Any failing row is recorded as a warning. The delivery",
        f"  is quarantined only when it has at least {t['rate_min_rows']} rows (`rate_min_rows`)",
        "  and the failing share is above the expectation's share (a sample that small means",
        "  nothing; bad values in a few rows are what the rules are for).",
        "",
        "Rows that cannot be typed at all (unparseable dates or amounts, a wrong number of",
        "fields, an empty key) never reach the gate: they go to `meta.rejects` with their",
        "line and reason, and the rest of the delivery loads. Wrong encodings, markers and",
        "headers refuse the delivery before it is read.",
        "",
    ]
    for source in load_sources().values():
        lines += [f"## {source.name}", "", "| expectation | policy | why |", "|---|---|---|"]
        for e in build_suite(source)["expectations"]:
            policy = e["severity"]
            if policy == "rate":
                q = e["quarantine"]
                policy = f"rate (quarantine ≥ {q['min_rows']} rows and > {q['share_above']:.0%})"
            lines.append(f"| `{e['id']}`: {e['description']} | {policy} | {e['why']} |")
        lines.append("")
    return "\n".join(lines)


def write_all() -> list[Path]:
    SUITES_DIR.mkdir(exist_ok=True)
    paths = []
    for source in load_sources().values():
        p = suite_path(source.name)
        p.write_text(render(build_suite(source)), encoding="utf-8")
        paths.append(p)
    POLICY_DOC.write_text(render_policy(), encoding="utf-8")
    paths.append(POLICY_DOC)
    return paths


if __name__ == "__main__":
    for p in write_all():
        print(p.relative_to(REPO_ROOT))
    sys.exit(0)
