-- Findings per ISO week × county × township × program × rule and severity:
-- new (first seen in the week), open at week end, and their amount at risk.
with weeks as (
    select * from {{ ref('int_marts_weeks') }}
),

new_findings as (
    select
        w.week_start,
        h.division_code as township_code,
        h.program_code,
        h.rule_code,
        h.severity,
        count(*) as new_findings
    from {{ ref('anomaly_history') }} as h
    inner join weeks as w on h.first_seen between w.week_start and w.week_end
    group by w.week_start, h.division_code, h.program_code, h.rule_code, h.severity
),

open_findings as (
    select
        week_start,
        division_code as township_code,
        program_code,
        rule_code,
        severity,
        count(*) as open_findings,
        sum(amount_at_risk) as amount_at_risk
    from {{ ref('int_marts_findings_by_week') }}
    group by week_start, division_code, program_code, rule_code, severity
),

metrics as (
    select
        week_start,
        township_code,
        program_code,
        rule_code,
        severity,
        new_findings,
        0 as open_findings,
        0 as amount_at_risk
    from new_findings
    union all
    select
        week_start,
        township_code,
        program_code,
        rule_code,
        severity,
        0 as new_findings,
        open_findings,
        amount_at_risk
    from open_findings
)

select
    w.iso_week,
    m.week_start,
    substr(m.township_code, 1, 6) as county_code,
    m.township_code,
    m.program_code,
    m.rule_code,
    m.severity,
    cast(sum(m.new_findings) as bigint) as new_findings,
    cast(sum(m.open_findings) as bigint) as open_findings,
    cast(sum(m.amount_at_risk) as decimal(18, 2)) as amount_at_risk
from metrics as m
inner join weeks as w on m.week_start = w.week_start
group by w.iso_week, m.week_start, m.township_code, m.program_code, m.rule_code, m.severity
