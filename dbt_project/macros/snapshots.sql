{#-
  The rows of the snapshot in force at D of a snapshot source (issue 11).

  Ingestion stores snapshots as change history (ingestion/history.py):
  raw.<source>_history, with raw.<source> a view of every good snapshot. The
  models need only the snapshot in force at D (the latest good one <= D), and
  DuckDB cannot push that choice through the view's range join, so on DuckDB
  this reads the history at that one date (the table macro raw.<source>_at,
  created beside the view): the build reads the rows in force, not every
  snapshot. Elsewhere (Spark reads one Parquet file per snapshot) it is every
  snapshot <= D; the intermediate models keep the one in force either way
  (int_snapshot_dates), so both give the same rows.
-#}
{% macro snapshot_in_force(source_name) %}
    {{ return(adapter.dispatch('snapshot_in_force', 'crosscheck')(source_name)) }}
{% endmacro %}

{% macro default__snapshot_in_force(source_name) %}
    (
        select * from {{ source('raw', source_name) }}
        where _extract_date <= {{ as_of() }}
    ) as snapshot_rows
{% endmacro %}

{% macro duckdb__snapshot_in_force(source_name) %}
    /* the history behind {{ source('raw', source_name) }} */
    raw.{{ source_name }}_at((
        select max(extract_date) from {{ source('meta', 'loads') }}
        where
            source = '{{ source_name }}' and status = 'loaded'
            and extract_date <= {{ as_of() }}
    )) as snapshot_rows
{% endmacro %}
