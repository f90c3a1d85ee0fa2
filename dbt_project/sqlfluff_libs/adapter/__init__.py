"""Stand-in for dbt's `adapter.dispatch` under sqlfluff's jinja templater: the
dispatched macro renders as a plain function call of the same name. Regex
patterns are quoted and json_object's (key, value) pairs flattened, so the
result parses."""


def _sql(arg):
    if isinstance(arg, list | tuple):
        return ", ".join(f"'{a[0]}', {a[1]}" if isinstance(a, tuple) else _sql(a) for a in arg)
    text = str(arg)
    if any(c in text for c in "[{^\\"):
        return "'" + text.replace("'", "''") + "'"
    return text


def dispatch(macro_name, macro_namespace=None):
    if macro_name.endswith("_config"):  # a model config's keyword arguments
        return lambda *args, **kwargs: {}
    if macro_name == "inline_cte":  # a keyword, not a call: DuckDB's spelling
        return lambda: "as not materialized"

    def call(*args, **kwargs):
        return f"{macro_name}({', '.join(_sql(a) for a in args)})"

    return call
