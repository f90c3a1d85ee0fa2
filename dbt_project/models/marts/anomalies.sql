-- One row per finding currently detected at D: the contract audit staff and
-- tools rely on (enforced in _marts.yml). Ids and first_seen come from
-- anomaly_history, the review lifecycle from review.* through
-- int_marts_review_state, the risk score (worklist order) from
-- int_finding_scores.
select
    f.anomaly_id,
    f.rule_code,
    f.subtype,
    f.severity,
    f.status,
    f.finding_key,
    f.person_id,
    f.person_name,
    f.household_no,
    f.payment_id,
    f.account_no,
    f.month,
    f.program_code,
    f.period,
    f.division_code,
    cast(f.amount_at_risk as decimal(18, 2)) as amount_at_risk,
    h.first_seen,
    f.as_of as last_seen,
    f.evidence,
    coalesce(r.review_status, 'open') as review_status,
    r.current_conclusion,
    cast(r.recovered_amount as decimal(18, 2)) as recovered_amount,
    r.exported_on,
    r.decided_on,
    coalesce(r.verification_overdue, false) as verification_overdue,
    s.risk_score,
    s.risk_score_evidence
from {{ ref('int_marts_findings') }} as f
inner join {{ ref('anomaly_history') }} as h on f.anomaly_id = h.anomaly_id
left join {{ ref('int_marts_review_state') }} as r on f.anomaly_id = r.anomaly_id
inner join {{ ref('int_finding_scores') }} as s on f.anomaly_id = s.anomaly_id
