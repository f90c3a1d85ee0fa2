{#-
  Incremental strategies on Spark with plain Parquet tables (no Delta or
  Iceberg: nothing to download), where dbt-spark offers append and
  insert_overwrite only and Parquet tables refuse DELETE.

  - A table of deliveries (int_ledger_versions) is partitioned by load:
    new loads are written as new partitions (insert_overwrite, dynamic), and
    the loads no longer `loaded` are dropped as partitions
    (drop_unloaded_ledger_versions).
  - delete+insert by unique key (anomaly_history) is done as a rewrite: the
    kept rows plus the new ones go to a new table that replaces the old one.
    Correct and simple; its cost follows the table, which on Spark is the
    history of findings (small next to the ledger).
-#}

{#- Config of an incremental table of deliveries, keyed by `_load_id`. -#}
{% macro incremental_by_load_config() -%}
    {{ return(adapter.dispatch('incremental_by_load_config', 'crosscheck')()) }}
{%- endmacro %}

{% macro default__incremental_by_load_config() -%}
    {{ return({'incremental_strategy': 'append'}) }}
{%- endmacro %}

{% macro spark__incremental_by_load_config() -%}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': ['_load_id']}) }}
{%- endmacro %}


{#- dbt-spark accepts only its own strategies; delete+insert is ours (below). `dbt.` names the adapter's own macro (internal packages), not this override. -#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) -%}
    {%- if raw_strategy == 'delete+insert' -%}
        {%- do return(raw_strategy) -%}
    {%- endif -%}
    {%- do return(dbt.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) -%}
{%- endmacro %}


{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) -%}
    {%- if strategy == 'delete+insert' -%}
        {{ spark_rewrite_delete_insert(source, target, unique_key) }}
    {%- else -%}
        {{ dbt.dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) }}
    {%- endif -%}
{%- endmacro %}


{#- Rows of `target` whose key is not in `source`, plus `source`, become the
    new `target`: written to a new table first, then swapped in. -#}
{% macro spark_rewrite_delete_insert(source, target, unique_key) -%}
    {%- if unique_key is none or unique_key is not string -%}
        {%- do exceptions.raise_compiler_error('delete+insert on Spark needs one unique_key column') -%}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(target) | map(attribute='quoted') | join(', ') -%}
    {%- set fresh = target.incorporate(path={'identifier': target.identifier ~ '__dbt_new'}) -%}
    {%- do run_query('drop table if exists ' ~ fresh) -%}
    {%- call statement('spark_rewrite') -%}
        create table {{ fresh }} using parquet as
        select {{ columns }} from {{ target }}
        where {{ unique_key }} not in (select s.{{ unique_key }} from {{ source }} as s)
        union all
        select {{ columns }} from {{ source }}
    {%- endcall -%}
    {%- do run_query('drop table ' ~ target) -%}
    alter table {{ fresh }} rename to {{ target }}
{%- endmacro %}
