"""Cross-checks a single field cannot do: ids resolve, services sit on links, limits hold.

Each check is a small function ``check(scenario) -> [(loc, message), ...]`` (empty when all is
well), in the style of PyPSA's ``consistency.py``; :data:`CHECKS` lists them in the order they
run. Whether every demand pair has a route needs the network: that check is
:func:`hubsim.sim.network.check_routes`, which :func:`hubsim.load_scenario` adds.

:func:`check_plausible` holds speeds, distances, transit times and handling rates to the ranges
of :data:`hubsim.scenario.fields.PLAUSIBLE`. A deliberate outlier (a verification case with
instantaneous trucks, say) is listed by path under the scenario's ``allow_outliers``::

    allow_outliers: [links.tuanjie-duisburg:rail.speed_kmh, hubs.*.moves_per_hour,
                     hubs.guoyuan.areas.water.moves_per_hour]

Terminals (:mod:`hubsim.scenario.terminals`): :func:`check_hub_pools` asks that every mode a
hub serves has an area or the hub's shared pool, :func:`check_locks` that a ``lock_wait``
disruption acts on a ``wait`` lock, and :func:`check_investments` that ``add_equipment`` goes to
a pool that exists.

:data:`NOTES` are checks whose findings are worth a warning, not an error: a disruption or
investment that never acts within the horizon (:func:`note_windows`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from hubsim.errors import ScenarioError
from hubsim.scenario.disruptions import check_references, link_of, windows_h
from hubsim.scenario.emission_factors import EmissionFactors, load_emission_factors
from hubsim.scenario.fields import Plausible, plausible
from hubsim.scenario.limits import check_workload
from hubsim.scenario.schema import Link, Scenario, check_profile

__all__ = ["CHECKS", "NOTES", "Check", "Problem", "check_empties", "check_hub_pools",
           "check_investments", "check_locks", "check_markets", "check_plausible",
           "check_vehicle_types",
           "note_areas", "note_windows",
           "served_modes", "validate_references"]

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
    """A node id is used once across hubs, zones, gateways and markets."""
    out: list[Problem] = []
    ids: dict[str, str] = {}
    for kind in ("hubs", "zones", "gateways", "markets"):
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


def check_empties(scn: Scenario) -> list[Problem]:
    """The empties section's stocks name known nodes and its return shares known corridors."""
    emp = scn.empties
    if emp is None:
        return []
    out: list[Problem] = []
    nodes = _node_kinds(scn)
    for nid in emp.initial_teu:
        if nid not in nodes:
            out.append((("empties", "initial_teu", nid),
                        f"unknown node {nid!r}; known: {_known(scn)}"))
    corridors = sorted({g.corridor for g in scn.gateways.values()})
    for name in emp.return_share:
        if name not in corridors:
            out.append((("empties", "return_share", name),
                        f"unknown corridor {name!r}; known: {', '.join(corridors) or '(none)'}"))
    return out


def check_demand(scn: Scenario) -> list[Problem]:
    """Demand rows join two known, different nodes and name a defined seasonality profile."""
    out: list[Problem] = []
    ids, known = _node_kinds(scn), _known(scn)
    if scn.markets:
        known += f"; markets: {', '.join(sorted(scn.markets))}"
    for i, dem in enumerate(scn.demand):
        for field in ("origin", "destination"):
            nid = getattr(dem, field)
            if nid not in ids and nid not in scn.markets:
                out.append((("demand", i, field), f"unknown node {nid!r} (known: {known})"))
        if dem.origin in scn.markets and dem.destination in scn.markets:
            out.append((("demand", i, "destination"),
                        "both ends are markets: a demand row starts or ends in the region"))
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


