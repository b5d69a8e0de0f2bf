"""From a plain mapping (as read from YAML and CSV) to a validated :class:`Scenario`.

Every problem becomes one :class:`~hubsim.errors.ScenarioError` naming the file (or table and
line), the field path and what was expected. Cross-references are checked by the registered
functions of :mod:`hubsim.scenario.checks`, then by any ``checks`` the caller passes; what
its ``NOTES`` find (a window that never acts) is a :class:`~hubsim.errors.HubsimWarning`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hubsim.errors import ECHO_LIMIT, HubsimWarning, ScenarioError, clip, shown
from hubsim.scenario.checks import NOTES, Check, validate_references
from hubsim.scenario.fields import unit_of
from hubsim.scenario.schema import Scenario

__all__ = ["build_scenario", "short", "where"]


def build_scenario(data: dict[str, Any], source: str = "<scenario>",
                   tables: dict[str, Path] | None = None,
                   names: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None,
                   checks: Sequence[Check] = ()) -> Scenario:
    """Validate a scenario given as a plain dict (as read from YAML) and cross-check it.

    ``names`` may rewrite an error location before it is printed (overlays use it to say
    ``services.lsc.per_week`` rather than ``services[16].per_week``). ``checks`` run after the
    built-in ones pass.
    """
    tables = tables or {}
    rename = names or (lambda loc: loc)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_describe(exc, data, source, tables, rename)) from None
    problems = validate_references(scenario)
    for check in checks:
        if problems:
            break
        problems = check(scenario)
    if problems:
        loc, message = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise ScenarioError(f"{where(rename(loc), source, tables)}: {short(message)}{more}")
    for check in NOTES:  # findings worth a warning, not an error (loc as the file has it)
        for loc, message in check(scenario):
            warnings.warn(HubsimWarning(f"{where(loc, source, tables)}: {message}"),
                          stacklevel=2)
    return scenario


def where(loc: tuple[Any, ...], source: str, tables: dict[str, Path]) -> str:
    """``<file>: <field path>`` of an error location (``<table>: line <n>: <column>`` in a
    CSV table); each part at most about 80 characters."""
    loc = tuple(p if isinstance(p, int) else clip(str(p)) for p in loc)
    if loc and loc[0] in tables and len(loc) > 1 and isinstance(loc[1], int):
        rest = ".".join(str(p) for p in loc[2:])
        return f"{tables[loc[0]]}: line {loc[1] + 2}" + (f": {rest}" if rest else "")
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return f"{source}: {path}" if path else source


def _describe(exc: ValidationError, data: Any, source: str, tables: dict[str, Path],
              rename: Callable[[tuple[Any, ...]], tuple[Any, ...]] = lambda loc: loc) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p in _UNION_TAGS))
    unit = unit_of(Scenario, loc)
    loc = rename(loc)
    kind = first["type"]
    msg = first["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    msg = msg.replace("Input should be", "must be")
    if kind == "missing":
        text = "required field is missing"
    elif kind == "extra_forbidden":
        text = "unknown field"
    else:
        text = short(msg[0].lower() + msg[1:]) if msg else kind
        if unit:
            text += f" [{unit}]"
        # (a validator's own message may already say what it got)
        if "input" in first and kind not in ("model_type", "dict_type") and \
                not isinstance(first["input"], dict | list) and ", got " not in text and \
                not (isinstance(first["input"], str) and shown(first["input"]) in text):
            text += f", got {shown(first['input'])}"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{where(loc, source, tables)}: {text}{more}"


def short(message: str) -> str:
    """A message of a validator or check with every long word (an echoed value) clipped to
    about 80 characters, and at most 400 characters in all: an error stays one short line."""
    return clip(_LONG_WORD.sub(lambda m: clip(m.group()), message), 400)


_LONG_WORD = re.compile(rf"\S{{{ECHO_LIMIT + 1},}}")

# pydantic inserts the tried member type into the location of union fields
_UNION_TAGS = {"str", "tuple[float, ...]", "float", "int", "Dist", "function-after[_check()]",
               "function-before[_shorthand(), Dist]", "function-after[_check(), Dist]"}
