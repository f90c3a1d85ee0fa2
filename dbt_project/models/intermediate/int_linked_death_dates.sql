{{ config(materialized='table') }}
-- Death evidence whose ID links to a register person (int_identity_links):
-- the int_death_dates columns R13 reads, for that person, from the latest
-- version of each linked certificate / cremation record. When several records
-- link to one person, the earliest dates count and the evidence names the
-- most probable link.
with certificates as (
    select
        certificate_no,
        death_date,
        row_number() over (
            partition by certificate_no order by _extract_date desc, _row_no desc
        ) as version_rank
    from {{ ref('stg_deaths__certificates') }}
),

cremations as (
    select
        record_no,
        death_date,
        row_number() over (
            partition by record_no order by _extract_date desc, _row_no desc
        ) as version_rank
    from {{ ref('stg_cremations__records') }}
),

linked as (
    select
        l.*,
        c.death_date as certificate_date,
        cast(null as date) as cremation_date,
        c.certificate_no,
        cast(null as {{ dbt.type_string() }}) as cremation_record_no
    from {{ ref('int_identity_links') }} as l
    inner join certificates as c on l.record_key = c.certificate_no and c.version_rank = 1
    where l.record_source = 'deaths'

    union all

    select
        l.*,
        cast(null as date) as certificate_date,
        r.death_date as cremation_date,
        cast(null as {{ dbt.type_string() }}) as certificate_no,
        r.record_no as cremation_record_no
    from {{ ref('int_identity_links') }} as l
    inner join cremations as r on l.record_key = r.record_no and r.version_rank = 1
    where l.record_source = 'cremations'
),

best as (
    select
        *,
        row_number() over (
            partition by person_id order by match_probability desc, record_source asc, record_key asc
        ) as link_rank
    from linked
),

dates as (
    select
        person_id,
        min(certificate_date) as certificate_date,
        min(cremation_date) as cremation_date,
        min(certificate_no) as certificate_no,
        min(cremation_record_no) as cremation_record_no
    from linked
    group by person_id
)

select
    d.person_id,
    d.certificate_date,
    d.cremation_date,
    d.certificate_no,
    d.cremation_record_no,
    b.person_id as linked_person_id,
    b.person_name as linked_person_name,
    b.typed_id as link_typed_id,
    b.typed_name as link_typed_name,
    b.match_probability as link_match_probability,
    b.match_weight as link_match_weight,
    b.agreement as link_agreement,
    b.agreement_zh as link_agreement_zh,
    b.model_version as link_model_version
from dates as d
inner join best as b on d.person_id = b.person_id and b.link_rank = 1
