"""The `crosscheck` command: one sub-command per job, each in commands/.

Errors are one line on stderr and a non-zero exit; heavy imports happen
inside the sub-commands so that `--help` is instant.
"""

from __future__ import annotations

import os

import click

from crosscheck.commands import COMMANDS
from crosscheck.errors import CrosscheckError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crosscheck")
def cli() -> None:
    """Crosscheck: nightly cross-checks of one-card subsidy payments.

    Loads the departments' deliveries into a DuckDB warehouse, gates them on
    data quality, and builds the anomaly tables audit staff review.
    """


for _command in COMMANDS:
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and turn every error into one line.

    Everything a command writes is owner-only (umask 077): it may hold identifiers.
    """
    from crosscheck.process import quiet_libraries
    from crosscheck.review.privacy import owner_only_process

    quiet_libraries()
    old_umask = owner_only_process()
    try:
        return _main(argv)
    finally:
        os.umask(old_umask)


def _main(argv: list[str] | None) -> int:
    try:
        rv = cli.main(args=argv, prog_name="crosscheck", standalone_mode=False)
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.exceptions.Abort:
        click.echo("crosscheck: aborted", err=True)
        return 130
    except click.UsageError as e:
        cmd = e.ctx.command_path if e.ctx else "crosscheck"
        click.echo(f"{cmd}: error: {e.format_message()}", err=True)
        return 2
    except click.ClickException as e:
        click.echo(f"crosscheck: error: {e.format_message()}", err=True)
        return e.exit_code
    except CrosscheckError as e:
        click.echo(f"crosscheck: error: {e}", err=True)
        return e.exit_code
    return rv if isinstance(rv, int) else 0


def console_main() -> None:
    """The console script: `main`, then a quiet exit (crosscheck.process)."""
    from crosscheck.process import exit_quietly

    exit_quietly(main())


if __name__ == "__main__":  # pragma: no cover
    console_main()
