-- R01 deceased recipient (hold, high): a person-level payment (PAID or
-- PENDING) to a person with a death date, for a period that starts after the
-- last day of the death month (periodic programs; a quarter or year that
-- began before the death is not flagged), or approved after the death date
-- (one-off programs). Amount at risk: the amount.
-- The body is shared with r01_deceased_recipient_linked (macros/rule_bodies.sql).
{{ r01_deceased_recipient_sql(ref('int_payments')) }}
