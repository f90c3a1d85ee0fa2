"""A LINKED finding in the township workbook: the candidate's masked ID, what
agreed in plain Chinese, and the probability (issue 15)."""

from __future__ import annotations

import json

from crosscheck.review.evidence import render
from crosscheck.review.labels import subtype_label

EVIDENCE = json.dumps(
    {
        "recipient_id_raw": "500230196003129015",
        "amount": "380.00",
        "death_date": "2026-05-13",
        "linked": True,
        "typed_id": "500230196003129015",
        "typed_name": "韩大明",
        "linked_person_id": "500230196003129016",
        "linked_person_name": "韩大明",
        "match_probability": 0.999968,
        "match_weight": 15.2,
        "agreement_zh": "姓名相同；身份证号仅校验位不同；出生日期相同；乡镇相同",
        "agreement": [{"comparison": "name", "level": "exact", "match_weight": 15.34}],
        "link_model_version": "24fdbd01b0bc",
    },
    ensure_ascii=False,
)


def test_linked_finding_tells_the_link_first_with_masked_ids():
    text = render("R01", EVIDENCE)
    assert text.startswith("录入的身份证号500230********9015")
    assert "最可能是户籍人员韩大明（500230********9016）" in text
    assert "匹配概率99.99%" in text  # rounded down, never 100% for less
    assert "姓名相同；身份证号仅校验位不同；出生日期相同；乡镇相同" in text
    assert "该人员已死亡" in text and "死亡日期：2026-05-13" in text
    assert "500230196003129016" not in text and "match_weight" not in text
    assert "link_model_version" not in text


def test_full_identifiers_when_allowed():
    assert "（500230196003129016）" in render("R01", EVIDENCE, full=True)


def test_linked_subtype_has_a_chinese_label():
    assert subtype_label("LINKED").startswith("疑似身份关联")
