{#-
  One finding macro for all fourteen rules: the rule output columns of
  docs/CONTRACTS.md §3, in contract order and with explicit types, so every
  rule model (and the marts' plain union) agrees.

  Arguments are SQL expressions. `evidence` is a list of (key, expression)
  pairs for json_object, in the order crosscheck/rulebook.yml declares the
  rule's evidence keys (a test holds every emitted key to the declaration).
  The severity is the rulebook's (var `rule_severity`, generated from
  crosscheck/rulebook.yml), by subtype where the rulebook says so.

  A finding about one payment passes `payment` (the alias of an int_payments
  row): key, status, person, account, program, period and township come from
  it unless given; the others pass what they have.
-#}
{% macro finding(
    rule_code, evidence, subtype='null', amount_at_risk='0', payment=none,
    finding_key=none, status=none, person_id=none, person_name=none, household_no=none,
    payment_id=none, account_no=none, month='null', program_code=none, period=none,
    division_code=none
) -%}
    {%- set p = payment -%}
    {%- set finding_key = finding_key or (p ~ '.payment_id' if p else 'null') -%}
    {%- set status = status or ('lower(' ~ p ~ '.status)' if p else 'null') -%}
    {%- set person_id = person_id or (p ~ '.person_id' if p else 'null') -%}
    {%- set person_name = person_name or (p ~ '.person_name' if p else 'null') -%}
    {%- set household_no = household_no or (p ~ '.household_no' if p else 'null') -%}
    {%- set payment_id = payment_id or (p ~ '.payment_id' if p else 'null') -%}
    {%- set account_no = account_no or (p ~ '.account_no' if p else 'null') -%}
    {%- set program_code = program_code or (p ~ '.program_code' if p else 'null') -%}
    {%- set period = period or (p ~ '.period' if p else 'null') -%}
    {%- set division_code = division_code or (p ~ '.division_code' if p else 'null') -%}
    cast('{{ rule_code }}' as {{ dbt.type_string() }}) as rule_code,
    cast({{ subtype }} as {{ dbt.type_string() }}) as subtype,
    cast({{ rule_severity(rule_code, subtype) }} as {{ dbt.type_string() }}) as severity,
    cast({{ status }} as {{ dbt.type_string() }}) as status,
    cast({{ finding_key }} as {{ dbt.type_string() }}) as finding_key,
    cast({{ person_id }} as {{ dbt.type_string() }}) as person_id,
    cast({{ person_name }} as {{ dbt.type_string() }}) as person_name,
    cast({{ household_no }} as {{ dbt.type_string() }}) as household_no,
    cast({{ payment_id }} as {{ dbt.type_string() }}) as payment_id,
    cast({{ account_no }} as {{ dbt.type_string() }}) as account_no,
    cast({{ month }} as {{ dbt.type_string() }}) as month,
    cast({{ program_code }} as {{ dbt.type_string() }}) as program_code,
    cast({{ period }} as {{ dbt.type_string() }}) as period,
    cast({{ division_code }} as {{ dbt.type_string() }}) as division_code,
    cast({{ amount_at_risk }} as decimal(18, 2)) as amount_at_risk,
    cast({{ json_object(evidence) }} as {{ dbt.type_string() }}) as evidence
{%- endmacro %}


{#- The rulebook's severity of a rule: a literal, or a case on the subtype. -#}
{% macro rule_severity(rule_code, subtype) -%}
    {%- set s = var('rule_severity')[rule_code] -%}
    {%- if s is string -%}
        {{ return("'" ~ s ~ "'") }}
    {%- endif -%}
    {%- set ns = namespace(sql='case') -%}
    {%- for k, v in s.items() if k != 'default' -%}
        {%- set ns.sql = ns.sql ~ " when " ~ subtype ~ " = '" ~ k ~ "' then '" ~ v ~ "'" -%}
    {%- endfor -%}
    {{ return(ns.sql ~ " else '" ~ s['default'] ~ "' end") }}
{%- endmacro %}


{#- Evidence pairs a payment finding of R01–R07 carries first (crosscheck/rulebook.yml). -#}
{% macro payment_evidence(p='p') -%}
    {%- do return([
        ('payment_id', p ~ '.payment_id'),
        ('program_code', p ~ '.program_code'),
        ('period', p ~ '.period'),
        ('amount', 'cast(' ~ p ~ '.amount as ' ~ dbt.type_string() ~ ')'),
        ('status', p ~ '.status'),
        ('status_date', p ~ '.status_date'),
        ('recipient_name', p ~ '.recipient_name'),
    ]) -%}
{%- endmacro %}


{#- Evidence pairs a payment finding of R08–R14 carries first (crosscheck/rulebook.yml:
    these rules judge the recipient as typed, so the typed ID leads). -#}
{% macro recipient_evidence(p='p') -%}
    {%- do return([
        ('recipient_id_raw', p ~ '.recipient_id_raw'),
        ('recipient_name', p ~ '.recipient_name'),
        ('amount', 'cast(' ~ p ~ '.amount as string)'),
        ('payment_status', p ~ '.status'),
        ('status_date', p ~ '.status_date'),
    ]) -%}
{%- endmacro %}


{#- The person columns of a recipient finding (R08–R14): the name as typed,
    else the register's, and the register household (`ps`: int_persons). -#}
{% macro recipient_columns(ps='ps', p='p') -%}
    {%- do return({
        'person_name': 'coalesce(' ~ p ~ '.recipient_name, ' ~ ps ~ '.name)',
        'household_no': ps ~ '.household_no',
    }) -%}
{%- endmacro %}
