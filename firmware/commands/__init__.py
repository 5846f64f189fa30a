"""One module per ``hotline`` sub-command: each has ``register(subparsers)``."""


class CommandError(Exception):
    """A problem with what the user asked for; printed as one line, exit status 2."""
