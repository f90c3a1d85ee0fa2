{%- set snapshots = ['vehicles'] %}
{{ config(**kept_table_config(snapshots)) }}
-- The motor vehicle register as of D: the latest good vehicles snapshot <= D.
-- Kept as it is until the good vehicles snapshots up to D change (macros/kept_tables.sql).
select v.*
from {{ ref('stg_vehicles__vehicles') }} as v
inner join {{ ref('int_snapshot_dates') }} as s
    on s.source = 'vehicles' and v.snapshot_date = s.snapshot_date
where {{ rebuilding(snapshots) }}
