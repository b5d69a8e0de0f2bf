"""Load scenario files (YAML, with optional CSV tables) into a validated :class:`Scenario`.

Every problem becomes one :class:`ScenarioError` whose message names the file, the field path,
what was expected (with the field's unit) and what was found::

    scenarios/x.yaml: hubs.guoyuan.equipment: must be >= 1 [count], got 0

``links``, ``services`` and ``demand`` may be given as a path to a CSV file (relative to the
YAML file); errors in such a table name the CSV file and its line.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hubsim.scenario import Scenario, unit_of

__all__ = ["ScenarioError", "load_scenario", "validate_references"]

TABLE_SECTIONS = ("links", "services", "demand")


class ScenarioError(ValueError):
    """A scenario file or scenario object is invalid; the message says where and why."""


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and cross-check a scenario file.

    Parameters
    ----------
    path : str or Path
        A YAML scenario file, or an overlay file that ``extends`` another (resolved through
        the whole chain; see :mod:`hubsim.overlay`).

    Returns
    -------
    Scenario
        Immutable and fully checked: every reference resolves and every demand pair has a route.

    Raises
    ------
    ScenarioError
        With the file, field path and expectation in the message.
    """
    return _load(Path(path), ())


def _load(path: Path, chain: tuple[Path, ...]) -> Scenario:
    """load_scenario, with the overlay files being resolved (to detect ``extends`` cycles)."""
    if not path.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
    digest = hashlib.sha256()
    raw_bytes = path.read_bytes()
    digest.update(raw_bytes)
    try:
        data = yaml.safe_load(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{path}: {where}malformed YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of sections at the top level "
                            f"(name, hubs, links, ...), got {type(data).__name__}")
    if "extends" in data:  # an overlay on another scenario file (see hubsim.overlay)
        from hubsim.overlay import resolve_overlay

        return resolve_overlay(path, data, digest, _load, (*chain, path.resolve()))
    tables: dict[str, Path] = {}
    for section in TABLE_SECTIONS:
        value = data.get(section)
        if isinstance(value, str):
            table = (path.parent / value).resolve()
            data[section] = _read_csv(table, path, section)
            digest.update(table.read_bytes())
            tables[section] = table
    scenario = build_scenario(data, source=str(path), tables=tables)
    scenario._source_path = str(path)
    scenario._source_hash = digest.hexdigest()
    return scenario


def build_scenario(data: dict[str, Any], source: str = "<scenario>",
                   tables: dict[str, Path] | None = None,
                   names: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None) -> Scenario:
    """Validate a scenario given as a plain dict (as read from YAML) and cross-check it.

    ``names`` may rewrite an error location before it is printed (overlays use it to say
    ``services.lsc.per_week`` rather than ``services[16].per_week``).
    """
    tables = tables or {}
    rename = names or (lambda loc: loc)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_describe(exc, data, source, tables, rename)) from None
    problems = validate_references(scenario)
    if problems:
        loc, message = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise ScenarioError(f"{_where(rename(loc), source, tables)}: {message}{more}")
    return scenario


