-- Assistance roster spells of the snapshot in force at D (macros/snapshots.sql;
-- every snapshot <= D on Spark, where the intermediate models keep the one in force).
select
    id_number as person_id,
    id_number_raw,
    id_number_valid,
    name,
    {{ compact_text('name') }} as name_compact,
    program_code,
    household_no,
    division_code,
    start_month,
    end_month,
    roster_status,
    _extract_date as snapshot_date,
    _load_id,
    _row_no
from {{ snapshot_in_force('assistance') }}
