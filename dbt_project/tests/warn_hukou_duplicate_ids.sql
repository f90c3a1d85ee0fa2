{{ config(severity='warn') }}
-- docs/RULEBOOK.md "Household": one ID in several rows of the hukou snapshot used as
-- of D is a data-quality warning (the lowest 人员状态 wins in int_persons).
select
    person_id,
    rows_for_id
from {{ ref('int_persons') }}
where rows_for_id > 1