def validate_references(scn: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Cross-checks a single model cannot do: ids resolve, services sit on links, routes exist.

    Returns ``(loc, message)`` pairs, empty when the scenario is consistent.
    """
    from hubsim.network import NoRoute, build_network, route_for

    out: list[tuple[tuple[Any, ...], str]] = []
    ids: dict[str, str] = {}
    for kind in ("hubs", "zones", "gateways"):
        for nid in getattr(scn, kind):
            if nid in ids:
                out.append(((kind, nid), f"id {nid!r} is used by {ids[nid]} too"))
            ids[nid] = kind
    known = ", ".join(sorted(ids)) or "(none)"
    seen_links: dict[tuple[frozenset[str], str], int] = {}
    for i, link in enumerate(scn.links):
        for end, nid in (("from", link.from_), ("to", link.to)):
            if nid not in ids:
                out.append((("links", i, end), f"unknown node {nid!r} (known: {known})"))
        if link.from_ == link.to:
            out.append((("links", i, "to"), f"a link needs two different ends, got {link.to!r}"))
        if link.from_ in scn.gateways and link.to in scn.gateways:
            out.append((("links", i), "a link between two gateways leaves the model at both "
                                      "ends; connect gateways to hubs"))
        if link.from_ in scn.zones and link.to in scn.zones:
            out.append((("links", i), "a link between two zones bypasses every hub"))
        key = (frozenset((link.from_, link.to)), link.mode)
        if key in seen_links:
            out.append((("links", i), f"duplicate {link.mode} link {link.from_}-{link.to} "
                                      f"(also links[{seen_links[key]}])"))
        seen_links.setdefault(key, i)
    service_ids: set[str] = set()
    for i, svc in enumerate(scn.services):
        if svc.id in service_ids:
            out.append((("services", i, "id"), f"duplicate service id {svc.id!r}"))
        service_ids.add(svc.id)
        key = (frozenset((svc.from_, svc.to)), svc.mode)
        if key not in seen_links:
            out.append((("services", i), f"no {svc.mode} link between {svc.from_!r} and "
                                         f"{svc.to!r} for service {svc.id!r} to run on"))
            continue
        for end in (svc.from_, svc.to):
            hub = scn.hubs.get(end)
            if hub is not None and svc.capacity_teu is not None and \
                    svc.capacity_teu > hub.yard_teu:
                out.append((("services", i, "capacity_teu"),
                            f"a vehicle of {svc.capacity_teu:g} TEU cannot discharge into the "
                            f"yard of {end!r} ({hub.yard_teu:g} TEU)"))
    dispatch: dict[tuple[str, str, str, str], str] = {}
    for i, svc in enumerate(scn.services):
        ends = [(svc.from_, svc.to)] + ([(svc.to, svc.from_)] if svc.bidirectional else [])
        for u, v in ends:
            key = (u, v, svc.mode, svc.cargo)
            other = dispatch.setdefault(key, svc.id)
            if other == svc.id:
                continue
            other_on_demand = next(s2.on_demand for s2 in scn.services if s2.id == other)
            if svc.on_demand or other_on_demand:
                out.append((("services", i, "on_demand"),
                            f"{u}->{v} {svc.mode} {svc.cargo} is already served by {other!r}; "
                            "an on-demand service must be the only one in its direction"))
    for i, tgt in enumerate(scn.targets):
        if tgt.kpi == "hub_lifts_teu" and tgt.hub not in scn.hubs:
            out.append((("targets", i, "hub"), f"hub_lifts_teu needs a known hub, got "
                                               f"{tgt.hub!r}"))
    for i, dem in enumerate(scn.demand):
        for field in ("origin", "destination"):
            nid = getattr(dem, field)
            if nid not in ids:
                out.append((("demand", i, field), f"unknown node {nid!r} (known: {known})"))
        if dem.origin == dem.destination:
            out.append((("demand", i, "destination"), "origin and destination are the same"))
        prof = dem.seasonality
        if isinstance(prof, str) and prof != "flat" and prof not in scn.seasonality:
            out.append((("demand", i, "seasonality"),
                        f"unknown seasonality profile {prof!r} (defined: "
                        f"{', '.join(sorted(scn.seasonality)) or 'none'})"))
        elif not isinstance(prof, str):
            try:
                from hubsim.scenario import _check_profile
                _check_profile(prof, "inline")
            except ValueError as exc:
                out.append((("demand", i, "seasonality"), str(exc)))
    from hubsim.disruptions import check_references

    out += check_references(scn)
    if not out:  # (profiles resolve) numbers that would make the run endless
        from hubsim.limits import check_workload

        out += check_workload(scn)
    if out:
        return out
    graph = build_network(scn)
    for i, dem in enumerate(scn.demand):
        try:
            route_for(graph, scn, dem.origin, dem.destination, dem.cargo)
        except NoRoute as exc:
            out.append((("demand", i), str(exc)))
    return out


def _read_csv(table: Path, yaml_path: Path, section: str) -> list[dict[str, Any]]:
    if not table.is_file():
        shown = str(table) if str(table).isprintable() else repr(str(table))  # one line
        raise ScenarioError(f"{yaml_path}: {section}: table file {shown} not found")
    with table.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = []
        for row in reader:
            if None in row:
                raise ScenarioError(f"{table}: line {reader.line_num}: more cells than the "
                                    f"header's {len(reader.fieldnames or [])} columns")
            rows.append({k.strip(): _cell(v) for k, v in row.items()
                         if k and v is not None and v.strip() != ""})
    return rows


def _cell(value: str) -> Any:
    text = value.strip()
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    return text


def _where(loc: tuple[Any, ...], source: str, tables: dict[str, Path]) -> str:
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
        text = msg[0].lower() + msg[1:] if msg else kind
        if unit:
            text += f" [{unit}]"
        # (a validator's own message may already say what it got)
        if "input" in first and kind not in ("model_type", "dict_type") and \
                not isinstance(first["input"], dict | list) and ", got " not in text:
            text += f", got {first['input']!r}"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{_where(loc, source, tables)}: {text}{more}"


# pydantic inserts the tried member type into the location of union fields
_UNION_TAGS = {"str", "tuple[float, ...]", "float", "int", "Dist", "function-after[_check()]",
               "function-before[_shorthand(), Dist]", "function-after[_check(), Dist]"}


def bundled_scenario(filename: str) -> Path:
    """The bundled ``scenarios/<filename>``: from the working folder's ``scenarios/`` first,
    else from the checkout hubsim is installed from."""
    for base in (Path.cwd() / "scenarios", Path(__file__).resolve().parents[2] / "scenarios"):
        if (base / filename).is_file():
            return base / filename
    raise ScenarioError(f"no scenario given and the bundled scenarios/{filename} "
                        "was not found; pass a scenario file")
