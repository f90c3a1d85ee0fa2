{{ config(on_schema_change='fail', **incremental_by_payment_config('payments')) }}
-- One row per payment as of D (docs/RULEBOOK.md "Payment state"): its latest version
-- by updated_at, then extract date, among the versions delivered up to D;
-- with its history (first_updated_at, failure date), the program's catalog
-- defaults, covered months, period start/end and due date.
-- Incremental on DuckDB (macros/incremental_payments.sql): a night recomputes
-- the payments touched by new or withdrawn ledger versions, by a changed
-- hukou row of their recipient, or through the payment they reissue; a
-- backfill (earlier D), a changed catalog or calendar, or --full-refresh
-- rebuilds every payment. Spark builds it whole.
-- Memory (issue 11): the versions are read from the table where needed, never
-- held as a CTE (`inline_cte`), and the latest version is ranked on its keys
-- alone, then joined back: the window sorts four columns, not every column of
-- every version (a full build's peak, 1/3 lower at 200,000 persons).
with all_versions {{ inline_cte() }} (
    select * from {{ ref('int_ledger_versions') }}
    where _extract_date <= {{ as_of() }}
),

versions {{ inline_cte() }} (
    select * from all_versions
    {% if is_incremental() -%}
        where {{ payment_increment_filter('payment_id', 'plan') }}
    {%- endif %}
),

-- each payment's latest version, by its keys: a version is one row of one
-- delivery (_load_id, _row_no), and one delivery of a day is loaded
latest as (
    select
        w.payment_id,
        w._load_id,
        w._extract_date,
        w._row_no,
        w.version_rank
    from (
        select
            v.payment_id,
            v._load_id,
            v._extract_date,
            v._row_no,
            row_number() over (
                partition by v.payment_id
                order by v.updated_at desc, v._extract_date desc, v._row_no desc
            ) as version_rank
        from versions as v
    ) as w
    where w.version_rank = 1
),

ranked {{ inline_cte() }} (
    select
        v.*,
        l.version_rank
    from versions as v
    inner join latest as l
        on
            v.payment_id = l.payment_id
            and v._load_id is not distinct from l._load_id
            and v._extract_date is not distinct from l._extract_date
            and v._row_no is not distinct from l._row_no
),

history as (
    select
        payment_id,
        min(updated_at) as first_updated_at,
        min(case when status = 'FAILED' then status_date end) as first_failed_date,
        min(case when status = 'RETURNED' then status_date end) as first_returned_date,
        max(case when status in ('FAILED', 'RETURNED') then 1 else 0 end) as any_failed_version,
        count(*) as version_count
    from versions
    group by payment_id
),

-- the payments named by reissue_of that are delivered (among all versions:
-- an incremental run reads only the touched payments' versions above)
reissued as (
    select distinct r.reissue_of as payment_id from ranked as r
    where r.version_rank = 1 and r.reissue_of is not null
),

-- (read from the table itself, not from all_versions: a CTE read twice is
-- materialized by DuckDB, every column of every version, on every night)
delivered as (
    select distinct v.payment_id
    from {{ ref('int_ledger_versions') }} as v
    inner join reissued as i on v.payment_id = i.payment_id
    where v._extract_date <= {{ as_of() }}
),

current_state as (
    select
        r.payment_id,
        r.batch_no,
        r.program_code,
        r.recipient_id,
        r.recipient_id_raw,
        r.recipient_id_valid,
        r.recipient_name,
        r.recipient_name_compact,
        r.account_no,
        r.bank_name,
        r.amount,
        r.period,
        r.division_code,
        r.approved_date,
        r.sent_date,
        r.status,
        r.status_date,
        r.fail_reason,
        r.reissue_of,
        r.updated_at,
        r.person_id,
        r.recipient_id_valid as person_id_valid,
        r._extract_date,
        r._load_id,
        h.first_updated_at,
        coalesce(h.first_failed_date, h.first_returned_date) as failure_date,
        h.any_failed_version = 1 as is_failed,
        h.version_count,
        -- A reissue_of naming an undelivered payment counts as an original
        -- (tests/warn_reissue_of_undelivered_payment.sql).
        (r.reissue_of is not null and d.payment_id is not null) as is_reissue,
        case
            when {{ full_match('r.period', '[0-9]{4}(0[1-9]|1[0-2])') }} then 'YYYYMM'
            when {{ full_match('r.period', '[0-9]{4}Q[1-4]') }} then 'YYYYQn'
            when {{ full_match('r.period', '[0-9]{4}') }} then 'YYYY'
        end as period_format
    from ranked as r
    inner join history as h on r.payment_id = h.payment_id
    left join delivered as d on r.reissue_of = d.payment_id
    where r.version_rank = 1
),

with_period as (
    select
        c.*,
        case c.period_format
            when 'YYYYMM' then {{ month_start('c.period') }}
            when 'YYYYQn' then {{ add_to_date(
                'month',
                '3 * (cast(substr(c.period, 6, 1) as integer) - 1)',
                "cast(" ~ dbt.concat(["substr(c.period, 1, 4)", "'-01-01'"]) ~ " as date)"
            ) }}
            when 'YYYY' then cast({{ dbt.concat(["substr(c.period, 1, 4)", "'-01-01'"]) }} as date)
        end as period_start,
        case c.period_format
            when 'YYYYMM' then 1
            when 'YYYYQn' then 3
            when 'YYYY' then 12
            else 0
        end as covered_months
    from current_state as c
),

with_program as (
    select
        p.*,
        {{ last_day_of(add_to_date('month', 'p.covered_months - 1', 'p.period_start')) }} as period_end,
        cat.cycle,
        cat.person_level,
        cat.means_tested,
        cat.ceiling,
        coalesce(
            (cat.cycle in ('monthly', 'one-off') and p.period_format = 'YYYYMM')
            or (cat.cycle = 'quarterly' and p.period_format = 'YYYYQn')
            or (cat.cycle = 'annual' and p.period_format = 'YYYY'),
            false
        ) as period_format_ok,
        -- The due rule of the catalog, before moving to a working day.
        case cat.due_anchor
            when 'approval' then null
            else {{ add_to_date(
                'day',
                'cat.due_day - 1',
                add_to_date(
                    'month',
                    'cat.due_month_offset',
                    "case cat.due_anchor when 'month' then " ~ trunc_date('month', 'p.period_start')
                    ~ " when 'quarter' then " ~ trunc_date('quarter', 'p.period_start')
                    ~ " when 'year' then " ~ trunc_date('year', 'p.period_start') ~ " end"
                )
            ) }}
        end as nominal_due_date,
        cat.due_working_days_after_approval
    from with_period as p
    left join {{ ref('program_catalog') }} as cat on p.program_code = cat.program_code
),

-- Due date = the N-th working day strictly after a base day: one-off,
-- N working days after approved_date; periodic, the first working day on or
-- after the nominal due date (= 1st working day after the day before it).
due_base as (
    select
        p.*,
        case
            when p.nominal_due_date is not null then {{ add_to_date('day', -1, 'p.nominal_due_date') }}
            else p.approved_date
        end as due_base_day,
        case
            when p.nominal_due_date is not null then 1
            else p.due_working_days_after_approval
        end as due_working_days
    from with_program as p
),

with_due as (
    select
        b.*,
        w.day as due_date
    from due_base as b
    left join {{ ref('int_calendar') }} as base_day on b.due_base_day = base_day.day
    left join {{ ref('int_calendar') }} as w
        on
            w.is_working_day
            and base_day.working_day_seq + b.due_working_days = w.working_day_seq
),

persons as (
    select * from {{ ref('int_persons') }}
)

select
    d.payment_id,
    d.batch_no,
    d.program_code,
    d.recipient_id,
    d.recipient_id_raw,
    d.recipient_id_valid,
    d.recipient_name,
    d.recipient_name_compact,
    d.account_no,
    d.bank_name,
    d.amount,
    d.period,
    d.division_code,
    d.approved_date,
    d.sent_date,
    d.status,
    d.status_date,
    d.fail_reason,
    d.reissue_of,
    d.updated_at,
    d._extract_date,
    d._load_id,
    d.person_id,
    d.person_id_valid,
    coalesce(d.recipient_name, ps.name) as person_name,
    ps.person_id is not null as in_hukou,
    ps.name as hukou_name,
    ps.name_compact as hukou_name_compact,
    ps.household_no,
    ps.division_code as hukou_division_code,
    ps.reg_status as hukou_reg_status,
    d.first_updated_at,
    d.version_count,
    d.failure_date,
    d.is_failed,
    d.is_reissue,
    d.cycle,
    d.person_level,
    d.means_tested,
    d.ceiling,
    d.period_format,
    d.period_format_ok,
    d.period_start,
    d.period_end,
    d.covered_months,
    d.nominal_due_date,
    d.due_date
from with_due as d
left join persons as ps on d.person_id = ps.person_id
