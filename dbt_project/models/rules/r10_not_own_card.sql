-- R10 not paid to the recipient's own card (hold). Only recipients with a
-- valid ID present in hukou; cards as at payment time (the latest sscards
-- snapshot on or before status_date for PAID, D for PENDING, else the
-- earliest). Subtypes in order: CARD_NOT_USABLE (own card's account, no own
-- card on it 正常 and 已激活), OTHER_PERSONS_CARD, NOT_A_CARD.
{{ config(**incremental_by_payment_config('follower', reference="snapshot_loads_fingerprint('sscards')")) }}
-- Incremental on DuckDB (macros/incremental_payments.sql): a night re-judges
-- the payments int_payments recomputed (their person's register row
-- included); a new, corrected or withdrawn sscards snapshot, or a change of
-- this model, rebuilds it whole.
-- The increment's filter sits beside the payments' own filters, below the
-- join: DuckDB does not push it through the join (a night's payments would
-- all be joined to the register first).
with payments as (
    select p.*
    from (
        select *
        from {{ ref('int_payments') }}
        where
            status in ('PAID', 'PENDING') and person_id_valid
            {% if is_incremental() -%}
                and {{ payment_increment_filter('payment_id', 'sync') }}
            {%- endif %}
    ) as p
    inner join {{ ref('int_persons') }} as ps on p.person_id = ps.person_id
),

payment_snapshot as (
    select
        p.payment_id,
        p.person_id,
        p.account_no,
        s.card_snapshot_date as snapshot_date
    from payments as p
    inner join {{ ref('int_payment_card_snapshot') }} as s on p.payment_id = s.payment_id
    where s.card_snapshot_date is not null
),

account_flags as (
    select
        ps.payment_id,
        max(case when c.person_id = ps.person_id then 1 else 0 end) = 1 as has_own,
        max(
            case
                when
                    c.person_id = ps.person_id
                    and c.card_status = '正常' and c.financial_status = '已激活'
                    then 1
                else 0
            end
        ) = 1 as has_own_usable,
        max(case when c.person_id <> ps.person_id then 1 else 0 end) = 1 as has_other
    from payment_snapshot as ps
    inner join {{ ref('stg_sscards__cards') }} as c
        on ps.snapshot_date = c.snapshot_date and ps.account_no = c.account_no
    group by ps.payment_id
),

-- Classify every payment on cheap flags first; the evidence (JSON of the
-- cards) is built only for the few flagged ones, not for every payment.
flagged as (
    select
        ps.payment_id,
        ps.person_id,
        ps.account_no,
        ps.snapshot_date,
        case
            when a.has_own and not a.has_own_usable then 'CARD_NOT_USABLE'
            when a.has_own then null
            when a.has_other then 'OTHER_PERSONS_CARD'
            else 'NOT_A_CARD'
        end as subtype
    from payment_snapshot as ps
    left join account_flags as a on ps.payment_id = a.payment_id
),

account_cards as (
    select
        f.payment_id,
        {{ json_array_agg(json_object([
            ('card_no', 'c.card_no'), ('holder_id', 'c.person_id'), ('holder_name', 'c.name'),
            ('card_status', 'c.card_status'), ('financial_status', 'c.financial_status'),
            ('bank_name', 'c.bank_name')
        ]), 'c.card_no') }} as cards_on_account
    from flagged as f
    inner join {{ ref('stg_sscards__cards') }} as c
        on f.snapshot_date = c.snapshot_date and f.account_no = c.account_no
    where f.subtype is not null
    group by f.payment_id
),

own_cards as (
    select
        f.payment_id,
        {{ json_array_agg(json_object([
            ('card_no', 'c.card_no'), ('account_no', 'c.account_no'),
            ('card_status', 'c.card_status'), ('financial_status', 'c.financial_status')
        ]), 'c.card_no') }} as recipient_cards
    from flagged as f
    inner join {{ ref('stg_sscards__cards') }} as c
        on f.snapshot_date = c.snapshot_date and f.person_id = c.person_id
    where f.subtype is not null
    group by f.payment_id
),

classified as (
    select
        f.payment_id,
        f.snapshot_date,
        a.cards_on_account,
        o.recipient_cards,
        f.subtype
    from flagged as f
    left join account_cards as a on f.payment_id = a.payment_id
    left join own_cards as o on f.payment_id = o.payment_id
    where f.subtype is not null
)

select
    {{ finding(
        'R10',
        recipient_evidence('p')
        + [('card_snapshot', 'c.snapshot_date'),
           ('cards_on_account', 'cast(c.cards_on_account as json)'),
           ('recipient_cards', 'cast(c.recipient_cards as json)')],
        subtype='c.subtype', amount_at_risk='p.amount', payment='p', **recipient_columns()
    ) }}
from payments as p
inner join classified as c on p.payment_id = c.payment_id
left join {{ ref('int_persons') }} as ps on p.person_id = ps.person_id
where c.subtype is not null
