"""The two sides of the linking, read from the warehouse for one as-of date.

The register is the latest hukou snapshot <= D (one row per person id, as
int_persons picks it). The records to link are what R09 would question:
ledger recipients (one per typed ID and name) whose ID is invalid, absent from
hukou or carries another name, and death certificates / cremation records
whose ID is invalid or absent. Names are compared with all white space removed.
"""

from __future__ import annotations

import datetime as dt

import duckdb

# the same white space as dbt's compact_text (macros/portable.sql)
_SPACE = r"[\t\n\x{0B}\f\r \x{85}\p{Z}\x{180E}\x{200B}-\x{200D}\x{2060}\x{FEFF}]"


def compact(expr: str) -> str:
    return f"regexp_replace({expr}, '{_SPACE}', '', 'g')"


def birth_from_id(expr: str) -> str:
    """YYYYMMDD when characters 7–14 of an 18-character number are a real date."""
    return (
        f"case when length({expr}) = 18 and try_strptime(substr({expr}, 7, 8), '%Y%m%d')"
        f" is not null then substr({expr}, 7, 8) end"
    )


# the hukou snapshot in force at D, read from its change history (ingestion/history.py)
REGISTER_ROWS = f"""
with ranked as (
    select h.*, row_number() over (
        partition by h.id_number order by h.reg_status, h._row_no) as rk
    from raw.hukou_at((
        select max(extract_date) from meta.loads
        where source = 'hukou' and status = 'loaded' and extract_date <= $as_of
    )) as h
    where h.id_number is not null
)
select
    id_number,
    {compact("name")} as name,
    strftime(birth_date, '%Y%m%d') as birth_date,
    division_code,
    household_no
from ranked where rk = 1
"""

# the same columns as the records (Splink compares like with like)
REGISTER_SQL = f"""
select 'P:' || id_number as unique_id, 'register' as record_source, id_number as record_key,
       name as typed_name, id_number, name, birth_date, division_code, household_no
from ({REGISTER_ROWS}) as r
"""

# `link_register`: the register as REGISTER_SQL reads it (`read` computes it once)
RECORDS_SQL = f"""
with register as (
    select id_number as person_id, name, household_no from link_register
),
recipients as (
    select recipient_id, recipient_name, bool_or(recipient_id_valid) as valid,
           min(division_code) as division_code
    from raw.ledger
    where _extract_date <= $as_of and recipient_id is not null
    group by recipient_id, recipient_name
),
ledger as (
    select 'ledger' as record_source,
           r.recipient_id || '|' || coalesce(r.recipient_name, '') as record_key,
           r.recipient_id as id_number, r.recipient_name as typed_name,
           r.division_code, g.household_no
    from recipients as r left join register as g on r.recipient_id = g.person_id
    where not coalesce(r.valid, false) or g.person_id is null
       or {compact("coalesce(r.recipient_name, '')")} <> coalesce(g.name, '')
),
death_records as (
    select 'deaths' as record_source, certificate_no as record_key, id_number, name,
           row_number() over (partition by certificate_no
                              order by _extract_date desc, _row_no desc) as rk
    from raw.deaths where _extract_date <= $as_of
    union all
    select 'cremations', record_no, id_number, name,
           row_number() over (partition by record_no order by _extract_date desc, _row_no desc)
    from raw.cremations where _extract_date <= $as_of
),
deaths as (
    select d.record_source, d.record_key, d.id_number, d.name as typed_name,
           null as division_code, null as household_no
    from death_records as d left join register as g on d.id_number = g.person_id
    where d.rk = 1 and d.id_number is not null and g.person_id is null
)
select
    record_source || ':' || record_key as unique_id,
    record_source, record_key, typed_name, id_number,
    {compact("typed_name")} as name,
    {birth_from_id("id_number")} as birth_date,
    cast(division_code as varchar) as division_code, cast(household_no as varchar) as household_no
from (select * from ledger union all select * from deaths) as x
"""


def read(con: duckdb.DuckDBPyConnection, as_of: dt.date, *, ordered_register: bool = True):
    """(register, records) as Arrow tables, ordered so that a run is reproducible.

    The register (a million rows in a county of a million persons) is computed
    once: the records are questioned against the Arrow table just read.
    `ordered_register=False` leaves the register in DuckDB's order, for
    prediction, whose candidates do not depend on it (pairs come from the
    blocking joins, term frequencies from counts, and `link.candidates` ranks
    them; tests/pipeline/test_identity_linking.py): sorting a million ids was
    a third of a night's linking. Training samples rows, so it reads them in
    order."""
    params = {"as_of": as_of}
    order = " order by unique_id" if ordered_register else ""
    register = con.sql(REGISTER_SQL + order, params=params).to_arrow_table()
    con.register("link_register", register)
    try:
        records = con.sql(RECORDS_SQL + " order by unique_id", params=params).to_arrow_table()
    finally:
        con.unregister("link_register")
    return register, records
