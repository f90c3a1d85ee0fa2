"""The evidence JSON of a finding, told in plain Chinese words.

A township clerk verifies a finding from the workbook alone, so each rule's
evidence becomes a sentence: what the rule saw, then each fact with its
Chinese name. Identifiers inside the evidence are masked (privacy.show) unless
the export is allowed full identifiers.
"""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, Decimal

from crosscheck import rulebook
from crosscheck.review.labels import SUBTYPES, program_label
from crosscheck.review.privacy import show

_RULEBOOK = rulebook.load()
# What each rule saw, in one clause (the rulebook's `lead`, parameters filled in).
LEADS = {code: _RULEBOOK.lead(code) for code in _RULEBOOK.rules}

# Chinese names of the facts rules put in their evidence (the rulebook's
# `evidence_labels`; tests/test_rulebook.py holds them to what the rules emit).
FIELDS = dict(_RULEBOOK.evidence_labels)

# Coded values told in words, per key.
VALUES = {
    "status": {
        "PAID": "已到账",
        "PENDING": "待支付",
        "FAILED": "支付失败",
        "RETURNED": "已退回国库",
        "CANCELLED": "已取消",
    },
    "cycle": {
        "monthly": "按月",
        "quarterly": "按季",
        "annual": "按年",
        "one-off": "一次性",
    },
    "hukou_status": {
        "0": "正常",
        "1": "死亡注销",
        "2": "迁出",
        "3": "服兵役",
        "4": "出国（境）",
        "9": "其他",
    },
    "plate_class": {
        "01": "大型汽车",
        "02": "小型汽车",
        "07": "普通摩托车",
        "08": "轻便摩托车",
        "13": "低速车",
        "22": "拖拉机",
    },
    "use_code": {
        "A": "非营运",
        "B": "公路客运",
        "C": "公交客运",
        "D": "出租客运",
        "E": "旅游客运",
        "F": "货运",
        "Z": "残疾人专用车",
    },
    "vehicle_status": {"A": "正常", "B": "转出", "E": "注销", "G": "报废"},
}
for _alias, _base in (
    ("payment_status", "status"),
    ("rightful_status", "status"),
    ("latest_member_status", "status"),
):
    VALUES[_alias] = VALUES[_base]

MONEY_KEYS = {"amount", "ceiling"}

# Shown in the workbook's own columns already.
SKIP = {"payment_id", "program_code", "period"}

PROGRAM_KEYS = {"kept_program_codes", "programs"}


def _fmt(value, *, key: str | None, full: bool) -> str:
    if value is None:
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        names = {**FIELDS, "status": "名册状态"} if key in ("spells", "roster_spells") else FIELDS
        inner = "，".join(
            f"{names.get(k, k)}：{_fmt(v, key=k, full=full)}" for k, v in value.items()
        )
        return f"（{inner}）"
    if isinstance(value, list):
        return "、".join(_fmt(v, key=key, full=full) for v in value) or "无"
    if isinstance(value, float):
        value = Decimal(str(value))
    text = str(value)
    if key in PROGRAM_KEYS or key == "program_code":
        text = "、".join(program_label(c) for c in text.split(","))
    elif key in VALUES:
        text = VALUES[key].get(text, text)
    elif text in SUBTYPES:
        text = SUBTYPES[text]
    text = show(text, full=full, field=key)
    if key in MONEY_KEYS:
        text += "元"
    return text


# A LINKED finding (issue 15): the link is told first, in one sentence.
LINK_KEYS = {
    "linked", "typed_id", "typed_name", "linked_person_id", "linked_person_name",
    "match_probability", "match_weight", "agreement", "agreement_zh", "link_model_version",
}  # fmt: skip


def link_sentence(data: dict, *, full: bool = False) -> str:
    """录入的号码 → 户籍中最可能的人员、匹配概率、哪些信息一致（身份证号脱敏）."""
    candidate = show(data.get("linked_person_id"), full=full, field="linked_person_id")
    typed = show(data.get("typed_id"), full=full, field="typed_id")
    # rounded down: 0.99997 is not "100%"
    probability = (Decimal(str(data.get("match_probability") or 0)) * 100).quantize(
        Decimal("0.01"), rounding=ROUND_DOWN
    )
    return (
        f"录入的身份证号{typed}在户籍中查无此人或不符，按姓名、号码、出生日期、乡镇比对，"
        f"最可能是户籍人员{data.get('linked_person_name') or ''}（{candidate}），"
        f"匹配概率{probability}%（{data.get('agreement_zh') or ''}）；以下按该人员核查"
    )


def render(rule_code: str | None, evidence: str | None, *, full: bool = False) -> str:
    """One paragraph: the rule's lead, then each evidence fact as 名称：值."""
    lead = LEADS.get(rule_code or "", "")
    facts: list[str] = []
    if evidence:
        try:
            data = json.loads(evidence, parse_float=Decimal)
        except (TypeError, ValueError):
            data = {"说明": evidence}
        if not isinstance(data, dict):
            data = {"说明": data}
        if data.get("linked") is True:
            lead = f"{link_sentence(data, full=full)}。{lead}"
        for key, value in data.items():
            if value is None or value == "" or value == [] or key in SKIP:
                continue
            if data.get("linked") is True and key in LINK_KEYS:
                continue
            facts.append(f"{FIELDS.get(key, key)}：{_fmt(value, key=key, full=full)}")
    body = "；".join(facts)
    if lead and body:
        return f"{lead}。{body}。"
    return f"{lead}。" if lead else (f"{body}。" if body else "")
