{#-
  Portable helpers. Models call these instead of engine-specific functions so
  the same SQL runs on DuckDB today and Spark or Trino later; each engine that
  needs its own spelling gets an implementation through adapter.dispatch.
-#}

{#- The run's as-of date D as a DATE literal (RULES.md: never the wall clock). -#}
{% macro as_of() -%}
    cast('{{ var("as_of") }}' as date)
{%- endmacro %}


{#- A stable text id: hash of the parts joined with '|', NULL parts as ''. -#}
{% macro stable_id(parts) -%}
    {%- set cleaned = [] -%}
    {%- for p in parts -%}
        {%- do cleaned.append("coalesce(cast(" ~ p ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- if not loop.last %}{% do cleaned.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(cleaned)) }}
{%- endmacro %}


{#- A JSON object text from (key, expression) pairs: json_object([('k', 'col'), ...]). -#}
{% macro json_object(pairs) -%}
    {{ return(adapter.dispatch('json_object', 'crosscheck')(pairs)) }}
{%- endmacro %}

{% macro default__json_object(pairs) -%}
    to_json(named_struct(
    {%- for k, v in pairs %}'{{ k }}', {{ v }}{% if not loop.last %}, {% endif %}{% endfor -%}
    ))
{%- endmacro %}

{% macro duckdb__json_object(pairs) -%}
    cast(json_object(
    {%- for k, v in pairs %}'{{ k }}', {{ v }}{% if not loop.last %}, {% endif %}{% endfor -%}
    ) as varchar)
{%- endmacro %}


{#- Month key YYYYMM of a date, as text. -#}
{% macro yyyymm(date_expr) -%}
    {{ return(adapter.dispatch('yyyymm', 'crosscheck')(date_expr)) }}
{%- endmacro %}

{% macro default__yyyymm(date_expr) -%}
    date_format({{ date_expr }}, 'yyyyMM')
{%- endmacro %}

{% macro duckdb__yyyymm(date_expr) -%}
    strftime({{ date_expr }}, '%Y%m')
{%- endmacro %}


{#- First day of a YYYYMM text month, as DATE. -#}
{% macro month_start(yyyymm_expr) -%}
    cast({{ dbt.concat(["substr(" ~ yyyymm_expr ~ ", 1, 4)", "'-'", "substr(" ~ yyyymm_expr ~ ", 5, 2)", "'-01'"]) }} as date)
{%- endmacro %}
