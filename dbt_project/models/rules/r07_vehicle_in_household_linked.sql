-- R07 through a probable identity link (issue 15, subtype LINKED): the linked
-- register person's household owns a car (R07's test on that household).
{{ r07_vehicle_in_household_sql(ref('int_linked_payments'), linked=true) }}
