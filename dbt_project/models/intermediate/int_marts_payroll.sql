-- Public payroll months of the latest good payroll snapshot on or before D (R08).
select pr.*
from {{ ref('stg_payroll__pay_months') }} as pr
inner join {{ ref('int_snapshot_dates') }} as s
    on s.source = 'payroll' and pr.snapshot_date = s.snapshot_date
