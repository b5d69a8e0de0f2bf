"""The ``hubsim`` command line: argument parsing, one handler per command, exit codes.

``main``
    parse, call the command's handler, turn a ``HubsimError`` into one line and exit 2
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
