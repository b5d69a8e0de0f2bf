"""The ``hubsim`` command: parse the arguments, call the command's handler, turn errors into
exit codes. The handlers live in :mod:`hubsim.cli.run`, :mod:`hubsim.cli.scenario_cmds`,
:mod:`hubsim.cli.compare_cmds` and :mod:`hubsim.cli.experiments`; the parser in
:mod:`hubsim.cli.parser`.

Exit codes: 0 done; 1 ``--strict`` and a target not met, ``check`` found KPIs that moved beyond
tolerance, or an experiment had failed runs; 2 bad input or an output place that cannot be
used: a :class:`~hubsim.errors.HubsimError` (one line ``hubsim: error: ...`` on stderr, no
traceback, no results folder); 130 interrupted. Any other exception is a bug: it propagates
with its traceback (exit 1).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from hubsim.cli.common import warning_lines
from hubsim.cli.parser import build_parser
from hubsim.errors import HubsimError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        with warning_lines():
            return int(args.handler(args))
    except HubsimError as exc:
        print(f"hubsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hubsim: interrupted; no results written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
