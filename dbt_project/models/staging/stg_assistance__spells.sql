-- Assistance roster spells of every snapshot delivered up to D.
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
from {{ source('raw', 'assistance') }}
where _extract_date <= {{ as_of() }}
