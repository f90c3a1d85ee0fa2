-- Assistance roster spells of the latest roster snapshot on or before D (R14).
with snapshot as (
    select max(_extract_date) as snapshot_date
    from {{ source('raw', 'assistance') }}
    where _extract_date <= {{ as_of() }}
)

select
    a.id_number as person_id,
    a.name,
    a.program_code,
    a.household_no,
    a.division_code,
    a.start_month,
    a.end_month,
    a.roster_status,
    a._extract_date as snapshot_date
from {{ source('raw', 'assistance') }} as a
inner join snapshot on a._extract_date = snapshot.snapshot_date
