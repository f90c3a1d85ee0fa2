-- R13 death not deregistered: a death certificate or cremation record dates
-- the death more than 30 days before D while the person's hukou row is still
-- active (人员状态 0). Persons absent from hukou are not flagged. One finding
-- per person.
with evidence as (
    select
        d.*,
        least(
            coalesce(d.certificate_date, d.cremation_date),
            coalesce(d.cremation_date, d.certificate_date)
        ) as recorded_death_date
    from {{ ref('int_death_dates') }} as d
    where d.certificate_date is not null or d.cremation_date is not null
)

select
    cast('R13' as {{ dbt.type_string() }}) as rule_code,
    cast(null as {{ dbt.type_string() }}) as subtype,
    cast('low' as {{ dbt.type_string() }}) as severity,
    cast(null as {{ dbt.type_string() }}) as status,
    cast(e.person_id as {{ dbt.type_string() }}) as finding_key,
    cast(e.person_id as {{ dbt.type_string() }}) as person_id,
    cast(ps.name as {{ dbt.type_string() }}) as person_name,
    cast(ps.household_no as {{ dbt.type_string() }}) as household_no,
    cast(null as {{ dbt.type_string() }}) as payment_id,
    cast(null as {{ dbt.type_string() }}) as account_no,
    cast(null as {{ dbt.type_string() }}) as month,
    cast(null as {{ dbt.type_string() }}) as program_code,
    cast(null as {{ dbt.type_string() }}) as period,
    cast(ps.division_code as {{ dbt.type_string() }}) as division_code,
    cast(0 as decimal(18, 2)) as amount_at_risk,
    cast({{ json_object([
        ('death_date', 'e.recorded_death_date'),
        ('days_since_death', dbt.datediff('e.recorded_death_date', as_of(), 'day')),
        ('certificate_no', 'e.certificate_no'), ('certificate_death_date', 'e.certificate_date'),
        ('cremation_record_no', 'e.cremation_record_no'), ('cremation_death_date', 'e.cremation_date'),
        ('hukou_status', 'ps.reg_status'), ('hukou_snapshot', 'ps.snapshot_date')
    ]) }} as {{ dbt.type_string() }}) as evidence
from evidence as e
inner join {{ ref('int_persons') }} as ps on e.person_id = ps.person_id
where
    ps.reg_status = '0'
    and {{ dbt.datediff('e.recorded_death_date', as_of(), 'day') }} > {{ var('death_deregistration_days', 30) }}
