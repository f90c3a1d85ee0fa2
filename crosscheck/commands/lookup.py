"""`crosscheck person` and `crosscheck finding`: what the warehouse knows, without Jupyter."""

from __future__ import annotations

from pathlib import Path

import click

FULL_HELP = (
    "Show ID numbers, accounts and card numbers unmasked (the request is logged and audited)."
)


@click.command(name="person")
@click.argument("who")
@click.option("--warehouse", type=click.Path(path_type=Path), required=True, help="Warehouse.")
@click.option("--full-identifiers", is_flag=True, help=FULL_HELP)
def person_command(who: str, warehouse: Path, full_identifiers: bool) -> None:
    """Print what the warehouse knows about a person (WHO: ID number or name).

    Hukou, deaths, social-security cards, assistance roster, vehicles,
    payroll, payments, findings and the townships' decisions; masked unless
    --full-identifiers.
    """
    from crosscheck.review.lookup import person

    click.echo(person(warehouse, who, full_identifiers=full_identifiers))


@click.command(name="finding")
@click.argument("anomaly_id")
@click.option("--warehouse", type=click.Path(path_type=Path), required=True, help="Warehouse.")
@click.option("--full-identifiers", is_flag=True, help=FULL_HELP)
def finding_command(anomaly_id: str, warehouse: Path, full_identifiers: bool) -> None:
    """Print one finding (ANOMALY_ID: its 问题编号): evidence, score, exports, decisions.

    Masked unless --full-identifiers.
    """
    from crosscheck.review.lookup import finding

    click.echo(finding(warehouse, anomaly_id, full_identifiers=full_identifiers))
