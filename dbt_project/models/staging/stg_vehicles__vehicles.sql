-- Motor vehicle register rows of the snapshot in force at D (macros/snapshots.sql; every
-- snapshot <= D on Spark, where the intermediate models keep the one in force).
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
from {{ snapshot_in_force('vehicles') }}
