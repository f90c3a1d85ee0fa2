"""What the rules emit is what the rulebook declares (crosscheck/rulebook.yml),
on the session's generated county: severity, subtypes, evidence keys in order."""

from __future__ import annotations

import json

from crosscheck import rulebook

RB = rulebook.load()


def _top(keys) -> list[str]:
    return [k for k in keys if "." not in k]


def _nested(data: dict) -> set[str]:
    out = set()
    for key, value in data.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                out |= {f"{key}.{k}" for k in item}
    return out


def test_findings_follow_the_declaration(county):
    seen: dict[str, set[str]] = {code: set() for code in RB.rules}
    for a in county.after:
        rule = RB.rules[a["rule_code"]]
        sev = rule.severity
        expected = sev if isinstance(sev, str) else sev.get(a["subtype"], sev["default"])
        assert a["severity"] == expected, a["anomaly_id"]
        assert a["subtype"] is None or a["subtype"] in rule.subtypes, a["subtype"]
        data = json.loads(a["evidence"])
        keys = list(rule.evidence) + (list(RB.linked_evidence) if a["subtype"] == "LINKED" else [])
        assert list(data) == _top(keys), (a["rule_code"], list(data))
        nested = _nested(data)
        assert nested <= set(keys), (a["rule_code"], sorted(nested - set(keys)))
        seen[a["rule_code"]] |= set(data) | nested
    for code, rule in RB.rules.items():
        missing = set(rule.evidence) - seen[code]
        assert not missing, (code, sorted(missing))  # every declared key is emitted
