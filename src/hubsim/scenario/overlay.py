"""Overlay files: a what-if written as a few lines on top of another scenario file.

An overlay file is a YAML scenario file with ``extends``::

    extends: chongqing_2022_target.yaml     # path relative to this file; may itself extend
    name: cq2022_guoyuan_cranes              # default: this file's name without .yaml
    description: What if Guoyuan gets 25% more handling equipment?
    remove: {services: [ids], links: [keys], demand: [keys or indices], targets: [ids],
             hubs: [ids], zones: [ids], gateways: [ids], seasonality: [names]}
    add: {hubs: {id: {...}}, zones: {...}, gateways: {...}, seasonality: {...},
          links: [...], services: [...], demand: [...], targets: [...]}
    set: {hubs.guoyuan.areas.water.equipment: x1.25}

applied in that order (remove, add, set), then validated as a whole scenario. A removed node
that a remaining link, service, demand row or target still uses, a removed link that a
remaining service runs on, an unknown path, a missing parent and a cycle of ``extends`` are
each one :class:`~hubsim.errors.ScenarioError` naming the file and the path.

Paths in ``set`` are those of :mod:`hubsim.scenario.paths`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hubsim.errors import ScenarioError, clip, shown
from hubsim.scenario.checks import Check
from hubsim.scenario.paths import (
    NODE_TABLES,
    SINGULAR,
    apply_changes,
    build_named,
    error_text,
    find_item,
    item_keys,
    known,
    plain,
    scenario_data,
    set_path,
)
from hubsim.scenario.schema import Scenario

# apply_changes and scenario_data are re-exported: callers import them from here
__all__ = ["OVERLAY_KEYS", "apply_changes", "resolve_overlay", "scenario_data"]

#: Top-level keys of an overlay file.
OVERLAY_KEYS = ("extends", "name", "description", "remove", "add", "set")


# --------------------------------------------------------------------------- add and remove
def _add(data: dict[str, Any], additions: Any) -> None:
    if not isinstance(additions, Mapping):
        raise ScenarioError(f"expected a mapping of sections, got {type(additions).__name__}")
    for section, items in additions.items():
        where = f"{clip(str(section))}: "
        target = data.get(section)
        if isinstance(target, dict) and _is_table(section, target):
            if not isinstance(items, Mapping):
                raise ScenarioError(f"{where}expected a mapping of id: item")
            for key, item in items.items():
                taken = [t for t in (NODE_TABLES if section in NODE_TABLES else (section,))
                         if key in data[t]]
                if taken:
                    raise ScenarioError(f"{where}{shown(key)} already exists in {taken[0]}; "
                                        f"use set to change it")
                target[key] = plain(item)
        elif isinstance(target, list):
            if not isinstance(items, list):
                raise ScenarioError(f"{where}expected a list of items")
            target.extend(plain(it) for it in items)
        else:
            sections = [k for k, v in data.items() if isinstance(v, list) or _is_table(k, v)]
            raise ScenarioError(f"cannot add to {shown(section)} (sections: {known(sections)})")


def _is_table(section: str, value: Any) -> bool:
    """An id table (hubs, zones, gateways, seasonality profiles), not a settings section."""
    return isinstance(value, dict) and (section in (*NODE_TABLES, "seasonality", "markets") or (
        bool(value) and all(isinstance(v, dict) for v in value.values())))


def _remove(data: dict[str, Any], removals: Any) -> None:
    """Apply an overlay's ``remove``: check it, delete the items, refuse dangling uses."""
    _check_removals(data, removals)
    # lists first (every reference resolved before anything is deleted), then id tables
    _remove_from_lists(data, removals)
    _remove_from_tables(data, removals)
    _check_node_users(data, removals)
    if "links" in removals:
        _check_link_users(data)


def _check_removals(data: dict[str, Any], removals: Any) -> None:
    """Check that ``remove`` maps sections that hold items to lists of ids."""
    if not isinstance(removals, Mapping):
        raise ScenarioError(f"expected a mapping of sections, got {type(removals).__name__}")
    for section, refs in removals.items():
        if not isinstance(refs, list):
            raise ScenarioError(f"{clip(str(section))}: expected a list of ids")
        if not (isinstance(data.get(section), list) or _is_table(section, data.get(section))):
            raise ScenarioError(f"cannot remove from {shown(section)}")


def _remove_from_lists(data: dict[str, Any], removals: Mapping[str, list[Any]]) -> None:
    """Drop the referenced items of list sections (links, services, demand, targets)."""
    for section, refs in removals.items():
        items = data[section]
        if isinstance(items, list):
            try:
                drop = {find_item(section, items, str(r)) for r in refs}
            except ScenarioError as exc:
                raise ScenarioError(f"{section}: {exc}") from None
            data[section] = [it for i, it in enumerate(items) if i not in drop]


def _remove_from_tables(data: dict[str, Any], removals: Mapping[str, list[Any]]) -> None:
    """Delete the referenced ids of id tables (hubs, zones, gateways, seasonality)."""
    for section, refs in removals.items():
        table = data[section]
        if isinstance(table, dict):
            for ref in refs:
                if ref not in table:
                    raise ScenarioError(f"{section}: no {SINGULAR.get(section, 'item')} "
                                        f"{shown(ref)} (known: {known(table)})")
                del table[ref]


