-- R04 late by the bank (low): PAID, and status_date is more than
-- var('bank_working_days') (2) working days after sent_date, i.e. more than
-- that many working days in (sent_date, status_date] (policy/003 art. 21).
{% set limit = var('bank_working_days') %}
{% set evidence = payment_evidence('p') + [
    ('sent_date', 'p.sent_date'),
    ('working_days_taken', 't.working_day_seq - s.working_day_seq'),
    ('working_days_allowed', limit),
    ('bank_deadline', 'w.day'),
] %}

with paid as (
    select * from {{ ref('int_payments') }}
    where status = 'PAID' and sent_date is not null
),

calendar as (
    select * from {{ ref('int_calendar') }}
)

select
    {{ finding('R04', evidence, payment='p') }}
from paid as p
inner join calendar as s on p.sent_date = s.day
inner join calendar as t on p.status_date = t.day
left join calendar as w
    on
        w.is_working_day
        and s.working_day_seq + {{ limit }} = w.working_day_seq
where t.working_day_seq - s.working_day_seq > {{ limit }}
