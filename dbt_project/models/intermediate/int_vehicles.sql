{{ config(materialized='table') }}
-- The motor vehicle register as of D: the latest good vehicles snapshot <= D.
select v.*
from {{ ref('stg_vehicles__vehicles') }} as v
inner join {{ ref('int_snapshot_dates') }} as s
    on s.source = 'vehicles' and v.snapshot_date = s.snapshot_date
