{#-
  Where DuckDB spills beyond memory_limit (crosscheck/config.py). Set once per
  DuckDB instance, in this on-run-start hook, and only when it differs:
  dbt-duckdb runs a profile's `settings:` as a SET on every new connection, and
  DuckDB refuses any SET of temp_directory, even to the same folder, once the
  instance has spilled ("Cannot switch temporary directory after the current
  one has been used") — a build larger than memory died at its next model.
  memory_limit may change at any time and stays in the profile's settings.
-#}
{% macro set_spill_directory() -%}
    {{ return(adapter.dispatch('set_spill_directory', 'crosscheck')()) }}
{%- endmacro %}

{% macro default__set_spill_directory() -%}
    select 1 as spill_directory_is_the_engines
{%- endmacro %}

{% macro duckdb__set_spill_directory() -%}
    {%- if execute -%}
        {%- set wanted = env_var('CROSSCHECK_DUCKDB_TEMP_DIRECTORY', env_var('CROSSCHECK_WAREHOUSE', '../work/warehouse.duckdb') ~ '.tmp') -%}
        {%- set current = run_query("select current_setting('temp_directory')").columns[0].values()[0] -%}
        {%- if current != wanted -%}
            {%- do run_query("set temp_directory = '" ~ wanted | replace("'", "''") ~ "'") -%}
        {%- endif -%}
    {%- endif -%}
    select 1 as spill_directory_set
{%- endmacro %}
