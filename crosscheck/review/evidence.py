"""The evidence JSON of a finding, told in plain Chinese words.

A township clerk verifies a finding from the workbook alone, so each rule's
evidence becomes a sentence: what the rule saw, then each fact with its
Chinese name. Identifiers inside the evidence are masked unless the export
is allowed full identifiers.
"""

from __future__ import annotations

import json
from decimal import Decimal

from crosscheck.review.labels import PROGRAMS, SUBTYPES
from crosscheck.review.privacy import mask, mask_in_text

# What each rule saw, in one clause (RULES.md, said for the township).
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
    "intersecting_months": "重叠月份数",
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
}
PROGRAM_KEYS = {"kept_program", "kept_program_code", "other_program_code", "stop_program_code"}


def _fmt(value, *, key: str | None, full: bool) -> str:
    if value is None:
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        inner = "，".join(
            f"{FIELDS.get(k, k)}：{_fmt(v, key=k, full=full)}" for k, v in value.items()
        )
        return f"（{inner}）"
    if isinstance(value, list):
        return "、".join(_fmt(v, key=key, full=full) for v in value) or "无"
    if isinstance(value, float):
        value = Decimal(str(value))
    text = str(value)
    if key in PROGRAM_KEYS or key == "program_code":
        text = f"{text} {PROGRAMS.get(text, '')}".strip()
    if key in SUBTYPES:
        text = SUBTYPES[text]
    if not full:
        text = mask(text) if key in IDENTIFIER_KEYS else mask_in_text(text)
    return text


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
        for key, value in data.items():
            if value is None or value == "" or value == []:
                continue
            facts.append(f"{FIELDS.get(key, key)}：{_fmt(value, key=key, full=full)}")
    body = "；".join(facts)
    if lead and body:
        return f"{lead}。{body}。"
    return f"{lead}。" if lead else (f"{body}。" if body else "")
