"""`python -m crosscheck` is the `crosscheck` command."""

from crosscheck.cli import console_main

console_main()
