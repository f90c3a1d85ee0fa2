-- Public payroll months of every snapshot delivered up to D.
select
    id_number as person_id,
    id_number_raw,
    id_number_valid,
    name,
    {{ compact_text('name') }} as name_compact,
    employer,
    employer_type,
    pay_month,
    gross_pay,
    _extract_date as snapshot_date,
    _load_id,
    _row_no
from {{ source('raw', 'payroll') }}
where _extract_date <= {{ as_of() }}
