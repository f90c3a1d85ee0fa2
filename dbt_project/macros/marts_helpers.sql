{#-
  Helpers of the rules and the marts. Engine-specific spellings go
  through adapter.dispatch, like macros/portable.sql.
-#}

{#- Text list of distinct values, sorted, joined by sep. -#}
{% macro sorted_list(expr, sep=',') -%}
    {{ return(adapter.dispatch('sorted_list', 'crosscheck')(expr, "'" ~ sep ~ "'")) }}
{%- endmacro %}

{% macro default__sorted_list(expr, sep) -%}
    case when size(collect_set({{ expr }})) > 0 then array_join(array_sort(collect_set({{ expr }})), {{ sep }}) end
{%- endmacro %}

{% macro duckdb__sorted_list(expr, sep) -%}
    string_agg(distinct {{ expr }}, {{ sep }} order by {{ expr }})
{%- endmacro %}


{#- JSON array text of JSON object texts (evidence details). -#}
{% macro json_array_agg(json_text_expr, order_by) -%}
    {{ return(adapter.dispatch('json_array_agg', 'crosscheck')(json_text_expr, order_by)) }}
{%- endmacro %}

{% macro default__json_array_agg(json_text_expr, order_by) -%}
    concat('[', array_join(transform(
        array_sort(collect_list(struct({{ order_by }} as k, {{ json_text_expr }} as v))), x -> x.v
    ), ','), ']')
{%- endmacro %}

{% macro duckdb__json_array_agg(json_text_expr, order_by) -%}
    cast(to_json(list(cast({{ json_text_expr }} as json) order by {{ order_by }})) as varchar)
{%- endmacro %}


{#- ISO week label 'YYYY-Www' of a date. -#}
{% macro iso_week_label(date_expr) -%}
    {{ return(adapter.dispatch('iso_week_label', 'crosscheck')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_week_label(date_expr) -%}
    concat(cast(extract(yearofweek from {{ date_expr }}) as string), '-W', lpad(cast(weekofyear({{ date_expr }}) as string), 2, '0'))
{%- endmacro %}

{% macro duckdb__iso_week_label(date_expr) -%}
    strftime({{ date_expr }}, '%G-W%V')
{%- endmacro %}


{#- The rule output columns every rule model returns (docs/CONTRACTS.md §3). -#}
{% macro rule_output_columns() -%}
    {{ return(['rule_code', 'subtype', 'severity', 'status', 'finding_key', 'person_id', 'person_name',
               'household_no', 'payment_id', 'account_no', 'month', 'program_code', 'period',
               'division_code', 'amount_at_risk', 'evidence']) }}
{%- endmacro %}


{#- Names of the raw delivery sources declared to dbt (models/sources.yml). -#}
{% macro raw_source_names() -%}
    {%- set names = [] -%}
    {%- if execute and graph is defined -%}
        {%- for s in graph.sources.values() if s.source_name == 'raw' -%}
            {%- do names.append(s.name) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names | sort) }}
{%- endmacro %}
