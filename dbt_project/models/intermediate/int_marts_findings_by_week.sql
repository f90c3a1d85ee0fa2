-- Findings (anomaly_history as seen at D) with their review state, and for
-- each week the ones open at its end (detected, not dismissed or recovered by
-- a decision dated by then).
with findings as (
    select
        h.anomaly_id,
        h.rule_code,
        h.severity,
        h.program_code,
        h.division_code,
        h.amount_at_risk,
        h.first_seen,
        case when h.resolved_on <= {{ as_of() }} then h.resolved_on end as resolved_on,
        r.review_status,
        r.decided_on,
        r.exported_on,
        r.recovered_amount
    from {{ ref('anomaly_history') }} as h
    left join {{ ref('int_marts_review_state') }} as r on h.anomaly_id = r.anomaly_id
    where h.first_seen <= {{ as_of() }}
)

select
    w.week_start,
    w.week_end,
    f.*
from findings as f
inner join {{ ref('int_marts_weeks') }} as w
    on
        f.first_seen <= w.week_end
        and (f.resolved_on is null or f.resolved_on > w.week_end)
where not coalesce(
    f.review_status in ('dismissed', 'recovered') and f.decided_on <= w.week_end, false
)
