-- Leaders' weekly figures: ISO week × county × township × program, up to the
-- week of D. Payments by PAID status_date; findings by first_seen; open
-- findings and balances at week end; review outcomes by decision date.
{%- set metric_names = [
    'payments', 'recipients', 'amount_paid', 'on_time_payments', 'paid_originals',
    'new_findings', 'new_findings_high', 'new_findings_medium', 'new_findings_low',
    'open_findings', 'amount_at_risk', 'stranded_balance',
    'confirmed', 'dismissed', 'recovered_amount', 'exported', 'exported_decided',
    'amount_confirmed', 'amount_recovered'
] %}

with weeks as (
    select * from {{ ref('int_marts_weeks') }}
),

paid as (
    select
        w.week_start,
        p.division_code as township_code,
        p.program_code,
        count(*) as payments,
        count(distinct p.person_id) as recipients,
        sum(p.amount) as amount_paid,
        sum(case when not coalesce(p.is_reissue, false) and p.status_date <= p.due_date then 1 else 0 end)
            as on_time_payments,
        sum(case when not coalesce(p.is_reissue, false) then 1 else 0 end) as paid_originals
    from {{ ref('int_payments') }} as p
    -- an equi-join on the week (a hash join), not a range join over all weeks
    inner join weeks as w
        on
            cast({{ dbt.date_trunc('week', 'p.status_date') }} as date) = w.week_start
            and p.status_date <= w.week_end
    where p.status = 'PAID'
    group by w.week_start, p.division_code, p.program_code
),

findings as (
    select
        h.*,
        r.review_status,
        r.decided_on,
        r.exported_on,
        r.recovered_amount
    from {{ ref('anomaly_history') }} as h
    left join {{ ref('int_marts_review_state') }} as r on h.anomaly_id = r.anomaly_id
    where h.first_seen <= {{ as_of() }}
),

new_findings as (
    select
        w.week_start,
        f.division_code as township_code,
        f.program_code,
        count(*) as new_findings,
        sum(case when f.severity = 'high' then 1 else 0 end) as new_findings_high,
        sum(case when f.severity = 'medium' then 1 else 0 end) as new_findings_medium,
        sum(case when f.severity = 'low' then 1 else 0 end) as new_findings_low
    from findings as f
    inner join weeks as w on f.first_seen between w.week_start and w.week_end
    group by w.week_start, f.division_code, f.program_code
),

open_findings as (
    select
        week_start,
        division_code as township_code,
        program_code,
        count(*) as open_findings,
        sum(amount_at_risk) as amount_at_risk,
        sum(case when rule_code = 'R06' then amount_at_risk else 0 end) as stranded_balance
    from {{ ref('int_marts_findings_by_week') }}
    group by week_start, division_code, program_code
),

decided as (
    select
        w.week_start,
        f.division_code as township_code,
        f.program_code,
        sum(case when f.review_status in ('confirmed', 'recovered') then 1 else 0 end) as confirmed,
        sum(case when f.review_status = 'dismissed' then 1 else 0 end) as dismissed,
        sum(coalesce(f.recovered_amount, 0)) as recovered_amount
    from findings as f
    inner join weeks as w on f.decided_on between w.week_start and w.week_end
    group by w.week_start, f.division_code, f.program_code
),

exported as (
    select
        w.week_start,
        f.division_code as township_code,
        f.program_code,
        count(*) as exported,
        sum(case when f.decided_on is not null then 1 else 0 end) as exported_decided
    from findings as f
    inner join weeks as w on f.exported_on between w.week_start and w.week_end
    group by w.week_start, f.division_code, f.program_code
),

-- recovery to the fen (finding_recovery): confirmed amounts by the date first
-- found true, partial recoveries by their own date
confirmed_amounts as (
    select
        w.week_start,
        f.township_code,
        f.program_code,
        sum(f.confirmed_amount) as amount_confirmed
    from {{ ref('finding_recovery') }} as f
    inner join weeks as w on f.confirmed_on between w.week_start and w.week_end
    where f.confirmed_amount > 0
    group by w.week_start, f.township_code, f.program_code
),

