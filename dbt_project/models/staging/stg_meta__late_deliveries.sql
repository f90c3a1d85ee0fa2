-- Deliveries that were due and missing, as noticed by runs up to D.
select
    source,
    extract_date,
    reported_for,
    reported_at
from {{ source('meta', 'late_deliveries') }}
where reported_for <= {{ as_of() }}
