{{ config(materialized='table') }}
-- One row per (recipient, household member) as of D (docs/RULEBOOK.md "Household"):
-- the recipient itself, plus every person with 人员状态 0 who shares the
-- recipient's 户号 in the latest hukou snapshot. A recipient absent from
-- hukou is a household alone. Register persons a payment links to (issue 15,
-- int_linked_payments) count as recipients: the LINKED rules read their household.
with recipients as (
    select person_id from {{ ref('int_payments') }}
    union
    select linked_person_id as person_id from {{ ref('int_linked_payments') }}
),

persons as (
    select * from {{ ref('int_persons') }}
),

recipient_households as (
    select
        r.person_id,
        p.household_no
    from recipients as r
    left join persons as p on r.person_id = p.person_id
),

members as (
    select
        rh.person_id,
        rh.person_id as member_id,
        rh.household_no,
        true as is_recipient
    from recipient_households as rh

    union all

    select
        rh.person_id,
        m.person_id as member_id,
        rh.household_no,
        false as is_recipient
    from recipient_households as rh
    inner join persons as m
        on
            rh.household_no = m.household_no
            and m.reg_status = '0'
            and rh.person_id <> m.person_id
)

select
    person_id,
    member_id,
    household_no,
    is_recipient
from members
