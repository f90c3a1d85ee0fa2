"""`crosscheck build`: one `dbt build` for an as-of date, on DuckDB or Spark."""

from __future__ import annotations

from pathlib import Path

import click

from crosscheck.params import DATE


@click.command(name="build")
@click.option("--warehouse", required=True, type=click.Path(path_type=Path), help="DuckDB file.")
@click.option("--as-of", "as_of", type=DATE, required=True, help="The business date D.")
@click.option(
    "--target",
    type=click.Choice(["duckdb", "spark", "spark_cluster"]),
    default="duckdb",
    show_default=True,
    help="dbt target: the warehouse itself, a local Spark, or a Spark Thrift server.",
)
@click.option("--full-refresh", is_flag=True, help="Rebuild incremental models from scratch.")
@click.option("--unit-tests", is_flag=True, help="Also run dbt's unit tests.")
def command(warehouse: Path, as_of, target: str, full_refresh: bool, unit_tests: bool) -> None:
    """Build the models for an as-of date (ingest first; no publish).

    On Spark the tables dbt reads are first exported to Parquet beside the
    warehouse (or CROSSCHECK_SPARK_DIR); the models and marts are built
    there, the DuckDB warehouse is only read.
    """
    from crosscheck.build import build
    from crosscheck.errors import CrosscheckError
    from crosscheck.locking import writer_lock

    if not warehouse.exists():
        raise CrosscheckError(f"warehouse {warehouse} does not exist; ingest first")
    # The writer lock: DuckDB lets one process open the file (the export only
    # reads it, but must wait for a night's writer all the same).
    with writer_lock(warehouse):
        if target != "duckdb":
            from crosscheck.ingest.status import record_source_states
            from crosscheck.spark import export_sources
            from crosscheck.warehouse import open_warehouse

            con = open_warehouse(warehouse)
            try:  # the sources' states for D, which marts.source_status reads
                record_source_states(con, as_of)
            finally:
                con.close()
            rep = export_sources(warehouse)
            click.echo(f"exported to {rep.root}: {len(rep.written)} files written")
            res = None
        else:
            res = build(warehouse, as_of, full_refresh=full_refresh, unit_tests=unit_tests)
    if res is None:  # Spark reads its Parquet copy: no need to hold the warehouse
        res = build(
            warehouse, as_of, target=target, full_refresh=full_refresh, unit_tests=unit_tests
        )
    click.echo(f"{target}: {res.nodes} nodes, {len(res.warnings)} warnings")
    if not res.success:
        raise CrosscheckError("dbt build failed: " + "; ".join(res.failures)[:2000])
