-- Deliveries seen up to D, with their load status.
select
    load_id,
    source,
    extract_date,
    file_name,
    file_bytes,
    sha256,
    rows_read,
    rows_loaded,
    rows_rejected,
    status,
    reasons,
    superseded_by,
    started_at,
    finished_at
from {{ source('meta', 'loads') }}
where extract_date <= {{ as_of() }}
