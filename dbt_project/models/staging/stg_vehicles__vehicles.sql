-- Motor vehicle register rows of every snapshot delivered up to D.
select
    plate_no,
    plate_class,
    owner_id,
    owner_id_raw,
    owner_id_valid,
    owner_name,
    use_code,
    first_registered,
    vehicle_status,
    status_date,
    _extract_date as snapshot_date,
    _load_id,
    _row_no
from {{ source('raw', 'vehicles') }}
where _extract_date <= {{ as_of() }}
