{{ config(severity='warn') }}
-- docs/RULEBOOK.md "Working day": where the as-of date or a payment date falls in a
-- year the statutory calendar seed does not cover, working days fall back to
-- Monday–Friday; warn on every run until the seed is extended
-- (scripts/build_calendar_seed.py).
with payments as (
    select * from {{ ref('int_payments') }}
),

needed as (
    select
        {{ as_of() }} as day,
        'as_of' as what
    union all
    select
        approved_date as day,
        'approved_date' as what
    from payments
    union all
    select
        sent_date as day,
        'sent_date' as what
    from payments
    union all
    select
        status_date as day,
        'status_date' as what
    from payments
    union all
    select
        nominal_due_date as day,
        'due_date' as what
    from payments
),

covered_years as (
    select distinct {{ dbt.date_trunc('year', 'day') }} as year_start
    from {{ ref('statutory_calendar') }}
)

select
    n.what,
    {{ dbt.date_trunc('year', 'n.day') }} as year_start,
    count(*) as dates
from needed as n
left join covered_years as y on {{ dbt.date_trunc('year', 'n.day') }} = y.year_start
where n.day is not null and y.year_start is null
group by n.what, {{ dbt.date_trunc('year', 'n.day') }}
