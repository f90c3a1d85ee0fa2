-- The weekly random sample of PAID payments no rule flagged (事中随机抽查,
-- docs/OUTCOMES.md §4): the latest complete ISO week ending on or before D,
-- stratified by township × program, sized for var('confidence_level') and
-- ±var('sample_margin_of_error') on the miss rate:
--   n0 = z² p (1 − p) / e²            (p = var('sample_assumed_miss_rate'))
--   n  = ceil(n0 / (1 + (n0 − 1) / N))  (finite-population correction, N = week's population)
--   n_h = min(N_h, ceil(n × N_h / N))   (proportional allocation, every stratum at least 1)
-- The order within a stratum is md5(seed || payment_id), seed =
-- 'crosscheck-sample|' || iso_week: derived from the week, never the clock,
-- so a rebuild draws the same sample. var('sample_week') (YYYY-Www) draws an
-- earlier complete week instead, e.g. to reproduce one.
{%- set z = z_score() %}
{%- set e = var('sample_margin_of_error') %}
{%- set p = var('sample_assumed_miss_rate') %}

with week as (
    select
        week_start,
        iso_week,
        week_end
    from {{ ref('int_marts_weeks') }}
    where
        week_end = {{ dbt.dateadd('day', 6, 'week_start') }}
        {%- if var('sample_week') %}
            and iso_week = '{{ var("sample_week") }}'
        {%- endif %}
    order by week_start desc
    limit 1
),

findings as (
    select * from {{ ref('int_marts_findings') }}
),

flagged_payments as (
    select distinct payment_id from findings
    where payment_id is not null
),

flagged_persons as (
    select distinct person_id from findings
    where payment_id is null and person_id is not null
),

flagged_accounts as (
    select distinct account_no from findings
    where payment_id is null and account_no is not null
),

population as (
    select
        w.iso_week,
        w.week_start,
        p.payment_id,
        p.person_id,
        p.person_name,
        p.account_no,
        p.division_code as township_code,
        p.program_code,
        p.period,
        p.amount,
        p.status_date,
        {{ dbt.concat(["'crosscheck-sample|'", 'w.iso_week']) }} as sample_seed
    from {{ ref('int_payments') }} as p
    inner join week as w on p.status_date between w.week_start and w.week_end
    left join flagged_payments as fp on p.payment_id = fp.payment_id
    left join flagged_persons as fpe on p.person_id = fpe.person_id
    left join flagged_accounts as fa on p.account_no = fa.account_no
    where
        p.status = 'PAID'
        and fp.payment_id is null
        and fpe.person_id is null
        and fa.account_no is null
),

strata as (
    select
        township_code,
        program_code,
        count(*) as stratum_population
    from population
    group by township_code, program_code
),

total as (
    select
        sum(stratum_population) as week_population,
        {{ z }} * {{ z }} * {{ p }} * (1 - {{ p }}) / ({{ e }} * {{ e }}) as n0
    from strata
),

sized as (
    select
        week_population,
        n0,
        cast(least(week_population, ceil(n0 / (1 + (n0 - 1) / week_population))) as bigint)
            as sample_size
    from total
    where week_population > 0
),

allocated as (
    select
        s.township_code,
        s.program_code,
        s.stratum_population,
        z.week_population,
        z.sample_size,
        cast(
            least(s.stratum_population, ceil(1.0 * z.sample_size * s.stratum_population / z.week_population))
            as bigint
        ) as stratum_sample
    from strata as s
    cross join sized as z
),

ranked as (
    select
        p.*,
        a.stratum_population,
        a.stratum_sample,
        a.week_population,
        a.sample_size,
        row_number() over (
            partition by p.township_code, p.program_code
            order by {{ dbt.hash(dbt.concat(['p.sample_seed', "'|'", 'p.payment_id'])) }}, p.payment_id
        ) as draw_order
    from population as p
    inner join allocated as a
        on
            coalesce(p.township_code, '') = coalesce(a.township_code, '')
            and coalesce(p.program_code, '') = coalesce(a.program_code, '')
)

select
    {{ stable_id(["'SAMPLE'", 'iso_week', 'payment_id']) }} as sample_id,
    iso_week,
    week_start,
    substr(township_code, 1, 6) as county_code,
    township_code,
    program_code,
    payment_id,
    person_id,
    person_name,
    account_no,
    period,
    cast(amount as decimal(18, 2)) as amount,
    status_date,
    cast(stratum_population as bigint) as stratum_population,
    cast(stratum_sample as bigint) as stratum_sample,
    cast(week_population as bigint) as week_population,
    cast(sample_size as bigint) as sample_size,
    sample_seed,
    cast(draw_order as bigint) as draw_order,
    {{ as_of() }} as as_of
from ranked
where draw_order <= stratum_sample
