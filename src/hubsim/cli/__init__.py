"""The ``hubsim`` command line: argument parsing, one handler per command, exit codes.

``main``
    parse, call the command's handler, turn a ``HubsimError`` into one line and exit 2, a
    Ctrl-C into one line and exit 130; it imports the parser and the handlers (pandas,
    SimPy, matplotlib) only when called, so ``from hubsim.cli import main`` (the console
    script's first line) stays quick and a Ctrl-C during start-up is caught too
``parser``
    the argument parser, built from each command module's ``add_parsers``
``common``
    the default scenario, option checks shared by commands, output errors naming the path
``run``
    ``run`` and ``report``
``scenario_cmds``
    ``validate``, ``fields``, ``show``, ``diff``
``compare_cmds``
    ``check``, ``compare``, ``calibrate``
``experiments``
    ``run --replications``, ``sweep``, ``goal``, ``capacity``
"""

from hubsim.cli.main import main

__all__ = ["main"]
