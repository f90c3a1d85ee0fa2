-- R12 above the program ceiling (hold): the payment's amount exceeds the
-- program's ceiling per period (program catalog), payment by payment.
select
    {{ finding(
        'R12',
        recipient_evidence('p') + [('ceiling', 'cast(p.ceiling as string)'), ('cycle', 'p.cycle')],
        amount_at_risk='p.amount - p.ceiling', payment='p', **recipient_columns()
    ) }}
from {{ ref('int_payments') }} as p
left join {{ ref('int_persons') }} as ps on p.person_id = ps.person_id
where
    p.status in ('PAID', 'PENDING')
    and p.ceiling is not null
    and p.amount > p.ceiling
