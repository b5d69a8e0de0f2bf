"""The error family: every error hubsim raises on purpose, for input or output it cannot use.

The command line turns a :class:`HubsimError` (and an ``OSError`` on an output path) into one
line and exit status 2; anything else is a bug and keeps its traceback (exit 1).

>>> issubclass(ScenarioError, HubsimError)
True
"""

from __future__ import annotations

__all__ = ["ConservationError", "ExperimentError", "GoldenError", "HubsimError", "OutputError",
           "OutputExistsError", "ReportError", "ScenarioError"]


class HubsimError(Exception):
    """Base of every error that means "the input or the output place is wrong", not "a bug"."""


class ScenarioError(HubsimError, ValueError):
    """A scenario file, table or change that cannot be used; the message names file and field."""


class ExperimentError(HubsimError):
    """An experiment (replications, sweep, goal-seek, capacity) that cannot give an answer."""


class GoldenError(HubsimError, ValueError):
    """A golden-KPI file that is missing, malformed or does not match the scenario."""


class OutputError(HubsimError):
    """A results folder that cannot be written where asked (it exists, or the place is wrong)."""


class OutputExistsError(OutputError, FileExistsError):
    """The results folder already exists; hubsim never overwrites results."""


class ReportError(HubsimError, ValueError):
    """A results folder that lacks what the HTML report needs."""


class ConservationError(RuntimeError):
    """Containers or tonnes were created or lost inside the engine (a bug, never an input).

    Deliberately outside :class:`HubsimError`: the command line shows its traceback.
    """
