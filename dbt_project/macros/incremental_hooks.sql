{#- Pre-hook of int_ledger_versions: delete the rows of deliveries whose load is
    no longer `loaded` (superseded, or otherwise withdrawn), so the
    incremental table always equals a full refresh. On DuckDB their
    payment_ids are recorded first (int_ledger_versions__withdrawn): int_payments
    recomputes those payments. A no-op on the first
    run and under --full-refresh. -#}
{% macro drop_unloaded_ledger_versions() -%}
    {{ return(adapter.dispatch('drop_unloaded_ledger_versions', 'crosscheck')()) }}
{%- endmacro %}

{% macro default__drop_unloaded_ledger_versions() -%}
    {%- if is_incremental() -%}
        {#- the payments of the deleted rows, for int_payments' increment
            (macros/incremental_payments.sql), which empties the table -#}
        {%- set withdrawn = this.incorporate(path={'identifier': 'int_ledger_versions__withdrawn'}) -%}
        create table if not exists {{ withdrawn }} (load_id varchar, payment_id varchar);
        insert into {{ withdrawn }}
        select distinct v._load_id, v.payment_id from {{ this }} as v
        where v._load_id not in (
            select l.load_id from {{ source('meta', 'loads') }} as l
            where l.status = 'loaded'
        );
        delete from {{ this }}
        where _load_id not in (
            select l.load_id from {{ source('meta', 'loads') }} as l
            where l.status = 'loaded'
        )
    {%- else -%}
        select 1 as nothing_to_drop
    {%- endif -%}
{%- endmacro %}


{#- Spark: Parquet tables refuse DELETE; the table is partitioned by load
    (incremental_by_load_config), so a withdrawn load is a dropped partition. -#}
{% macro spark__drop_unloaded_ledger_versions() -%}
    {%- if is_incremental() and execute -%}
        {%- set gone = run_query(
            "select distinct t._load_id from " ~ this ~ " as t where t._load_id not in ("
            ~ "select l.load_id from " ~ source('meta', 'loads') ~ " as l where l.status = 'loaded')"
        ) -%}
        {%- for row in gone.rows -%}
            {%- do run_query("alter table " ~ this ~ " drop if exists partition (_load_id = '"
                ~ row[0] | replace("'", "''") ~ "')") -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as unloaded_versions_dropped
{%- endmacro %}
