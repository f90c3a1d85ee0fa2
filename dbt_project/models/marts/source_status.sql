-- Per source: the last good extract date on or before D, and whether the
-- source is stale (a delivery due after it is missing, late, quarantined or
-- rejected) and since when. The run summary and the report read this, so
-- every output says which sources are stale and since when.
{%- set sources = raw_source_names() %}

with declared as (
    {%- for s in sources | sort %}
    select cast('{{ s }}' as {{ dbt.type_string() }}) as source
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if not sources %}
        select cast(null as {{ dbt.type_string() }}) as source
    {%- endif %}
),

loads as (
    select * from {{ source('meta', 'loads') }}
    where extract_date <= {{ as_of() }}
),

all_sources as (
    select source from declared
    where source is not null
    union
    select distinct source from loads
),

last_good as (
    select
        source,
        max(extract_date) as last_good_extract_date
    from loads
    where status = 'loaded'
    group by source
),

problems as (
    select distinct
        source,
        extract_date,
        'late' as problem
    from {{ source('meta', 'late_deliveries') }}
    where extract_date <= {{ as_of() }} and reported_for <= {{ as_of() }}
    union
    select distinct
        source,
        extract_date,
        status as problem
    from loads
    where status in ('quarantined', 'rejected')
),

open_problems as (
    select p.*
    from problems as p
    where not exists (
        select 1 from loads as l
        where l.source = p.source and l.extract_date = p.extract_date and l.status = 'loaded'
    )
),

stale as (
    select
        p.source,
        min(p.extract_date) as stale_since,
        {{ sorted_list('p.problem') }} as stale_reasons,
        {{ sorted_list(dbt.concat([
            'cast(p.extract_date as ' ~ dbt.type_string() ~ ')', "':'", 'p.problem'
        ]), ', ') }} as stale_deliveries
    from open_problems as p
    left join last_good as g on p.source = g.source
    where g.last_good_extract_date is null or p.extract_date > g.last_good_extract_date
    group by p.source
),

load_counts as (
    select
        source,
        sum(case when status = 'loaded' then 1 else 0 end) as loads_loaded,
        sum(case when status = 'quarantined' then 1 else 0 end) as loads_quarantined,
        sum(case when status = 'rejected' then 1 else 0 end) as loads_rejected,
        {{ sorted_list("case when status = 'quarantined' then load_id end", ', ') }} as quarantined_load_ids
    from loads
    group by source
),

gaps as (
    select
        source,
        count(*) as unresolved_problem_dates,
        min(extract_date) as earliest_unresolved
    from open_problems
    group by source
)

select
    a.source,
    g.last_good_extract_date,
    (g.last_good_extract_date is null or s.source is not null) as is_stale,
    s.stale_since,
    s.stale_reasons,
    s.stale_deliveries,
    cast(coalesce(c.loads_loaded, 0) as bigint) as loads_loaded,
    cast(coalesce(c.loads_quarantined, 0) as bigint) as loads_quarantined,
    cast(coalesce(c.loads_rejected, 0) as bigint) as loads_rejected,
    c.quarantined_load_ids,
    cast(coalesce(gp.unresolved_problem_dates, 0) as bigint) as unresolved_problem_dates,
    gp.earliest_unresolved,
    {{ as_of() }} as as_of
from all_sources as a
left join last_good as g on a.source = g.source
left join stale as s on a.source = s.source
left join load_counts as c on a.source = c.source
left join gaps as gp on a.source = gp.source
