-- R02 duplicate payment (hold, high): two or more person-level payments in
-- state PAID or PENDING for the same person, program and period. The rightful
-- one is the earliest PAID (status_date, then payment_id) or, where none is
-- paid, the smallest payment_id; every other one is flagged with its amount.
{% set evidence = payment_evidence('c') + [
    ('rightful_payment_id', 'r.payment_id'),
    ('rightful_status', 'r.status'),
    ('rightful_status_date', 'r.status_date'),
    ('rightful_account_no', 'r.account_no'),
    ('payments_in_group', 'c.group_size'),
    ('group_payment_ids', 'g.payment_ids'),
] %}

with eligible as (
    select p.*
    from {{ ref('int_payments') }} as p
    where p.status in ('PAID', 'PENDING') and p.person_level
),

-- the groups of two or more, found by one aggregate: the windows below rank
-- only their payments, not every payment ever made (issue 11)
duplicate_keys as (
    select
        person_id,
        program_code,
        period
    from eligible
    group by person_id, program_code, period
    having count(*) >= 2
),

candidates as (
    select
        p.*,
        count(*) over (partition by p.person_id, p.program_code, p.period) as group_size,
        row_number() over (
            partition by p.person_id, p.program_code, p.period
            order by
                case when p.status = 'PAID' then 0 else 1 end,
                case when p.status = 'PAID' then p.status_date end,
                p.payment_id
        ) as rightful_rank
    from eligible as p
    inner join duplicate_keys as k
        on
            p.person_id is not distinct from k.person_id
            and p.program_code is not distinct from k.program_code
            and p.period is not distinct from k.period
),

duplicated as (
    select * from candidates
    where group_size >= 2
),

groups as (
    select
        person_id,
        program_code,
        period,
        {{ dbt.listagg('payment_id', "','", 'order by rightful_rank') }} as payment_ids
    from duplicated
    group by person_id, program_code, period
),

rightful as (
    select * from duplicated
    where rightful_rank = 1
)

select
    {{ finding('R02', evidence, payment='c', amount_at_risk='c.amount') }}
from duplicated as c
inner join rightful as r
    on
        c.person_id = r.person_id
        and c.program_code = r.program_code
        and c.period = r.period
inner join groups as g
    on
        c.person_id = g.person_id
        and c.program_code = g.program_code
        and c.period = g.period
where c.rightful_rank > 1
