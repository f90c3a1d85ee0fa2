{#-
  Every finding ever detected, one row per anomaly_id, with the as-of dates
  it was first and last seen and the first as-of at which it was no longer
  detected (resolved_on; NULL while detected), plus its last known row.
  Incremental and never fully refreshed: history is only ever added to.
  Backfilling an earlier as-of only lowers first_seen (and never reopens a
  finding a later run saw resolved); a finding detected again after its
  resolution reopens it.
-#}
{{ config(
    materialized='incremental',
    unique_key='anomaly_id',
    incremental_strategy='delete+insert',
    full_refresh=false,
) }}
{%- set columns = rule_output_columns() %}
{%- set d = as_of() %}

with current_findings as (
    select * from {{ ref('int_marts_findings') }}
),

{% if is_incremental() %}
    merged as (
        select
            coalesce(c.anomaly_id, h.anomaly_id) as anomaly_id,
            {%- for col in columns %}
                case
                    when c.anomaly_id is not null and (h.anomaly_id is null or {{ d }} >= h.last_seen)
                        then c.{{ col }}
                    else h.{{ col }}
                end as {{ col }},
            {%- endfor %}
            case
                when c.anomaly_id is null then h.first_seen
                when h.anomaly_id is null or {{ d }} < h.first_seen then {{ d }}
                else h.first_seen
            end as first_seen,
            case
                when c.anomaly_id is null then h.last_seen
                when h.anomaly_id is null or {{ d }} > h.last_seen then {{ d }}
                else h.last_seen
            end as last_seen,
            case
                when c.anomaly_id is not null and h.resolved_on > {{ d }} then h.resolved_on
                when c.anomaly_id is not null then cast(null as date)
                when {{ d }} > h.last_seen and (h.resolved_on is null or {{ d }} < h.resolved_on) then {{ d }}
                else h.resolved_on
            end as resolved_on
        from current_findings as c
        full outer join {{ this }} as h on c.anomaly_id = h.anomaly_id
        where
            c.anomaly_id is not null
            or ({{ d }} > h.last_seen and (h.resolved_on is null or {{ d }} < h.resolved_on))
    )

    select * from merged
{% else %}
    first_run as (
        select
            anomaly_id,
            {{ columns | join(',\n            ') }},
            {{ d }} as first_seen,
            {{ d }} as last_seen,
            cast(null as date) as resolved_on
        from current_findings
    )

    select * from first_run
{% endif %}
