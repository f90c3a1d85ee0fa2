"""The one exception type the CLI turns into a one-line error."""


class CrosscheckError(Exception):
    """An expected failure with a message meant for the operator."""

    exit_code = 1
