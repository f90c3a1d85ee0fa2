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


{#- A JSON text column embedded as JSON (not as a string) inside json_object. -#}
{% macro json_raw(expr) -%}
    {{ return(adapter.dispatch('json_raw', 'crosscheck')(expr)) }}
{%- endmacro %}

{% macro default__json_raw(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro duckdb__json_raw(expr) -%}
    cast({{ expr }} as json)
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


{#- A name with every Unicode white space removed (ASCII, U+3000, U+00A0, the
    other space separators and the zero-width characters); nothing else is
    folded (RULES.md "Names"). -#}
{% macro compact_text(expr) -%}
    {{ return(adapter.dispatch('compact_text', 'crosscheck')(expr)) }}
{%- endmacro %}

{% macro default__compact_text(expr) -%}
    regexp_replace({{ expr }}, '[\\s\\x{85}\\p{Z}\\x{180E}\\x{200B}-\\x{200D}\\x{2060}\\x{FEFF}]', '')
{%- endmacro %}

{% macro duckdb__compact_text(expr) -%}
    regexp_replace({{ expr }}, '[\t\n\x{0B}\f\r \x{85}\p{Z}\x{180E}\x{200B}-\x{200D}\x{2060}\x{FEFF}]', '', 'g')
{%- endmacro %}


{#- Whether the whole text matches a regular expression (RE2 / Java syntax). -#}
{% macro full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('full_match', 'crosscheck')(expr, pattern)) }}
{%- endmacro %}

{% macro default__full_match(expr, pattern) -%}
    ({{ expr }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}


{#- ISO day of week of a date: 1 = Monday … 7 = Sunday. -#}
{% macro iso_day_of_week(date_expr) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'crosscheck')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expr) -%}
    extract(isodow from {{ date_expr }})
{%- endmacro %}

{% macro duckdb__iso_day_of_week(date_expr) -%}
    isodow({{ date_expr }})
{%- endmacro %}


{#- Integer division of two non-negative integers (floor). -#}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div', 'crosscheck')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__int_div(numerator, denominator) -%}
    div({{ numerator }}, {{ denominator }})
{%- endmacro %}

{% macro duckdb__int_div(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}


{#- amount × num ÷ den as DECIMAL(18,2), rounded half away from zero to the fen
    (RULES.md "Proration"), in exact integer arithmetic on fen: decimal
    division is floating point on some engines. -#}
{% macro prorate(amount, num, den) -%}
    cast(cast(
        sign({{ amount }})
        * {{ int_div(
            "cast(abs(" ~ amount ~ ") * 100 as bigint) * cast(" ~ num ~ " as bigint) * 2 + cast(" ~ den ~ " as bigint)",
            "2 * cast(" ~ den ~ " as bigint)") }}
        as decimal(18, 2)
    ) * cast(0.01 as decimal(18, 2)) as decimal(18, 2))
{%- endmacro %}


{#- dbt.dateadd / dbt.date_trunc / dbt.last_day that stay DATE (some engines,
    DuckDB among them, return a TIMESTAMP for date arithmetic). -#}
{% macro add_to_date(datepart, interval, date_expr) -%}
    cast({{ dbt.dateadd(datepart, interval, date_expr) }} as date)
{%- endmacro %}

{% macro trunc_date(datepart, date_expr) -%}
    cast({{ dbt.date_trunc(datepart, date_expr) }} as date)
{%- endmacro %}

{% macro last_day_of(date_expr, datepart='month') -%}
    cast({{ dbt.last_day(date_expr, datepart) }} as date)
{%- endmacro %}
