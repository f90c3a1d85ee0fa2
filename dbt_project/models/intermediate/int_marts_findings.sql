{#-
  Every finding detected at D: the plain union of the rule models the
  rulebook declares (var `rule_models`, generated from crosscheck/rulebook.yml;
  tests/marts/test_rule_union.py checks it against models/rules/), each with
  its stable anomaly_id.
-#}
{%- set columns = rule_output_columns() %}

with findings as (
    {%- for rule in var('rule_models') %}
        select {{ columns | join(', ') }} from {{ ref(rule) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select
    {{ stable_id(['rule_code', 'subtype', 'finding_key']) }} as anomaly_id,
    {{ columns | join(',\n    ') }},
    {{ as_of() }} as as_of
from findings
