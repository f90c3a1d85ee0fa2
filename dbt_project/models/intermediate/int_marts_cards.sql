-- Social security cards of every sscards snapshot on or before D, with the
-- next snapshot's date, so a payment can find the cards "at payment time"
-- (RULES.md) by a range join (R10).
with snapshots as (
    select
        snapshot_date,
        lead(snapshot_date) over (order by snapshot_date) as next_snapshot_date,
        row_number() over (order by snapshot_date) = 1 as is_earliest
    from (
        select distinct _extract_date as snapshot_date
        from {{ source('raw', 'sscards') }}
        where _extract_date <= {{ as_of() }}
    ) as d
)

select
    c.id_number as person_id,
    c.id_number_raw as holder_id_raw,
    c.name as holder_name,
    c.card_no,
    c.account_no,
    c.bank_name,
    c.financial_status,
    c.card_status,
    c.issued_date,
    s.snapshot_date,
    s.next_snapshot_date,
    s.is_earliest
from {{ source('raw', 'sscards') }} as c
inner join snapshots as s on c._extract_date = s.snapshot_date
