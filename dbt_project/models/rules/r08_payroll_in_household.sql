-- R08 public payroll in a means-tested household (hold): a household member
-- has a payroll month within the covered months at a 机关 or 事业单位.
-- The body is shared with r08_payroll_in_household_linked (macros/rule_bodies.sql).
{{ r08_payroll_in_household_sql(ref('int_payments')) }}
