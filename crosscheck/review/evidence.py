"""The evidence JSON of a finding, told in plain Chinese words.

A township clerk verifies a finding from the workbook alone, so each rule's
evidence becomes a sentence: what the rule saw, then each fact with its
Chinese name. Identifiers inside the evidence are masked unless the export
is allowed full identifiers.
"""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, Decimal

from crosscheck.review.labels import PROGRAMS, SUBTYPES
from crosscheck.review.privacy import mask, mask_in_text

# What each rule saw, in one clause (docs/RULEBOOK.md, said for the township).
LEADS = {
    "R01": "该人员已死亡，死亡后仍有补贴发放",
    "R02": "同一人员同一项目同一期间发放多笔",
    "R03": "同时享受不相容的两项补贴，应停发本项",
    "R04": "银行到账时间超过送达后2个工作日",
    "R05": "补贴发放晚于本期应发日期",
    "R06": "发放失败的资金逾期未到账",
    "R07": "享受困难救助的家庭成员名下有小型或大型车辆",
    "R08": "享受困难救助的家庭成员在机关或事业单位领取工资",
    "R09": "收款人身份信息与户籍不一致",
    "R10": "补贴未发放至本人可用的社保卡",
    "R11": "同一账户同月为多户多人收款",
    "R12": "单笔金额超过该项目每期补贴上限",
    "R13": "已有死亡证明或火化记录超过30天，户籍仍为正常",
    "R14": "发放月份不在救助名册的享受期间内",
}

# Chinese names of the facts rules put in their evidence.
FIELDS = {
    "death_date": "死亡日期",
    "death_month": "死亡月份",
    "death_sources": "死亡信息来源",
    "death_source": "死亡信息来源",
    "certificate_no": "死亡证编号",
    "certificate_date": "死亡证死亡日期",
    "cremation_record_no": "火化记录号",
    "cremation_date": "火化日期",
    "cremation_death_date": "火化记录死亡日期",
    "hukou_dereg_date": "户籍注销日期",
    "hukou_status": "户籍状态",
    "reg_status": "户籍状态",
    "days_since_death": "死亡至今天数",
    "payment_id": "支付单号",
    "amount": "发放金额",
    "period": "所属期",
    "period_start": "期间起始",
    "period_end": "期间截止",
    "approved_date": "审批日期",
    "sent_date": "送达银行日期",
    "status_date": "状态日期",
    "paid_date": "到账日期",
    "due_date": "应发日期",
    "working_days": "工作日数",
    "working_days_late": "超时工作日数",
    "rightful_payment_id": "保留的支付单号",
    "kept_payment_id": "保留的支付单号",
    "other_payment_id": "另一笔支付单号",
    "other_payment_ids": "其他支付单号",
    "duplicate_payment_ids": "重复支付单号",
    "kept_program": "保留项目",
    "kept_program_code": "保留项目",
    "other_program_code": "另一项目",
    "stop_program_code": "应停发项目",
    "kept_payment_period": "保留项目所属期",
    "overlap_months": "重叠月份数",
    "intersect_months": "重叠月份数",
    "intersecting_months": "重叠月份",
    "covered_months": "覆盖月份数",
    "months_outside": "期外月份数",
    "outside_months": "期外月份",
    "spells": "名册享受期间",
    "roster_spells": "名册享受期间",
    "chain_members": "重发链支付单号",
    "members": "重发链支付单号",
    "latest_payment_id": "最近一笔支付单号",
    "latest_status": "最近状态",
    "failure_date": "失败日期",
    "fail_reason": "失败原因",
    "deadline": "应到账期限",
    "plate_no": "号牌号码",
    "plate_class": "号牌种类",
    "use_code": "使用性质",
    "first_registered": "初次登记日期",
    "vehicle_status": "车辆状态",
    "owner_id": "车主身份证号",
    "owner_name": "车主姓名",
    "member_id": "家庭成员身份证号",
    "member_name": "家庭成员姓名",
    "employer": "工作单位",
    "employer_type": "单位类型",
    "pay_month": "工资月份",
    "pay_months": "工资月份",
    "gross_pay": "月工资",
    "id_raw": "录入的身份证号",
    "recipient_id_raw": "录入的身份证号",
    "recipient_name": "录入的姓名",
    "ledger_name": "录入的姓名",
    "hukou_name": "户籍姓名",
    "account_no": "收款账号",
    "card_no": "社保卡号",
    "card_owner_id": "账户所属人身份证号",
    "card_owner_name": "账户所属人姓名",
    "card_status": "卡状态",
    "financial_status": "金融功能",
    "own_card_account": "本人社保卡账号",
    "own_cards": "本人社保卡",
    "snapshot_date": "数据日期",
    "card_snapshot_date": "社保卡数据日期",
    "month": "月份",
    "persons": "收款人数",
    "person_count": "收款人数",
    "households": "户数",
    "household_count": "户数",
    "payment_count": "笔数",
    "payment_ids": "支付单号",
    "recipients": "收款人",
    "total_amount": "合计金额",
    "ceiling": "每期上限",
    "excess": "超出金额",
    "program_code": "补贴项目",
    "household_no": "户号",
    "division_code": "区划代码",
}

