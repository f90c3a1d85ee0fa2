-- R07 vehicle in a means-tested household (hold, medium): a member of the
-- recipient's household (int_recipient_household, the recipient included)
-- owns a vehicle of plate class 01 or 02 with a use other than Z, registered
-- on or before the period end and not transferred (B), deregistered (E) or
-- scrapped (G) before the period start. Vehicles as of D (int_vehicles).
-- One anomaly per payment; the evidence names the earliest-registered vehicle
-- and lists all. Amount at risk: the amount.
{% set evidence = payment_evidence('p') + [
    ('period_start', 'p.period_start'),
    ('period_end', 'p.period_end'),
    ('owner_id', 'v.owner_id'),
    ('owner_name', 'v.owner_name'),
    ('owner_is_recipient', 'v.is_recipient'),
    ('plate_no', 'v.plate_no'),
    ('plate_class', 'v.plate_class'),
    ('use_code', 'v.use_code'),
    ('first_registered', 'v.first_registered'),
    ('vehicle_status', 'v.vehicle_status'),
    ('vehicle_status_date', 'v.status_date'),
    ('vehicles_snapshot_date', 'v.snapshot_date'),
    ('vehicle_count', 'v.vehicle_count'),
    ('plates', 'v.plates'),
] %}

with payments as (
    select * from {{ ref('int_payments') }}
    where status in ('PAID', 'PENDING') and means_tested
),

cars as (
    select * from {{ ref('int_vehicles') }}
    where plate_class in ('01', '02') and coalesce(use_code, '') <> 'Z'
),

owned as (
    select
        p.payment_id,
        m.is_recipient,
        c.owner_id,
        c.owner_name,
        c.plate_no,
        c.plate_class,
        c.use_code,
        c.first_registered,
        c.vehicle_status,
        c.status_date,
        c.snapshot_date
    from payments as p
    inner join {{ ref('int_recipient_household') }} as m on p.person_id = m.person_id
    inner join cars as c on m.member_id = c.owner_id
    where
        (c.first_registered is null or c.first_registered <= p.period_end)
        and not coalesce(c.vehicle_status in ('B', 'E', 'G') and c.status_date < p.period_start, false)
),

ranked as (
    select
        o.*,
        row_number() over (
            partition by o.payment_id order by o.first_registered, o.plate_no, o.plate_class
        ) as vehicle_rank,
        count(*) over (partition by o.payment_id) as vehicle_count
    from owned as o
),

plate_lists as (
    select
        payment_id,
        {{ dbt.listagg('plate_no', "','", 'order by plate_no') }} as plates
    from owned
    group by payment_id
),

first_vehicle as (
    select
        r.*,
        pl.plates
    from ranked as r
    inner join plate_lists as pl on r.payment_id = pl.payment_id
    where r.vehicle_rank = 1
)

select
    {{ payment_finding_columns('R07', "'medium'", 'p.amount', evidence) }}
from payments as p
inner join first_vehicle as v on p.payment_id = v.payment_id
