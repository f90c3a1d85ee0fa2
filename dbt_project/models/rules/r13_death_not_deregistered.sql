-- R13 death not deregistered: a death certificate or cremation record dates
-- the death more than 30 days before D while the person's hukou row is still
-- active (人员状态 0). Persons absent from hukou are not flagged. One finding
-- per person.
-- The body is shared with r13_death_not_deregistered_linked (macros/rule_bodies.sql).
{{ r13_death_not_deregistered_sql(ref('int_death_dates')) }}
