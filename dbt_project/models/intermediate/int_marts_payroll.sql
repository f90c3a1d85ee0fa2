-- Public payroll months of the latest payroll snapshot on or before D (R08).
with snapshot as (
    select max(_extract_date) as snapshot_date
    from {{ source('raw', 'payroll') }}
    where _extract_date <= {{ as_of() }}
)

select
    pr.id_number as person_id,
    pr.name,
    pr.employer,
    pr.employer_type,
    pr.pay_month,
    pr.gross_pay,
    pr._extract_date as snapshot_date
from {{ source('raw', 'payroll') }} as pr
inner join snapshot on pr._extract_date = snapshot.snapshot_date
