"""Scenario overlays: change a scenario by path, or write a what-if as a few lines on top of
another scenario file.

Paths name one field (or a whole item) of a scenario, dot-separated::

    run.seed                                   routing.transfer_penalty_usd
    hubs.guoyuan.equipment                     gateways.qinzhou.corridor
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

A value replaces the field. A number field (or a distribution such as ``dwell_h``) also takes a
scale written ``"x1.2"``: the current value times 1.2 (a distribution has its mean, low, mode
and high scaled, its cv kept; a whole-number field is rounded to the nearest integer).

An overlay file is a YAML scenario file with ``extends``::

    extends: chongqing_2022_target.yaml     # path relative to this file; may itself extend
    name: cq2022_guoyuan_cranes              # default: this file's name without .yaml
    description: What if Guoyuan gets 25% more handling equipment?
    remove: {services: [ids], links: [keys], demand: [keys or indices], targets: [ids],
             hubs: [ids], zones: [ids], gateways: [ids], seasonality: [names]}
    add: {hubs: {id: {...}}, zones: {...}, gateways: {...}, seasonality: {...},
          links: [...], services: [...], demand: [...], targets: [...]}
    set: {hubs.guoyuan.equipment: x1.25}

applied in that order (remove, add, set), then validated as a whole scenario. A removed node
that a remaining link, service, demand row or target still uses, a removed link that a
remaining service runs on, an unknown path, a missing parent and a cycle of ``extends`` are
each one :class:`~hubsim.scenario.loader.ScenarioError` naming the file and the path.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hubsim.errors import ScenarioError
from hubsim.scenario.build import build_scenario
from hubsim.scenario.checks import Check
from hubsim.scenario.schema import Scenario

__all__ = ["OVERLAY_KEYS", "apply_changes", "item_key", "resolve_overlay", "scenario_data"]

#: Top-level keys of an overlay file.
OVERLAY_KEYS = ("extends", "name", "description", "remove", "add", "set")
NODE_TABLES = ("hubs", "zones", "gateways")
_SCALE = re.compile(r"^\s*[x*]\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$")
_DIST_SCALED = ("mean", "low", "mode", "high")
_SINGULAR = {"hubs": "hub", "zones": "zone", "gateways": "gateway", "links": "link",
             "services": "service", "demand": "demand row", "targets": "target",
             "seasonality": "seasonality profile"}


def _error(message: str) -> Exception:
    return ScenarioError(message)


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
        if _is_dist(value):
            return _dist_text(value)
        return {k: _shorthand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorthand(v) for v in value]
    return value


def _is_dist(value: Any) -> bool:
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


def item_key(section: str, item: Mapping[str, Any]) -> str:
    """The name of a list item in paths: a service's or target's id, a link's
    ``from-to:mode``, a demand row's ``origin-destination`` (``:air`` for air cargo)."""
    if section == "links":
        return f"{item['from']}-{item['to']}:{item['mode']}"
    if section == "demand":
        air = ":air" if item.get("cargo") == "air" else ""
        return f"{item['origin']}-{item['destination']}{air}"
    if "id" in item:
        return str(item["id"])
    raise KeyError(section)


def item_keys(section: str, items: list[Any]) -> list[str]:
    """Keys of every item of a list section, ``#n`` appended where several share one key
    (list index as text when the items have no key)."""
    try:
        raw = [item_key(section, it) for it in items]
    except (KeyError, TypeError):
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


def _find_item(section: str, items: list[Any], ref: str) -> int:
    """Index of the item ``ref`` names (key, key without mode, reversed link ends, index)."""
    keys = item_keys(section, items)
    if ref in keys:
        return keys.index(ref)
    if re.fullmatch(r"\d+", ref):
        i = int(ref)
        if i < len(items):
            return i
        raise LookupError(f"index {i} is past the end ({len(items)} {section})")
    hits = _loose_matches(section, items, keys, ref)
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise LookupError(f"{ref!r} matches several {section}: "
                          f"{', '.join(keys[i] for i in hits)}; name one of them")
    noun = _SINGULAR.get(section, "item")
    raise LookupError(f"no {noun} {ref!r} (known: {_known(keys)})")


def _loose_matches(section: str, items: list[Any], keys: list[str], ref: str) -> list[int]:
    if section == "links":
        ends, _, mode = ref.partition(":")
        out = []
        for i, it in enumerate(items):
            for a, b in ((it["from"], it["to"]), (it["to"], it["from"])):
                if ends == f"{a}-{b}" and mode in ("", it["mode"]):
                    out.append(i)
        return out
    if section == "demand":  # 'a-b' naming every row of a duplicated key, or 'a-b:container'
        base = ref.removesuffix(":container")
        return [i for i, k in enumerate(keys) if k.split("#")[0] == base]
    if section == "targets":
        return [i for i, it in enumerate(items) if it.get("kpi") == ref]
    return []


