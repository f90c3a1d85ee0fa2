{{ config(materialized='table') }}
-- "Cards at payment time" (docs/RULEBOOK.md "Snapshot facts"): for each payment, the
-- sscards snapshot to read its cards from: the latest good snapshot with
-- extract date <= status_date (PAID) or <= D (every other state), else the
-- earliest snapshot. Join stg_sscards__cards on snapshot_date = card_snapshot_date.
with snapshots as (
    select distinct extract_date as snapshot_date
    from {{ ref('stg_meta__loads') }}
    where source = 'sscards' and status = 'loaded'
),

payments as (
    select
        payment_id,
        case when status = 'PAID' then status_date else {{ as_of() }} end as card_ref_date
    from {{ ref('int_payments') }}
),

ref_dates as (
    select distinct card_ref_date from payments
),

latest_by_ref as (
    select
        r.card_ref_date,
        max(s.snapshot_date) as snapshot_date
    from ref_dates as r
    inner join snapshots as s on r.card_ref_date >= s.snapshot_date
    group by r.card_ref_date
),

earliest as (
    select min(snapshot_date) as snapshot_date from snapshots
)

select
    p.payment_id,
    p.card_ref_date,
    coalesce(l.snapshot_date, e.snapshot_date) as card_snapshot_date,
    l.snapshot_date is null as is_fallback_to_earliest
from payments as p
left join latest_by_ref as l on p.card_ref_date = l.card_ref_date
cross join earliest as e
