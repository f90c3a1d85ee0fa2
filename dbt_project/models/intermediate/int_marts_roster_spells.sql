-- Assistance roster spells of the latest good roster snapshot on or before D (R14).
select a.*
from {{ ref('stg_assistance__spells') }} as a
inner join {{ ref('int_snapshot_dates') }} as s
    on s.source = 'assistance' and a.snapshot_date = s.snapshot_date
