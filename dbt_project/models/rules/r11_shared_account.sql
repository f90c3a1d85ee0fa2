-- R11 one account, many recipients: in one calendar month (by status_date)
-- one account_no receives PAID payments for 3 or more distinct persons of 2 or
-- more households (a person absent from hukou is a household alone). One
-- finding per account and month.
-- an account and month with fewer payments than the persons required cannot
-- qualify: the distinct counts below run only on the others (issue 11: the
-- counts over every payment were most of this rule's cost); only their
-- payments are joined to the register
with candidates as (
    select
        account_no,
        {{ yyyymm('status_date') }} as month
    from {{ ref('int_payments') }}
    where status = 'PAID'
    group by account_no, {{ yyyymm('status_date') }}
    having count(*) >= {{ var('shared_account_min_persons') }}
),

paid as (
    select
        p.payment_id,
        p.person_id,
        p.account_no,
        p.amount,
        p.program_code,
        p.division_code,
        p.recipient_name,
        ps.name as hukou_name,
        ps.household_no,
        c.month,
        case
            when ps.person_id is null then {{ dbt.concat(["'person:'", 'p.person_id']) }}
            else {{ dbt.concat(["'household:'", 'ps.household_no']) }}
        end as household_key
    from {{ ref('int_payments') }} as p
    inner join candidates as c
        on p.account_no = c.account_no and {{ yyyymm('p.status_date') }} = c.month
    left join {{ ref('int_persons') }} as ps on p.person_id = ps.person_id
    where p.status = 'PAID'
),

groups as (
    select
        p.account_no,
        p.month
    from paid as p
    group by p.account_no, p.month
    having
        count(distinct p.person_id) >= {{ var('shared_account_min_persons') }}
        and count(distinct p.household_key) >= {{ var('shared_account_min_households') }}
),

members as (
    select
        p.account_no,
        p.month,
        p.person_id,
        max(coalesce(p.hukou_name, p.recipient_name)) as person_name,
        max(p.household_no) as household_no,
        count(*) as payments,
        sum(p.amount) as amount,
        {{ sorted_list('p.payment_id') }} as payment_ids
    from paid as p
    inner join groups as g on p.account_no = g.account_no and p.month = g.month
    group by p.account_no, p.month, p.person_id
),

summary as (
    select
        p.account_no,
        p.month,
        sum(p.amount) as amount,
        count(*) as payments,
        count(distinct p.person_id) as persons,
        count(distinct p.household_key) as households,
        min(p.division_code) as division_code,
        case when count(distinct p.program_code) = 1 then min(p.program_code) end as program_code,
        {{ sorted_list('p.division_code') }} as divisions,
        {{ sorted_list('p.program_code') }} as programs
    from paid as p
    inner join groups as g on p.account_no = g.account_no and p.month = g.month
    group by p.account_no, p.month
),

member_lists as (
    select
        account_no,
        month,
        {{ json_array_agg(json_object([
            ('person_id', 'person_id'), ('name', 'person_name'), ('household_no', 'household_no'),
            ('payments', 'payments'), ('amount', 'cast(amount as string)'), ('payment_ids', 'payment_ids')
        ]), 'person_id') }} as recipients
    from members
    group by account_no, month
)

select
    {{ finding(
        'R11',
        [
            ('account_no', 's.account_no'), ('month', 's.month'), ('payments', 's.payments'),
            ('persons', 's.persons'), ('households', 's.households'),
            ('amount', 'cast(s.amount as string)'), ('programs', 's.programs'),
            ('divisions', 's.divisions'), ('recipients', 'cast(m.recipients as json)')
        ],
        finding_key=dbt.concat(['s.account_no', "'|'", 's.month']),
        account_no='s.account_no',
        month='s.month',
        program_code='s.program_code',
        division_code='s.division_code',
        amount_at_risk='s.amount'
    ) }}
from summary as s
inner join member_lists as m on s.account_no = m.account_no and s.month = m.month
