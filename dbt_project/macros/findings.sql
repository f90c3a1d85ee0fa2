{#-
  The rule output columns of docs/CONTRACTS.md §3, in contract order and with
  explicit types, so every rule model (and the marts' union) agrees. Arguments
  are SQL expressions; `evidence` is a list of (key, expression) pairs for
  json_object.
-#}
{% macro finding_columns(
    rule_code, severity, finding_key, evidence,
    subtype='null', status='null', person_id='null', person_name='null',
    household_no='null', payment_id='null', account_no='null', month='null',
    program_code='null', period='null', division_code='null', amount_at_risk='0'
) -%}
    cast('{{ rule_code }}' as {{ dbt.type_string() }}) as rule_code,
    cast({{ subtype }} as {{ dbt.type_string() }}) as subtype,
    cast({{ severity }} as {{ dbt.type_string() }}) as severity,
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


{#- The columns of a finding about one payment `p` (a row of int_payments):
    key, person, account, program, period, township and status come from it
    (person and household may be overridden: a finding through a link). -#}
{% macro payment_finding_columns(
    rule_code, severity, amount_at_risk, evidence, subtype='null', p='p',
    person_id=none, household_no=none
) -%}
    {{ finding_columns(
        rule_code=rule_code,
        severity=severity,
        finding_key=p ~ '.payment_id',
        evidence=evidence,
        subtype=subtype,
        status='lower(' ~ p ~ '.status)',
        person_id=person_id or p ~ '.person_id',
        person_name=p ~ '.person_name',
        household_no=household_no or p ~ '.household_no',
        payment_id=p ~ '.payment_id',
        account_no=p ~ '.account_no',
        program_code=p ~ '.program_code',
        period=p ~ '.period',
        division_code=p ~ '.division_code',
        amount_at_risk=amount_at_risk
    ) }}
{%- endmacro %}


{#- Evidence pairs every payment finding carries first. -#}
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
