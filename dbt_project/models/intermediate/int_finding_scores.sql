{{ config(materialized='table') }}
-- The risk score of every finding detected at D (docs/RISK_SCORE.md): the
-- order of every worklist. Points come from the seed risk_score_weights, the
-- one declaration; this model only adds them up. Deterministic for a given
-- D: it reads nothing but D's findings, payments and death evidence, and the
-- amount points are rounded to 0.1.
{%- set w = [
    ('severity', 'high'), ('severity', 'medium'), ('severity', 'low'),
    ('amount', 'max'), ('amount', 'cap_yuan'),
    ('corroboration', 'two_or_more_sources'), ('corroboration', 'one_source'),
    ('corroboration', 'not_applicable'),
    ('id_match', 'exact'), ('id_match', 'folded'), ('id_match', 'not_applicable'),
    ('other_rules', 'per_rule'), ('other_rules', 'max'),
    ('pending', 'pending'), ('pending', 'not_pending'),
] %}

with weights as (
    select
        {%- for component, level in w %}
            max(case when component = '{{ component }}' and level = '{{ level }}' then points end)
                as {{ component }}_{{ level }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('risk_score_weights') }}
),

findings as (
    select * from {{ ref('int_marts_findings') }}
),

-- other rules hitting the same person or the same account (two equi-joins)
other_hits as (
    select
        f.anomaly_id,
        o.rule_code
    from findings as f
    inner join findings as o on f.person_id = o.person_id
    where o.rule_code <> f.rule_code

    union

    select
        f.anomaly_id,
        o.rule_code
    from findings as f
    inner join findings as o on f.account_no = o.account_no
    where o.rule_code <> f.rule_code
),

other_rules as (
    select
        anomaly_id,
        count(distinct rule_code) as other_rules
    from other_hits
    group by anomaly_id
),

death_sources as (
    select
        person_id,
        (case when certificate_date is not null then 1 else 0 end)
        + (case when cremation_date is not null then 1 else 0 end)
        + (case when hukou_dereg_date is not null then 1 else 0 end) as death_sources
    from {{ ref('int_death_dates') }}
),

parts as (
    select
        f.anomaly_id,
        f.severity,
        f.status,
        f.rule_code,
        cast(f.amount_at_risk as decimal(18, 2)) as amount_at_risk,
        coalesce(o.other_rules, 0) as other_rules,
        case when f.rule_code in ('R01', 'R13') then coalesce(d.death_sources, 0) end as death_sources,
        case
            when p.payment_id is null or p.recipient_id_raw is null then 'not_applicable'
            when p.recipient_id_raw = p.person_id then 'exact'
            else 'folded'
        end as id_match
    from findings as f
    left join other_rules as o on f.anomaly_id = o.anomaly_id
    left join death_sources as d on f.person_id = d.person_id
    left join {{ ref('int_payments') }} as p on f.payment_id = p.payment_id
),

points as (
    select
        parts.*,
        case parts.severity
            when 'high' then w.severity_high
            when 'medium' then w.severity_medium
            else w.severity_low
        end as severity_points,
        cast(round(
            w.amount_max * least(
                1.0,
                ln(1.0 + cast(greatest(parts.amount_at_risk, 0) as double)) / ln(1.0 + cast(w.amount_cap_yuan as double))
            ),
            1
        ) as decimal(18, 1)) as amount_points,
        case
            when parts.death_sources is null then w.corroboration_not_applicable
            when parts.death_sources >= 2 then w.corroboration_two_or_more_sources
            else w.corroboration_one_source
        end as corroboration_points,
        case parts.id_match
            when 'exact' then w.id_match_exact
            when 'folded' then w.id_match_folded
            else w.id_match_not_applicable
        end as id_match_points,
        least(w.other_rules_max, w.other_rules_per_rule * parts.other_rules) as other_rules_points,
        case when parts.status = 'pending' then w.pending_pending else w.pending_not_pending end
            as pending_points
    from parts
    cross join weights as w
)

select
    anomaly_id,
    cast(
        severity_points + amount_points + corroboration_points + id_match_points
        + other_rules_points + pending_points
        as decimal(5, 1)
    ) as risk_score,
    {{ json_object([
        ('severity', 'cast(severity_points as decimal(5, 1))'),
        ('amount', 'cast(amount_points as decimal(5, 1))'),
        ('corroboration', 'cast(corroboration_points as decimal(5, 1))'),
        ('death_sources', 'death_sources'),
        ('id_match', 'id_match'),
        ('id_match_points', 'cast(id_match_points as decimal(5, 1))'),
        ('other_rules', 'other_rules'),
        ('other_rules_points', 'cast(other_rules_points as decimal(5, 1))'),
        ('pending', 'cast(pending_points as decimal(5, 1))'),
    ]) }} as risk_score_evidence
from points
