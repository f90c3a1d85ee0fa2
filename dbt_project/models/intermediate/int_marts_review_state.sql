-- The review lifecycle of each anomaly as of D, from review.exports and
-- review.decisions (append-only; only rows dated on or before D count). The
-- current decision is the one review.current_decisions names (one order,
-- crosscheck/warehouse.py, as the var current_decision_order), among the
-- decisions dated on or before D.
with exports as (
    select
        anomaly_id,
        min(as_of) as exported_on,
        max(as_of) as last_exported_on,
        count(*) as exports
    from {{ source('review', 'exports') }}
    where as_of <= {{ as_of() }}
    group by anomaly_id
),

decisions as (
    select
        d.*,
        coalesce(d.review_date, cast(d.loaded_at as date)) as decided_on,
        row_number() over (
            partition by d.anomaly_id
            order by {{ var('current_decision_order') }}
        ) as recency
    from {{ source('review', 'decisions') }} as d
    where coalesce(d.review_date, cast(d.loaded_at as date)) <= {{ as_of() }}
),

current_decision as (
    select * from decisions
    where recency = 1
),

calendar as (
    select
        day,
        working_day_seq
    from {{ ref('int_calendar') }}
),

ids as (
    select anomaly_id from exports
    union
    select anomaly_id from current_decision
)

select
    ids.anomaly_id,
    case
        when d.anomaly_id is not null and d.conclusion in ('属实', '部分属实') and coalesce(d.recovered_amount, 0) > 0
            then 'recovered'
        when d.anomaly_id is not null and d.conclusion in ('属实', '部分属实') then 'confirmed'
        when d.anomaly_id is not null and d.conclusion = '不属实' then 'dismissed'
        when e.anomaly_id is not null then 'under_verification'
        else 'open'
    end as review_status,
    d.conclusion as current_conclusion,
    cast(d.recovered_amount as decimal(18, 2)) as recovered_amount,
    cast(d.confirmed_amount as decimal(18, 2)) as confirmed_amount,
    d.measures,
    d.reviewer,
    d.decision_id,
    e.exported_on,
    e.last_exported_on,
    d.decided_on,
    coalesce(
        e.anomaly_id is not null
        and (d.anomaly_id is null or d.decided_on < e.exported_on)
        and cd.working_day_seq - ce.working_day_seq > {{ var('overdue_working_days') }},
        false
    ) as verification_overdue
from ids
left join exports as e on ids.anomaly_id = e.anomaly_id
left join current_decision as d on ids.anomaly_id = d.anomaly_id
left join calendar as ce on e.exported_on = ce.day
left join calendar as cd on cd.day = {{ as_of() }}