FIELDS.update(
    {
        "status": "支付状态",
        "payment_status": "支付状态",
        "cycle": "发放周期",
        "rightful_status": "保留单状态",
        "rightful_status_date": "保留单到账日期",
        "rightful_account_no": "保留单收款账号",
        "payments_in_group": "同期支付笔数",
        "group_payment_ids": "同期支付单号",
        "kept_program_codes": "保留项目",
        "kept_payment_ids": "保留项目支付单号",
        "intersecting_month_count": "重叠月份数",
        "basis": "政策依据",
        "working_days_taken": "实际用时（工作日）",
        "working_days_allowed": "规定时限（工作日）",
        "bank_deadline": "银行应到账日期",
        "nominal_due_date": "名义应发日期",
        "days_late": "逾期天数",
        "first_payment_id": "首笔支付单号",
        "member_count": "重发链笔数",
        "latest_member_id": "最近一笔支付单号",
        "latest_member_status": "最近一笔状态",
        "latest_member_status_date": "最近一笔状态日期",
        "owner_is_recipient": "车主为收款人本人",
        "vehicle_status_date": "车辆状态日期",
        "vehicles_snapshot_date": "车辆数据日期",
        "vehicle_count": "车辆数",
        "plates": "号牌",
        "payroll_snapshot": "工资数据日期",
        "payroll": "财政供养人员",
        "months": "月份",
        "recipient_id_normalized": "规范化身份证号",
        "recipient_id_valid": "身份证号有效",
        "hukou_snapshot": "户籍数据日期",
        "card_snapshot": "社保卡数据日期",
        "cards_on_account": "收款账户对应的社保卡",
        "recipient_cards": "本人社保卡",
        "holder_id": "持卡人身份证号",
        "holder_name": "持卡人姓名",
        "bank_name": "发卡银行",
        "payments": "笔数",
        "programs": "补贴项目",
        "divisions": "涉及乡镇",
        "person_id": "身份证号",
        "name": "姓名",
        "certificate_death_date": "死亡证死亡日期",
        "roster_snapshot": "名册数据日期",
        "start_month": "起始月",
        "end_month": "终止月",
    }
)

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
        "oneoff": "一次性",
        "one_off": "一次性",
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
    ("reg_status", "hukou_status"),
):
    VALUES[_alias] = VALUES[_base]

MONEY_KEYS = {"amount", "ceiling", "gross_pay", "total_amount", "excess"}

# Shown in the workbook's own columns already.
SKIP = {"payment_id", "program_code", "period"}

# Keys whose value is a personal identifier (masked even if short or odd).
IDENTIFIER_KEYS = {
    "owner_id",
    "member_id",
    "card_owner_id",
    "id_raw",
    "recipient_id_raw",
    "person_id",
    "recipient_id",
    "id_number",
    "account_no",
    "own_card_account",
    "holder_id",
    "recipient_id_normalized",
    "rightful_account_no",
}
PROGRAM_KEYS = {
    "kept_program",
    "kept_program_code",
    "kept_program_codes",
    "other_program_code",
    "stop_program_code",
    "programs",
}


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
        text = "、".join(f"{c} {PROGRAMS.get(c, '')}".strip() for c in text.split(","))
    elif key in VALUES:
        text = VALUES[key].get(text, text)
    elif text in SUBTYPES:
        text = SUBTYPES[text]
    if not full:
        text = mask(text) if key in IDENTIFIER_KEYS else mask_in_text(text)
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
    candidate = data.get("linked_person_id")
    typed = data.get("typed_id")
    if not full:
        candidate, typed = mask(candidate), mask(typed)
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
