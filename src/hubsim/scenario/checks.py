"""Cross-checks a single field cannot do: ids resolve, services sit on links, limits hold.

Each check is a small function ``check(scenario) -> [(loc, message), ...]`` (empty when all is
well), in the style of PyPSA's ``consistency.py``; :data:`CHECKS` lists them in the order they
run. Whether every demand pair has a route needs the network: that check is
:func:`hubsim.sim.network.check_routes`, which :func:`hubsim.load_scenario` adds.

:func:`check_plausible` holds speeds, distances, transit times and handling rates to the ranges
of :data:`hubsim.scenario.fields.PLAUSIBLE`. A deliberate outlier (a verification case with
instantaneous trucks, say) is listed by path under the scenario's ``allow_outliers``::

    allow_outliers: [links.tuanjie-duisburg:rail.speed_kmh, hubs.*.moves_per_hour]

:data:`NOTES` are checks whose findings are worth a warning, not an error: a disruption or
investment that never acts within the horizon (:func:`note_windows`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from hubsim.scenario.disruptions import check_references, windows_h
from hubsim.scenario.fields import Plausible, plausible
from hubsim.scenario.limits import check_workload
from hubsim.scenario.schema import Link, Scenario, check_profile

__all__ = ["CHECKS", "NOTES", "Check", "Problem", "check_plausible", "note_windows",
           "validate_references"]

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


# --------------------------------------------------------------------------- plausible ranges
_LINK_FIELDS = ("distance_km", "speed_kmh", "transit_h")  # the link fields with a range


def _link_names(i: int, link: Link) -> list[str]:
    """Every way a path names link ``i`` (as :func:`hubsim.scenario.paths.find_item` reads
    them): ``from-to:mode`` first, either order of the ends, mode left out, index, ``*``."""
    a, b, mode = link.from_, link.to, link.mode
    return [f"{a}-{b}:{mode}", f"{b}-{a}:{mode}", f"{a}-{b}", f"{b}-{a}", str(i), "*"]


def _ranged_values(scn: Scenario) -> list[tuple[str, list[str], str, float, str, Plausible]]:
    """``(section, item names, field, value, value as text, range)`` of every value that has
    a plausible range."""
    out = []
    for i, lk in enumerate(scn.links):
        names = _link_names(i, lk)
        speed = plausible("links[].speed_kmh", lk.mode)
        distance = plausible("links[].distance_km", lk.mode)
        if distance is not None:
            out.append(("links", names, "distance_km", lk.distance_km,
                        f"{lk.distance_km:,g} km", distance))
        if speed is not None and lk.speed_kmh is not None:
            out.append(("links", names, "speed_kmh", lk.speed_kmh, f"{lk.speed_kmh:,g} km/h",
                        speed))
        elif speed is not None and lk.transit_h is not None:
            hours = lk.transit_h.expected
            kmh = lk.distance_km / hours if hours > 0 else math.inf
            out.append(("links", names, "transit_h", kmh,
                        f"a mean of {hours:,g} h over {lk.distance_km:,g} km "
                        f"({kmh:,.4g} km/h)", speed))
    for hid, hub in scn.hubs.items():
        rate = plausible("hubs.<id>.moves_per_hour")
        if rate is not None:
            out.append(("hubs", [hid, "*"], "moves_per_hour", hub.moves_per_hour,
                        f"{hub.moves_per_hour:,g} {rate.unit}", rate))
    return out


def check_plausible(scn: Scenario) -> list[Problem]:
    """Speeds (or distance / mean transit time), distances and handling rates inside the
    plausible range of their mode (:data:`~hubsim.scenario.fields.PLAUSIBLE`), unless listed
    under ``allow_outliers``; every ``allow_outliers`` entry names a field that has a range."""
    allowed = set(scn.allow_outliers)
    out: list[Problem] = []
    for section, names, field, value, shown, rng in _ranged_values(scn):
        if rng.low <= value <= rng.high or {f"{section}.{n}.{field}" for n in names} & allowed:
            continue
        what = f" for {rng.mode}" if rng.mode else ""
        out.append(((section, names[0], field),
                    f"{shown} is outside the plausible range{what} ({rng.text()}); if "
                    "deliberate, list it under allow_outliers"))
    valid = {f"links.{name}.{field}" for i, lk in enumerate(scn.links)
             for name in _link_names(i, lk) for field in _LINK_FIELDS}
    valid |= {f"hubs.{name}.moves_per_hour" for name in [*scn.hubs, "*"] if scn.hubs}
    for j, entry in enumerate(scn.allow_outliers):
        if entry not in valid:
            out.append((("allow_outliers", j),
                        f"{entry!r:.90} names no field with a plausible range (links.<from>-"
                        "<to>:<mode>.speed_kmh, .transit_h or .distance_km; "
                        "hubs.<id>.moves_per_hour; * for every item)"))
    return out


# --------------------------------------------------------------------------- notes (warnings)
def note_windows(scn: Scenario) -> list[Problem]:
    """Disruptions whose window, and investments whose date, fall wholly outside the run: they
    never act (worth a warning, not an error: a scenario may be run with other ``--days``)."""
    run = scn.run
    first, last = -run.warmup_days, run.horizon_days - run.warmup_days
    horizon = (f"the run covers days {first:g} to {last:g} (the {run.horizon_days:g}-day "
               "horizon, warm-up included)")
    out: list[Problem] = []
    for i, d in enumerate(scn.disruptions):
        if not windows_h(d.start_day, d.end_day, d.every_days, run.warmup_days * 24.0,
                         run.horizon_days * 24.0):
            every = f", every {d.every_days:g} days," if d.every_days else ""
            out.append((("disruptions", i), f"window days {d.start_day:g}-{d.end_day:g}"
                                            f"{every} lies outside the run: {horizon}; it "
                                            "never acts"))
    for i, inv in enumerate(scn.investments):
        if inv.from_day >= last:
            out.append((("investments", i), f"from_day {inv.from_day:g} is after the run "
                                            f"ends: {horizon}; it never acts"))
    return out


#: Reference checks, in the order they run; all of them report.
CHECKS: tuple[Check, ...] = (check_node_ids, check_links, check_services, check_dispatch,
                             check_targets, check_demand, check_references, check_plausible)

#: Checks whose findings are warnings (:class:`hubsim.errors.HubsimWarning`), not errors.
NOTES: tuple[Check, ...] = (note_windows,)


def validate_references(scn: Scenario) -> list[Problem]:
    """Every problem :data:`CHECKS` find; when there is none, the workload limits
    (:func:`hubsim.scenario.limits.check_workload`), which need resolved references.

    Returns ``(loc, message)`` pairs, empty when the scenario is consistent.
    """
    out = [problem for check in CHECKS for problem in check(scn)]
    return out or check_workload(scn)
