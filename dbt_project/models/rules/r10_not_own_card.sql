-- R10 not paid to the recipient's own card (hold). Only recipients with a
-- valid ID present in hukou; cards as at payment time (the latest sscards
-- snapshot on or before status_date for PAID, D for PENDING, else the
-- earliest). Subtypes in order: CARD_NOT_USABLE (own card's account, no own
-- card on it 正常 and 已激活), OTHER_PERSONS_CARD, NOT_A_CARD.
with payments as (
    select p.*
    from {{ ref('int_payments') }} as p
    inner join {{ ref('int_persons') }} as ps on p.person_id = ps.person_id
    where p.status in ('PAID', 'PENDING') and p.person_id_valid
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

account_cards as (
    select
        ps.payment_id,
        c.person_id = ps.person_id as is_own,
        c.person_id = ps.person_id
        and c.card_status = '正常' and c.financial_status = '已激活' as is_own_usable,
        c.card_no,
        c.person_id as holder_id,
        c.name as holder_name,
        c.card_status,
        c.financial_status,
        c.bank_name
    from payment_snapshot as ps
    inner join {{ ref('stg_sscards__cards') }} as c
        on ps.snapshot_date = c.snapshot_date and ps.account_no = c.account_no
),

account_summary as (
    select
        payment_id,
        max(case when is_own then 1 else 0 end) = 1 as has_own,
        max(case when is_own_usable then 1 else 0 end) = 1 as has_own_usable,
        max(case when not is_own then 1 else 0 end) = 1 as has_other,
        {{ json_array_agg(json_object([
            ('card_no', 'card_no'), ('holder_id', 'holder_id'), ('holder_name', 'holder_name'),
            ('card_status', 'card_status'), ('financial_status', 'financial_status'),
            ('bank_name', 'bank_name')
        ]), 'card_no') }} as cards_on_account
    from account_cards
    group by payment_id
),

own_cards as (
    select
        ps.payment_id,
        {{ json_array_agg(json_object([
            ('card_no', 'c.card_no'), ('account_no', 'c.account_no'),
            ('card_status', 'c.card_status'), ('financial_status', 'c.financial_status')
        ]), 'c.card_no') }} as recipient_cards
    from payment_snapshot as ps
    inner join {{ ref('stg_sscards__cards') }} as c
        on ps.snapshot_date = c.snapshot_date and ps.person_id = c.person_id
    group by ps.payment_id
),

classified as (
    select
        ps.payment_id,
        ps.snapshot_date,
        a.cards_on_account,
        o.recipient_cards,
        case
            when a.has_own and not a.has_own_usable then 'CARD_NOT_USABLE'
            when a.has_own then null
            when a.has_other then 'OTHER_PERSONS_CARD'
            else 'NOT_A_CARD'
        end as subtype
    from payment_snapshot as ps
    left join account_summary as a on ps.payment_id = a.payment_id
    left join own_cards as o on ps.payment_id = o.payment_id
)

select
    {{ payment_finding(
        'R10', 'c.subtype',
        "case when c.subtype = 'OTHER_PERSONS_CARD' then 'high' else 'medium' end",
        'p.amount',
        [('card_snapshot', 'c.snapshot_date'),
         ('cards_on_account', 'cast(c.cards_on_account as json)'),
         ('recipient_cards', 'cast(c.recipient_cards as json)')]
    ) }}
from payments as p
inner join classified as c on p.payment_id = c.payment_id
left join {{ ref('int_persons') }} as ps on p.person_id = ps.person_id
where c.subtype is not null
