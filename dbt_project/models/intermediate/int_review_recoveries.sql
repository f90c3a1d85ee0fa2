{{ config(materialized='table') }}
-- Partial recoveries: one row per decision (dated on or before D) that raised
-- a finding's cumulative 追回金额 (the township writes the running total;
-- feedback refuses a lower one). The partial is the rise over the highest
-- earlier total, in decision order (review_date, then arrival), so the sum of
-- a finding's partials is its recovered total, to the fen.
with decisions as (
    select
        anomaly_id,
        decision_id,
        seq,
        coalesce(review_date, cast(loaded_at as date)) as recovered_on,
        coalesce(recovered_amount, 0) as cumulative
    from {{ source('review', 'decisions') }}
    where coalesce(review_date, cast(loaded_at as date)) <= {{ as_of() }}
),

running as (
    select
        *,
        max(cumulative) over (
            partition by anomaly_id
            order by recovered_on, seq, decision_id
            rows between unbounded preceding and current row
        ) as running_total
    from decisions
),

partials as (
    select
        *,
        running_total - coalesce(
            lag(running_total) over (partition by anomaly_id order by recovered_on, seq, decision_id), 0
        ) as amount
    from running
)

select
    anomaly_id,
    decision_id,
    recovered_on,
    cast(amount as decimal(18, 2)) as amount,
    cast(running_total as decimal(18, 2)) as recovered_to_date
from partials
where amount > 0
