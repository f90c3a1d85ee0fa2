{#- Pre-hook of int_ledger_versions: delete the rows of deliveries whose load is
    no longer `loaded` (superseded, or otherwise withdrawn), so the
    incremental table always equals a full refresh. A no-op on the first
    run and under --full-refresh. -#}
{% macro drop_unloaded_ledger_versions() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where _load_id not in (
            select l.load_id from {{ source('meta', 'loads') }} as l
            where l.status = 'loaded'
        )
    {%- else -%}
        select 1 as nothing_to_drop
    {%- endif -%}
{%- endmacro %}
