"""The township workbook's columns: written by the export, read back by feedback.

One place names the headers so the two sides cannot drift apart.
"""

from __future__ import annotations

COVER_SHEET = "封面"
# The first sheet: every 加急 finding of the workbook (pending payments to check
# before the bank pays), gathered from the rule sheets; each finding is on one
# sheet only, so it is answered once.
URGENT_SHEET = "加急"

ID_HEADER = "问题编号"
SEQ = "序号"

# (header, width) of the finding columns, in order. Widths are Excel character
# widths for the sheets' 9-point text (the 问题编号 in 8 points shows its 32
# characters whole), chosen so a sheet prints one A4 page wide (landscape) at
# about 60 %; long texts wrap and rows grow (forms.fit_rows).
FINDING_COLUMNS = [
    (SEQ, 4),
    (ID_HEADER, 24),
    ("加急", 4),
    ("风险评分", 5),
    ("规则", 8),
    ("问题类型", 7),
    ("风险等级", 4),
    ("姓名", 7),
    ("身份证号", 16),
    ("户号", 9),
    ("补贴项目", 9),
    ("所属期", 6),
    ("支付单号", 11),
    ("收款账号", 11),
    ("风险金额(元)", 9),
    ("已追回(元)", 8),
    ("首次发现", 9),
    ("疑点说明", 36),
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
    (CONCLUSION, 7),
    (MEASURES, 9),
    (CONFIRMED, 8),
    (RECOVERED, 8),
    (REVIEWER, 6),
    (REVIEW_DATE, 9),
    (NOTE, 14),
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
    (SEQ, 4),
    (ID_HEADER, 24),
    ("抽查周", 8),
    ("姓名", 7),
    ("身份证号", 16),
    ("补贴项目", 12),
    ("所属期", 6),
    ("支付单号", 11),
    ("收款账号", 16),
    ("发放金额(元)", 9),
    ("到账日期", 9),
    ("核查要求", 36),
]

# The sign-off block of the cover (government form): filled by the township.
SIGN_OFF = ("填报单位", "填报人", "联系电话", "审核人（签字）", "填报日期")
SAMPLE_HEADERS = [h for h, _ in SAMPLE_COLUMNS + FEEDBACK_COLUMNS]


def sheet_name(rule_code: str, rule_name: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    name = f"{rule_code} {rule_name}"
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name[:31]
