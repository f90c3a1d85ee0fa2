-- Confirmed rate per rule from the current decisions dated on or before D:
-- confirmed / (confirmed + dismissed), with the counts and a Wilson score
-- interval at var('confidence_level'), so rules that mostly produce noise show
-- (docs/OUTCOMES.md §2). 部分属实 counts as confirmed. Every rule that has
-- ever produced a finding has a row (rate NULL until decided).
with decided as (
    select
        h.rule_code,
        sum(case when r.current_conclusion in ('属实', '部分属实') then 1 else 0 end) as confirmed,
        sum(case when r.current_conclusion = '不属实' then 1 else 0 end) as dismissed,
        count(*) as findings
    from {{ ref('anomaly_history') }} as h
    left join {{ ref('int_marts_review_state') }} as r on h.anomaly_id = r.anomaly_id
    group by h.rule_code
)

select
    rule_code,
    cast(findings as bigint) as findings,
    cast(confirmed as bigint) as confirmed,
    cast(dismissed as bigint) as dismissed,
    cast(confirmed + dismissed as bigint) as decided,
    cast(case when confirmed + dismissed > 0 then 1.0 * confirmed / (confirmed + dismissed) end as double)
        as confirmed_rate,
    {{ wilson_bound('confirmed', '(confirmed + dismissed)', -1) }} as ci_low,
    {{ wilson_bound('confirmed', '(confirmed + dismissed)', 1) }} as ci_high,
    cast({{ var('confidence_level') }} as double) as confidence_level,
    {{ as_of() }} as as_of
from decided
