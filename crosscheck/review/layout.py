"""The township workbook's columns: written by the export, read back by feedback.

One place names the headers so the two sides cannot drift apart.
"""

from __future__ import annotations

COVER_SHEET = "封面"

ID_HEADER = "问题编号"

# (header, width) of the finding columns, in order.
FINDING_COLUMNS = [
    (ID_HEADER, 18),
    ("加急", 6),
    ("风险评分", 8),
    ("规则", 20),
    ("问题类型", 14),
    ("风险等级", 8),
    ("姓名", 10),
    ("身份证号", 21),
    ("户号", 14),
    ("补贴项目", 26),
    ("所属期", 9),
    ("支付单号", 14),
    ("收款账号", 22),
    ("风险金额(元)", 12),
    ("已追回(元)", 11),
    ("首次发现", 11),
    ("疑点说明", 60),
]

CONCLUSION = "核查结论"
CONFIRMED = "核实金额"
RECOVERED_SO_FAR = "已追回(元)"
MEASURES = "处理措施"
RECOVERED = "追回金额"
REVIEWER = "核查人"
REVIEW_DATE = "核查日期"
NOTE = "说明"

FEEDBACK_COLUMNS = [
    (CONCLUSION, 11),
    (MEASURES, 20),
    (CONFIRMED, 11),
    (RECOVERED, 11),
    (REVIEWER, 10),
    (REVIEW_DATE, 12),
    (NOTE, 30),
]

HEADERS = [h for h, _ in FINDING_COLUMNS + FEEDBACK_COLUMNS]
FEEDBACK_HEADERS = [h for h, _ in FEEDBACK_COLUMNS]
# Feedback columns added later: workbooks sent before them are still read.
OPTIONAL_FEEDBACK_HEADERS = [CONFIRMED]
URGENT = "加急"
SCORE = "风险评分"


SAMPLE_SHEET = "抽查"

# (header, width) of a 抽查 item: a paid payment no rule flagged, to check in the field.
SAMPLE_COLUMNS = [
    (ID_HEADER, 18),
    ("抽查周", 10),
    ("姓名", 10),
    ("身份证号", 21),
    ("补贴项目", 26),
    ("所属期", 9),
    ("支付单号", 14),
    ("收款账号", 22),
    ("发放金额(元)", 12),
    ("到账日期", 11),
    ("核查要求", 40),
]
SAMPLE_HEADERS = [h for h, _ in SAMPLE_COLUMNS + FEEDBACK_COLUMNS]


def sheet_name(rule_code: str, rule_name: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    name = f"{rule_code} {rule_name}"
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name[:31]
