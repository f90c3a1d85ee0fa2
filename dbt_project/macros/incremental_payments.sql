{#-
  Incremental payment state (issue 11): int_payments, and the models keyed by
  payment that follow it, recompute only the payments a night touched.

  int_payments (the *source* of the increment) keeps, beside the table:
  - `int_payments__state`: what the table reflects — the as-of date D, a
    fingerprint of what every payment row depends on besides its versions and
    its person (program_catalog, int_calendar), and the ledger loads (<= D)
    whose versions are in it; one row per load (and one with a NULL load).
  - `int_payments__plan`: this build's sequence number, the previous one, and
    whether it rebuilt every payment (`full_rebuild`).
  - `int_payments__touched`: the payment_ids this build recomputed (when not
    a full rebuild).
  int_ledger_versions' pre-hook records in `int_ledger_versions__withdrawn`
  the payment_ids of the loads it deletes (superseded by a correction).

  Touched payments: those with versions from loads not yet reflected (new
  deliveries, late ones, a later D's, a released quarantine), those with
  versions of reflected loads now withdrawn (a correction replaces a file),
  those whose recipient's int_persons row changed (the hukou snapshot in
  force at D: name, household, division, status), and those whose
  `reissue_of` names a touched payment (is_reissue depends on it being
  delivered). Everything else about a payment row is a function of its own
  versions, so an untouched payment's row is what a full rebuild would give.

  Rebuilt in full (conservative, never wrong): the first build, --full-refresh,
  no recorded state, a D earlier than the recorded one (a backfill), a changed
  catalog or calendar (seeds, calendar vars), or a reflected load withdrawn
  without a record of its payments (int_ledger_versions was rebuilt).

  A *follower* (a model with one row set per payment computed from that
  payment's int_payments row alone, e.g. int_payment_months) records in
  `<model>__sync` the plan it reflects. It deletes and re-inserts the touched
  payments when it reflects the previous plan (or this one); otherwise, or
  when int_payments rebuilt everything, it rebuilds whole.

  Only DuckDB maintains the increment. Spark (and any other adapter) builds
  these models as plain tables: the same SQL without the incremental filter
  (tests/pipeline/test_spark_equality.py proves the results equal).

  Every write of the hooks is in the SQL they return, which dbt runs inside
  the model's transaction (decisions are read-only queries at render time):
  a failed build leaves the table, its state and the plan as they were.
-#}

{#- config() of int_payments (role 'payments') or of a follower (role
    'follower'). A follower whose rows also read reference data names a macro
    call (`reference`, a string) giving a SQL expression that changes when that
    data changes: it rebuilds whole when it does. -#}
{% macro incremental_by_payment_config(role, reference=none) -%}
    {{ return(adapter.dispatch('incremental_by_payment_config', 'crosscheck')(role, reference)) }}
{%- endmacro %}

{% macro default__incremental_by_payment_config(role, reference=none) -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{% macro duckdb__incremental_by_payment_config(role, reference=none) -%}
    {%- if role == 'payments' -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'append',
            'pre_hook': '{{ plan_payment_increment() }}',
            'post_hook': '{{ record_payment_increment() }}',
        }) }}
    {%- else -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'append',
            'pre_hook': '{{ follow_payment_increment(' ~ (reference or "''") ~ ') }}',
        }) }}
    {%- endif -%}
{%- endmacro %}


