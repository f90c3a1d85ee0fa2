-- R05 late for the cycle (medium): PAID, not a reissue, and status_date is
-- after the period's due date (program_catalog due rule, moved to the next
-- working day; one-off: N working days after approved_date).
{% set evidence = payment_evidence('p') + [
    ('cycle', 'p.cycle'),
    ('due_date', 'p.due_date'),
    ('nominal_due_date', 'p.nominal_due_date'),
    ('approved_date', 'p.approved_date'),
    ('days_late', dbt.datediff('p.due_date', 'p.status_date', 'day')),
] %}

select
    {{ finding('R05', evidence, payment='p') }}
from {{ ref('int_payments') }} as p
where
    p.status = 'PAID'
    and not p.is_reissue
    and p.status_date > p.due_date
