{{ config(materialized='table') }}
-- One row per payment and covered month (docs/RULEBOOK.md "Covered months"):
-- YYYYMM → that month, YYYYQn → its three, YYYY → its twelve. A period that
-- cannot be parsed covers no month (period_format_ok is false for it).
with months_ahead as (
    {{ dbt.generate_series(12) }}
),

payments as (
    select * from {{ ref('int_payments') }}
    where covered_months > 0
),

expanded as (
    select
        p.payment_id,
        p.person_id,
        p.program_code,
        p.status,
        p.amount,
        p.covered_months,
        {{ add_to_date('month', 'm.generated_number - 1', 'p.period_start') }} as month_start
    from payments as p
    inner join months_ahead as m on p.covered_months >= m.generated_number
)

select
    payment_id,
    {{ yyyymm('month_start') }} as month,
    month_start,
    person_id,
    program_code,
    status,
    amount,
    covered_months
from expanded