def _known(keys: list[str] | Any, limit: int = 12) -> str:
    keys = [str(k) for k in keys]
    if not keys:
        return "none"
    more = f", ... ({len(keys)} in all)" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


# --------------------------------------------------------------------------- set by path
def _targets(data: dict[str, Any], path: str) -> list[tuple[Any, Any]]:
    """Every (container, key) a path names in ``data``; LookupError says what is wrong."""
    parts = path.split(".")
    if not path or any(p == "" for p in parts):
        raise LookupError("empty path segment (write e.g. hubs.guoyuan.equipment)")
    level: list[tuple[Any, Any, str]] = [(None, None, "")]  # (container, key, section)
    here = ""
    for depth, part in enumerate(parts):
        nxt: list[tuple[Any, Any, str]] = []
        for container, key, section in level:
            node = data if container is None else container[key]
            sec = part if depth == 0 else section
            if isinstance(node, dict) and not _is_dist(node) or \
                    isinstance(node, dict) and part in node:
                if part == "*" and depth == 1 and section in (*NODE_TABLES, "seasonality"):
                    nxt += [(node, k, sec) for k in node]
                elif part in node:
                    nxt.append((node, part, sec))
                elif depth == 1 and section in (*NODE_TABLES, "seasonality"):
                    raise LookupError(f"no {_SINGULAR[section]} {part!r} "
                                      f"(known: {_known(node)})")
                else:
                    raise LookupError(f"unknown field {part!r} of {here or 'the scenario'} "
                                      f"(fields: {_known(node, 40)})")
            elif isinstance(node, list):
                if part == "*":
                    nxt += [(node, i, sec) for i in range(len(node))]
                else:
                    nxt.append((node, _find_item(section if depth == 1 else "", node, part),
                                sec))
            else:
                what = "a distribution" if _is_dist(node) else repr(node)
                raise LookupError(f"{here} is {what}, it has no field {part!r}")
        level = nxt
        here = f"{here}.{part}" if here else part
    return [(c, k) for c, k, _ in level]


