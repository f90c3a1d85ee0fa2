-- One row per death certificate (死亡证编号) and per cremation record
-- (record_no) delivered up to D, in its latest version: what int_death_dates
-- (by ID) and int_linked_death_dates (by identity link) read.
with certificates as (
    select
        certificate_no as record_key,
        person_id,
        death_date,
        row_number() over (
            partition by certificate_no order by _extract_date desc, _row_no desc
        ) as version_rank
    from {{ ref('stg_deaths__certificates') }}
),

cremations as (
    select
        record_no as record_key,
        person_id,
        death_date,
        row_number() over (
            partition by record_no order by _extract_date desc, _row_no desc
        ) as version_rank
    from {{ ref('stg_cremations__records') }}
)

select
    'deaths' as record_source,
    record_key,
    person_id,
    death_date
from certificates
where version_rank = 1

union all

select
    'cremations' as record_source,
    record_key,
    person_id,
    death_date
from cremations
where version_rank = 1
