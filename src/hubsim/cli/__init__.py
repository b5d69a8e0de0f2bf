"""The ``hubsim`` command line: argument parsing, one handler per command, exit codes."""

from hubsim.cli.main import main

__all__ = ["main"]
