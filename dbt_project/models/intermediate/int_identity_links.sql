{{ config(materialized='table') }}
-- The links good enough to raise LINKED findings (issue 15): for each record
-- of the latest linking run (the table holds one) dated on or before D — a
-- build for D never uses links computed from later deliveries, and a build
-- without its own linking run keeps the last links —, its best candidate other than
-- the typed number's own owner (who adds nothing to the exact rules), when
-- its match probability is at least var('linked_match_probability') and no
-- other such candidate of the same record reaches it (ambiguous: no link).
with candidates as (
    select
        *,
        row_number() over (
            partition by record_source, record_key
            order by candidate_rank
        ) as other_rank,
        sum(
            case when match_probability >= {{ var('linked_match_probability') }} then 1 else 0 end
        ) over (partition by record_source, record_key) as good_candidates
    from {{ source('linkage', 'identity_links') }}
    where
        as_of <= {{ as_of() }}
        and candidate_person_id <> coalesce(typed_id, '')
)

select
    record_source,
    record_key,
    typed_id,
    typed_name,
    candidate_person_id as person_id,
    candidate_name as person_name,
    match_weight,
    match_probability,
    agreement,
    agreement_zh,
    model_version
from candidates
where
    other_rank = 1
    and good_candidates = 1
    and match_probability >= {{ var('linked_match_probability') }}
