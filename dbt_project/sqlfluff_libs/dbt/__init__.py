"""Stand-ins for dbt's cross-database macros (`dbt.dateadd` …) so that
sqlfluff's jinja templater can render our models without a warehouse. They
only need to produce parseable SQL of the right shape, not dbt's exact text.
Loaded through `library_path` in ../.sqlfluff.
"""


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def last_day(date, datepart):
    return f"last_day({date})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def concat(fields):
    return "concat(" + ", ".join(fields) + ")"


def hash(field):  # noqa: A001 - dbt's name
    return f"md5(cast({field} as varchar))"


def type_string():
    return "varchar"


def type_int():
    return "integer"


def type_numeric():
    return "decimal(28, 6)"


def type_timestamp():
    return "timestamp"


def safe_cast(field, type_):
    return f"try_cast({field} as {type_})"


def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    order = f" {order_by_clause}" if order_by_clause else ""
    return f"string_agg({measure}, {delimiter_text}{order})"


def date_spine(datepart, start_date, end_date):
    return f"select range as date_day from range({start_date}, {end_date}, interval 1 {datepart})"


def generate_series(upper_bound):
    return f"select generate_series as generated_number from generate_series(1, {upper_bound})"
