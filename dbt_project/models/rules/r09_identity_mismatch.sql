-- R09 identity mismatch (hold): the recipient ID is invalid (INVALID_ID),
-- valid but absent from hukou (UNKNOWN_PERSON), or present with another name
-- once all white space is removed (NAME_MISMATCH).
{{ config(**incremental_by_payment_config('follower', reference="snapshot_loads_fingerprint('hukou')")) }}
-- Incremental on DuckDB (macros/incremental_payments.sql): a night re-judges
-- the payments int_payments recomputed (a changed register row of the
-- recipient touches them there); a new, corrected or withdrawn hukou snapshot
-- (the evidence names the snapshot in force), or a change of this model or
-- the rulebook, rebuilds it whole.
with payments as (
    select *
    from {{ ref('int_payments') }}
    where
        status in ('PAID', 'PENDING')
        {% if is_incremental() -%}
            and {{ payment_increment_filter('payment_id', 'sync') }}
        {%- endif %}
),

classified as (
    select
        p.payment_id,
        case
            when not coalesce(p.person_id_valid, false) then 'INVALID_ID'
            when ps.person_id is null then 'UNKNOWN_PERSON'
            when
                {{ compact_text('coalesce(p.recipient_name, \'\')') }}
                <> {{ compact_text('coalesce(ps.name, \'\')') }} then 'NAME_MISMATCH'
        end as subtype
    from payments as p
    left join {{ ref('int_persons') }} as ps on p.person_id = ps.person_id
)

select
    {{ finding(
        'R09',
        recipient_evidence('p')
        + [('recipient_id_normalized', 'p.person_id'),
           ('recipient_id_valid', 'p.person_id_valid'),
           ('hukou_name', 'ps.name'),
           ('hukou_snapshot', 'ps.snapshot_date')],
        subtype='c.subtype', amount_at_risk='p.amount', payment='p', **recipient_columns()
    ) }}
from payments as p
inner join classified as c on p.payment_id = c.payment_id
left join {{ ref('int_persons') }} as ps on p.person_id = ps.person_id
where c.subtype is not null