def check_markets(scn: Scenario) -> list[Problem]:
    """A market's gateways are gateways; markets and empty containers do not mix yet (the
    box pools are per node, and a market is not one: docs/markets.md)."""
    out: list[Problem] = []
    for mid, market in scn.markets.items():
        for gid in market.gateways:
            if gid not in scn.gateways:
                out.append((("markets", mid, "gateways", gid),
                            f"unknown gateway {gid!r} (gateways: "
                            f"{', '.join(sorted(scn.gateways)) or '(none)'})"))
    if scn.markets and scn.empties is not None and scn.empties.enabled:
        out.append((("markets",), "markets with empty containers (empties) are not "
                                  "supported yet: remove one of the two sections"))
    return out


# --------------------------------------------------------------------------- terminals
def served_modes(scn: Scenario, hub: str) -> dict[str, int]:
    """The modes of the links that end at ``hub``, each with the index of its first link."""
    out: dict[str, int] = {}
    for i, link in enumerate(scn.links):
        if hub in (link.from_, link.to):
            out.setdefault(link.mode, i)
    return out


def check_hub_pools(scn: Scenario) -> list[Problem]:
    """Every mode a hub serves (a link of that mode ends there) is handled by an area of that
    mode or by the hub's shared pool (``equipment`` and ``moves_per_hour``)."""
    out: list[Problem] = []
    for hid, hub in scn.hubs.items():
        if (hub.equipment is None) != (hub.moves_per_hour is None):
            missing = "equipment" if hub.equipment is None else "moves_per_hour"
            given = "moves_per_hour" if missing == "equipment" else "equipment"
            out.append((("hubs", hid, missing),
                        f"required field is missing (the shared pool needs both {missing} "
                        f"and {given}; or give areas only)"))
            continue
        if hub.equipment is not None:
            continue  # the shared pool handles every mode without an area
        if not hub.areas:
            out.append((("hubs", hid), "no handling units: give equipment and moves_per_hour "
                                       "(a shared pool) or areas"))
            continue
        for mode, i in served_modes(scn, hid).items():
            if mode not in hub.areas:
                link = scn.links[i]
                have = ", ".join(sorted(hub.areas)) or "none"
                out.append((("hubs", hid, "areas"),
                            f"{hid!r} serves {mode} (link {link.from_}-{link.to}) but "
                            f"has no {mode} area (areas: {have}) and no shared pool: add "
                            f"areas.{mode}, or equipment and moves_per_hour on the hub"))
    return out


def check_locks(scn: Scenario) -> list[Problem]:
    """A ``lock_wait`` disruption acts on a lock with ``model: wait`` (a lockage lock takes its
    closures in its own calendar, ``lock.closures``)."""
    out: list[Problem] = []
    for i, d in enumerate(scn.disruptions):
        if d.kind != "lock_wait" or d.link is None:
            continue
        j = link_of(scn, d)
        lock = scn.links[j].lock if j is not None else None
        if lock is not None and lock.model != "wait":
            link = scn.links[j]  # type: ignore[index]
            out.append((("disruptions", i, "kind"),
                        f"lock_wait applies to a lock with model: wait; the lock on the "
                        f"{link.mode} link {link.from_}-{link.to} is model: {lock.model}, whose "
                        "closures go in the lock's calendar (lock.closures: start_day, "
                        "end_day, capacity_factor)"))
    return out


def check_investments(scn: Scenario) -> list[Problem]:
    """``add_equipment`` grows a pool the hub has: the area it names, or the shared pool when
    it names none."""
    out: list[Problem] = []
    for i, inv in enumerate(scn.investments):
        hub = scn.hubs.get(inv.hub) if inv.hub is not None else None
        if hub is None or inv.add_equipment is None:
            continue  # an unknown hub is check_references' to report
        if inv.area is not None and inv.area not in hub.areas:
            have = ", ".join(sorted(hub.areas)) or "none"
            out.append((("investments", i, "area"),
                        f"hub {inv.hub!r} has no {inv.area} area (areas: {have})"))
        elif inv.area is None and hub.equipment is None:
            out.append((("investments", i, "area"),
                        f"hub {inv.hub!r} has no shared pool (equipment and moves_per_hour): "
                        f"say which area add_equipment grows ({', '.join(sorted(hub.areas))})"))
    return out


