-- R08 through a probable identity link (issue 15, subtype LINKED): the linked
-- register person's household has a public payroll month in the covered months.
{{ r08_payroll_in_household_sql(ref('int_linked_payments'), linked=true) }}
