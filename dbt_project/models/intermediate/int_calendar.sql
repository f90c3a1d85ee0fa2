{{ config(materialized='table') }}
-- One row per day from var calendar_start to calendar_end. Working days follow
-- the statutory calendar seed; years it does not cover fall back to
-- Monday–Friday (tests/warn_calendar_year_not_covered.sql warns).
-- working_day_seq counts working days <= day, so
--   the N-th working day strictly after X  = the working day with seq = seq(X) + N
--   working days in (X, Y]                  = seq(Y) - seq(X)
with spine as (
    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('calendar_start') ~ "' as date)",
        dbt.dateadd('day', 1, "cast('" ~ var('calendar_end') ~ "' as date)")
    ) }}
),

days as (
    select
        cast(s.date_day as date) as day,
        cal.is_working_day as statutory_working_day
    from spine as s
    left join {{ ref('statutory_calendar') }} as cal
        on cast(s.date_day as date) = cal.day
),

flagged as (
    select
        day,
        statutory_working_day is not null as in_statutory_calendar,
        coalesce(statutory_working_day, {{ iso_day_of_week('day') }} <= 5) as is_working_day
    from days
)

select
    day,
    is_working_day,
    in_statutory_calendar,
    sum(case when is_working_day then 1 else 0 end) over (
        order by day rows between unbounded preceding and current row
    ) as working_day_seq
from flagged
