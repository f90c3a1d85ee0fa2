-- R06 stranded funds (high): an unsettled reissue chain (int_reissue_chains)
-- once D is later than its deadline, counted from the first member's failure
-- date: monthly programs the 28th (var stranded_monthly_deadline_day) of the
-- following month; quarterly the last day of the month after the quarter
-- holding the failure date; otherwise the last day of the following month.
-- One anomaly per chain, keyed by its first member; subtype by its latest
-- member's state. Amount at risk: the first member's amount.
{% set evidence = [
    ('first_payment_id', 'r.payment_id'),
    ('program_code', 'r.program_code'),
    ('period', 'r.period'),
    ('amount', 'cast(r.amount as ' ~ dbt.type_string() ~ ')'),
    ('cycle', 'r.cycle'),
    ('failure_date', 'r.failure_date'),
    ('fail_reason', 'r.fail_reason'),
    ('deadline', 'c.deadline'),
    ('chain_members', 'c.member_ids'),
    ('member_count', 'c.member_count'),
    ('latest_member_id', 'c.latest_member_id'),
    ('latest_member_status', 'c.latest_member_status'),
    ('latest_member_status_date', 'l.status_date'),
] %}

with roots as (
    select * from {{ ref('int_reissue_chains') }}
    where payment_id = chain_root and not is_settled
),

payments as (
    select * from {{ ref('int_payments') }}
),

chains as (
    select
        ch.*,
        case p.cycle
            when 'monthly' then {{ add_to_date(
                'day',
                "(" ~ var('stranded_monthly_deadline_day') ~ " - 1)",
                add_to_date('month', 1, trunc_date('month', 'p.failure_date'))
            ) }}
            when 'quarterly' then {{ last_day_of(add_to_date('month', 3, trunc_date('quarter', 'p.failure_date'))) }}
            else {{ last_day_of(add_to_date('month', 1, trunc_date('month', 'p.failure_date'))) }}
        end as deadline
    from roots as ch
    inner join payments as p on ch.chain_root = p.payment_id
)

select
    {{ finding(
        rule_code='R06',
        finding_key='r.payment_id',
        evidence=evidence,
        subtype="case c.latest_member_status when 'FAILED' then 'AT_BANK' when 'RETURNED' then 'RETURNED_UNPAID'"
            ~ " when 'PENDING' then 'REISSUE_PENDING' end",
        person_id='r.person_id',
        person_name='r.person_name',
        household_no='r.household_no',
        payment_id='r.payment_id',
        account_no='r.account_no',
        program_code='r.program_code',
        period='r.period',
        division_code='r.division_code',
        amount_at_risk='r.amount'
    ) }}
from chains as c
inner join payments as r on c.chain_root = r.payment_id
inner join payments as l on c.latest_member_id = l.payment_id
where {{ as_of() }} > c.deadline
