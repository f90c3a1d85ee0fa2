"""Chinese names for what people read: rules, subtypes, programs, severities.

Display text only; what a rule flags lives in dbt. Shared by the township
workbooks, the weekly report and the notebooks.
"""

from __future__ import annotations

RULES = {
    "R01": "已故人员领取补贴",
    "R02": "重复发放",
    "R03": "不相容补贴重复享受",
    "R04": "银行到账超时",
    "R05": "未按周期及时发放",
    "R06": "资金滞留未到账",
    "R07": "低保等家庭名下有车辆",
    "R08": "低保等家庭有财政供养人员",
    "R09": "身份信息不符",
    "R10": "未发放至本人社保卡",
    "R11": "一个账户多人领取",
    "R12": "超过补贴标准上限",
    "R13": "死亡未注销户籍",
    "R14": "超出救助期限发放",
}

SUBTYPES = {
    "AT_BANK": "银行未退回",
    "RETURNED_UNPAID": "已退回国库未重发",
    "REISSUE_PENDING": "重发待支付",
    "INVALID_ID": "身份证号无效",
    "UNKNOWN_PERSON": "户籍无此人",
    "NAME_MISMATCH": "姓名与户籍不符",
    "CARD_NOT_USABLE": "本人社保卡不可用",
    "OTHER_PERSONS_CARD": "发放至他人账户",
    "NOT_A_CARD": "非社保卡账户",
    "NO_SPELL": "不在救助名册",
    "OUTSIDE_SPELL": "超出救助期间",
    "LINKED": "疑似身份关联（号码有误，按概率匹配）",
}

SEVERITY = {"high": "高", "medium": "中", "low": "低"}

PROGRAMS = {
    "01": "耕地地力保护补贴",
    "02": "农机购置补贴",
    "03": "大中型水库移民后期扶持资金",
    "04": "三峡移民补助资金",
    "05": "前一轮退耕还林直补资金",
    "06": "新一轮退耕还林直补资金",
    "07": "集体和个人所有森林生态效益补偿资金",
    "08": "农村部分计划生育家庭奖励扶助资金",
    "09": "计划生育家庭特别扶助资金",
    "10": "城乡居民最低生活保障金",
    "11": "特困人员救助供养保障金",
    "12": "临时救助金",
    "13": "经济困难高龄失能养老服务补贴",
    "14": "重度残疾人护理补贴",
    "15": "困难残疾人生活补贴",
    "16": "散居孤儿、事实无人抚养儿童补助",
    "17": "自然灾害生活补助资金",
    "18": "农村危房改造补助资金",
}

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
