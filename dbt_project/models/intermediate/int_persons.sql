{%- set snapshots = ['hukou'] %}
{{ config(**kept_table_config(snapshots)) }}
-- One row per person in the latest good hukou snapshot <= D. Where an ID has
-- several rows (a data-quality warning, tests/warn_hukou_duplicate_ids.sql),
-- the row with the lowest 人员状态 code wins, then the earliest file row.
-- Kept as it is until the good hukou snapshots up to D change (macros/kept_tables.sql).
with snapshot as (
    select snapshot_date from {{ ref('int_snapshot_dates') }}
    where source = 'hukou'
),

rows_of_snapshot as (
    select
        h.*,
        row_number() over (
            partition by h.person_id order by h.reg_status, h._row_no
        ) as id_rank,
        count(*) over (partition by h.person_id) as rows_for_id
    from {{ ref('stg_hukou__persons') }} as h
    inner join snapshot as s on h.snapshot_date = s.snapshot_date
)

select
    person_id,
    id_valid,
    id_number_raw,
    name,
    name_compact,
    sex,
    birth_date,
    household_no,
    relation_to_head,
    division_code,
    reg_status,
    dereg_date,
    snapshot_date,
    rows_for_id
from rows_of_snapshot
where id_rank = 1 and {{ rebuilding(snapshots) }}
