{#-
  Statistics of the outcome marts (docs/OUTCOMES.md): the normal quantile
  of the declared confidence level and the Wilson score interval. Plain
  arithmetic and sqrt, the same on every engine.
-#}

{#- Two-sided normal quantile z of var('confidence_level'). Levels are looked
    up (no inverse normal in SQL or Jinja); another level stops the run. -#}
{% macro z_score() -%}
    {%- set table = {'0.8': 1.281552, '0.9': 1.644854, '0.95': 1.959964, '0.98': 2.326348, '0.99': 2.575829, '0.999': 3.290527} -%}
    {%- set level = var('confidence_level') | string -%}
    {%- if level not in table -%}
        {{ exceptions.raise_compiler_error("confidence_level " ~ level ~ " is not one of " ~ (table.keys() | list | join(', '))) }}
    {%- endif -%}
    {{ table[level] }}
{%- endmacro %}


{#- Wilson score interval bound for x successes out of n (NULL when n = 0);
    sign -1 for the lower bound, +1 for the upper. -#}
{% macro wilson_bound(x, n, sign) -%}
    {%- set z = z_score() -%}
    case when {{ n }} > 0 then cast(
        (
            (1.0 * {{ x }} / {{ n }}) + {{ z }} * {{ z }} / (2.0 * {{ n }})
            {{ '-' if sign < 0 else '+' }} {{ z }} * sqrt(
                (1.0 * {{ x }} / {{ n }}) * (1.0 - 1.0 * {{ x }} / {{ n }}) / {{ n }}
                + {{ z }} * {{ z }} / (4.0 * {{ n }} * {{ n }})
            )
        ) / (1.0 + {{ z }} * {{ z }} / {{ n }})
        as double) end
{%- endmacro %}
