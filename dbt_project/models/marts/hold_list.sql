-- The pending payments to stop before the bank pays them (the hold rules'
-- findings with status pending), one row per payment with the rules it
-- breaks and a short evidence summary.
with pending as (
    select * from {{ ref('anomalies') }}
    where status = 'pending' and payment_id is not null
),

per_payment as (
    select
        payment_id,
        {{ sorted_list('rule_code') }} as rule_codes,
        count(*) as findings,
        case
            when max(case when severity = 'high' then 1 else 0 end) = 1 then 'high'
            when max(case when severity = 'medium' then 1 else 0 end) = 1 then 'medium'
            else 'low'
        end as severity,
        max(amount_at_risk) as amount_at_risk,
        min(first_seen) as first_seen,
        {{ sorted_list('anomaly_id') }} as anomaly_ids,
        {{ sorted_list(dbt.concat([
            'rule_code', "coalesce(" ~ dbt.concat(["' '", 'subtype']) ~ ", '')",
            "' at risk '", 'cast(amount_at_risk as ' ~ dbt.type_string() ~ ')'
        ]), '; ') }} as evidence_summary,
        {{ json_array_agg(json_object([
            ('rule_code', 'rule_code'), ('subtype', 'subtype'), ('anomaly_id', 'anomaly_id'),
            ('evidence', 'cast(evidence as json)')
        ]), 'rule_code, subtype') }} as evidence
    from pending
    group by payment_id
)

select
    h.payment_id,
    h.rule_codes,
    h.findings,
    h.severity,
    p.person_id,
    coalesce(ps.name, p.recipient_name) as person_name,
    p.recipient_id_raw,
    ps.household_no,
    p.account_no,
    p.program_code,
    p.period,
    cast(p.amount as decimal(18, 2)) as amount,
    cast(h.amount_at_risk as decimal(18, 2)) as amount_at_risk,
    p.approved_date,
    substr(p.division_code, 1, 6) as county_code,
    p.division_code as township_code,
    p.batch_no,
    h.first_seen,
    {{ as_of() }} as as_of,
    h.evidence_summary,
    h.evidence,
    h.anomaly_ids
from per_payment as h
inner join {{ ref('int_payments') }} as p on h.payment_id = p.payment_id
left join {{ ref('int_persons') }} as ps on p.person_id = ps.person_id
