-- R07 vehicle in a means-tested household (hold, medium): a member of the
-- recipient's household (int_recipient_household, the recipient included)
-- owns a vehicle of plate class 01 or 02 with a use other than Z, registered
-- on or before the period end and not transferred (B), deregistered (E) or
-- scrapped (G) before the period start. Vehicles as of D (int_vehicles).
-- One anomaly per payment; the evidence names the earliest-registered vehicle
-- and lists all. Amount at risk: the amount.
-- The body is shared with r07_vehicle_in_household_linked (macros/rule_bodies.sql).
{{ r07_vehicle_in_household_sql(ref('int_payments')) }}
