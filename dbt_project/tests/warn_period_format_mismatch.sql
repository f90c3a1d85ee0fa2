{{ config(severity='warn') }}
-- docs/RULEBOOK.md "Covered months": a period whose format does not match its
-- program's cycle is a data-quality warning (covered months follow the
-- format; the due date follows the cycle).
select
    payment_id,
    program_code,
    cycle,
    period
from {{ ref('int_payments') }}
where not period_format_ok
