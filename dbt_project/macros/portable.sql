{#-
  Portable helpers. Models call these instead of engine-specific functions so
  the same SQL runs on DuckDB today and Spark or Trino later; each engine that
  needs its own spelling gets an implementation through adapter.dispatch.
-#}

{#- The run's as-of date D as a DATE literal (docs/RULEBOOK.md: never the wall clock).
    D comes from the environment (CROSSCHECK_AS_OF, set by crosscheck.build),
    else from the var `as_of` (dbt by hand: --vars). It is read only when
    executing: parsing renders every model with the var's default, so the
    parsed project does not depend on D and dbt's partial parsing survives a
    new night (a --vars change makes dbt re-parse every file; issue 11). Unit
    tests set D with `overrides: env_vars: {CROSSCHECK_AS_OF: …}`. -#}
{% macro as_of() -%}
    cast('{{ env_var("CROSSCHECK_AS_OF", var("as_of")) if execute else var("as_of") }}' as date)
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


{#- A JSON object text from (key, expression) pairs: json_object([('k', 'col'), ...]).
    Keys keep their order and NULL values are written as null. A value written
    `cast(x as json)` is JSON text embedded as is (an array, a nested object).
    Every engine must give the same text: the review's evidence hash is taken
    over it (DuckDB: {"amount":560.00,"day":"2026-10-30","ids":[...]}). -#}
{% macro json_object(pairs) -%}
    {{ return(adapter.dispatch('json_object', 'crosscheck')(pairs)) }}
{%- endmacro %}

{% macro default__json_object(pairs) -%}
    concat('{',
    {%- for k, v in pairs %}
        {%- set raw = modules.re.match('^cast\\((.*) as json\\)$', (v ~ '').strip(), modules.re.S) %}
        '{{ "," if not loop.first }}"{{ k }}":',
        {% if raw %}coalesce({{ raw.group(1) }}, 'null'){% else %}{{ json_scalar(v) }}{% endif %},
    {%- endfor %}
    '}')
{%- endmacro %}

{% macro duckdb__json_object(pairs) -%}
    cast(json_object(
    {%- for k, v in pairs %}'{{ k }}', {{ v }}{% if not loop.last %}, {% endif %}{% endfor -%}
    ) as varchar)
{%- endmacro %}


{#- The JSON text of one scalar value (string, number, boolean, date,
    timestamp 'yyyy-MM-dd HH:mm:ss'), `null` for NULL: what DuckDB's
    json_object writes for it. -#}
{% macro json_scalar(expr) -%}
    {{ return(adapter.dispatch('json_scalar', 'crosscheck')(expr)) }}
{%- endmacro %}

{% macro default__json_scalar(expr) -%}
    substring(to_json(named_struct('v', {{ expr }}), map(
        'ignoreNullFields', 'false',
        'timestampFormat', 'yyyy-MM-dd HH:mm:ss',
        'timestampNTZFormat', 'yyyy-MM-dd HH:mm:ss'
    )), 6, length(to_json(named_struct('v', {{ expr }}), map(
        'ignoreNullFields', 'false',
        'timestampFormat', 'yyyy-MM-dd HH:mm:ss',
        'timestampNTZFormat', 'yyyy-MM-dd HH:mm:ss'
    ))) - 6)
{%- endmacro %}

{% macro duckdb__json_scalar(expr) -%}
    coalesce(cast(to_json({{ expr }}) as varchar), 'null')
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
    folded (docs/RULEBOOK.md "Names"). -#}
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
    (weekday({{ date_expr }}) + 1)
{%- endmacro %}

{% macro duckdb__iso_day_of_week(date_expr) -%}
    isodow({{ date_expr }})
{%- endmacro %}


{#- Integer division of two non-negative integers (floor). -#}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div', 'crosscheck')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__int_div(numerator, denominator) -%}
    (({{ numerator }}) div ({{ denominator }}))
{%- endmacro %}

{% macro duckdb__int_div(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}


{#- amount × num ÷ den as DECIMAL(18,2), rounded half away from zero to the fen
    (docs/RULEBOOK.md "Proration"), in exact integer arithmetic on fen: decimal
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
    DuckDB among them, return a TIMESTAMP for date arithmetic). On Spark, the
    date functions themselves: dbt-spark's dateadd goes through timestamps
    with null checks, and nested (last day of a month N months on) the plan
    grows past what Spark compiles (minutes per model). -#}
{% macro add_to_date(datepart, interval, date_expr) -%}
    {{ return(adapter.dispatch('add_to_date', 'crosscheck')(datepart, interval, date_expr)) }}
{%- endmacro %}

{% macro default__add_to_date(datepart, interval, date_expr) -%}
    cast({{ dbt.dateadd(datepart, interval, date_expr) }} as date)
{%- endmacro %}

{% macro spark__add_to_date(datepart, interval, date_expr) -%}
    {%- set months = {'month': 1, 'quarter': 3, 'year': 12} -%}
    {%- if datepart in ('day', 'week') -%}
        date_add(cast({{ date_expr }} as date), cast(({{ interval }}) * {{ 7 if datepart == 'week' else 1 }} as int))
    {%- elif datepart in months -%}
        add_months(cast({{ date_expr }} as date), cast(({{ interval }}) * {{ months[datepart] }} as int))
    {%- else -%}
        {%- do exceptions.raise_compiler_error('add_to_date: no date part ' ~ datepart) -%}
    {%- endif -%}
{%- endmacro %}

{% macro trunc_date(datepart, date_expr) -%}
    {{ return(adapter.dispatch('trunc_date', 'crosscheck')(datepart, date_expr)) }}
{%- endmacro %}

{% macro default__trunc_date(datepart, date_expr) -%}
    cast({{ dbt.date_trunc(datepart, date_expr) }} as date)
{%- endmacro %}

{% macro spark__trunc_date(datepart, date_expr) -%}
    trunc(cast({{ date_expr }} as date), '{{ datepart }}')
{%- endmacro %}

{% macro last_day_of(date_expr, datepart='month') -%}
    {{ return(adapter.dispatch('last_day_of', 'crosscheck')(date_expr, datepart)) }}
{%- endmacro %}

{% macro default__last_day_of(date_expr, datepart) -%}
    cast({{ dbt.last_day(date_expr, datepart) }} as date)
{%- endmacro %}

{% macro spark__last_day_of(date_expr, datepart) -%}
    {%- if datepart == 'month' -%}
        last_day(cast({{ date_expr }} as date))
    {%- else -%}
        date_add({{ spark__add_to_date(datepart, 1, spark__trunc_date(datepart, date_expr)) }}, -1)
    {%- endif -%}
{%- endmacro %}


{#- dbt.listagg on Spark: dbt-spark drops the order by (and warns), so the
    list order would differ from DuckDB's. Sorting structs of the order keys
    then the value keeps it. Ascending keys only (all the models need). The
    root project is searched first for the `dbt` namespace (dbt_project.yml
    `dispatch`). -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- set keys = [] -%}
    {%- if order_by_clause -%}
        {%- set clause = modules.re.sub('^\\s*order\\s+by\\s+', '', order_by_clause, flags=modules.re.I) -%}
        {%- for k in clause.split(',') -%}
            {%- if modules.re.search('\\b(desc|nulls)\\b', k, modules.re.I) -%}
                {%- do exceptions.raise_compiler_error('listagg on Spark: ascending keys only, got ' ~ order_by_clause) -%}
            {%- endif -%}
            {%- do keys.append(modules.re.sub('\\s+asc\\s*$', '', k.strip(), flags=modules.re.I)) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set fields = [] -%}
    {%- for k in keys -%}{%- do fields.append(k ~ ' as k' ~ loop.index) -%}{%- endfor -%}
    {%- do fields.append(measure ~ ' as v') -%}
    {%- set sorted = 'transform(array_sort(collect_list(struct(' ~ fields | join(', ') ~ '))), x -> x.v)' -%}
    {%- if limit_num -%}{%- set sorted = 'slice(' ~ sorted ~ ', 1, ' ~ limit_num ~ ')' -%}{%- endif -%}
    case when count({{ measure }}) > 0 then array_join({{ sorted }}, {{ delimiter_text }}) end
{%- endmacro %}


{#- How a CTE that must not be held in memory is introduced: DuckDB materializes
    a CTE read more than once (every row and column of it), where reading its
    table again costs less (int_payments). Other engines decide for themselves. -#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'crosscheck')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
    as
{%- endmacro %}

{% macro duckdb__inline_cte() -%}
    as not materialized
{%- endmacro %}