# --------------------------------------------------------------------------- plausible ranges
_LINK_FIELDS = ("distance_km", "speed_kmh", "transit_h")  # the link fields with a range


def _link_names(i: int, link: Link) -> list[str]:
    """Every way a path names link ``i`` (as :func:`hubsim.scenario.paths.find_item` reads
    them): ``from-to:mode`` first, either order of the ends, mode left out, index, ``*``."""
    a, b, mode = link.from_, link.to, link.mode
    return [f"{a}-{b}:{mode}", f"{b}-{a}:{mode}", f"{a}-{b}", f"{b}-{a}", str(i), "*"]


def _area_names(hid: str, mode: str) -> list[str]:
    """Every way an ``allow_outliers`` path names area ``mode`` of hub ``hid``."""
    return [f"{h}.areas.{m}" for h in (hid, "*") for m in (mode, "*")]


def _rate_text(rate: float, per_move: float, unit: str) -> tuple[float, str]:
    """The handling rate of one unit in the range's unit (TEU/h: moves/h x teu_per_move), and
    how to show it."""
    value = rate * per_move
    if per_move == 1:
        return value, f"{rate:,g} {unit}"
    return value, f"{rate:,g} moves/h x {per_move:g} per move = {value:,.4g} {unit}"


#: ``(loc, section, item names, field, value, value as text, range)`` of a ranged value
Ranged = tuple[tuple[Any, ...], str, list[str], str, float, str, Plausible]


def _ranged_values(scn: Scenario) -> list[Ranged]:
    """``(loc, section, item names, field, value, value as text, range)`` of every value that
    has a plausible range; ``section.name.field`` for a name in item names is the path
    ``allow_outliers`` lists it under."""
    out: list[Ranged] = []
    for i, lk in enumerate(scn.links):
        names = _link_names(i, lk)
        speed = plausible("links[].speed_kmh", lk.mode)
        distance = plausible("links[].distance_km", lk.mode)
        if distance is not None:
            out.append((("links", names[0], "distance_km"), "links", names, "distance_km",
                        lk.distance_km, f"{lk.distance_km:,g} km", distance))
        if speed is not None and lk.speed_kmh is not None:
            out.append((("links", names[0], "speed_kmh"), "links", names, "speed_kmh",
                        lk.speed_kmh, f"{lk.speed_kmh:,g} km/h", speed))
        elif speed is not None and lk.transit_h is not None:
            for fld, dist in (("transit_h", lk.transit_h), ("transit_back_h", lk.transit_back_h)):
                if dist is None:
                    continue
                hours = dist.expected
                kmh = lk.distance_km / hours if hours > 0 else math.inf
                out.append((("links", names[0], fld), "links", names, fld, kmh,
                            f"a mean of {hours:,g} h over {lk.distance_km:,g} km "
                            f"({kmh:,.4g} km/h)", speed))
    pool = plausible("hubs.<id>.moves_per_hour")
    area_rate = plausible("hubs.<id>.areas.<mode>.moves_per_hour")
    for hid, hub in scn.hubs.items():
        if pool is not None and hub.moves_per_hour is not None:  # the hub's shared pool
            value, shown = _rate_text(hub.moves_per_hour, hub.teu_per_move, pool.unit)
            out.append((("hubs", hid, "moves_per_hour"), "hubs", [hid, "*"], "moves_per_hour",
                        value, shown, pool))
        for mode, area in hub.areas.items():
            rng = plausible("hubs.<id>.areas.<mode>.moves_per_hour", mode) or area_rate
            if rng is None:
                continue
            value, shown = _rate_text(area.moves_per_hour, hub.teu_per_move, rng.unit)
            out.append((("hubs", hid, "areas", mode, "moves_per_hour"), "hubs",
                        _area_names(hid, mode), "moves_per_hour", value, shown, rng))
    return out


@lru_cache(maxsize=1)
def _bundled_factors() -> EmissionFactors:
    return load_emission_factors()


