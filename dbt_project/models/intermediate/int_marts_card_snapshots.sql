-- The sscards snapshot dates on or before D, each with the next one (R10).
select distinct
    snapshot_date,
    next_snapshot_date,
    is_earliest
from {{ ref('int_marts_cards') }}
