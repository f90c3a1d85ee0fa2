-- What the rules miss (docs/OUTCOMES.md §4): from the 抽查 items sent out
-- (review.sample_items) and their current conclusions dated on or before D,
-- the share of sampled unflagged payments where the township found a problem,
-- per sample week × program and county-wide (program_code NULL), with a
-- Wilson score interval at var('confidence_level'). Proportional allocation
-- makes the sample self-weighting, so the pooled share of returned items is
-- the estimate (no finite-population correction in the interval: it is
-- conservative).
with sent as (
    select
        sample_id,
        iso_week,
        county_code,
        program_code,
        week_population,
        sample_size,
        row_number() over (partition by sample_id order by exported_at) as sent_order
    from {{ source('review', 'sample_items') }}
    where as_of <= {{ as_of() }}
),

items as (
    select * from sent
    where sent_order = 1
),

decisions as (
    select
        anomaly_id as sample_id,
        conclusion,
        row_number() over (
            partition by anomaly_id
            order by coalesce(review_date, cast(loaded_at as date)) desc, seq desc, decision_id desc
        ) as recency
    from {{ source('review', 'decisions') }}
    where coalesce(review_date, cast(loaded_at as date)) <= {{ as_of() }}
),

answered as (
    select
        i.*,
        d.conclusion,
        case when d.conclusion is not null then 1 else 0 end as returned,
        case when d.conclusion = '发现问题' then 1 else 0 end as miss
    from items as i
    left join decisions as d on i.sample_id = d.sample_id and d.recency = 1
),

grouped as (
    select
        iso_week,
        county_code,
        program_code,
        'program' as scope,
        count(*) as sampled,
        sum(returned) as returned,
        sum(miss) as misses
    from answered
    group by iso_week, county_code, program_code

    union all

    select
        iso_week,
        county_code,
        cast(null as {{ dbt.type_string() }}) as program_code,
        'county' as scope,
        count(*) as sampled,
        sum(returned) as returned,
        sum(miss) as misses
    from answered
    group by iso_week, county_code
),

weeks as (
    select
        iso_week,
        county_code,
        max(week_population) as week_population,
        max(sample_size) as sample_size
    from items
    group by iso_week, county_code
)

select
    g.iso_week,
    g.county_code,
    g.program_code,
    g.scope,
    cast(w.week_population as bigint) as week_population,
    cast(w.sample_size as bigint) as sample_size,
    cast(g.sampled as bigint) as sampled,
    cast(g.returned as bigint) as returned,
    cast(g.misses as bigint) as misses,
    cast(case when g.returned > 0 then 1.0 * g.misses / g.returned end as double) as miss_rate,
    {{ wilson_bound('g.misses', 'g.returned', -1) }} as ci_low,
    {{ wilson_bound('g.misses', 'g.returned', 1) }} as ci_high,
    cast({{ var('confidence_level') }} as double) as confidence_level,
    {{ as_of() }} as as_of
from grouped as g
inner join weeks as w on g.iso_week = w.iso_week and coalesce(g.county_code, '') = coalesce(w.county_code, '')
