"""A generated county's planted truth (`crosscheck generate --truth`) beside what the
rules found: the check `crosscheck bench` records for its last night, and the one the
end-to-end tests assert."""

from __future__ import annotations

from decimal import Decimal

RULES = [f"R{i:02d}" for i in range(1, 15)]
LINKED_RULES = ("R01", "R07", "R08", "R13")  # the rules that find through an identity link


def finding_set(rows, rule: str, linked: bool = False) -> set[tuple]:
    """(rule, subtype, key, amount, status): a finding reported pending but paid is wrong.
    Exact findings of a rule, or (linked=True) its LINKED findings with the person."""
    return {
        (
            r["rule_code"],
            r.get("subtype"),
            r["finding_key"],
            Decimal(str(r["amount_at_risk"])),
            r.get("status") or None,
        )
        + ((r["person_id"],) if linked else ())
        for r in rows
        if r["rule_code"] == rule and (r.get("subtype") == "LINKED") == linked
    }


def compare(truth: dict, anomalies: list[dict]) -> dict:
    """Per rule: planted, found, missing and extra findings (exact, then LINKED), and the
    near misses flagged; `exact` when nothing is missing, extra or a near miss,
    `rules_exact` when that holds of the exact rules."""

    def tally(expected: set, found: set) -> dict:
        return {
            "planted": len(expected),
            "found": len(found),
            "missing": len(expected - found),
            "extra": len(found - expected),
        }

    rules = {
        rule: tally(finding_set(truth["findings"], rule), finding_set(anomalies, rule))
        for rule in RULES
    }
    linked = {
        rule: tally(
            finding_set(truth.get("linked_findings", []), rule, linked=True),
            finding_set(anomalies, rule, linked=True),
        )
        for rule in LINKED_RULES
    }
    flagged = {(a["rule_code"], a["finding_key"]) for a in anomalies}
    misses = truth.get("near_misses", [])
    near = [m for m in misses if (m["rule_code"], m["finding_key"]) in flagged]
    rules_exact = not near and all(t["missing"] == t["extra"] == 0 for t in rules.values())
    linked_exact = all(t["missing"] == t["extra"] == 0 for t in linked.values())
    return {
        "as_of": truth["as_of"],
        "exact": rules_exact and linked_exact,
        # the exact rules and the near misses; the LINKED findings are the identity
        # model's, whose recall falls with the register's size (its prior)
        "rules_exact": rules_exact,
        "rules": rules,
        "linked": linked,
        "near_misses": len(truth.get("near_misses", [])),
        "near_misses_flagged": len(near),
    }
