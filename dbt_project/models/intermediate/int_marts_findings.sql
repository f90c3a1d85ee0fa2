{#-
  Every finding detected at D: the union of all rule models, found by
  iterating the graph (every model under models/rules/), each with its stable
  anomaly_id. dbt learns dependencies at parse time, before the graph exists,
  so the rule models are also named in the hints below; a new rule missing
  from them makes dbt stop with the exact line to add (and
  tests/marts/test_rule_union.py checks the list against models/rules/).
-#}
-- depends_on: {{ ref('r01_deceased_recipient') }}
-- depends_on: {{ ref('r01_deceased_recipient_linked') }}
-- depends_on: {{ ref('r02_duplicate_payment') }}
-- depends_on: {{ ref('r03_incompatible_subsidies') }}
-- depends_on: {{ ref('r04_late_by_bank') }}
-- depends_on: {{ ref('r05_late_for_cycle') }}
-- depends_on: {{ ref('r06_stranded_funds') }}
-- depends_on: {{ ref('r07_vehicle_in_household') }}
-- depends_on: {{ ref('r07_vehicle_in_household_linked') }}
-- depends_on: {{ ref('r08_payroll_in_household') }}
-- depends_on: {{ ref('r08_payroll_in_household_linked') }}
-- depends_on: {{ ref('r09_identity_mismatch') }}
-- depends_on: {{ ref('r10_not_own_card') }}
-- depends_on: {{ ref('r11_shared_account') }}
-- depends_on: {{ ref('r12_above_ceiling') }}
-- depends_on: {{ ref('r13_death_not_deregistered') }}
-- depends_on: {{ ref('r13_death_not_deregistered_linked') }}
-- depends_on: {{ ref('r14_outside_entitlement') }}
{%- set columns = rule_output_columns() %}

with findings as (
    {%- for rule in rule_model_names() %}
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
