-- Every version of every death certificate delivered up to D.
select
    certificate_no,
    id_number as person_id,
    id_number_raw,
    id_number_valid,
    name,
    {{ compact_text('name') }} as name_compact,
    death_date,
    issued_date,
    _extract_date,
    _load_id,
    _row_no
from {{ source('raw', 'deaths') }}
where _extract_date <= {{ as_of() }}
