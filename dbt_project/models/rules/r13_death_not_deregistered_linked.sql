-- R13 through a probable identity link (issue 15, subtype LINKED): a death
-- certificate or cremation record typed with a wrong ID links to a register
-- person whose hukou row is still active more than 30 days after the death.
{{ r13_death_not_deregistered_sql(ref('int_linked_death_dates'), linked=true) }}
