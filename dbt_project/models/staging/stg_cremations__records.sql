-- Every version of every cremation record delivered up to D.
select
    record_no,
    id_number as person_id,
    id_number_raw,
    id_number_valid,
    name,
    {{ compact_text('name') }} as name_compact,
    death_date,
    cremation_date,
    funeral_home,
    _extract_date,
    _load_id,
    _row_no
from {{ source('raw', 'cremations') }}
where _extract_date <= {{ as_of() }}
