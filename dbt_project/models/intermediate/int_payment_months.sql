{{ config(on_schema_change='fail', **incremental_by_payment_config('follower')) }}
-- One row per payment and covered month (docs/RULEBOOK.md "Covered months"):
-- YYYYMM → that month, YYYYQn → its three, YYYY → its twelve. A period that
-- cannot be parsed covers no month (period_format_ok is false for it).
-- Its rows are a function of the payment's int_payments row alone: on DuckDB
-- a run re-expands only the payments int_payments recomputed
-- (macros/incremental_payments.sql).
with months_ahead as (
    {{ dbt.generate_series(12) }}
),

payments as (
    select * from {{ ref('int_payments') }}
    where
        covered_months > 0
        {% if is_incremental() -%}
            and {{ payment_increment_filter('payment_id', 'sync') }}
        {%- endif %}
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
