"""The error family: every error hubsim raises on purpose, for input or output it cannot use.

The command line turns a :class:`HubsimError` (and an ``OSError`` on an output path) into one
line and exit status 2; anything else is a bug and keeps its traceback (exit 1).

>>> issubclass(ScenarioError, HubsimError)
True
"""

from __future__ import annotations

import math
import reprlib

__all__ = ["ConservationError", "ExperimentError", "GoldenError", "HubsimError", "HubsimWarning",
           "OutputError", "OutputExistsError", "ReportError", "ScenarioError", "Terminated",
           "clip", "shown"]

#: At most this many characters of a value are echoed in an error line.
ECHO_LIMIT = 80


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` as one short line: cut to ``limit`` characters with ``...`` and the length.

    >>> clip("x" * 1000, 20)
    'xxxxxxxxxxxxxxxxx... (1000 characters)'
    """
    text = text if text.isprintable() else repr(text)[1:-1]  # (a newline would split the line)
    if len(text) <= limit:
        return text
    return f"{text[:limit - 3]}... ({len(text)} characters)"


def shown(value: object, limit: int = ECHO_LIMIT) -> str:
    """A value as an error line echoes it (``got {shown(value)}``): its repr, at most about
    ``limit`` characters (a long text says its length; the repr of 2 MB is never built).

    >>> shown("guoyuan"), shown(2.5), shown("x" * 10**6, 12)
    ("'guoyuan'", '2.5', "'xxxxxxxxx...' (1000000 characters)")
    """
    if isinstance(value, str) and len(value) > limit:
        head = repr(value[:limit - 3])
        return f"{head[:-1]}...{head[-1]} ({len(value)} characters)"
    if isinstance(value, int) and value.bit_length() > 4 * limit:  # (its repr may be refused)
        return f"a whole number of about {int(value.bit_length() * math.log10(2)):,} digits"
    return clip(_REPR.repr(value), limit)


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = ECHO_LIMIT
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = 8
_REPR.maxdict = 4


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


class HubsimWarning(UserWarning):
    """Input that hubsim can use but that is probably not what was meant (a disruption window
    that never acts within the horizon); the command line shows it as one line."""


class ConservationError(RuntimeError):
    """Containers or tonnes were created or lost inside the engine (a bug, never an input).

    Deliberately outside :class:`HubsimError`: the command line shows its traceback.
    """


class Terminated(KeyboardInterrupt):
    """The command was asked to stop (SIGTERM, as sent by ``kill``, ``timeout`` or a CI
    runner). A ``KeyboardInterrupt``, so it unwinds as Ctrl-C does: nothing half written is
    left, the worker processes are stopped; the command then exits with status 143."""
