{{ config(materialized='table') }}
-- One row per person with any death evidence delivered up to D (docs/RULEBOOK.md
-- "Death date"): the earliest of the death certificate's 死亡日期 (latest
-- version of each 死亡证编号), the cremation record's date_of_death (latest
-- version of each record_no) and the hukou 注销日期 where 人员状态 = 1. Each
-- source's own date is kept as evidence. Certificates without an ID take part
-- in no rule. Latest versions: int_death_records.
with evidence as (
    select
        person_id,
        case record_source when 'deaths' then 'certificate' else 'cremation' end as kind,
        death_date,
        record_key as reference
    from {{ ref('int_death_records') }}
    where person_id is not null and person_id <> ''

    union all

    select
        person_id,
        'hukou' as kind,
        dereg_date as death_date,
        cast(null as {{ dbt.type_string() }}) as reference
    from {{ ref('int_persons') }}
    where reg_status = '1' and dereg_date is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by person_id, kind order by death_date, reference
        ) as kind_rank
    from evidence
)

select
    person_id,
    min(death_date) as death_date,
    min(case when kind = 'certificate' then death_date end) as certificate_date,
    min(case when kind = 'cremation' then death_date end) as cremation_date,
    min(case when kind = 'hukou' then death_date end) as hukou_dereg_date,
    max(case when kind = 'certificate' and kind_rank = 1 then reference end) as certificate_no,
    max(case when kind = 'cremation' and kind_rank = 1 then reference end) as cremation_record_no
from ranked
group by person_id
