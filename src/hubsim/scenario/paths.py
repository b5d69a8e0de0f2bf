"""Change a scenario by path: name one field (or a whole item) and give its new value.

Paths name one field (or a whole item) of a scenario, dot-separated::

    run.seed                                   routing.transfer_penalty_usd
    hubs.guoyuan.yard_teu                      gateways.qinzhou.corridor
    services.ilstc_qinzhou.per_week            services.3.fleet          (id or list index)
    links.tuanjie-qinzhou:rail.speed_kmh       links.tuanjie-qinzhou.speed_kmh (mode optional
                                               when only one link joins the two nodes; either
                                               order of the ends)
    demand.12.teu_per_year                     demand.park-west.teu_per_year
    demand.liangjiang-shanghai#2.international (``#n``: the n-th of several rows with the same
                                               ends; ``:air`` for an air-cargo row)
    targets.channel_2m_teu.threshold           targets.channel_teu.threshold (id, or a KPI name
                                               that only one target uses)
    demand.*.teu_per_year                      (``*``: every item of a list or id table)
    hubs.*.areas.*.moves_per_hour              (every area of every hub)

A value replaces the field. A number field (or a distribution such as ``dwell_h``) also takes a
scale written ``"x1.2"``: the current value times 1.2 (a distribution has its mean, low, mode
and high scaled, its cv kept; a whole-number field is rounded to the nearest integer).

:func:`apply_changes` applies ``{path: value}`` to a scenario; overlay files
(:mod:`hubsim.scenario.overlay`) use the same paths in their ``set`` section. A path that does
not resolve raises :class:`~hubsim.errors.ScenarioError` naming the source and the path.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hubsim.errors import ScenarioError, clip, shown
from hubsim.scenario.build import build_scenario
from hubsim.scenario.checks import Check
from hubsim.scenario.schema import Scenario

__all__ = ["NODE_TABLES", "SINGULAR", "apply_changes", "build_named", "error_text", "find_item",
           "is_dist", "item_key", "item_keys", "known", "path_targets", "plain", "scenario_data",
           "set_path"]

NODE_TABLES = ("hubs", "zones", "gateways")
_SCALE = re.compile(r"^\s*[x*]\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$")
_DIST_SCALED = ("mean", "low", "mode", "high")
SINGULAR = {"hubs": "hub", "zones": "zone", "gateways": "gateway", "links": "link",
             "services": "service", "demand": "demand row", "targets": "target",
             "seasonality": "seasonality profile", "markets": "market"}


# --------------------------------------------------------------------------- data and keys
def scenario_data(scn: Scenario, compact: bool = False) -> dict[str, Any]:
    """The scenario as plain data (what a YAML file would hold).

    ``compact=False`` keeps every field (``None`` included), the form paths are resolved
    against; ``compact=True`` drops unset optional fields and writes distributions in their
    shorthand (``lognormal(24, 0.5)``), the form :func:`hubsim.cli.main` ``show`` prints. Either
    form rebuilds an equal scenario with :func:`hubsim.scenario.loader.build_scenario`.
    """
    data = scn.model_dump(by_alias=True, mode="json", exclude_none=compact)
    return _shorthand(data) if compact else data


def _shorthand(value: Any) -> Any:
    if isinstance(value, dict):
        if is_dist(value):
            return _dist_text(value)
        return {k: _shorthand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorthand(v) for v in value]
    return value


def is_dist(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("dist"), str) and \
        set(value) <= {"dist", *_DIST_SCALED, "cv"}


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def _dist_text(d: dict[str, Any]) -> str | float:
    names = {"fixed": ("mean",), "exponential": ("mean",), "lognormal": ("mean", "cv"),
             "uniform": ("low", "high"), "triangular": ("low", "mode", "high")}[d["dist"]]
    if d["dist"] == "fixed":
        return d["mean"]
    short = {"exponential": "exp", "triangular": "tri"}.get(d["dist"], d["dist"])
    return f"{short}({', '.join(_num(d[n]) for n in names)})"


def item_key(section: str, item: Any) -> str | None:
    """The name of a list item in paths: a service's or target's id, a link's
    ``from-to:mode``, a demand row's ``origin-destination`` (``:air`` for air cargo); None
    when the item lacks the fields its name is made of."""
    fields = {"links": ("from", "to", "mode"), "demand": ("origin", "destination")}
    if not isinstance(item, Mapping) or any(f not in item for f in fields.get(section, ("id",))):
        return None
    if section == "links":
        return f"{item['from']}-{item['to']}:{item['mode']}"
    if section == "demand":
        air = ":air" if item.get("cargo") == "air" else ""
        return f"{item['origin']}-{item['destination']}{air}"
    return str(item["id"])


def item_keys(section: str, items: list[Any]) -> list[str]:
    """Keys of every item of a list section, ``#n`` appended where several share one key
    (list index as text when the items have no key)."""
    named = [item_key(section, it) for it in items]
    raw = [k for k in named if k is not None]
    if len(raw) != len(named):
        return [str(i) for i in range(len(items))]
    counts: dict[str, int] = {}
    for k in raw:
        counts[k] = counts.get(k, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for k in raw:
        if counts[k] > 1:
            seen[k] = seen.get(k, 0) + 1
            k = f"{k}#{seen[k]}"
        out.append(k)
    return out


def find_item(section: str, items: list[Any], ref: str) -> int:
    """Index of the item ``ref`` names (key, key without mode, reversed link ends, index)."""
    keys = item_keys(section, items)
    if ref in keys:
        return keys.index(ref)
    if re.fullmatch(r"\d+", ref):
        i = int(ref)
        if i < len(items):
            return i
        raise ScenarioError(f"index {i} is past the end ({len(items)} {section})")
    hits = _loose_matches(section, items, keys, ref)
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise ScenarioError(f"{shown(ref)} matches several {section}: "
                            f"{', '.join(keys[i] for i in hits)}; name one of them")
    noun = SINGULAR.get(section, "item")
    raise ScenarioError(f"no {noun} {shown(ref)} (known: {known(keys)})")


def _loose_matches(section: str, items: list[Any], keys: list[str], ref: str) -> list[int]:
    if section == "links":
        ends, _, mode = ref.partition(":")
        out = []
        for i, it in enumerate(items):  # (an item just added may lack fields: no match)
            if not isinstance(it, Mapping) or any(f not in it for f in ("from", "to", "mode")):
                continue
            for a, b in ((it["from"], it["to"]), (it["to"], it["from"])):
                if ends == f"{a}-{b}" and mode in ("", it["mode"]):
                    out.append(i)
        return out
    if section == "demand":  # 'a-b' naming every row of a duplicated key, or 'a-b:container'
        base = ref.removesuffix(":container")
        return [i for i, k in enumerate(keys) if k.split("#")[0] == base]
    if section == "targets":
        return [i for i, it in enumerate(items)
                if isinstance(it, Mapping) and it.get("kpi") == ref]
    return []


def known(keys: list[str] | Any, limit: int = 12) -> str:
    keys = [clip(str(k)) for k in keys]
    if not keys:
        return "none"
    more = f", ... ({len(keys)} in all)" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


# --------------------------------------------------------------------------- set by path
def path_targets(data: dict[str, Any], path: str) -> list[tuple[Any, Any]]:
    """Every (container, key) a path names in ``data``; ScenarioError says what is wrong."""
    parts = path.split(".")
    if not path or any(p == "" for p in parts):
        raise ScenarioError("empty path segment (write e.g. hubs.guoyuan.yard_teu)")
    level: list[tuple[Any, Any, str]] = [(None, None, "")]  # (container, key, section)
    here = ""
    for depth, part in enumerate(parts):
        nxt: list[tuple[Any, Any, str]] = []
        for container, key, section in level:
            node = data if container is None else container[key]
            sec = part if depth == 0 else section
            if (isinstance(node, dict) and not is_dist(node)) or \
                    (isinstance(node, dict) and part in node):
                if part == "*" and ((depth == 1 and section in (*NODE_TABLES, "seasonality"))
                                    or parts[depth - 1] == "areas"):
                    nxt += [(node, k, sec) for k in node]
                elif part in node:
                    nxt.append((node, part, sec))
                elif depth == 1 and section in (*NODE_TABLES, "seasonality"):
                    raise ScenarioError(f"no {SINGULAR[section]} {shown(part)} "
                                        f"(known: {known(node)})")
                else:
                    raise ScenarioError(f"unknown field {shown(part)} of "
                                        f"{clip(here) or 'the scenario'} "
                                        f"(fields: {known(node, 40)})")
            elif isinstance(node, list):
                if part == "*":
                    nxt += [(node, i, sec) for i in range(len(node))]
                else:
                    nxt.append((node, find_item(section if depth == 1 else "", node, part),
                                sec))
            else:
                what = "a distribution" if is_dist(node) else shown(node)
                raise ScenarioError(f"{clip(here)} is {what}, it has no field {shown(part)}")
        level = nxt
        here = f"{here}.{part}" if here else part
    return [(c, k) for c, k, _ in level]


def plain(value: Any) -> Any:
    """numpy scalars and tuples as plain Python values (what YAML would give)."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
    return value