def _plain(value: Any) -> Any:
    """numpy scalars and tuples as plain Python values (what YAML would give)."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
    return value


def _new_value(current: Any, value: Any) -> Any:
    match = _SCALE.match(value) if isinstance(value, str) else None
    if match is None or isinstance(current, str):
        return copy.deepcopy(_plain(value))
    factor = float(match.group(1))
    if isinstance(current, bool) or current is None:
        raise ValueError(f"cannot scale {value!r}: the field holds "
                         f"{'no value' if current is None else repr(current)}")
    if isinstance(current, int):
        return int(round(current * factor))
    if isinstance(current, float):
        return current * factor
    if _is_dist(current):
        return {k: (v * factor if k in _DIST_SCALED and v is not None else v)
                for k, v in current.items()}
    raise ValueError(f"cannot scale {value!r}: the field is not a number")


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    for container, key in _targets(data, path):
        container[key] = _new_value(container[key], value)


# --------------------------------------------------------------------------- add and remove
def _add(data: dict[str, Any], additions: Any) -> None:
    if not isinstance(additions, Mapping):
        raise LookupError(f"expected a mapping of sections, got {type(additions).__name__}")
    for section, items in additions.items():
        where = f"{section}: "
        target = data.get(section)
        if _is_table(section, target):
            if not isinstance(items, Mapping):
                raise LookupError(f"{where}expected a mapping of id: item")
            for key, item in items.items():
                taken = [t for t in (NODE_TABLES if section in NODE_TABLES else (section,))
                         if key in data[t]]
                if taken:
                    raise LookupError(f"{where}{key!r} already exists in {taken[0]}; "
                                      f"use set to change it")
                target[key] = _plain(item)
        elif isinstance(target, list):
            if not isinstance(items, list):
                raise LookupError(f"{where}expected a list of items")
            target.extend(_plain(it) for it in items)
        else:
            sections = [k for k, v in data.items() if isinstance(v, list) or _is_table(k, v)]
            raise LookupError(f"cannot add to {section!r} (sections: {_known(sections)})")


def _is_table(section: str, value: Any) -> bool:
    """An id table (hubs, zones, gateways, seasonality profiles), not a settings section."""
    return isinstance(value, dict) and (section in (*NODE_TABLES, "seasonality") or (
        bool(value) and all(isinstance(v, dict) for v in value.values())))


def _remove(data: dict[str, Any], removals: Any) -> None:
    if not isinstance(removals, Mapping):
        raise LookupError(f"expected a mapping of sections, got {type(removals).__name__}")
    for section, refs in removals.items():
        if not isinstance(refs, list):
            raise LookupError(f"{section}: expected a list of ids")
        if not (isinstance(data.get(section), list) or _is_table(section, data.get(section))):
            raise LookupError(f"cannot remove from {section!r}")
    # lists first (every reference resolved before anything is deleted), then id tables
    for section, refs in removals.items():
        items = data[section]
        if isinstance(items, list):
            try:
                drop = {_find_item(section, items, str(r)) for r in refs}
            except LookupError as exc:
                raise LookupError(f"{section}: {exc}") from None
            data[section] = [it for i, it in enumerate(items) if i not in drop]
    for section, refs in removals.items():
        table = data[section]
        if isinstance(table, dict):
            for ref in refs:
                if ref not in table:
                    raise LookupError(f"{section}: no {_SINGULAR.get(section, 'item')} {ref!r} "
                                      f"(known: {_known(table)})")
                del table[ref]
    for section in removals:
        if section in NODE_TABLES:
            for ref in removals[section]:
                user = _node_user(data, ref)
                if user:
                    raise LookupError(f"{section}: {_SINGULAR[section]} {ref!r} is still used "
                                      f"by {user}; remove that too")
    if "links" in removals:
        present = {(frozenset((lk["from"], lk["to"])), lk["mode"]) for lk in data["links"]}
        for svc in data["services"]:
            if (frozenset((svc["from"], svc["to"])), svc["mode"]) not in present:
                raise LookupError(f"links: the {svc['mode']} link {svc['from']}-{svc['to']} is "
                                  f"still used by services.{svc['id']}; remove that too")


def _node_user(data: dict[str, Any], node: str) -> str:
    for section, fields in (("links", ("from", "to")), ("services", ("from", "to")),
                            ("demand", ("origin", "destination")), ("targets", ("hub",))):
        keys = item_keys(section, data.get(section, []))
        for key, item in zip(keys, data.get(section, []), strict=True):
            if any(item.get(f) == node for f in fields):
                return f"{section}.{key}"
    return ""


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
            _set(data, str(path), value)
        except (LookupError, ValueError) as exc:
            raise _error(f"{source}: {path}: {_text(exc)}") from None
    out = _build(data, source, checks)
    out._source_path = scn.source_path
    if scn.source_hash:
        extra = json.dumps(_plain(dict(changes)), sort_keys=True, default=str)
        out._source_hash = hashlib.sha256((scn.source_hash + extra).encode()).hexdigest()
    return out


def _text(exc: Exception) -> str:
    return str(exc.args[0]) if exc.args else str(exc)


def _build(data: dict[str, Any], source: str, checks: Sequence[Check]) -> Scenario:
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


def resolve_overlay(path: Path, raw: dict[str, Any], digest: Any,
                    load: Callable[[Path, tuple[Path, ...]], Scenario],
                    chain: tuple[Path, ...], checks: Sequence[Check] = ()) -> Scenario:
    """Build the scenario an overlay file describes (called by :func:`load_scenario`).

    ``raw`` is the parsed file, ``digest`` the sha256 already fed with its bytes, ``load`` the
    loader to read the parent with, ``chain`` the files being resolved (to detect cycles).
    """
    unknown = [k for k in raw if k not in OVERLAY_KEYS]
    if unknown:
        raise _error(f"{path}: {unknown[0]}: unknown key in an overlay file (an overlay holds "
                     f"{', '.join(OVERLAY_KEYS)}; change other fields with set)")
    parent_ref = raw["extends"]
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        raise _error(f"{path}: extends: must be the path of a scenario file (relative to this "
                     f"file), got {parent_ref!r}")
    parent_path = path.parent / parent_ref
    if not parent_path.is_file():
        raise _error(f"{path}: extends: parent scenario {parent_ref!r} not found "
                     f"(looked for {parent_path.resolve()})")
    if parent_path.resolve() in chain:
        cycle = " -> ".join(p.name for p in (*chain, parent_path.resolve()))
        raise _error(f"{path}: extends: {parent_ref!r} makes a cycle ({cycle})")
    parent = load(parent_path, chain)
    data = scenario_data(parent)
    data["name"] = path.name.removesuffix(".yaml").removesuffix(".yml")
    for key in ("name", "description"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise _error(f"{path}: {key}: must be text, got {raw[key]!r}")
            data[key] = raw[key]
    for key, step in (("remove", _remove), ("add", _add)):
        if raw.get(key) is not None:
            try:
                step(data, raw[key])
            except (LookupError, ValueError) as exc:
                raise _error(f"{path}: {key}: {_text(exc)}") from None
    changes = raw.get("set") or {}
    if not isinstance(changes, Mapping):
        raise _error(f"{path}: set: expected a mapping of path: value, got "
                     f"{type(changes).__name__}")
    for key, value in changes.items():
        try:
            _set(data, str(key), value)
        except (LookupError, ValueError) as exc:
            raise _error(f"{path}: set: {key}: {_text(exc)}") from None
    scenario = _build(data, str(path), checks)
    digest.update(parent.source_hash.encode())
    scenario._source_path = str(path)
    scenario._source_hash = digest.hexdigest()
    return scenario
