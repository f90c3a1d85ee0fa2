{{ config(severity='warn') }}
-- Issue 13: every township a finding is filed under has a name in
-- seeds/divisions.csv; a code missing there shows as [code] in the workbooks,
-- the hold list and the report until the operator adds it.
select
    a.division_code,
    count(*) as findings
from {{ ref('anomalies') }} as a
left join {{ ref('divisions') }} as d on a.division_code = d.code
where a.division_code is not null and d.code is null
group by a.division_code
