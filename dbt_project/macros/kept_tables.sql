{#-
  Tables kept until what they are computed from changes (issue 11).

  Some models read only a snapshot source's snapshot in force at D (int_persons:
  hukou; int_vehicles: vehicles). Snapshots arrive weekly or monthly, so on
  most nights such a table would be rebuilt into exactly the rows it holds.
  A kept table names the snapshot sources it reads (`snapshots`); the good
  snapshots of those sources delivered up to D (snapshot_loads_fingerprint)
  decide its rows. Its build compares their fingerprint, with the model's code,
  the code of every model and seed upstream of it and the rulebook's
  parameters (follower_fingerprint), to the value recorded in `<model>__sync`
  by the build that made the table:
  - equal: the table is kept as it is (the model's select is rendered with
    `where false`: no row computed, none deleted, none added);
  - different, no record, the first build, --full-refresh: rebuilt whole.
  A kept table therefore always equals a full rebuild for the same D
  (tests/pipeline/test_night_orders.py asserts both paths are taken).

  The decision is a read-only query made when the model is compiled
  (`rebuilding`) and again when its pre-hook is rendered (`keep_or_rebuild`),
  on the same state: nothing writes `<model>__sync` in between. Every write is
  in the pre-hook's SQL, inside the model's transaction.

  Only DuckDB keeps tables; other adapters (Spark) build a plain table.
-#}

{% macro kept_table_config(snapshots) -%}
    {{ return(adapter.dispatch('kept_table_config', 'crosscheck')(snapshots)) }}
{%- endmacro %}

{% macro default__kept_table_config(snapshots) -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{% macro duckdb__kept_table_config(snapshots) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'pre_hook': '{{ keep_or_rebuild(' ~ tojson(snapshots) ~ ') }}',
    }) }}
{%- endmacro %}


{#- What the table's rows depend on besides its own code: the snapshots it
    reads, and the code of every model and seed upstream of it (a changed
    staging model rebuilds it too). -#}
{% macro kept_inputs(snapshots) -%}
    {%- set parts = ["'" ~ upstream_checksum() ~ "'"] -%}
    {%- for s in snapshots -%}{%- do parts.append(snapshot_loads_fingerprint(s)) -%}{%- endfor -%}
    {{- parts | join(' || ') -}}
{%- endmacro %}


{#- An md5 of the file checksums of the nodes upstream of this model. -#}
{% macro upstream_checksum() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}  {#- parsing: no graph yet -#}
    {%- set ns = namespace(frontier=[model.unique_id], seen=[]) -%}
    {%- for depth in range(50) if ns.frontier -%}
        {%- set parents = [] -%}
        {%- for uid in ns.frontier -%}
            {%- for parent in graph.nodes[uid].get('depends_on', {}).get('nodes', []) if parent in graph.nodes -%}
                {%- if parent not in ns.seen -%}
                    {%- do ns.seen.append(parent) -%}
                    {%- do parents.append(parent) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set ns.frontier = parents -%}
    {%- endfor -%}
    {%- set sums = [] -%}
    {%- for uid in ns.seen | sort -%}
        {%- do sums.append(uid ~ ':' ~ graph.nodes[uid].checksum.checksum) -%}
    {%- endfor -%}
    {{- local_md5(sums | join(',')) -}}
{%- endmacro %}


{#- Whether this build keeps the table as it is. -#}
{% macro table_is_kept(snapshots) -%}
    {%- set kept = [] -%}
    {%- if execute and is_incremental() -%}
        {%- set sync = follower_sync() -%}
        {%- if sync.identifier in existing_tables([sync]) -%}
            {%- set rows = run_query(
                "select s.fingerprint = " ~ follower_fingerprint(kept_inputs(snapshots)) ~ " from " ~ sync ~ " as s"
            ).rows -%}
            {%- if rows | length == 1 and rows[0][0] -%}{%- do kept.append(true) -%}{%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(kept | length > 0) }}
{%- endmacro %}


{#- The model's filter: `true` when it is rebuilt, `false` when kept. -#}
{% macro rebuilding(snapshots) -%}
    {{- 'false' if table_is_kept(snapshots) else 'true' -}}
{%- endmacro %}


{#- Pre-hook: record what the table now reflects; empty it when rebuilt. -#}
{% macro keep_or_rebuild(snapshots) -%}
    {%- set kept = table_is_kept(snapshots) -%}
    create or replace table {{ follower_sync() }} as
    select {{ follower_fingerprint(kept_inputs(snapshots)) }} as fingerprint, {{ kept }} as kept;
    {%- if is_incremental() and not kept %}
        delete from {{ this }};
    {%- endif %}
{%- endmacro %}