recovered as (
    select
        w.week_start,
        h.division_code as township_code,
        h.program_code,
        sum(p.amount) as amount_recovered
    from {{ ref('int_review_recoveries') }} as p
    inner join {{ ref('anomaly_history') }} as h on p.anomaly_id = h.anomaly_id
    inner join weeks as w on p.recovered_on between w.week_start and w.week_end
    group by w.week_start, h.division_code, h.program_code
),

metrics as (
    {%- for cte, cols in [
        ('paid', ['payments', 'recipients', 'amount_paid', 'on_time_payments', 'paid_originals']),
        ('new_findings', ['new_findings', 'new_findings_high', 'new_findings_medium', 'new_findings_low']),
        ('open_findings', ['open_findings', 'amount_at_risk', 'stranded_balance']),
        ('decided', ['confirmed', 'dismissed', 'recovered_amount']),
        ('exported', ['exported', 'exported_decided']),
        ('confirmed_amounts', ['amount_confirmed']),
        ('recovered', ['amount_recovered']),
    ] %}
        select
            week_start,
            township_code,
            program_code,
            {%- for m in metric_names %}
                {% if m in cols %}{{ m }}{% else %}0{% endif %} as {{ m }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ cte }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

summed as (
    select
        week_start,
        township_code,
        program_code,
        sum(payments) as payments,
        sum(recipients) as recipients,
        sum(amount_paid) as amount_paid,
        sum(on_time_payments) as on_time_payments,
        sum(paid_originals) as paid_originals,
        sum(new_findings) as new_findings,
        sum(new_findings_high) as new_findings_high,
        sum(new_findings_medium) as new_findings_medium,
        sum(new_findings_low) as new_findings_low,
        sum(open_findings) as open_findings,
        sum(amount_at_risk) as amount_at_risk,
        sum(stranded_balance) as stranded_balance,
        sum(confirmed) as confirmed,
        sum(dismissed) as dismissed,
        sum(recovered_amount) as recovered_amount,
        sum(exported) as exported,
        sum(exported_decided) as exported_decided,
        sum(amount_confirmed) as amount_confirmed,
        sum(amount_recovered) as amount_recovered
    from metrics
    group by week_start, township_code, program_code
),

running as (
    select
        *,
        sum(amount_confirmed) over (
            partition by township_code, program_code order by week_start
            rows between unbounded preceding and current row
        ) as confirmed_to_date,
        sum(amount_recovered) over (
            partition by township_code, program_code order by week_start
            rows between unbounded preceding and current row
        ) as recovered_to_date
    from summed
)

select
    w.iso_week,
    s.week_start,
    substr(s.township_code, 1, 6) as county_code,
    s.township_code,
    s.program_code,
    cast(s.payments as bigint) as payments,
    cast(s.recipients as bigint) as recipients,
    cast(s.amount_paid as decimal(18, 2)) as amount_paid,
    cast(s.new_findings as bigint) as new_findings,
    cast(s.new_findings_high as bigint) as new_findings_high,
    cast(s.new_findings_medium as bigint) as new_findings_medium,
    cast(s.new_findings_low as bigint) as new_findings_low,
    cast(s.open_findings as bigint) as open_findings,
    cast(s.amount_at_risk as decimal(18, 2)) as amount_at_risk,
    cast(s.stranded_balance as decimal(18, 2)) as stranded_balance,
    cast(s.on_time_payments as bigint) as on_time_payments,
    -- the on-time rate's denominator: paid originals (a reissue is never on time
    -- for its cycle); readers sum both and divide, never average the rate
    cast(s.paid_originals as bigint) as paid_originals,
    cast(case when s.paid_originals > 0 then 1.0 * s.on_time_payments / s.paid_originals end as double)
        as on_time_rate,
    cast(s.confirmed as bigint) as confirmed,
    cast(s.dismissed as bigint) as dismissed,
    cast(s.recovered_amount as decimal(18, 2)) as recovered_amount,
    cast(case when s.exported > 0 then 1.0 * s.exported_decided / s.exported end as double)
        as verification_rate,
    cast(s.amount_confirmed as decimal(18, 2)) as amount_confirmed,
    cast(s.amount_recovered as decimal(18, 2)) as amount_recovered,
    -- confirmed to date minus recovered to date, at week end
    cast(s.confirmed_to_date - s.recovered_to_date as decimal(18, 2)) as amount_outstanding
from running as s
inner join weeks as w on s.week_start = w.week_start
