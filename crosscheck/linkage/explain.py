"""What agreed and what did not, for the evidence (JSON) and for auditors (plain Chinese)."""

from __future__ import annotations

ZH = {
    "name": {
        "exact": "姓名相同",
        "one_char": "姓名相差一个字",
        "different": "姓名不同",
        "null": "姓名缺失",
    },
    "id_number": {
        "exact": "身份证号相同",
        "check_char": "身份证号仅校验位不同",
        "one_edit": "身份证号相差一位或两位颠倒",
        "two_edits": "身份证号相差两位",
        "relative": "所填身份证号属同户家庭成员",
        "different": "身份证号差异较大",
        "null": "身份证号缺失",
    },
    "birth_date": {
        "exact": "出生日期相同",
        "same_year": "出生年份相同、日期不同",
        "different": "出生日期不同",
        "null": "出生日期无法从所填号码读出",
    },
    "division_code": {
        "exact": "乡镇相同",
        "different": "乡镇不同",
        "null": "无乡镇信息",
    },
}


def waterfall(levels: dict[str, str], weights: dict[str, float]) -> list[dict]:
    """One entry per comparison: its level and its match weight (log2 Bayes factor)."""
    return [
        {"comparison": c, "level": levels[c], "match_weight": round(float(weights[c]), 2)}
        for c in ZH
    ]


def in_chinese(levels: dict[str, str]) -> str:
    """e.g. 姓名相同；身份证号相差一位或两位颠倒；出生日期相同；乡镇相同"""
    return "；".join(ZH[c][levels[c]] for c in ZH)
