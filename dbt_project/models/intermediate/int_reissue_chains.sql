{{ config(materialized='table') }}
-- One row per member of a reissue chain as of D (docs/RULEBOOK.md R06). A chain is a
-- failed payment that reissues no delivered payment (its chain_root, the
-- first member), with every payment whose reissue_of leads back to it. A
-- reissue_of naming an undelivered payment makes that payment an original
-- (tests/warn_reissue_of_undelivered_payment.sql). Chain-level facts are
-- repeated on every member: settled (any member PAID, or the latest member
-- CANCELLED) and the latest member (created last: updated_at of its first
-- version, then payment_id).
-- Only the payments a chain can hold (a root is failed, every other member a
-- reissue), with the columns read below: DuckDB materializes a CTE read
-- three times, and every payment's every column was most of this model.
with payments as (
    select
        payment_id,
        reissue_of,
        is_failed,
        is_reissue,
        status,
        status_date,
        updated_at,
        first_updated_at,
        failure_date,
        amount
    from {{ ref('int_payments') }}
    where is_failed or is_reissue
),

roots as (
    select p.payment_id
    from payments as p
    where p.is_failed and not p.is_reissue
),

-- The walk is nested in a subquery so the recursive CTE is not the model's
-- top-level WITH (dbt injects unit-test fixtures there).
members as (
    select *
    from (
        with recursive walk as (
            select
                r.payment_id as chain_root,
                r.payment_id,
                0 as depth
            from roots as r

            union all

            select
                w.chain_root,
                p.payment_id,
                w.depth + 1 as depth
            from walk as w
            inner join payments as p on w.payment_id = p.reissue_of and p.is_reissue
            where w.depth < 1000
        )

        select * from walk
    ) as walked
),

member_facts as (
    select
        m.chain_root,
        m.payment_id,
        m.depth,
        p.status,
        p.status_date,
        p.updated_at,
        p.first_updated_at,
        p.failure_date,
        p.amount,
        row_number() over (
            partition by m.chain_root order by p.first_updated_at desc, m.payment_id desc
        ) as recency_rank
    from members as m
    inner join payments as p on m.payment_id = p.payment_id
),

chains as (
    select
        chain_root,
        count(*) as member_count,
        max(case when status = 'PAID' then 1 else 0 end) = 1 as any_member_paid,
        max(case when recency_rank = 1 then payment_id end) as latest_member_id,
        max(case when recency_rank = 1 then status end) as latest_member_status,
        {{ dbt.listagg('payment_id', "','", "order by depth, first_updated_at, payment_id") }} as member_ids
    from member_facts
    group by chain_root
)

select
    f.chain_root,
    f.payment_id,
    f.depth,
    f.status,
    f.status_date,
    f.first_updated_at,
    f.failure_date,
    f.recency_rank,
    c.member_count,
    c.member_ids,
    c.latest_member_id,
    c.latest_member_status,
    c.any_member_paid or c.latest_member_status = 'CANCELLED' as is_settled
from member_facts as f
inner join chains as c on f.chain_root = c.chain_root
