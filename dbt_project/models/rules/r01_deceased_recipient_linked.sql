-- R01 through a probable identity link (issue 15, subtype LINKED): the
-- payment's typed ID is invalid, unknown or another person's, and links to a
-- register person who is dead (R01's test on that person). Evidence: R01's,
-- plus the link (probability, match weight, what agreed).
{{ r01_deceased_recipient_sql(ref('int_linked_payments'), linked=true) }}
