"""`crosscheck holds`: Write the county-wide 暂停支付清单 for the payment desk."""

from __future__ import annotations

from pathlib import Path

import click

from crosscheck.params import DATE


@click.command(name="holds")
@click.option("--warehouse", type=click.Path(path_type=Path), required=True, help="Warehouse.")
@click.option("--as-of", "as_of", type=DATE, required=True, help="The hold list's as-of date.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the files (default: <CROSSCHECK_HOME>/holds).",
)
@click.option(
    "--full-identifiers",
    is_flag=True,
    help="Show ID numbers and accounts unmasked (the request is logged and audited).",
)
def command(warehouse: Path, as_of, out: Path | None, full_identifiers: bool) -> None:
    """Write the county-wide 暂停支付清单 for the payment desk.

    The pending payments a rule flags (marts.hold_list), to stop before the
    bank pays them: 暂停支付清单_<county>_<YYYYMMDD>.xlsx (protected, prints
    A4 landscape) and .csv (UTF-8 with BOM), masked unless
    --full-identifiers. The nightly DAG writes the same after each build.
    """
    from crosscheck.review.holds import write_holds

    res = write_holds(warehouse, as_of, out, full_identifiers=full_identifiers)
    if res.note:
        click.echo(f"note: {res.note}")
    click.echo(
        f"暂停支付清单 as of {res.as_of}: {res.payments} payments, {res.amount:,.2f} yuan, "
        f"{res.townships} townships"
    )
    for path in res.files:
        click.echo(f"  {path}")
