{{ config(severity='warn') }}
-- docs/RULEBOOK.md R06: a reissue_of naming a payment not delivered up to D is a
-- data-quality warning; that payment counts as an original.
select
    payment_id,
    reissue_of
from {{ ref('int_payments') }}
where reissue_of is not null and not is_reissue
