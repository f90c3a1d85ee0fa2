-- Recovery to the fen, one row per finding ever detected: amount at risk →
-- confirmed → recovered → outstanding as of D (docs/OUTCOMES.md §3).
-- Confirmed: 属实 → 核实金额, else the amount at risk; 部分属实 → 核实金额,
-- else what was recovered; otherwise 0. Recovered = the sum of the partial
-- recoveries (int_review_recoveries); outstanding = confirmed − recovered.
-- confirmed_on: the first decision that found it true (partials never precede it).
with first_confirmed as (
    select
        anomaly_id,
        min(coalesce(review_date, cast(loaded_at as date))) as confirmed_on
    from {{ source('review', 'decisions') }}
    where
        coalesce(review_date, cast(loaded_at as date)) <= {{ as_of() }}
        and conclusion in ('属实', '部分属实')
    group by anomaly_id
),

recoveries as (
    select
        anomaly_id,
        sum(amount) as recovered_amount,
        count(*) as recoveries,
        max(recovered_on) as last_recovered_on
    from {{ ref('int_review_recoveries') }}
    group by anomaly_id
),

joined as (
    select
        h.anomaly_id,
        h.rule_code,
        h.division_code as township_code,
        h.program_code,
        coalesce(r.review_status, 'open') as review_status,
        r.current_conclusion,
        r.decided_on,
        cast(h.amount_at_risk as decimal(18, 2)) as amount_at_risk,
        cast(coalesce(c.recovered_amount, 0) as decimal(18, 2)) as recovered_amount,
        coalesce(c.recoveries, 0) as recoveries,
        c.last_recovered_on,
        r.confirmed_amount as stated_confirmed,
        fc.confirmed_on
    from {{ ref('anomaly_history') }} as h
    left join first_confirmed as fc on h.anomaly_id = fc.anomaly_id
    left join {{ ref('int_marts_review_state') }} as r on h.anomaly_id = r.anomaly_id
    left join recoveries as c on h.anomaly_id = c.anomaly_id
),

confirmed as (
    select
        *,
        cast(case
            when current_conclusion = '属实' then coalesce(stated_confirmed, amount_at_risk)
            when current_conclusion = '部分属实' then coalesce(stated_confirmed, recovered_amount)
            else 0
        end as decimal(18, 2)) as confirmed_amount
    from joined
)

select
    anomaly_id,
    rule_code,
    township_code,
    program_code,
    review_status,
    current_conclusion,
    decided_on,
    case when confirmed_amount > 0 then confirmed_on end as confirmed_on,
    amount_at_risk,
    confirmed_amount,
    recovered_amount,
    cast(greatest(confirmed_amount - recovered_amount, 0) as decimal(18, 2)) as outstanding_amount,
    cast(recoveries as bigint) as recoveries,
    last_recovered_on,
    {{ as_of() }} as as_of
from confirmed
