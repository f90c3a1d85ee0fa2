-- R03 incompatible subsidies (hold, high): a person has payments (PAID or
-- PENDING) of both programs of an incompatible pair whose covered months
-- intersect; the payment of the program that must stop is flagged.
-- Amount at risk: amount × intersecting months ÷ covered months, rounded half
-- away from zero to the fen.
{% set evidence = payment_evidence('p') + [
    ('kept_program_codes', 'x.kept_program_codes'),
    ('kept_payment_ids', 'x.kept_payment_ids'),
    ('intersecting_months', 'x.months'),
    ('intersecting_month_count', 'x.intersecting_months'),
    ('covered_months', 'p.covered_months'),
    ('basis', 'x.basis'),
] %}

with pairs as (
    select * from {{ ref('incompatible_pairs') }}
),

-- persons with a PAID or PENDING payment of both programs of a pair: the only
-- ones whose months can intersect, found on the payments rather than on every
-- covered month of every payment (issue 11)
pair_persons as (
    select distinct s.person_id
    from {{ ref('int_payments') }} as s
    inner join pairs as pr on s.program_code = pr.stopped_program_code
    inner join {{ ref('int_payments') }} as k
        on s.person_id = k.person_id and pr.kept_program_code = k.program_code
    where s.status in ('PAID', 'PENDING') and k.status in ('PAID', 'PENDING')
),

active_months as (
    select * from {{ ref('int_payment_months') }}
    where
        status in ('PAID', 'PENDING')
        and person_id in (select pp.person_id from pair_persons as pp)
),

month_overlaps as (
    select distinct
        s.payment_id,
        s.month,
        pr.kept_program_code,
        k.payment_id as kept_payment_id,
        pr.basis
    from active_months as s
    inner join pairs as pr on s.program_code = pr.stopped_program_code
    inner join active_months as k
        on
            s.person_id = k.person_id
            and s.month = k.month
            and pr.kept_program_code = k.program_code
),

months_per_payment as (
    select distinct
        payment_id,
        month
    from month_overlaps
),

kept_per_payment as (
    select distinct
        payment_id,
        kept_program_code,
        kept_payment_id,
        basis
    from month_overlaps
),

month_lists as (
    select
        payment_id,
        count(*) as intersecting_months,
        {{ dbt.listagg('month', "','", 'order by month') }} as months
    from months_per_payment
    group by payment_id
),

kept_lists as (
    select
        payment_id,
        {{ dbt.listagg('kept_payment_id', "','", 'order by kept_payment_id') }} as kept_payment_ids,
        min(kept_program_code) as kept_program_codes,
        min(basis) as basis
    from kept_per_payment
    group by payment_id
),

per_payment as (
    select
        m.payment_id,
        m.intersecting_months,
        m.months,
        k.kept_payment_ids,
        k.kept_program_codes,
        k.basis
    from month_lists as m
    inner join kept_lists as k on m.payment_id = k.payment_id
)

select
    {{ finding(
        'R03', evidence, payment='p',
        amount_at_risk=prorate('p.amount', 'x.intersecting_months', 'p.covered_months')
    ) }}
from {{ ref('int_payments') }} as p
inner join per_payment as x on p.payment_id = x.payment_id
