{#-
  Helpers of the rules R08–R14 and the marts. Engine-specific spellings go
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


{#- The rule output columns (docs/CONTRACTS.md §3) of a finding about one
    payment. Expects `p` (an int_payments row) and `ps` (its int_persons row,
    left-joined) in scope; the caller gives subtype, severity, amount and
    evidence pairs. -#}
{% macro payment_finding(rule_code, subtype, severity, amount_at_risk, evidence_pairs) -%}
    cast('{{ rule_code }}' as {{ dbt.type_string() }}) as rule_code,
    cast({{ subtype }} as {{ dbt.type_string() }}) as subtype,
    cast({{ severity }} as {{ dbt.type_string() }}) as severity,
    cast(lower(p.status) as {{ dbt.type_string() }}) as status,
    cast(p.payment_id as {{ dbt.type_string() }}) as finding_key,
    cast(p.person_id as {{ dbt.type_string() }}) as person_id,
    cast(coalesce(p.recipient_name, ps.name) as {{ dbt.type_string() }}) as person_name,
    cast(ps.household_no as {{ dbt.type_string() }}) as household_no,
    cast(p.payment_id as {{ dbt.type_string() }}) as payment_id,
    cast(p.account_no as {{ dbt.type_string() }}) as account_no,
    cast(null as {{ dbt.type_string() }}) as month,
    cast(p.program_code as {{ dbt.type_string() }}) as program_code,
    cast(p.period as {{ dbt.type_string() }}) as period,
    cast(p.division_code as {{ dbt.type_string() }}) as division_code,
    cast({{ amount_at_risk }} as decimal(18, 2)) as amount_at_risk,
    cast({{ json_object(
        [('recipient_id_raw', 'p.recipient_id_raw'), ('recipient_name', 'p.recipient_name'),
         ('amount', 'cast(p.amount as string)'), ('payment_status', 'p.status'),
         ('status_date', 'p.status_date')] + evidence_pairs
    ) }} as {{ dbt.type_string() }}) as evidence
{%- endmacro %}


{#- The rule output columns every rule model returns (docs/CONTRACTS.md §3). -#}
{% macro rule_output_columns() -%}
    {{ return(['rule_code', 'subtype', 'severity', 'status', 'finding_key', 'person_id', 'person_name',
               'household_no', 'payment_id', 'account_no', 'month', 'program_code', 'period',
               'division_code', 'amount_at_risk', 'evidence']) }}
{%- endmacro %}


{#- Names of every model under models/rules/, sorted; known only when the graph
    is (at execution). At parse time a placeholder keeps the SQL valid. -#}
{% macro rule_model_names() -%}
    {%- set names = [] -%}
    {%- if execute and graph is defined -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' and node.package_name == project_name
                  and node.original_file_path.replace('\\', '/').startswith('models/rules/') -%}
                {%- do names.append(node.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not names -%}{%- do names.append('r08_payroll_in_household') -%}{%- endif -%}
    {{ return(names | sort) }}
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
