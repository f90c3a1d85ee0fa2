"""Chinese names for what people read: rules, subtypes, programs, severities.

Display text only; what a rule flags lives in dbt. Shared by the township
workbooks, the weekly report and the notebooks. Rule, subtype and program
names come from the rulebook (crosscheck/rulebook.yml).
"""

from __future__ import annotations

from crosscheck import rulebook

_RULEBOOK = rulebook.load()
RULES = {code: r.zh for code, r in _RULEBOOK.rules.items()}
SUBTYPES = dict(_RULEBOOK.subtypes)

SEVERITY = {"high": "高", "medium": "中", "low": "低"}

PROGRAMS = {code: p.zh for code, p in _RULEBOOK.programs.items()}

CONCLUSIONS = ("属实", "不属实", "部分属实")

# 处理措施: what the township did, one of a list (a drop-down in the workbook,
# checked by load-feedback). Anything else goes to 其他 with the words in 说明.
MEASURES = (
    "停发",
    "追回资金",
    "停发并追回",
    "更正信息后继续发放",
    "移交纪检监察",
    "无需处理",
    "其他（见说明）",
)

# 抽查 items (the weekly random sample of unflagged payments) are not leads:
# the township says whether it found a problem (a miss of the rules) or not.
SAMPLE_RULE = "SAMPLE"
SAMPLE_FOUND, SAMPLE_CLEAR = "发现问题", "未发现问题"
SAMPLE_CONCLUSIONS = (SAMPLE_CLEAR, SAMPLE_FOUND)

SOURCES = {
    "hukou": "户籍(公安)",
    "vehicles": "机动车登记(交管)",
    "deaths": "死亡医学证明(卫健)",
    "cremations": "殡葬火化(民政)",
    "assistance": "救助对象名册(民政)",
    "sscards": "社会保障卡(人社)",
    "payroll": "财政供养人员工资(人社/财政)",
    "ledger": "一卡通发放明细(财政)",
}


def rule_label(code: str | None) -> str:
    return f"{code} {RULES.get(code or '', '')}".strip() if code else ""


def program_label(code: str | None) -> str:
    if not code:
        return ""
    return f"{code} {PROGRAMS.get(code, '')}".strip()


def subtype_label(code: str | None) -> str:
    return SUBTYPES.get(code or "", code or "")
