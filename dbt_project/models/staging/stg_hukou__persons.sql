-- Household registration rows of the snapshot in force at D (macros/snapshots.sql; every
-- snapshot <= D on Spark, where the intermediate models keep the one in force).
select
    id_number as person_id,
    id_number_raw,
    id_number_valid as id_valid,
    name,
    {{ compact_text('name') }} as name_compact,
    sex,
    birth_date,
    household_no,
    relation_to_head,
    division_code,
    reg_status,
    dereg_date,
    _extract_date as snapshot_date,
    _load_id,
    _row_no
from {{ snapshot_in_force('hukou') }}