{#- A bookkeeping table beside int_payments. -#}
{% macro payment_aux(name) -%}
    {#- int_payments' own hooks name it by `this` (a ref to itself would be a cycle) -#}
    {%- set p = this if this.identifier == 'int_payments' else ref('int_payments') -%}
    {{ return(api.Relation.create(database=p.database, schema=p.schema, identifier=name, type='table')) }}
{%- endmacro %}


{#- Which of these tables exist (read from the catalog, not dbt's cache: the
    hooks create them during the run). -#}
{% macro existing_tables(relations) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- set names = [] -%}
        {%- for r in relations -%}
            {%- do names.append(r.database ~ "." ~ r.schema ~ "." ~ r.identifier) -%}
        {%- endfor -%}
        {%- set rows = run_query(
            "select table_name from information_schema.tables where table_catalog || '.' || table_schema"
            ~ " || '.' || table_name in ('" ~ names | join("', '") ~ "')"
        ).rows -%}
        {%- for r in rows -%}{%- do found.append(r[0]) -%}{%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}


{#- What every payment row depends on besides its versions and its person:
    the catalog, the calendar and the model's own code. -#}
{% macro payment_fingerprint() -%}
    md5('{{ model.raw_code | replace("'", "''") }}')
    || (select md5(coalesce(string_agg(c::varchar, chr(10) order by c::varchar), ''))
        from {{ ref('program_catalog') }} as c)
    || (select md5(coalesce(string_agg(c::varchar, chr(10) order by c::varchar), ''))
        from {{ ref('int_calendar') }} as c)
{%- endmacro %}


{#- Whether int_payments can follow the increment (else it rebuilds whole). -#}
{% macro plan_decision_query(state, versions, withdrawn, has_withdrawn) -%}
    with old as (select * from {{ state }}),
    cur as (
        select distinct v._load_id as load_id from {{ versions }} as v
        where v._extract_date <= {{ as_of() }}
    ),
    gone as (
        select o.load_id from old as o where o.load_id is not null
        except
        select c.load_id from cur as c
    )
    select
        (select count(distinct o.as_of) from old as o) = 1
        and (select max(o.as_of) from old as o) <= {{ as_of() }}
        and (select max(o.fingerprint) from old as o) = {{ payment_fingerprint() }}
        and not exists (
            select 1 from gone as g
    {%- if has_withdrawn %}
                where g.load_id not in (select w.load_id from {{ withdrawn }} as w)
    {%- endif %}
        ) as can_follow
{%- endmacro %}


{#- The payments an incremental build of int_payments recomputes. -#}
{% macro touched_payments_query(state, next_state, versions, withdrawn, has_withdrawn) -%}
    with cur as (
            select n.load_id from {{ next_state }} as n where n.load_id is not null
        ),
        old as (
            select s.load_id from {{ state }} as s where s.load_id is not null
        ),
        new_loads as (
            select load_id from cur
            except
            select load_id from old
        ),
        gone as (
            select load_id from old
            except
            select load_id from cur
        ),
        by_version as (
            select v.payment_id from {{ versions }} as v
            where v._load_id in (select nl.load_id from new_loads as nl)
    {%- if has_withdrawn %}
                union
                select w.payment_id from {{ withdrawn }} as w
                where w.load_id in (select g.load_id from gone as g)
    {%- endif %}
        ),
        -- the recipient's row of the hukou snapshot in force changed
        by_person as (
            select p.payment_id
            from {{ this }} as p
            left join {{ ref('int_persons') }} as ps on p.person_id = ps.person_id
            where not (
                (ps.person_id is not null) = p.in_hukou
                and ps.name is not distinct from p.hukou_name
                and ps.name_compact is not distinct from p.hukou_name_compact
                and ps.household_no is not distinct from p.household_no
                and ps.division_code is not distinct from p.hukou_division_code
                and ps.reg_status is not distinct from p.hukou_reg_status
            )
        ),
        -- is_reissue: the payment it reissues appeared or disappeared
        by_reissue as (
            select p.payment_id from {{ this }} as p
            where p.reissue_of in (select b.payment_id from by_version as b)
        )
        select payment_id from by_version
        union
        select payment_id from by_person
        union
        select payment_id from by_reissue
{%- endmacro %}


{#- Pre-hook of int_payments: decide, record the plan and the touched
    payments, delete them (or everything) from the table. -#}
{% macro plan_payment_increment() -%}
    {%- set state = payment_aux('int_payments__state') -%}
    {%- set next_state = payment_aux('int_payments__next_state') -%}
    {%- set plan = payment_aux('int_payments__plan') -%}
    {%- set touched = payment_aux('int_payments__touched') -%}
    {%- set withdrawn = payment_aux('int_ledger_versions__withdrawn') -%}
    {%- set versions = ref('int_ledger_versions') -%}
    {%- set existing = existing_tables([state, plan, withdrawn]) -%}
    {%- set has_state = state.identifier in existing -%}
    {%- set has_withdrawn = withdrawn.identifier in existing -%}
    {%- set full = true -%}
    {%- if execute and is_incremental() and has_state -%}
        {%- set decide = plan_decision_query(state, versions, withdrawn, has_withdrawn) -%}
        {%- set full = not run_query(decide).columns[0].values()[0] -%}
    {%- endif -%}
    {%- set seq = "coalesce((select max(p.seq) from " ~ plan ~ " as p), 0)" if plan.identifier in existing else "0" -%}
    {%- set only_touched = "" if full else " where payment_id in (select t.payment_id from " ~ touched ~ " as t)" -%}
    create or replace table {{ next_state }} as
    select
        {{ as_of() }} as as_of,
        {{ payment_fingerprint() }} as fingerprint,
        l.load_id
    from (
        select distinct v._load_id as load_id from {{ versions }} as v
        where v._extract_date <= {{ as_of() }}
        union all
        select null as load_id
    ) as l;
    create or replace table {{ plan }} as
    select {{ seq }} + 1 as seq, {{ seq }} as previous_seq, {{ full }} as full_rebuild;
    {%- if full %}
        create or replace table {{ touched }} as select cast(null as varchar) as payment_id where false;
    {%- else %}
        create or replace table {{ touched }} as
        {{ touched_payments_query(state, next_state, versions, withdrawn, has_withdrawn) }};
    {%- endif %}
    {%- if is_incremental() %}
        delete from {{ this }}{{ only_touched }};
    {%- endif %}
{%- endmacro %}


{#- Post-hook of int_payments: the table now reflects the next state. -#}
{% macro record_payment_increment() -%}
    {%- set withdrawn = payment_aux('int_ledger_versions__withdrawn') -%}
    create or replace table {{ payment_aux('int_payments__state') }} as
    select * from {{ payment_aux('int_payments__next_state') }};
    drop table {{ payment_aux('int_payments__next_state') }};
    {%- if withdrawn.identifier in existing_tables([withdrawn]) %}
        delete from {{ withdrawn }};
    {%- endif %}
{%- endmacro %}


{#- The filter of int_payments' versions (flags 'plan') or of a follower's
    payments (flags 'sync') on an incremental run: the touched payments, or
    all when rebuilding whole. Only DuckDB builds incrementally. -#}
{% macro payment_increment_filter(column, flags) -%}
    {{ return(adapter.dispatch('payment_increment_filter', 'crosscheck')(column, flags)) }}
{%- endmacro %}

{% macro default__payment_increment_filter(column, flags) -%}
    true
{%- endmacro %}

{% macro duckdb__payment_increment_filter(column, flags) -%}
    {%- set flag_table = payment_aux('int_payments__plan') if flags == 'plan' else follower_sync() -%}
    (
        (select f.full_rebuild from {{ flag_table }} as f)
        or {{ column }} in (select t.payment_id from {{ payment_aux('int_payments__touched') }} as t)
    )
{%- endmacro %}


{#- A follower's record of the plan it reflects. -#}
{% macro follower_sync() -%}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__sync'})) }}
{%- endmacro %}


{#- Pre-hook of a follower: follow the plan, or rebuild whole. -#}
{% macro follow_payment_increment(reference='') -%}
    {%- set plan = payment_aux('int_payments__plan') -%}
    {%- set sync = follower_sync() -%}
    {%- set existing = existing_tables([plan, sync]) -%}
    {%- set has_plan = plan.identifier in existing -%}
    {%- set fingerprint = follower_fingerprint(reference) -%}
    {%- set full = true -%}
    {%- if execute and is_incremental() and has_plan and sync.identifier in existing -%}
        {%- set rows = run_query(follower_decision_query(plan, sync, fingerprint)).rows -%}
        {%- set full = not (rows | length == 1 and rows[0][0]) -%}
    {%- endif -%}
    {%- set seq = "(select p.seq from " ~ plan ~ " as p)" if has_plan else "cast(null as bigint)" -%}
    {%- set only_touched = "" if full else " where payment_id in (select t.payment_id from "
        ~ payment_aux('int_payments__touched') ~ " as t)" -%}
    create or replace table {{ sync }} as
    select {{ seq }} as seq, {{ full }} as full_rebuild, {{ fingerprint }} as fingerprint;
    {%- if is_incremental() %}
        delete from {{ this }}{{ only_touched }};
    {%- endif %}
{%- endmacro %}


{#- Whether a follower can follow the plan: int_payments followed its own
    increment, the follower reflects its previous build (or this one), and
    nothing else it reads changed. -#}
{% macro follower_decision_query(plan, sync, fingerprint) -%}
    select
        not p.full_rebuild
        and s.seq in (p.seq, p.previous_seq)
        and s.fingerprint = {{ fingerprint }}
    from {{ plan }} as p
    cross join {{ sync }} as s
{%- endmacro %}


{#- A follower's own code (its model file, the rulebook's parameters) and the
    reference data it names. -#}
{% macro follower_fingerprint(reference) -%}
    {%- set parameters = [] -%}
    {%- for v in ['rule_severity', 'roster_programs', 'payroll_public_employer_types',
                  'bank_working_days', 'stranded_monthly_deadline_day', 'shared_account_min_persons',
                  'shared_account_min_households', 'death_deregistration_days',
                  'linked_match_probability'] -%}
        {%- do parameters.append(var(v, none)) -%}
    {%- endfor -%}
    {%- set code = model.raw_code ~ tojson(parameters) -%}
    md5('{{ code | replace("'", "''") }}' || coalesce({{ reference or "''" }}, ''))
{%- endmacro %}


{#- The good snapshots of a source delivered up to D: the same loads give the
    same snapshot in force at D (R09: hukou, R14: assistance) and the same
    cards at payment time (R10: sscards). -#}
{% macro snapshot_loads_fingerprint(source_name) -%}
    (
        select md5(coalesce(string_agg(l.load_id, ',' order by l.load_id), ''))
        from {{ source('meta', 'loads') }} as l
        where l.source = '{{ source_name }}' and l.status = 'loaded' and l.extract_date <= {{ as_of() }}
    )
{%- endmacro %}
