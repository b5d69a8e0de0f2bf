"""Cross-checks a single field cannot do: ids resolve, services sit on links, limits hold.

Each check is a small function ``check(scenario) -> [(loc, message), ...]`` (empty when all is
well), in the style of PyPSA's ``consistency.py``; :data:`CHECKS` lists them in the order they
run. Whether every demand pair has a route needs the network: that check is
:func:`hubsim.sim.network.check_routes`, which :func:`hubsim.load_scenario` adds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hubsim.scenario.disruptions import check_references
from hubsim.scenario.limits import check_workload
from hubsim.scenario.schema import Scenario, check_profile

__all__ = ["CHECKS", "Check", "Problem", "validate_references"]

Problem = tuple[tuple[Any, ...], str]
Check = Callable[[Scenario], list[Problem]]


def _node_kinds(scn: Scenario) -> dict[str, str]:
    ids: dict[str, str] = {}
    for kind in ("hubs", "zones", "gateways"):
        for nid in getattr(scn, kind):
            ids.setdefault(nid, kind)
    return ids


def _known(scn: Scenario) -> str:
    return ", ".join(sorted(_node_kinds(scn))) or "(none)"


def _link_keys(scn: Scenario) -> dict[tuple[frozenset[str], str], int]:
    keys: dict[tuple[frozenset[str], str], int] = {}
    for i, link in enumerate(scn.links):
        keys.setdefault((frozenset((link.from_, link.to)), link.mode), i)
    return keys


def check_node_ids(scn: Scenario) -> list[Problem]:
    """A node id is used once across hubs, zones and gateways."""
    out: list[Problem] = []
    ids: dict[str, str] = {}
    for kind in ("hubs", "zones", "gateways"):
        for nid in getattr(scn, kind):
            if nid in ids:
                out.append(((kind, nid), f"id {nid!r} is used by {ids[nid]} too"))
            ids[nid] = kind
    return out


def check_links(scn: Scenario) -> list[Problem]:
    """Links join two known, different nodes, not two gateways or two zones, once per mode."""
    out: list[Problem] = []
    ids, known = _node_kinds(scn), _known(scn)
    seen: dict[tuple[frozenset[str], str], int] = {}
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
        if key in seen:
            out.append((("links", i), f"duplicate {link.mode} link {link.from_}-{link.to} "
                                      f"(also links[{seen[key]}])"))
        seen.setdefault(key, i)
    return out


def check_services(scn: Scenario) -> list[Problem]:
    """Service ids are unique; a service runs on a link; a vehicle fits the yards it serves."""
    out: list[Problem] = []
    links = _link_keys(scn)
    service_ids: set[str] = set()
    for i, svc in enumerate(scn.services):
        if svc.id in service_ids:
            out.append((("services", i, "id"), f"duplicate service id {svc.id!r}"))
        service_ids.add(svc.id)
        if (frozenset((svc.from_, svc.to)), svc.mode) not in links:
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
    return out


def check_dispatch(scn: Scenario) -> list[Problem]:
    """An on-demand service is the only service of its direction, mode and cargo."""
    out: list[Problem] = []
    on_demand = {s.id: s.on_demand for s in scn.services}
    dispatch: dict[tuple[str, str, str, str], str] = {}
    for i, svc in enumerate(scn.services):
        ends = [(svc.from_, svc.to)] + ([(svc.to, svc.from_)] if svc.bidirectional else [])
        for u, v in ends:
            other = dispatch.setdefault((u, v, svc.mode, svc.cargo), svc.id)
            if other != svc.id and (svc.on_demand or on_demand[other]):
                out.append((("services", i, "on_demand"),
                            f"{u}->{v} {svc.mode} {svc.cargo} is already served by {other!r}; "
                            "an on-demand service must be the only one in its direction"))
    return out


def check_targets(scn: Scenario) -> list[Problem]:
    """A per-hub target names a known hub."""
    return [(("targets", i, "hub"), f"hub_lifts_teu needs a known hub, got {tgt.hub!r}")
            for i, tgt in enumerate(scn.targets)
            if tgt.kpi == "hub_lifts_teu" and tgt.hub not in scn.hubs]


def check_demand(scn: Scenario) -> list[Problem]:
    """Demand rows join two known, different nodes and name a defined seasonality profile."""
    out: list[Problem] = []
    ids, known = _node_kinds(scn), _known(scn)
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
                check_profile(prof, "inline")
            except ValueError as exc:
                out.append((("demand", i, "seasonality"), str(exc)))
    return out


#: Reference checks, in the order they run; all of them report.
CHECKS: tuple[Check, ...] = (check_node_ids, check_links, check_services, check_dispatch,
                             check_targets, check_demand, check_references)


def validate_references(scn: Scenario) -> list[Problem]:
    """Every problem :data:`CHECKS` find; when there is none, the workload limits
    (:func:`hubsim.scenario.limits.check_workload`), which need resolved references.

    Returns ``(loc, message)`` pairs, empty when the scenario is consistent.
    """
    out = [problem for check in CHECKS for problem in check(scn)]
    return out or check_workload(scn)
