-- R01 deceased recipient (hold, high): a person-level payment (PAID or
-- PENDING) to a person with a death date, for a period that starts after the
-- last day of the death month (periodic programs; a quarter or year that
-- began before the death is not flagged), or approved after the death date
-- (one-off programs). Amount at risk: the amount.
{% set evidence = payment_evidence('p') + [
    ('death_date', 'd.death_date'),
    ('certificate_date', 'd.certificate_date'),
    ('certificate_no', 'd.certificate_no'),
    ('cremation_date', 'd.cremation_date'),
    ('cremation_record_no', 'd.cremation_record_no'),
    ('hukou_dereg_date', 'd.hukou_dereg_date'),
    ('cycle', 'p.cycle'),
    ('period_start', 'p.period_start'),
    ('approved_date', 'p.approved_date'),
] %}

with payments as (
    select * from {{ ref('int_payments') }}
    where status in ('PAID', 'PENDING') and person_level
),

deaths as (
    select * from {{ ref('int_death_dates') }}
)

select
    {{ payment_finding_columns('R01', "'high'", 'p.amount', evidence) }}
from payments as p
inner join deaths as d on p.person_id = d.person_id
where
    (p.cycle <> 'one-off' and p.period_start > {{ last_day_of('d.death_date') }})
    or (p.cycle = 'one-off' and p.approved_date > d.death_date)
