{{ config(materialized='table') }}
-- Payments whose recipient (typed ID + typed name) links to a register person
-- (int_identity_links): every int_payments column, plus that person as
-- `linked_person_id` (and household) and the link's evidence. The LINKED
-- rules judge `linked_person_id` where the exact rules judge `person_id`.
select
    p.*,
    l.person_id as linked_person_id,
    l.person_name as linked_person_name,
    ps.household_no as linked_household_no,
    l.typed_id as link_typed_id,
    l.typed_name as link_typed_name,
    l.match_probability as link_match_probability,
    l.match_weight as link_match_weight,
    l.agreement as link_agreement,
    l.agreement_zh as link_agreement_zh,
    l.model_version as link_model_version
from {{ ref('int_payments') }} as p
inner join {{ ref('int_identity_links') }} as l
    on
        l.record_source = 'ledger'
        and p.person_id = l.typed_id
        and coalesce(p.recipient_name, '') = coalesce(l.typed_name, '')
left join {{ ref('int_persons') }} as ps on l.person_id = ps.person_id