def _check_node_users(data: dict[str, Any], removals: Mapping[str, list[Any]]) -> None:
    """Refuse a removed node that a remaining link, service, demand row or target uses."""
    for section in removals:
        if section in NODE_TABLES:
            for ref in removals[section]:
                user = _node_user(data, ref)
                if user:
                    raise ScenarioError(f"{section}: {SINGULAR[section]} {shown(ref)} is still "
                                        f"used by {user}; remove that too")


def _check_link_users(data: dict[str, Any]) -> None:
    """Refuse a service whose link (its ends and mode) is no longer in ``links``."""
    present = {(frozenset((lk["from"], lk["to"])), lk["mode"]) for lk in data["links"]}
    for svc in data["services"]:
        if (frozenset((svc["from"], svc["to"])), svc["mode"]) not in present:
            raise ScenarioError(f"links: the {svc['mode']} link {svc['from']}-{svc['to']} is "
                                f"still used by services.{svc['id']}; remove that too")


def _node_user(data: dict[str, Any], node: str) -> str:
    for section, fields in (("links", ("from", "to")), ("services", ("from", "to")),
                            ("demand", ("origin", "destination")), ("targets", ("hub",))):
        keys = item_keys(section, data.get(section, []))
        for key, item in zip(keys, data.get(section, []), strict=True):
            if any(item.get(f) == node for f in fields):
                return f"{section}.{key}"
    return ""


def _check_overlay_keys(path: Path, raw: dict[str, Any]) -> None:
    """Refuse a top-level key an overlay file does not hold."""
    unknown = [k for k in raw if k not in OVERLAY_KEYS]
    if unknown:
        raise ScenarioError(f"{path}: {clip(str(unknown[0]))}: unknown key in an overlay file "
                            f"(an overlay holds {', '.join(OVERLAY_KEYS)}; change other fields "
                            "with set)")


def _parent_path(path: Path, raw: dict[str, Any], chain: tuple[Path, ...]) -> Path:
    """The file ``extends`` names, checked to be a file that closes no cycle."""
    parent_ref = raw["extends"]
    if not isinstance(parent_ref, str) or not parent_ref.strip() or "\0" in parent_ref:
        raise ScenarioError(f"{path}: extends: must be the path of a scenario file (relative "
                            f"to this file), got {shown(parent_ref)}")
    parent_path = path.parent / parent_ref
    if not parent_path.is_file():
        raise ScenarioError(f"{path}: extends: parent scenario {shown(parent_ref)} not found "
                            f"(looked for {parent_path.resolve()})")
    if parent_path.resolve() in chain:
        cycle = " -> ".join(p.name for p in (*chain, parent_path.resolve()))
        raise ScenarioError(f"{path}: extends: {shown(parent_ref)} makes a cycle ({cycle})")
    return parent_path


def _apply_texts(path: Path, raw: dict[str, Any], data: dict[str, Any]) -> None:
    """Set the scenario's name (default: the file's name) and description from the overlay."""
    data["name"] = path.name.removesuffix(".yaml").removesuffix(".yml")
    for key in ("name", "description"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise ScenarioError(f"{path}: {key}: must be text, got {shown(raw[key])}")
            data[key] = raw[key]


def _apply_edits(path: Path, raw: dict[str, Any], data: dict[str, Any]) -> None:
    """Apply the overlay's ``remove`` then ``add`` sections to ``data``."""
    for key, step in (("remove", _remove), ("add", _add)):
        if raw.get(key) is not None:
            try:
                step(data, raw[key])
            except ScenarioError as exc:
                raise ScenarioError(f"{path}: {key}: {error_text(exc)}") from None


def _apply_set(path: Path, raw: dict[str, Any], data: dict[str, Any]) -> None:
    """Apply the overlay's ``set`` section (path: value) to ``data``."""
    changes = raw.get("set") or {}
    if not isinstance(changes, Mapping):
        raise ScenarioError(f"{path}: set: expected a mapping of path: value, got "
                            f"{type(changes).__name__}")
    for key, value in changes.items():
        try:
            set_path(data, str(key), value)
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: set: {clip(str(key))}: {error_text(exc)}") from None


def resolve_overlay(path: Path, raw: dict[str, Any], digest: Any,
                    load: Callable[[Path, tuple[Path, ...]], Scenario],
                    chain: tuple[Path, ...], checks: Sequence[Check] = ()) -> Scenario:
    """Build the scenario an overlay file describes (called by :func:`load_scenario`).

    ``raw`` is the parsed file, ``digest`` the sha256 already fed with its bytes, ``load`` the
    loader to read the parent with, ``chain`` the files being resolved (to detect cycles).
    """
    _check_overlay_keys(path, raw)
    parent_path = _parent_path(path, raw, chain)
    parent = load(parent_path, chain)
    data = scenario_data(parent)
    _apply_texts(path, raw, data)
    _apply_edits(path, raw, data)
    _apply_set(path, raw, data)
    scenario = build_named(data, str(path), checks)
    digest.update(parent.source_hash.encode())
    scenario._source_path = str(path)
    scenario._source_hash = digest.hexdigest()
    return scenario
