"""The ``hubsim`` argument parser: one subcommand per handler, each module adding its own.

Every subparser sets ``handler``, the function :func:`hubsim.cli.main.main` calls with the
parsed arguments.
"""

from __future__ import annotations

import argparse

from hubsim.cli import backtest_cmd, compare_cmds, experiments, run, scenario_cmds
from hubsim.cli.common import Parser
from hubsim.version import __version__

__all__ = ["build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: ``run``, ``report``, ``validate``, ``fields``, ``show``,
    ``diff``, ``check``, ``compare``, ``calibrate``, ``sweep``, ``goal``, ``capacity``,
    ``backtest``."""
    p = Parser(prog="hubsim", description="Simulate multimodal freight networks and judge "
               "them against throughput targets (reference network: Chongqing).")
    p.add_argument("--version", action="version", version=f"hubsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    run.add_parsers(sub)
    scenario_cmds.add_parsers(sub)
    compare_cmds.add_parsers(sub)
    experiments.add_parsers(sub)
    backtest_cmd.add_parsers(sub)
    return p
