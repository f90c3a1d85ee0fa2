-- The snapshot each snapshot source is read from as of D: its latest good
-- (loaded) delivery <= D, however old, plus the earliest (the fallback for
-- "card at payment time"). A source never delivered has NULL dates.
{% set snapshot_sources = ['hukou', 'vehicles', 'assistance', 'sscards', 'payroll'] %}
with sources as (
    {% for s in snapshot_sources %}
        select '{{ s }}' as source
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

good as (
    select
        source,
        max(extract_date) as snapshot_date,
        min(extract_date) as earliest_snapshot_date,
        count(*) as snapshots_loaded
    from {{ ref('stg_meta__loads') }}
    where status = 'loaded'
    group by source
)

select
    s.source,
    g.snapshot_date,
    g.earliest_snapshot_date,
    coalesce(g.snapshots_loaded, 0) as snapshots_loaded
from sources as s
left join good as g on s.source = g.source
