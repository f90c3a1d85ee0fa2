-- Every version of every payment delivered up to D. person_id is the
-- normalized recipient ID (the person key of docs/RULEBOOK.md).
select
    payment_id,
    batch_no,
    program_code,
    recipient_id,
    recipient_id_raw,
    recipient_id_valid,
    recipient_name,
    {{ compact_text('recipient_name') }} as recipient_name_compact,
    account_no,
    bank_name,
    amount,
    trim(period) as period,
    division_code,
    approved_date,
    sent_date,
    status,
    status_date,
    fail_reason,
    nullif(trim(reissue_of), '') as reissue_of,
    updated_at,
    recipient_id as person_id,
    _extract_date,
    _load_id,
    _source_file,
    _row_no
from {{ source('raw', 'ledger') }}
where _extract_date <= {{ as_of() }}
