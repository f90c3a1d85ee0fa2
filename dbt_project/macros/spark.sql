{#-
  The Spark targets read the tables ingestion writes from the Parquet export
  of crosscheck/spark.py (<CROSSCHECK_SPARK_DIR>/parquet/<schema>/<table>, or
  CROSSCHECK_PARQUET_URI on a cluster: storage the cluster reads). This
  on-run-start hook registers every declared source as an external Parquet
  table, fresh each run (dropping an external table keeps its files). On
  DuckDB the sources are the warehouse's own tables: nothing to do.
-#}
{% macro register_sources() -%}
    {{ return(adapter.dispatch('register_sources', 'crosscheck')()) }}
{%- endmacro %}

{% macro default__register_sources() -%}
    select 1 as sources_are_local
{%- endmacro %}

{% macro spark__register_sources() -%}
    {%- if execute -%}
        {%- set root = env_var('CROSSCHECK_PARQUET_URI', env_var('CROSSCHECK_SPARK_DIR', '../work/spark') ~ '/parquet') -%}
        {%- set schemas = [] -%}
        {%- for s in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- if s.schema not in schemas -%}
                {%- do run_query('create database if not exists ' ~ s.schema) -%}
                {%- do schemas.append(s.schema) -%}
            {%- endif -%}
            {%- set name = s.schema ~ '.' ~ s.identifier -%}
            {%- do run_query('drop table if exists ' ~ name) -%}
            {%- do run_query('create table ' ~ name ~ " using parquet location '"
                ~ root ~ '/' ~ s.schema ~ '/' ~ s.identifier ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as sources_registered
{%- endmacro %}
