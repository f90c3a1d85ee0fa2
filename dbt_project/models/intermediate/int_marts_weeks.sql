-- ISO weeks (Monday start) up to the week of D, with the last day of each
-- that is not after D (the "week end" of the weekly marts).
select
    day as week_start,
    {{ iso_week_label('day') }} as iso_week,
    case
        when {{ dbt.dateadd('day', 6, 'day') }} > {{ as_of() }} then {{ as_of() }}
        else cast({{ dbt.dateadd('day', 6, 'day') }} as date)
    end as week_end
from {{ ref('int_calendar') }}
where
    day = cast({{ dbt.date_trunc('week', 'day') }} as date)
    and day <= {{ as_of() }}
