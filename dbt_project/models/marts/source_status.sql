-- Per source: the last good extract date on or before D, and whether the
-- source is stale and since when. Staleness has one definition, in Python
-- (crosscheck/ingest/status.py: the cadence of sources.yml, the load
-- records, the recorded late deliveries), which `crosscheck status` runs
-- directly and every build writes for D into meta.source_staleness before
-- dbt runs; this mart reads those rows and adds the load counts. The run
-- summary, the brief, the demo and the notebooks read this mart.
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

states as (
    select * from {{ source('meta', 'source_staleness') }}
    where as_of = {{ as_of() }}
),

all_sources as (
    select source from declared
    where source is not null
    union
    select distinct source from loads
    union
    select source from states
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
)

select
    a.source,
    s.last_good_extract_date,
    s.is_stale,
    s.stale_since,
    s.stale_reasons,
    s.stale_deliveries,
    cast(coalesce(c.loads_loaded, 0) as bigint) as loads_loaded,
    cast(coalesce(c.loads_quarantined, 0) as bigint) as loads_quarantined,
    cast(coalesce(c.loads_rejected, 0) as bigint) as loads_rejected,
    c.quarantined_load_ids,
    cast(s.unresolved_problem_dates as bigint) as unresolved_problem_dates,
    s.earliest_unresolved,
    {{ as_of() }} as as_of
from all_sources as a
left join states as s on a.source = s.source
left join load_counts as c on a.source = c.source
