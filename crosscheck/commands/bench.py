"""`crosscheck bench`: time a first load, K nights and the plain-DuckDB floor."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from crosscheck.params import DATE


@click.command(name="bench")
@click.option("--persons", type=int, default=200_000, show_default=True, help="County size.")
@click.option("--seed", type=int, default=1, show_default=True, help="Generator seed.")
@click.option("--start", type=DATE, default=dt.date(2025, 8, 1), show_default=True, help="Go-live.")
@click.option(
    "--end", type=DATE, default=dt.date(2026, 10, 31), show_default=True, help="Last night."
)
@click.option(
    "--history-months",
    type=int,
    default=6,
    show_default=True,
    help="Ledger history before go-live, in the baseline deliveries.",
)
@click.option(
    "--nights", type=int, default=2, show_default=True, help="Nights after the first load."
)
@click.option("--no-floor", is_flag=True, help="Skip the plain-DuckDB reference.")
@click.option("--keep", is_flag=True, help="Keep the benchmark warehouse (bench-cache/runs).")
@click.option(
    "--deployment",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A deployment file (delivery formats, cadences; docs/DELIVERY_FORMATS.md) the "
    "generated county and every stage follow, e.g. benchmarks/province.yml.",
)
def command(persons, seed, start, end, history_months, nights, no_floor, keep, deployment) -> int:
    """Time the nightly job on a generated county, beside the plain-DuckDB floor.

    Generates the county once (cached by size, seed and dates under
    $CROSSCHECK_HOME/bench-cache), runs a first load for END − NIGHTS days,
    then one night per day up to END, each stage (ingest, link, build,
    publish) as its own process; times benchmarks/floor.sql on the same
    landing folder. Writes benchmarks/results/county_<persons>_<months>m.json
    and county.md (the README's table).
    """
    from crosscheck.benchmark import run_county
    from crosscheck.errors import CrosscheckError

    if persons < 1 or nights < 0 or end <= start + dt.timedelta(days=nights):
        raise CrosscheckError("bench needs persons ≥ 1, nights ≥ 0 and END after START + NIGHTS")
    result = run_county(
        persons,
        seed=seed,
        start=start,
        end=end,
        history=history_months,
        nights=nights,
        with_floor=not no_floor,
        keep=keep,
        deployment=deployment,
        progress=lambda m: click.echo(m, err=True),
    )
    from crosscheck.benchmark import markdown_table

    click.echo(markdown_table())
    click.echo(
        f"first load / floor: {result['first_load_vs_floor']}; "
        f"nights / first load: {result['night_vs_first_load']}"
    )
    return 0
