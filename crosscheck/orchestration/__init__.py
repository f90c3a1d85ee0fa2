"""What the Airflow DAGs call: settings, task callables, notifications.

The DAG files in dags/ only wire these functions together; everything they
run lives here, beside the CLI's code path, and imports nothing heavy
(dbt, Great Expectations, DuckDB) until a task actually runs.
"""