def check_vehicle_types(scn: Scenario) -> list[Problem]:
    """Every service gets a vehicle type for its emissions: its ``vehicle_type`` names a
    vehicle row of its mode in ``data/emission_factors.csv``, or one of its mode's default
    types covers its capacity per vehicle (:mod:`hubsim.scenario.emission_factors`)."""
    out: list[Problem] = []
    factors = _bundled_factors()
    for i, svc in enumerate(scn.services):
        if svc.vehicle_type is not None:
            of_mode = factors.vehicle_types(svc.mode)
            if svc.vehicle_type not in of_mode:
                out.append((("services", i, "vehicle_type"),
                            f"must be a {svc.mode} vehicle type of {factors.path.name} "
                            f"({', '.join(of_mode)}), got {svc.vehicle_type!r}"))
            continue
        try:
            factors.default_vehicle(svc.mode, svc.capacity)
        except ScenarioError as exc:
            field = "capacity_teu" if svc.capacity_teu is not None else "capacity_t"
            out.append((("services", i, field), str(exc)))
    return out


def check_plausible(scn: Scenario) -> list[Problem]:
    """Speeds (or distance / mean transit time), distances and handling rates (of a hub's
    shared pool and of each area) inside the plausible range of their mode
    (:data:`~hubsim.scenario.fields.PLAUSIBLE`), unless listed under ``allow_outliers``; every
    ``allow_outliers`` entry names a field that has a range."""
    allowed = set(scn.allow_outliers)
    out: list[Problem] = []
    for loc, section, names, field, value, shown, rng in _ranged_values(scn):
        if rng.low <= value <= rng.high or {f"{section}.{n}.{field}" for n in names} & allowed:
            continue
        what = f" for {rng.mode}" if rng.mode else ""
        out.append((loc, f"{shown} is outside the plausible range{what} ({rng.text()}); if "
                         "deliberate, list it under allow_outliers"))
    valid = {f"links.{name}.{field}" for i, lk in enumerate(scn.links)
             for name in _link_names(i, lk) for field in _LINK_FIELDS}
    valid |= {f"hubs.{name}.moves_per_hour" for name in [*scn.hubs, "*"] if scn.hubs}
    valid |= {f"hubs.{name}.moves_per_hour" for hid, hub in scn.hubs.items()
              for mode in hub.areas for name in _area_names(hid, mode)}
    for j, entry in enumerate(scn.allow_outliers):
        if entry not in valid:
            out.append((("allow_outliers", j),
                        f"{entry!r:.90} names no field with a plausible range (links.<from>-"
                        "<to>:<mode>.speed_kmh, .transit_h or .distance_km; "
                        "hubs.<id>.moves_per_hour; hubs.<id>.areas.<mode>.moves_per_hour; "
                        "* for every item)"))
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


def note_areas(scn: Scenario) -> list[Problem]:
    """Areas of a mode no link at the hub has: they handle nothing (a warning: an overlay may
    have removed the link on purpose)."""
    out: list[Problem] = []
    for hid, hub in scn.hubs.items():
        served = served_modes(scn, hid)
        for mode in hub.areas:
            if mode not in served:
                out.append((("hubs", hid, "areas", mode),
                            f"no {mode} link ends at {hid!r}: this area handles nothing"))
    return out


#: Reference checks, in the order they run; all of them report.
CHECKS: tuple[Check, ...] = (check_node_ids, check_links, check_services, check_dispatch,
                             check_targets, check_demand, check_references, check_hub_pools,
                             check_locks, check_investments, check_plausible,
                             check_vehicle_types, check_empties, check_markets)

#: Checks whose findings are warnings (:class:`hubsim.errors.HubsimWarning`), not errors.
NOTES: tuple[Check, ...] = (note_windows, note_areas)


def validate_references(scn: Scenario) -> list[Problem]:
    """Every problem :data:`CHECKS` find; when there is none, the workload limits
    (:func:`hubsim.scenario.limits.check_workload`), which need resolved references.

    Returns ``(loc, message)`` pairs, empty when the scenario is consistent.
    """
    out = [problem for check in CHECKS for problem in check(scn)]
    return out or check_workload(scn)
