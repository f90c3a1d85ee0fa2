-- R08 public payroll in a means-tested household (hold): a household member
-- has a payroll month within the covered months at a 机关 or 事业单位.
with payments as (
    select *
    from {{ ref('int_payments') }}
    where status in ('PAID', 'PENDING') and means_tested
),

household as (
    select
        person_id,
        member_id
    from {{ ref('int_recipient_household') }}
    union
    select
        person_id,
        person_id as member_id
    from payments
),

payroll_hits as (
    select
        p.payment_id,
        h.member_id,
        pr.name as member_name,
        pr.employer,
        pr.employer_type,
        pr.pay_month
    from payments as p
    inner join {{ ref('int_payment_months') }} as m on p.payment_id = m.payment_id
    inner join household as h on p.person_id = h.person_id
    inner join {{ ref('int_marts_payroll') }} as pr
        on h.member_id = pr.person_id and m.month = pr.pay_month
    where pr.employer_type in (
        {%- for t in var('payroll_public_employer_types', ['机关', '事业单位']) %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor -%}
    )
),

per_employer as (
    select
        payment_id,
        member_id,
        employer,
        employer_type,
        max(member_name) as member_name,
        {{ sorted_list('pay_month') }} as months
    from payroll_hits
    group by payment_id, member_id, employer, employer_type
),

per_payment as (
    select
        payment_id,
        {{ json_array_agg(json_object([
            ('member_id', 'member_id'), ('member_name', 'member_name'),
            ('employer', 'employer'), ('employer_type', 'employer_type'), ('months', 'months')
        ]), 'member_id, employer') }} as payroll
    from per_employer
    group by payment_id
)

select
    {{ payment_finding(
        'R08', 'null', "'medium'", 'p.amount',
        [('payroll_snapshot', "(select max(snapshot_date) from " ~ ref('int_marts_payroll') ~ ")"),
         ('payroll', 'cast(h.payroll as json)')]
    ) }}
from payments as p
inner join per_payment as h on p.payment_id = h.payment_id
left join {{ ref('int_persons') }} as ps on p.person_id = ps.person_id
