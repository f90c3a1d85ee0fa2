-- Every finding ever detected (anomaly_history) with its review lifecycle as
-- of D: decisions stay attached after a finding stops being detected.
select
    h.*,
    h.resolved_on is null and h.last_seen = {{ as_of() }} as detected,
    coalesce(r.review_status, 'open') as review_status,
    r.current_conclusion,
    r.recovered_amount,
    r.exported_on,
    r.decided_on,
    coalesce(r.verification_overdue, false) as verification_overdue
from {{ ref('anomaly_history') }} as h
left join {{ ref('int_marts_review_state') }} as r on h.anomaly_id = r.anomaly_id
