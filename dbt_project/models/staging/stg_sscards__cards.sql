-- Social security cards of every snapshot delivered up to D.
select
    card_no,
    id_number as person_id,
    id_number_raw,
    id_number_valid,
    name,
    {{ compact_text('name') }} as name_compact,
    account_no,
    bank_name,
    financial_status,
    card_status,
    issued_date,
    _extract_date as snapshot_date,
    _load_id,
    _row_no
from {{ source('raw', 'sscards') }}
where _extract_date <= {{ as_of() }}