def _new_value(current: Any, value: Any) -> Any:
    match = _SCALE.match(value) if isinstance(value, str) else None
    if match is None or isinstance(current, str):
        return copy.deepcopy(plain(value))
    factor = float(match.group(1))
    if not math.isfinite(factor):  # x1e400: too large for a float
        raise ScenarioError(f"cannot scale {shown(value)}: the factor must be a finite number")
    if isinstance(current, bool) or current is None:
        raise ScenarioError(f"cannot scale {shown(value)}: the field holds "
                            f"{'no value' if current is None else shown(current)}")
    if isinstance(current, int):
        return round(current * factor)
    if isinstance(current, float):
        return current * factor
    if is_dist(current):
        return {k: (v * factor if k in _DIST_SCALED and v is not None else v)
                for k, v in current.items()}
    raise ScenarioError(f"cannot scale {shown(value)}: the field is not a number")


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    for container, key in path_targets(data, path):
        container[key] = _new_value(container[key], value)


# --------------------------------------------------------------------------- public
def apply_changes(scn: Scenario, changes: Mapping[str, Any], source: str | None = None,
                  checks: Sequence[Check] = ()) -> Scenario:
    """A new validated scenario with fields set by dotted path.

    Parameters
    ----------
    scn : Scenario
        The scenario to start from (left unchanged).
    changes : mapping of str to value
        ``{path: value}``, applied in order; see the module docstring for the path syntax.
        A value ``"x1.2"`` scales the current number or distribution.
    source : str, optional
        Name used in error messages (default: the scenario's file, else ``<changes>``).
    checks : sequence of callables, optional
        More cross-checks (:func:`hubsim.apply_changes` passes the route check).

    Returns
    -------
    Scenario
        Checked like a loaded file; its ``source_path`` is the original's.

    Raises
    ------
    ScenarioError
        An unknown path (``<source>: services.x.per_week: no service 'x' (known: ...)``) or a
        value the scenario does not accept.

    Examples
    --------
    >>> import hubsim
    >>> base = hubsim.load_scenario("tests/scenarios/tiny.yaml")
    >>> more = hubsim.apply_changes(base, {"services.cre.per_week": "x2",
    ...                                    "hubs.port.equipment": 3})
    >>> more.services[2].per_week, more.hubs["port"].equipment
    (8.0, 3)
    """
    source = source or scn.source_path or "<changes>"
    data = scenario_data(scn)
    for path, value in changes.items():
        try:
            set_path(data, str(path), value)
        except ScenarioError as exc:
            raise ScenarioError(f"{source}: {clip(str(path))}: {error_text(exc)}") from None
    out = build_named(data, source, checks)
    out._source_path = scn.source_path
    if scn.source_hash:
        extra = json.dumps(plain(dict(changes)), sort_keys=True, default=str)
        out._source_hash = hashlib.sha256((scn.source_hash + extra).encode()).hexdigest()
    return out


def error_text(exc: Exception) -> str:
    return str(exc.args[0]) if exc.args else str(exc)


def build_named(data: dict[str, Any], source: str, checks: Sequence[Check]) -> Scenario:
    return build_scenario(data, source=source, names=_namer(data), checks=checks)


def _namer(data: dict[str, Any]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """Rewrite ('services', 16, 'per_week') as ('services', 'lsc', 'per_week')."""

    def rename(loc: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(data.get(loc[0]), list):
            keys = item_keys(loc[0], data[loc[0]])
            if loc[1] < len(keys):
                return (loc[0], keys[loc[1]], *loc[2:])
        return loc

    return rename
