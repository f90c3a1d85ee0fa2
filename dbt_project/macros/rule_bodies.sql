{#-
  The bodies of the rules that also run through a probable identity link
  (issue 15): R01, R07, R08 over payments, R13 over death evidence. The exact
  rule model calls its body on int_payments / int_death_dates; the `_linked`
  model calls the same body on int_linked_payments / int_linked_death_dates
  with linked=true: the subject is then the linked register person
  (`linked_person_id`), the subtype is LINKED, the evidence carries the link
  (linked_evidence), and a payment or person the exact rule already flags is
  left to the exact finding (never merged, never doubled).
-#}

{#- The person a rule judges: the recipient's own ID, or the person it links to. -#}
{% macro rule_subject(p, linked) -%}
    {{ p }}.{{ 'linked_person_id' if linked else 'person_id' }}
{%- endmacro %}


{#- finding()'s person, household and subtype for a linked finding. -#}
{% macro linked_columns(linked) -%}
    {%- if linked -%}
        {%- do return({'subtype': "'LINKED'", 'person_id': 'p.linked_person_id',
                       'household_no': 'p.linked_household_no'}) -%}
    {%- else -%}
        {%- do return({}) -%}
    {%- endif -%}
{%- endmacro %}


{#- Evidence pairs of a finding made through a link (columns of int_identity_links). -#}
{% macro linked_evidence(p='p') -%}
    {%- do return([
        ('linked', 'true'),
        ('typed_id', p ~ '.link_typed_id'),
        ('typed_name', p ~ '.link_typed_name'),
        ('linked_person_id', p ~ '.linked_person_id'),
        ('linked_person_name', p ~ '.linked_person_name'),
        ('match_probability', p ~ '.link_match_probability'),
        ('match_weight', p ~ '.link_match_weight'),
        ('agreement_zh', p ~ '.link_agreement_zh'),
        ('agreement', 'cast(' ~ p ~ '.link_agreement as json)'),
        ('link_model_version', p ~ '.link_model_version'),
    ]) -%}
{%- endmacro %}


{% macro r01_deceased_recipient_sql(payments, linked=false) %}
{%- set evidence = payment_evidence('p') + [
    ('death_date', 'd.death_date'),
    ('certificate_date', 'd.certificate_date'),
    ('certificate_no', 'd.certificate_no'),
    ('cremation_date', 'd.cremation_date'),
    ('cremation_record_no', 'd.cremation_record_no'),
    ('hukou_dereg_date', 'd.hukou_dereg_date'),
    ('cycle', 'p.cycle'),
    ('period_start', 'p.period_start'),
    ('approved_date', 'p.approved_date'),
] + (linked_evidence('p') if linked else []) %}
{%- set not_flagged = (
    "and p.payment_id not in (select x.payment_id from " ~ ref('r01_deceased_recipient') ~ " as x)"
) if linked else "" %}

with payments as (
    select * from {{ payments }}
    where status in ('PAID', 'PENDING') and person_level
),

deaths as (
    select * from {{ ref('int_death_dates') }}
)

select
    {{ finding('R01', evidence, payment='p', amount_at_risk='p.amount', **linked_columns(linked)) }}
from payments as p
inner join deaths as d on {{ rule_subject('p', linked) }} = d.person_id
where
    (
        (p.cycle <> 'one-off' and p.period_start > {{ last_day_of('d.death_date') }})
        or (p.cycle = 'one-off' and p.approved_date > d.death_date)
    )
    {{ not_flagged }}
{% endmacro %}


{% macro r07_vehicle_in_household_sql(payments, linked=false) %}
{%- set evidence = payment_evidence('p') + [
    ('period_start', 'p.period_start'),
    ('period_end', 'p.period_end'),
    ('owner_id', 'v.owner_id'),
    ('owner_name', 'v.owner_name'),
    ('owner_is_recipient', 'v.is_recipient'),
    ('plate_no', 'v.plate_no'),
    ('plate_class', 'v.plate_class'),
    ('use_code', 'v.use_code'),
    ('first_registered', 'v.first_registered'),
    ('vehicle_status', 'v.vehicle_status'),
    ('vehicle_status_date', 'v.status_date'),
    ('vehicles_snapshot_date', 'v.snapshot_date'),
    ('vehicle_count', 'v.vehicle_count'),
    ('plates', 'v.plates'),
] + (linked_evidence('p') if linked else []) %}
{%- set not_flagged = (
    "and payment_id not in (select x.payment_id from " ~ ref('r07_vehicle_in_household') ~ " as x)"
) if linked else "" %}

with payments as (
    select * from {{ payments }}
    where
        status in ('PAID', 'PENDING') and means_tested
        {{ not_flagged }}
),

cars as (
    select * from {{ ref('int_vehicles') }}
    where plate_class in ('01', '02') and coalesce(use_code, '') <> 'Z'
),

owned as (
    select
        p.payment_id,
        m.is_recipient,
        c.owner_id,
        c.owner_name,
        c.plate_no,
        c.plate_class,
        c.use_code,
        c.first_registered,
        c.vehicle_status,
        c.status_date,
        c.snapshot_date
    from payments as p
    inner join {{ ref('int_recipient_household') }} as m on {{ rule_subject('p', linked) }} = m.person_id
    inner join cars as c on m.member_id = c.owner_id
    where
        (c.first_registered is null or c.first_registered <= p.period_end)
        and not coalesce(c.vehicle_status in ('B', 'E', 'G') and c.status_date < p.period_start, false)
),

ranked as (
    select
        o.*,
        row_number() over (
            partition by o.payment_id order by o.first_registered, o.plate_no, o.plate_class
        ) as vehicle_rank,
        count(*) over (partition by o.payment_id) as vehicle_count
    from owned as o
),

plate_lists as (
    select
        payment_id,
        {{ dbt.listagg('plate_no', "','", 'order by plate_no') }} as plates
    from owned
    group by payment_id
),

first_vehicle as (
    select
        r.*,
        pl.plates
    from ranked as r
    inner join plate_lists as pl on r.payment_id = pl.payment_id
    where r.vehicle_rank = 1
)

select
    {{ finding('R07', evidence, payment='p', amount_at_risk='p.amount', **linked_columns(linked)) }}
from payments as p
inner join first_vehicle as v on p.payment_id = v.payment_id
{% endmacro %}


{% macro r08_payroll_in_household_sql(payments, linked=false) %}
{%- set public_types = "'" ~ var('payroll_public_employer_types') | join("', '") ~ "'" %}
{%- set not_flagged = (
    "and payment_id not in (select x.payment_id from " ~ ref('r08_payroll_in_household') ~ " as x)"
) if linked else "" %}

with payments as (
    select *
    from {{ payments }}
    where
        status in ('PAID', 'PENDING') and means_tested
        {{ not_flagged }}
),

-- `union all`: a member twice meets the same payroll rows twice, which the
-- groupings below fold (max, distinct months, one row per employer); the
-- distinct of `union` was most of this rule's cost at 1,000,000 persons
household as (
    select
        person_id,
        member_id
    from {{ ref('int_recipient_household') }}
    union all
    select
        {{ rule_subject('p', linked) }} as person_id,
        {{ rule_subject('p', linked) }} as member_id
    from payments as p
),

payroll_hits as (
    select
        p.payment_id,
        h.member_id,
        pr.name as member_name,
        pr.employer,
        pr.employer_type,
        pr.pay_month
    from payments as p
    inner join {{ ref('int_payment_months') }} as m on p.payment_id = m.payment_id
    inner join household as h on {{ rule_subject('p', linked) }} = h.person_id
    inner join {{ ref('int_marts_payroll') }} as pr
        on h.member_id = pr.person_id and m.month = pr.pay_month
    where pr.employer_type in ({{ public_types }})
),

per_employer as (
    select
        payment_id,
        member_id,
        employer,
        employer_type,
        max(member_name) as member_name,
        {{ sorted_list('pay_month') }} as months
    from payroll_hits
    group by payment_id, member_id, employer, employer_type
),

per_payment as (
    select
        payment_id,
        {{ json_array_agg(json_object([
            ('member_id', 'member_id'), ('member_name', 'member_name'),
            ('employer', 'employer'), ('employer_type', 'employer_type'), ('months', 'months')
        ]), 'member_id, employer') }} as payroll
    from per_employer
    group by payment_id
)

select
    {{ finding(
        'R08',
        recipient_evidence('p')
        + [('payroll_snapshot', "(select max(snapshot_date) from " ~ ref('int_marts_payroll') ~ ")"),
           ('payroll', 'cast(h.payroll as json)')]
        + (linked_evidence('p') if linked else []),
        subtype="'LINKED'" if linked else 'null',
        amount_at_risk='p.amount',
        payment='p',
        person_id=rule_subject('p', linked),
        **recipient_columns()
    ) }}
from payments as p
inner join per_payment as h on p.payment_id = h.payment_id
left join {{ ref('int_persons') }} as ps on {{ rule_subject('p', linked) }} = ps.person_id
{% endmacro %}


{#- R13 over death evidence (int_death_dates columns); linked: the evidence of
    records whose ID links to the register person (int_linked_death_dates). -#}
{% macro r13_death_not_deregistered_sql(death_evidence, linked=false) %}
{%- set not_flagged = (
    "and d.person_id not in (select x.person_id from " ~ ref('r13_death_not_deregistered') ~ " as x)"
) if linked else "" %}

with evidence as (
    select
        d.*,
        least(
            coalesce(d.certificate_date, d.cremation_date),
            coalesce(d.cremation_date, d.certificate_date)
        ) as recorded_death_date
    from {{ death_evidence }} as d
    where
        (d.certificate_date is not null or d.cremation_date is not null)
        {{ not_flagged }}
)

select
    {{ finding(
        'R13',
        [
            ('death_date', 'e.recorded_death_date'),
            ('days_since_death', dbt.datediff('e.recorded_death_date', as_of(), 'day')),
            ('certificate_no', 'e.certificate_no'), ('certificate_death_date', 'e.certificate_date'),
            ('cremation_record_no', 'e.cremation_record_no'), ('cremation_death_date', 'e.cremation_date'),
            ('hukou_status', 'ps.reg_status'), ('hukou_snapshot', 'ps.snapshot_date')
        ] + (linked_evidence('e') if linked else []),
        subtype="'LINKED'" if linked else 'null',
        finding_key='e.person_id',
        person_id='e.person_id',
        person_name='ps.name',
        household_no='ps.household_no',
        division_code='ps.division_code'
    ) }}
from evidence as e
inner join {{ ref('int_persons') }} as ps on e.person_id = ps.person_id
where
    ps.reg_status = '0'
    and {{ dbt.datediff('e.recorded_death_date', as_of(), 'day') }} > {{ var('death_deregistration_days') }}
{% endmacro %}
