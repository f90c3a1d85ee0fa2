"""Probabilistic identity linking (issue 15): a mistyped ID number does not hide a person.

`link_identities(warehouse, as_of)` runs after ingest and before the dbt build:
every ledger recipient and death record whose ID is invalid, absent from hukou
or names someone else (R09's population) is compared with the hukou register
by a Fellegi–Sunter model (Splink on DuckDB), and the best candidates are
written to `linkage.identity_links`. dbt decides which links are good enough
(`var('linked_match_probability')`) and raises the LINKED findings.
"""

from crosscheck.linkage.link import LinkSummary, link_identities

__all__ = ["LinkSummary", "link_identities"]
