-- Recovery reconciles to the fen (docs/OUTCOMES.md §3): per township and
-- program, the partial recoveries, the findings' recovered totals and the
-- weekly figures summed over all weeks are the same amount. Returns the
-- township/program pairs where they differ.
with partials as (
    select
        h.division_code as township_code,
        h.program_code,
        sum(p.amount) as amount
    from {{ ref('int_review_recoveries') }} as p
    inner join {{ ref('anomaly_history') }} as h on p.anomaly_id = h.anomaly_id
    group by h.division_code, h.program_code
),

findings as (
    select
        township_code,
        program_code,
        sum(recovered_amount) as amount
    from {{ ref('finding_recovery') }}
    group by township_code, program_code
),

weekly as (
    select
        township_code,
        program_code,
        sum(amount_recovered) as amount
    from {{ ref('weekly_summary') }}
    group by township_code, program_code
)

select
    f.township_code,
    f.program_code,
    f.amount as findings_amount,
    p.amount as partials_amount,
    w.amount as weekly_amount
from findings as f
left join partials as p
    on
        coalesce(f.township_code, '') = coalesce(p.township_code, '')
        and coalesce(f.program_code, '') = coalesce(p.program_code, '')
left join weekly as w
    on
        coalesce(f.township_code, '') = coalesce(w.township_code, '')
        and coalesce(f.program_code, '') = coalesce(w.program_code, '')
where
    coalesce(f.amount, 0) <> coalesce(p.amount, 0)
    or coalesce(f.amount, 0) <> coalesce(w.amount, 0)
