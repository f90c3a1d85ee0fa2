{{ config(materialized='table') }}
-- Death evidence whose ID links to a register person (int_identity_links):
-- the int_death_dates columns R13 reads, for that person, from the latest
-- version of each linked certificate / cremation record. When several records
-- link to one person, the earliest dates count and the evidence names the
-- most probable link.
with linked as (
    select
        l.*,
        case when r.record_source = 'deaths' then r.death_date end as certificate_date,
        case when r.record_source = 'cremations' then r.death_date end as cremation_date,
        case when r.record_source = 'deaths' then r.record_key end as certificate_no,
        case when r.record_source = 'cremations' then r.record_key end as cremation_record_no
    from {{ ref('int_identity_links') }} as l
    inner join {{ ref('int_death_records') }} as r
        on l.record_source = r.record_source and l.record_key = r.record_key
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
