-- R14 paid outside the entitlement (hold): a program on the assistance roster
-- where some covered month lies in no roster spell of that person and
-- program. NO_SPELL when the person has no spell of the program at all, else
-- OUTSIDE_SPELL. The roster status is informational: only the months count.
{{ config(**incremental_by_payment_config('follower', reference="snapshot_loads_fingerprint('assistance')")) }}
-- Incremental on DuckDB (macros/incremental_payments.sql): a night re-judges
-- the payments int_payments recomputed (their covered months follow in
-- int_payment_months); a new, corrected or withdrawn assistance snapshot (the
-- roster in force), or a change of this model or the rulebook, rebuilds it whole.
with payments as (
    select *
    from {{ ref('int_payments') }}
    where
        status in ('PAID', 'PENDING')
        and program_code in (
            {%- for c in var('roster_programs') %}'{{ c }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        )
        {% if is_incremental() -%}
            and {{ payment_increment_filter('payment_id', 'sync') }}
        {%- endif %}
),

spells as (
    select * from {{ ref('int_marts_roster_spells') }}
),

payment_months as (
    select
        p.payment_id,
        p.person_id,
        p.program_code,
        m.month
    from payments as p
    inner join {{ ref('int_payment_months') }} as m on p.payment_id = m.payment_id
),

months_in_spell as (
    select distinct
        pm.payment_id,
        pm.month
    from payment_months as pm
    inner join spells as s
        on
            pm.person_id = s.person_id
            and pm.program_code = s.program_code
            and pm.month >= s.start_month
            and (s.end_month is null or pm.month <= s.end_month)
),

month_status as (
    select
        pm.payment_id,
        pm.month,
        i.month is not null as in_spell
    from payment_months as pm
    left join months_in_spell as i on pm.payment_id = i.payment_id and pm.month = i.month
),

counts as (
    select
        payment_id,
        count(*) as covered_months,
        count(case when not in_spell then 1 end) as months_outside
    from month_status
    group by payment_id
),

-- Count first; the evidence lists are built only for the flagged payments.
flagged as (
    select *
    from counts
    where months_outside > 0
),

counted as (
    select
        f.payment_id,
        f.covered_months,
        f.months_outside,
        {{ sorted_list('case when not m.in_spell then m.month end') }} as outside_months
    from flagged as f
    inner join month_status as m on f.payment_id = m.payment_id
    group by f.payment_id, f.covered_months, f.months_outside
),

person_spells as (
    select
        p.payment_id,
        {{ json_array_agg(json_object([
            ('start_month', 's.start_month'), ('end_month', 's.end_month'), ('status', 's.roster_status')
        ]), 's.start_month') }} as spells
    from flagged as f
    inner join payments as p on f.payment_id = p.payment_id
    inner join spells as s on p.person_id = s.person_id and p.program_code = s.program_code
    group by p.payment_id
)

select
    {{ finding(
        'R14',
        recipient_evidence('p')
        + [('covered_months', 'c.covered_months'), ('months_outside', 'c.months_outside'),
           ('outside_months', 'c.outside_months'),
           ('roster_snapshot', "(select max(snapshot_date) from " ~ ref('int_marts_roster_spells') ~ ")"),
           ('spells', 'cast(sp.spells as json)')],
        subtype="case when sp.payment_id is null then 'NO_SPELL' else 'OUTSIDE_SPELL' end",
        amount_at_risk=prorate('p.amount', 'c.months_outside', 'c.covered_months'),
        payment='p',
        **recipient_columns()
    ) }}
from payments as p
inner join counted as c on p.payment_id = c.payment_id
left join person_spells as sp on p.payment_id = sp.payment_id
left join {{ ref('int_persons') }} as ps on p.person_id = ps.person_id
where c.months_outside > 0
