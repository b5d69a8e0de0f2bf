"""Semantic difference between two scenarios, and the resolved scenario as YAML.

Items are matched by what they are, not where they stand in a file: hubs, zones, gateways and
seasonality profiles by id, services and targets by id, links by ``from-to:mode`` and demand
rows by ``origin-destination`` (the keys :mod:`hubsim.scenario.overlay` paths use). Each
difference is
one field with its unit, so reordering a list or moving a table into a CSV file is no change.

>>> import hubsim
>>> from hubsim.scenario.diff import diff_scenarios
>>> base = hubsim.load_scenario("tests/scenarios/tiny.yaml")
>>> more = hubsim.apply_changes(base, {"hubs.port.equipment": 4})
>>> [(c.path, c.before, c.after, c.unit) for c in diff_scenarios(base, more)]
[('hubs.port.equipment', 2, 4, 'count')]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from hubsim.scenario.fields import unit_of
from hubsim.scenario.paths import NODE_TABLES, item_keys, scenario_data
from hubsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Change", "diff_scenarios", "diff_table", "diff_text", "show_text"]

_KEYED_LISTS = ("links", "services", "demand", "targets")
_MISSING = object()


@dataclass(frozen=True)
class Change:
    """One difference: ``kind`` is ``changed``, ``added`` or ``removed``; ``before`` / ``after``
    are the values as a file would write them (None when absent)."""

    path: str
    kind: str
    before: Any
    after: Any
    unit: str = ""

    @property
    def relative(self) -> float | None:
        """(after - before) / before for quantities (numbers with a unit), else None."""
        if self.unit and _is_number(self.before) and _is_number(self.after) and \
                self.before != 0:
            return (self.after - self.before) / abs(self.before)
        return None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _item_lists(*datas: dict[str, Any]) -> set[str]:
    """Top-level sections that are lists of items (links, services, ... and any list of
    mappings such as disruptions) in at least one of the scenarios."""
    return {k for d in datas for k, v in d.items()
            if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)}


def _keyed(data: dict[str, Any], sections: set[str]) -> dict[str, Any]:
    out = dict(data)
    for section in sections:
        value = data.get(section) or []
        out[section] = dict(zip(item_keys(section, value), value, strict=True))
    return out


def diff_scenarios(a: Scenario, b: Scenario) -> list[Change]:
    """Every field that differs from ``a`` to ``b``, in the order of the scenario format."""
    da, db = scenario_data(a, compact=True), scenario_data(b, compact=True)
    lists = _item_lists(da, db) | set(_KEYED_LISTS)
    changes: list[Change] = []
    _walk(_keyed(da, lists), _keyed(db, lists), (), changes, lists)
    return changes


def _walk(a: Any, b: Any, loc: tuple[Any, ...], out: list[Change],
          lists: set[str]) -> None:
    tables = len(loc) == 1 and (loc[0] in NODE_TABLES or loc[0] in lists
                                or loc[0] == "seasonality")
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            va, vb = a.get(key, _MISSING), b.get(key, _MISSING)
            if va == vb:
                continue
            here = (*loc, key)
            if tables and va is _MISSING:
                out.append(Change(_path(here), "added", None, vb, _unit(here, lists)))
            elif tables and vb is _MISSING:
                out.append(Change(_path(here), "removed", va, None, _unit(here, lists)))
            else:
                _walk(None if va is _MISSING else va, None if vb is _MISSING else vb,
                      here, out, lists)
        return
    out.append(Change(_path(loc), "changed", a, b, _unit(loc, lists)))


def _path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _unit(loc: tuple[Any, ...], lists: set[str] | frozenset[str] = frozenset()) -> str:
    # list items are keyed by name here; the schema knows them by position
    schema_loc = tuple(0 if i == 1 and loc[0] in lists else p for i, p in enumerate(loc))
    return unit_of(Scenario, schema_loc) if len(loc) > 1 else ""


def diff_table(a: Scenario, b: Scenario) -> pd.DataFrame:
    """The differences as a table: ``path, change, before, after, unit, relative``."""
    import pandas as pd  # only when the table is asked for (start-up time)

    rows = [{"path": c.path, "change": c.kind, "before": _show(c.before),
             "after": _show(c.after), "unit": c.unit, "relative": c.relative}
            for c in diff_scenarios(a, b)]
    return pd.DataFrame(rows, columns=["path", "change", "before", "after", "unit",
                                       "relative"])


def _show(value: Any, unit: str = "") -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, float):
        text = f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
        return text + (f" {unit}" if unit else "")
    if isinstance(value, bool) or not isinstance(value, int | str):
        return str(value)
    if isinstance(value, int):  # (a year or a seed reads better without a separator)
        return (f"{value:,}" if abs(value) >= 10000 else str(value)) + (f" {unit}" if unit
                                                                         else "")
    text = " ".join(value.split())
    return repr(text if len(text) <= 70 else text[:67] + "...")


def _item_summary(section: str, item: dict[str, Any]) -> str:
    parts = []
    for key, value in item.items():
        if key in ("source", "name", "description"):
            continue
        loc = (section, "x" if section in NODE_TABLES else 0, key)
        parts.append(f"{key} {_show(value, unit_of(Scenario, loc))}")
    return ", ".join(parts)


def diff_text(a: Scenario, b: Scenario, a_label: str = "", b_label: str = "") -> str:
    """What ``hubsim diff`` prints: one line per difference, with units and relative change."""
    changes = diff_scenarios(a, b)
    head = f"{a_label or a.name} -> {b_label or b.name}: "
    if not changes:
        return head + "no differences"
    lines = [head + f"{len(changes)} difference(s)"]
    for c in changes:
        section = c.path.split(".")[0]
        if c.kind == "added":
            lines.append(f"+ {c.path}: {_item_summary(section, c.after)}"
                         if isinstance(c.after, dict) else f"+ {c.path}: {_show(c.after)}")
        elif c.kind == "removed":
            lines.append(f"- {c.path}: {_item_summary(section, c.before)}"
                         if isinstance(c.before, dict) else f"- {c.path}: {_show(c.before)}")
        else:
            rel = c.relative
            rel_text = f" ({rel * 100:+.1f}%)" if rel is not None else ""
            unit = f" [{c.unit}]" if c.unit else ""
            before, after = _from_first_difference(c.before, c.after)
            lines.append(f"~ {c.path}: {_show(before)} -> {_show(after)}{unit}{rel_text}")
    return "\n".join(lines)


def _from_first_difference(a: Any, b: Any) -> tuple[Any, Any]:
    """Two long texts from a little before where they start to differ."""
    if not (isinstance(a, str) and isinstance(b, str)):
        return a, b
    a, b = " ".join(a.split()), " ".join(b.split())
    same = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                min(len(a), len(b)))
    if same > 40:
        return "..." + a[same - 20:], "..." + b[same - 20:]
    return a, b


def show_text(scn: Scenario) -> str:
    """The fully resolved scenario as YAML (what ``hubsim show`` prints); loading it back gives
    an equal scenario."""
    head = f"# {scn.name}: resolved"
    if scn.source_path:
        head += f" from {scn.source_path}"
    body = yaml.safe_dump(scenario_data(scn, compact=True), sort_keys=False, width=100,
                          allow_unicode=True, default_flow_style=None)
    return f"{head}\n{body}"
