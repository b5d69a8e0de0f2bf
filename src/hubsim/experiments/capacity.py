"""Capacity: the largest channel TEU the network sustains for the scenario's demand pattern,
the resource that binds it (network-wide and per corridor) and what one more unit of it adds.

A search over demand scales, each evaluated with replications
(:mod:`hubsim.experiments.replicate`); every point's runs are kept in a
:class:`ResourceCache` (and the results folder), so the search never simulates a point twice
and a resumed search skips what is done. (Goal-seeking, the other search, is in
:mod:`hubsim.experiments.goal`; its pilot reuses the resource judgement of this module.)

**Resources and their unit.** The resources are read off the demand's routes
(:func:`resource_map`): on each route, every scheduled service of the route's cargo on a leg
(``service:<id>``), every lock on a link (``lock:<from>-<to>:<mode>``), the hub area that
loads or discharges each leg (``area:<hub>:<mode>``, the hub's shared pool
``area:<hub>:shared``), its positions when they are limited (``berth:<hub>:<mode>``) and the
yard of every hub passed (``yard:<hub>``). A resource carries the unit of the cargo routed
through it: TEU for containers, tonnes for air cargo. Only resources that carry the target's
unit are judged: for channel TEU, container services, container hub areas, yards and locks;
air services and air areas only for tonnes targets (:data:`KPI_CARGO`). On-demand trucks and
vehicle fleets are not judged as resources.

**Per resource and run** (computed in the worker from the run's tables, :func:`resource_kpis`):

* utilisation: a hub area's unit-hours worked over its installed unit-hours; positions:
  position-hours held over positions x hours; a yard's mean content over its size; a
  service's offered load (what became ready for it in the window) over what its timetable can
  carry, the busier direction (it passes 1 when the service cannot carry its load, which the
  load carried never shows: loads come in batches and a full train leaves a little short of
  its capacity); a lockage lock's ships over the ships its lockages could take in the busier
  direction, counting only the ships that go before or with the services' ships (the other
  traffic counts when its priority is not below the services'); a wait-model lock: passages
  x hold over its places' hours;
* throughput: the load it handled or carried per day (TEU/day, or t/day);
* queue growth, in TEU/day (t/day): the slope over the measured window of the load waiting
  for it: for a service, the load ready at a node its route leaves by the service (or created
  there) and not yet departed (this includes waiting to be loaded); for a hub area and its
  positions, the load arrived on vehicles and not yet lifted off; for a lockage lock, the
  services' load in ships between joining its queue and entering a lockage (a wait-model
  lock: the trend of the vehicles' time on the link times its throughput, Little's law); for
  a yard, its content.

A resource is **saturated** when it is busy at least :data:`SATURATED` of the time, or at
least :data:`BUSY` with a queue growing by more than :data:`BINDING_GROWTH` of its throughput
a day (loads come in batches, so a saturated service's vehicles leave a little short of full).

**Keeping up.** At demand scale ``s`` (every demand row's TEU and tonnes times ``s``) the
network keeps up when, in the mean over the replications, the load of the target's cargo
waiting at nodes (yards, gates, zones; cargo on vehicles is left out) grows by at most
``growth_tol`` (default 3%) of the load offered per day, and no judged resource is saturated
(a resource busy all the time has no steady state). The search starts at ``s = 1``, jumps
to the scale at which the busiest resource would saturate if utilisation grew with demand,
widens geometrically until it holds one sustainable and one unsustainable scale, then
bisects to a relative tolerance ``tol`` (probing just inside a wide bracket first). The
sustainable channel TEU/yr (with its 95% interval over the replications) is measured at the
largest sustainable scale.

**Binding resource.** Among the judged resources, those saturated at the first unsustainable
scale; failing that, those whose queue grows there by more than :data:`BINDING_GROWTH` of
their daily throughput; failing that, all: the one busiest at the sustainable scale binds.
Its marginal value is the search repeated with one more unit of it (one more handling unit in
the area or the shared pool, one more position, one more departure a week, one more lock line
or place, 10% more yard): the change of the sustainable channel TEU/yr, searched to a third
of the capacity the unit adds (at most ``tol``). When that change is not positive (the limit
moved less than the search's tolerance), the resource that binds with the extra unit is
reported (``marginal_next``): it binds next at about the same demand.

**Per corridor.** A corridor's demand rows are those with a gateway of that corridor at one
end. Rows that pass the network's binding resource cannot grow past the network's limit, so
the corridor is searched by scaling its other rows only (every other row held at the
network's sustainable scale). It keeps up while its own waiting load grows by at most
``growth_tol`` of its offered load a day and none of the resources its scaled rows use is
saturated; its binding resource is chosen as above among those resources, and one more unit
of it is searched again for the corridor's channel TEU gained. A corridor whose every row
passes the network's binding resource is bound by it, and gains what the network-wide
marginal search moves on it.

Network-wide, every load grows with the demand scale, so a service's or a handling area's
utilisation grows in proportion to it: the search with one more unit of such a resource
takes the scale at which the resource, with the unit, would be busy :data:`SATURATED` of
the time as unsustainable (``_unit_cap``) and never reports a limit beyond what the added
unit can carry, however a few noisy runs read.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubsim.errors import ExperimentError
from hubsim.experiments.executors import Executor
from hubsim.experiments.params import Changes
from hubsim.experiments.replicate import (
    Experiment,
    SearchFailed,
    base_seed,
    check_days,
    check_replications,
    identity,
    run_points,
)
from hubsim.experiments.store import Progress, RunCache, RunStore, RunTask
from hubsim.scenario.schema import HOURS_PER_YEAR, Scenario

__all__ = ["BINDING_GROWTH", "BUSY", "KPI_CARGO", "SATURATED", "CapacityResult", "ResourceCache",
           "binding_of", "capacity", "capacity_task", "cargo_of", "resource_kpis",
           "resource_map", "resource_table", "saturated"]

#: a queue "grows" when it grows by more than this share of the resource's daily throughput
BINDING_GROWTH = 0.01
#: a resource this busy (mean over replications) is saturated: its queue has no steady state
SATURATED = 0.98
#: a resource this busy whose queue grows (by more than :data:`BINDING_GROWTH` of its
#: throughput a day) is saturated too: loads come in batches, so the vehicles of a saturated
#: service leave a little short of full
BUSY = 0.9
#: the cargo classes whose load a target KPI counts (resources of other classes are not judged)
KPI_CARGO: dict[str, tuple[str, ...]] = {
    "channel_teu": ("container",), "hub_lifts_teu": ("container",),
    "air_tonnes": ("air",), "international_tonnes": ("container", "air")}
#: the unit of a cargo class's load
UNIT = {"container": "TEU", "air": "t"}
#: resource kinds whose utilisation can reach saturation (a full yard makes loads wait instead)
SATURABLE = ("area", "berth", "service", "lock")
#: identity of the search rules (a results folder of other rules is not resumed)
RULES = "capacity-5"


def cargo_of(kpi: str) -> tuple[str, ...]:
    """The cargo classes a KPI counts (containers for anything not in :data:`KPI_CARGO`)."""
    return KPI_CARGO.get(kpi, ("container",))


# --------------------------------------------------------------------------- resources
def _area_of(scn: Scenario, hub_id: str, mode: str) -> tuple[str | None, bool]:
    """The area key handling ``mode`` at ``hub_id`` and whether its positions are limited."""
    hub = scn.hubs[hub_id]
    if mode in hub.areas:
        return f"{hub_id}:{mode}", hub.areas[mode].positions is not None
    if hub.equipment is not None:
        return f"{hub_id}:shared", False
    return None, False


def _corridors_of(scn: Scenario, origin: str, destination: str) -> tuple[str, ...]:
    # a market end: the corridors of every gateway that serves it (its loads may use any)
    ends = {origin, destination}
    for n in (origin, destination):
        if n in scn.markets:
            ends.update(scn.markets[n].gateways)
    return tuple(sorted({scn.gateways[n].corridor for n in ends if n in scn.gateways}))


def resource_map(scn: Scenario) -> pd.DataFrame:
    """The resources the demand's routes use, one row each (index ``resource``).

    Columns: ``kind`` (area, berth, yard, service, lock), ``name`` (its key in the KPI
    tables), ``cargo`` (``container``, ``air`` or ``container+air``), ``unit`` (TEU, t),
    ``rows`` (the demand rows routed through it, a tuple of indices), ``corridors`` (their
    corridors, a tuple).
    """
    from hubsim.sim.network import build_network, route_table

    g = build_network(scn)
    routes = route_table(g, scn)
    found: dict[str, dict[str, Any]] = {}

    def add(kind: str, name: str, cargo: str, i: int, corridors: Iterable[str]) -> None:
        d = found.setdefault(f"{kind}:{name}", {"kind": kind, "name": name, "cargo": set(),
                                                "rows": set(), "corridors": set()})
        d["cargo"].add(cargo)
        d["rows"].add(i)
        d["corridors"].update(corridors)

    for i, dem in enumerate(scn.demand):
        corr = _corridors_of(scn, dem.origin, dem.destination)
        for n, leg in enumerate(routes[(dem.origin, dem.destination, dem.cargo)]):
            for kind, name in _leg_resources(scn, g, leg, dem.cargo, n > 0):
                add(kind, name, dem.cargo, i, corr)
    rows = []
    for res, d in found.items():
        cargo = "+".join(c for c in ("container", "air") if c in d["cargo"])
        rows.append({"resource": res, "kind": d["kind"], "name": d["name"], "cargo": cargo,
                     "unit": "+".join(UNIT[c] for c in ("container", "air")
                                      if c in d["cargo"]),
                     "rows": tuple(sorted(d["rows"])),
                     "corridors": tuple(sorted(d["corridors"]))})
    out = pd.DataFrame(rows, columns=["resource", "kind", "name", "cargo", "unit", "rows",
                                      "corridors"])
    return out.set_index("resource")


def _leg_resources(scn: Scenario, g: Any, leg: Any, cargo: str,
                   transfer: bool) -> list[tuple[str, str]]:
    """(kind, name) of the resources one leg of a route uses: its scheduled services of
    ``cargo``, its lock, the areas loading and discharging it, and (``transfer``: the leg
    starts at a hub the load passed through) the yard it leaves."""
    out = []
    data = g.edges[leg.u, leg.v, leg.mode]
    for j in data["services"]:
        svc = scn.services[j]
        if svc.cargo == cargo and not svc.on_demand and svc.headway is not None:
            out.append(("service", svc.id))
    lk = scn.links[data["link"]]
    if lk.lock is not None:
        out.append(("lock", f"{lk.from_}-{lk.to}:{lk.mode}"))
    for node in (leg.u, leg.v):
        if node in scn.hubs:
            area, positions = _area_of(scn, node, leg.mode)
            if area is not None:
                out.append(("area", area))
                if positions:
                    out.append(("berth", area))
    if transfer and leg.u in scn.hubs:
        out.append(("yard", leg.u))
    return out


def _judged(rmap: pd.DataFrame, cargo: Sequence[str]) -> pd.DataFrame:
    """The resources that carry one of the cargo classes ``cargo``."""
    keep = [any(c in str(x).split("+") for c in cargo) for x in rmap["cargo"]]
    return rmap[np.asarray(keep, dtype=bool)]


# --------------------------------------------------------------------------- worker side
def _level_slope(t: np.ndarray, delta: np.ndarray, span: tuple[float, float]) -> float:
    """Least-squares slope (per day) over the window ``span`` (hours) of the level made by
    changes ``delta`` at times ``t``, the level taken continuously (a step function), not at
    sample points: a queue that fills and empties every headway adds next to nothing to it."""
    if len(t) == 0:
        return 0.0
    start, end = span
    order = np.argsort(t, kind="stable")
    ts = t[order]
    level = np.cumsum(delta[order])
    a = np.clip(ts, start, end)
    b = np.clip(np.r_[ts[1:], end], start, end)
    mid, length = (start + end) / 2.0, end - start
    num = float(np.sum(level * ((b - mid) ** 2 - (a - mid) ** 2) / 2.0))
    return num / (length ** 3 / 12.0) * 24.0 if length > 0 else 0.0


def _decode(col: pd.Series) -> np.ndarray:
    """A (categorical) column as an object array of text, ``""`` where missing."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = [str(c) for c in col.cat.categories]
        return np.asarray([*cats, ""], dtype=object)[col.cat.codes.to_numpy()]
    return col.astype(str).to_numpy()


class _Events:
    """One run's events as the arrays the capacity rows need, decoded once: time, event name,
    the demand row of the consignment (``len(demand)``: none), its cargo's load (TEU, or t
    for air cargo)."""

    def __init__(self, res: Any, scn: Scenario):
        ev, cons = res.events, res.consignments
        w = res.window
        self.ev = ev
        self.t = ev["t_h"].to_numpy()
        self.name = _decode(ev["event"])
        cid = ev["cid"].to_numpy().astype(np.int64)
        none = len(scn.demand)
        size = int(max(cid.max(initial=0), cons["cid"].max() if len(cons) else 0)) + 1
        lookup = np.full(size, none, dtype=np.int64)
        if len(cons):
            lookup[cons["cid"].to_numpy().astype(np.int64)] = cons["demand"].to_numpy()
        self.row = np.where(cid >= 0, lookup[np.clip(cid, 0, None)], none)
        air = np.array([d.cargo == "air" for d in scn.demand] + [False])[self.row]
        self.units = np.where(air, ev["tonnes"].to_numpy(float), ev["teu"].to_numpy(float))
        self.span = (float(w.start_h), float(w.end_h))
        self.window = w


def _group_slopes(t: np.ndarray, delta: np.ndarray, keys: np.ndarray,
                  span: tuple[float, float]) -> dict[Any, float]:
    """Per key, the slope (per day) of the level made by the changes ``delta`` at ``t``."""
    out: dict[Any, float] = {}
    if not len(t):
        return out
    order = np.lexsort((t, keys))
    t, delta, keys = t[order], delta[order], keys[order]
    cuts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(keys)], strict=True):
        out[keys[a]] = _level_slope(t[a:b], delta[a:b], span)
    return out


def _backlog_rows(e: _Events, scn: Scenario, days: float) -> list[tuple[str, str, str, float,
                                                                        str]]:
    """Per cargo class and per corridor: growth of the load waiting at nodes and the load
    offered, per day."""
    name, t, units = e.name, e.t, e.units
    sign = np.select([name == "generated", name == "arrive", name == "depart",
                      name == "delivered"], [1.0, 1.0, -1.0, -1.0], 0.0)
    w = e.window
    inside = (t >= w.start_h) & (t < w.end_h) & (name == "generated")
    moving = sign != 0
    groups: dict[tuple[str, str], set[int]] = {}
    for i, dem in enumerate(scn.demand):
        groups.setdefault(("cargo", dem.cargo), set()).add(i)
        for c in _corridors_of(scn, dem.origin, dem.destination):
            groups.setdefault(("corridor", c), set()).add(i)
    out = []
    for (scope, key), rows in groups.items():
        kinds = {scn.demand[i].cargo for i in rows}
        cargo = key if scope == "cargo" else ("container" if "container" in kinds else "air")
        member = np.zeros(len(scn.demand) + 1, dtype=bool)
        member[[i for i in rows if scn.demand[i].cargo == cargo]] = True
        mine = member[e.row]
        m = mine & moving
        growth = _level_slope(t[m], units[m] * sign[m], e.span)
        offered = float(units[mine & inside].sum()) / days
        unit = UNIT[cargo] + "/day"
        out.append(("backlog_growth", scope, key, growth, unit))
        out.append(("offered_per_day", scope, key, offered, unit))
    return out


def _service_queues(e: _Events, scn: Scenario) -> dict[str, tuple[float, float]]:
    """Per scheduled service, the growth (per day) of the load waiting for it (ready at, or
    created at, a node its route leaves by the service's link, and not yet departed) and the
    load offered to it: what became ready for it in the window over what the timetables
    leaving that node by that link can carry (the busier direction; it passes 1 when the
    service cannot carry its load)."""
    from hubsim.sim.network import build_network, route_table

    ev = e.ev
    nodes = ev["node"].astype("category") if not isinstance(ev["node"].dtype,
                                                             pd.CategoricalDtype) else ev["node"]
    links = ev["link"].astype("category") if not isinstance(ev["link"].dtype,
                                                             pd.CategoricalDtype) else ev["link"]
    ncode = {str(n): i for i, n in enumerate(nodes.cat.categories)}
    lcode = {str(n): i for i, n in enumerate(links.cat.categories)}
    node_c = nodes.cat.codes.to_numpy().astype(np.int64)
    link_c = links.cat.codes.to_numpy().astype(np.int64)
    g = build_network(scn)
    routes = route_table(g, scn)
    nxt = np.full((len(scn.demand) + 1, len(ncode) + 1), -1, dtype=np.int64)
    for i, dem in enumerate(scn.demand):
        for leg in routes[(dem.origin, dem.destination, dem.cargo)]:
            lk = scn.links[g.edges[leg.u, leg.v, leg.mode]["link"]]
            name = f"{lk.from_}-{lk.to}:{lk.mode}"
            if leg.u in ncode and name in lcode:
                nxt[i, ncode[leg.u]] = lcode[name]
    ready = ((e.name == "ready") | (e.name == "generated")) & (node_c >= 0)
    plus_link = np.where(ready, nxt[e.row, np.clip(node_c, 0, None)], -1)
    plus = plus_link >= 0
    minus = (e.name == "depart") & (link_c >= 0) & (node_c >= 0)
    width = len(lcode) + 1
    keys = np.r_[node_c[plus] * width + plus_link[plus], node_c[minus] * width + link_c[minus]]
    slopes = _group_slopes(np.r_[e.t[plus], e.t[minus]],
                           np.r_[e.units[plus], -e.units[minus]], keys, e.span)
    start, end = e.span
    days = (end - start) / 24.0
    inside = plus & (e.t >= start) & (e.t < end)
    offered = pd.Series(e.units[inside], index=node_c[inside] * width + plus_link[inside]) \
        .groupby(level=0).sum() / days
    per_day: dict[int, float] = {}  # what the timetables leaving by each key carry a day
    link_of: dict[str, str] = {}
    for svc in scn.services:
        lk = next((x for x in scn.links if x.mode == svc.mode
                   and {x.from_, x.to} == {svc.from_, svc.to}), None)
        name = f"{lk.from_}-{lk.to}:{lk.mode}" if lk is not None else ""
        if name not in lcode or svc.on_demand or svc.headway is None:
            continue
        link_of[svc.id] = name
        for n in ([svc.from_, svc.to] if svc.bidirectional else [svc.from_]):
            if n in ncode:
                key = ncode[n] * width + lcode[name]
                per_day[key] = per_day.get(key, 0.0) + svc.capacity * 24.0 / svc.headway
    out: dict[str, tuple[float, float]] = {}
    for svc in scn.services:
        name = link_of.get(svc.id, "")
        if not name:
            continue
        ends = [ncode[n] * width + lcode[name] for n in
                ([svc.from_, svc.to] if svc.bidirectional else [svc.from_]) if n in ncode]
        out[svc.id] = (sum(slopes.get(k, 0.0) for k in ends),
                       max((float(offered.get(k, 0.0)) / per_day[k] for k in ends), default=0.0))
    return out


def _area_queues(e: _Events, res: Any) -> dict[str, float]:
    """Per hub area, the growth (per day) of the load arrived on vehicles and not yet lifted
    off (waiting for a position and units, or for yard room)."""
    from hubsim.analysis.terminals import area_keys

    m = (e.name == "arrive") | (e.name == "lift_off")
    if not m.any():
        return {}
    sub = e.ev[m]
    keys = area_keys(sub["node"], sub["link"], res.links, res.areas)
    sign = np.where(e.name[m] == "arrive", 1.0, -1.0)
    keep = keys != ""
    return _group_slopes(e.t[m][keep], (e.units[m] * sign)[keep], keys[keep].astype(str),
                         e.span)


def _lock_queues(res: Any, e: _Events) -> dict[str, float]:
    """Per lockage-model lock, the growth (per day) of the services' load waiting for a
    lockage (ships from joining the queue to entering)."""
    lp = res.lock_passages
    if lp.empty or "link" not in lp.columns:
        return {}
    lp = lp[lp["trip"] >= 0]
    load = res.trips.drop_duplicates("trip").set_index("trip")["load"]
    ship = lp["trip"].map(load).fillna(0.0).to_numpy(float)
    link = lp["link"].astype(str).to_numpy()
    entered = lp["enter_h"].notna().to_numpy()
    t = np.r_[lp["arrive_h"].to_numpy(float), lp["enter_h"].to_numpy(float)[entered]]
    delta = np.r_[ship, -ship[entered]]
    keys = np.r_[link, link[entered]].astype(str)
    return _group_slopes(t, delta, keys, e.span)


def _lock_utilisation(res: Any, scn: Scenario, key: str, lut: dict[tuple[str, str], float]) \
        -> float:
    """A lockage lock: the ships that go before or with the services' ships over the ships
    its lockages could take, busier direction; a wait-model lock: the diagnostics' figure."""
    from hubsim.sim.locks import capacity_hours, closure_steps

    lk = next(lk for lk in scn.links if f"{lk.from_}-{lk.to}:{lk.mode}" == key)
    lock = lk.lock
    if lock is None or lock.model != "lockage" or not lock.cycle_h:
        return lut.get(("lock_utilisation", key), math.nan)
    w = res.window
    lp = res.lock_passages
    if lp.empty or "link" not in lp.columns:
        return 0.0
    lp = lp[(lp["link"].astype(str) == key) & (lp["enter_h"] >= w.start_h)
            & (lp["enter_h"] < w.end_h)]
    prios = [s.priority for s in scn.services if s.mode == lk.mode
             and {s.from_, s.to} == {lk.from_, lk.to}]
    if prios:
        lp = lp[lp["priority"] >= min(prios)]
    slots = lock.lines * capacity_hours(closure_steps(lock, w.start_h), w.start_h,
                                        w.end_h) / lock.cycle_h
    ships = slots * (lock.ships_per_lockage or 1)
    counts = lp.groupby("direction").size()
    if not len(counts):
        return 0.0
    return float(counts.max()) / ships if ships > 0 else math.inf


def resource_kpis(res: Any, diag: pd.DataFrame) -> pd.DataFrame:
    """The capacity search's rows of one run (``res``: :class:`hubsim.api.Results`; ``diag``:
    its :func:`hubsim.analysis.diagnostics.diagnostics`): per resource of
    :func:`resource_map` ``resource_utilisation``, ``resource_throughput`` and
    ``resource_queue_growth`` (scope ``resource``); per cargo class and per corridor
    ``backlog_growth`` and ``offered_per_day`` (scopes ``cargo`` and ``corridor``)."""
    from hubsim.analysis.terminals import area_keys

    scn = res.scenario
    w = res.window
    days = w.hours / 24.0
    k = pd.concat([res.kpis, diag], ignore_index=True)
    k = k[k["scope"] != "total"]
    lut = {(str(a), str(b)): float(v) for a, b, v in
           zip(k["kpi"], k["key"], k["value"].to_numpy(float), strict=True)}
    h = res.handling
    area_thr: dict[str, float] = {}
    yard_thr: dict[str, float] = {}
    if len(h):
        h = h[(h["end_h"] >= w.start_h) & (h["end_h"] < w.end_h)]
        keys = area_keys(h["node"], h["link"], res.links, res.areas)
        load = h["load"].to_numpy(float)
        area_thr = (pd.Series(load, index=keys).groupby(level=0).sum() / days).to_dict()
        off = (h["op"].astype(str) == "lift_off").to_numpy()
        yard_thr = (pd.Series(load[off], index=h["node"].astype(str).to_numpy()[off])
                    .groupby(level=0).sum() / days).to_dict()
    tr = res.trips
    tr = tr[(tr["depart_h"] >= w.start_h) & (tr["depart_h"] < w.end_h)]
    svc_thr = (tr.groupby(tr["service"].astype(str))["load"].sum() / days).to_dict()
    link_thr = (tr.groupby(tr["link"].astype(str))["load"].sum() / days).to_dict()
    e = _Events(res, scn)
    svc_q, area_q, lock_q = _service_queues(e, scn), _area_queues(e, res), _lock_queues(res, e)
    rows: list[tuple[str, str, str, float, str]] = []
    for res_id, r in resource_map(scn).iterrows():
        kind, name, unit = r["kind"], r["name"], f"{r['unit']}/day"
        if kind in ("area", "berth"):
            util = lut.get(("area_utilisation" if kind == "area" else "berth_occupancy",
                            name), math.nan)
            thr = area_thr.get(name, 0.0)
            growth = area_q.get(name, 0.0)
        elif kind == "yard":
            util = lut.get(("yard_mean_utilisation", name), math.nan)
            thr = yard_thr.get(name, 0.0)
            growth = lut.get(("yard_growth", name), 0.0)
        elif kind == "service":
            growth, util = svc_q.get(name, (0.0, math.nan))
            thr = svc_thr.get(name, 0.0)
        else:
            util = _lock_utilisation(res, scn, name, lut)
            thr = link_thr.get(name, 0.0)
            growth = lock_q[name] if name in lock_q else \
                lut.get(("lock_transit_growth", name), 0.0) * thr / 24.0
        rows += [("resource_utilisation", "resource", str(res_id), util, "fraction"),
                 ("resource_throughput", "resource", str(res_id), thr, unit),
                 ("resource_queue_growth", "resource", str(res_id), growth, unit)]
    rows += _backlog_rows(e, scn, days)
    return pd.DataFrame(rows, columns=["kpi", "scope", "key", "value", "unit"])


def _float(v: Any) -> float:
    return float(v)


def _num(v: Any) -> float | None:
    v = float(v)
    return None if math.isnan(v) else v


def capacity_task(task: RunTask) -> dict[str, Any]:
    """What a worker runs for the capacity search and the goal pilot: one simulation, its KPI
    rows with the capacity diagnostics and :func:`resource_kpis` (the record of
    :func:`hubsim.experiments.store.run_task` with more rows)."""
    from hubsim.analysis.diagnostics import diagnostics
    from hubsim.api import simulate

    res = simulate(task.scenario, seed=task.seed, days=task.days)
    diag = diagnostics(res.events, res.trips, res.nodes, res.scenario, res.window,
                       lock_passages=res.lock_passages)
    k = pd.concat([res.kpis, diag, resource_kpis(res, diag)], ignore_index=True)
    t = res.targets
    return {
        "kpis": [[r.kpi, r.scope, r.key, _num(r.value), r.unit] for r in k.itertuples()],
        "targets": [[r.target, r.kpi, _num(r.value), _float(r.threshold), r.sense, bool(r.met)]
                    for r in t.itertuples()],
        "wall_time_s": round(res.wall_time_s, 3),
    }


class ResourceCache(RunCache):
    """A :class:`~hubsim.experiments.store.RunCache` whose runs also measure the resources
    (:func:`capacity_task`)."""

    task = staticmethod(capacity_task)


# --------------------------------------------------------------------------- judgement
def _means(exp: Experiment | None, kpi: str, scope: str) -> pd.Series:
    """Mean over the replications of one KPI per key (the experiment's first point)."""
    if exp is None:
        return pd.Series(dtype=float)
    s = exp.summary
    sel = s[(s["kpi"] == kpi) & (s["scope"] == scope)]
    return pd.Series(sel["mean"].to_numpy(float), index=sel["key"].astype(str).to_numpy())


RESOURCE_COLUMNS = ["resource", "kind", "name", "unit", "corridors", "utilisation",
                    "utilisation_over", "throughput_over", "queue_growth_over",
                    "growth_unit"]


def resource_table(ok: Experiment, over: Experiment | None, rmap: pd.DataFrame) -> pd.DataFrame:
    """The resources of ``rmap`` at a sustainable point ``ok`` and a point beyond ``over``:
    utilisation at both, throughput and queue growth beyond (in the resource's unit a day),
    busiest at ``ok`` first."""
    util = _means(ok, "resource_utilisation", "resource")
    util_over = _means(over, "resource_utilisation", "resource")
    thr = _means(over, "resource_throughput", "resource")
    growth = _means(over, "resource_queue_growth", "resource")
    rows = [{"resource": rid, "kind": r["kind"], "name": r["name"], "unit": r["unit"],
             "corridors": " ".join(r["corridors"]),
             "utilisation": float(util.get(rid, math.nan)),
             "utilisation_over": float(util_over.get(rid, math.nan)),
             "throughput_over": float(thr.get(rid, math.nan)),
             "queue_growth_over": float(growth.get(rid, math.nan)),
             "growth_unit": f"{r['unit']}/day"} for rid, r in rmap.iterrows()]
    out = pd.DataFrame(rows, columns=RESOURCE_COLUMNS)
    return out.sort_values("utilisation", ascending=False, kind="stable",
                           na_position="last").reset_index(drop=True)


def _growing(growth: pd.Series, throughput: pd.Series) -> pd.Series:
    """Queues that grow by more than :data:`BINDING_GROWTH` of the throughput a day."""
    g = growth.fillna(0.0)
    return (g > 0) & (g > BINDING_GROWTH * throughput.fillna(0.0))


def saturated(table: pd.DataFrame, util: str = "utilisation_over",
              growth: str = "queue_growth_over",
              throughput: str = "throughput_over") -> pd.Series:
    """Which resources of a table (columns ``kind`` and the three named) are saturated: busy
    at least :data:`SATURATED`, or at least :data:`BUSY` with a growing queue (areas,
    positions, services and locks; a yard makes loads wait instead)."""
    u = table[util].fillna(0.0)
    return table["kind"].isin(SATURABLE) & (
        (u >= SATURATED) | ((u >= BUSY) & _growing(table[growth], table[throughput])))


def binding_of(table: pd.DataFrame) -> tuple[str | None, str | None]:
    """The binding resource of a :func:`resource_table` and why: ``saturated`` beyond
    (:func:`saturated`), ``queue grows`` (by more than :data:`BINDING_GROWTH` of its
    throughput a day beyond) or ``busiest`` (neither: the busiest at the sustainable point);
    among several, the busiest at the sustainable point."""
    if table.empty:
        return None, None
    full = table[saturated(table, "utilisation_over")]
    growing = table[_growing(table["queue_growth_over"], table["throughput_over"])]
    for pick, why in ((full, "saturated"), (growing, "queue grows"),
                      (table, "busiest")):
        if len(pick):
            top = pick.sort_values("utilisation", ascending=False, kind="stable",
                                   na_position="last").iloc[0]
            return str(top["resource"]), why
    return None, None


# --------------------------------------------------------------------------- one more unit
def _one_more(scn: Scenario, resource: str) -> tuple[Changes, str, float]:
    """The change adding one unit of ``resource``, its text and the capacity ratio it gives
    (new over old, a first guess of how far the limit moves)."""
    kind, _, name = resource.partition(":")
    if kind in ("area", "berth"):
        return _one_more_in_area(scn, kind, name)
    if kind == "yard":
        return ((f"hubs.{name}.yard_teu", "x1.1"),), f"hubs.{name}.yard_teu=x1.1", 1.1
    if kind == "service":
        svc = next(s for s in scn.services if s.id == name)
        if svc.per_week is not None:
            v = round(svc.per_week + 1, 6)
            return ((f"services.{name}.per_week", v),), f"services.{name}.per_week={v:g}", \
                v / svc.per_week
        if svc.headway_h is None:  # on-demand services are never judged as resources
            raise ExperimentError(f"service {name}: not a scheduled service")
        v = round(168.0 / (168.0 / svc.headway_h + 1), 6)
        return ((f"services.{name}.headway_h", v),), f"services.{name}.headway_h={v:g}", \
            svc.headway_h / v
    lk = next(lk for lk in scn.links if f"{lk.from_}-{lk.to}:{lk.mode}" == name)
    if lk.lock is None:  # only links with a lock are judged as resources
        raise ExperimentError(f"link {name}: has no lock")
    if lk.lock.model == "lockage":
        path, old = f"links.{name}.lock.lines", lk.lock.lines
    else:
        path, old = f"links.{name}.lock.capacity", lk.lock.capacity or 0
    return ((path, old + 1),), f"{path}={old + 1}", (old + 1) / max(old, 1)


def _one_more_in_area(scn: Scenario, kind: str, name: str) -> tuple[Changes, str, float]:
    """One more unit (``area``) or position (``berth``) in area ``<hub>:<mode>`` (the hub's
    shared pool for ``<hub>:shared``)."""
    hub_id, _, mode = name.rpartition(":")
    hub = scn.hubs[hub_id]
    if mode == "shared":
        if kind == "berth" or hub.equipment is None:
            raise ExperimentError(f"hub {hub_id}: the shared pool has no positions")
        path, old = f"hubs.{hub_id}.equipment", hub.equipment
    else:
        area = next(a for m, a in hub.areas.items() if m == mode)
        if kind == "berth":
            if area.positions is None:
                raise ExperimentError(f"area {name}: unlimited positions")
            path, old = f"hubs.{hub_id}.areas.{mode}.positions", area.positions
        else:
            path, old = f"hubs.{hub_id}.areas.{mode}.equipment", area.equipment
    return ((path, old + 1),), f"{path}={old + 1}", (old + 1) / old


# --------------------------------------------------------------------------- the search
#: a family of points: ``None`` scales every demand row; a tuple of row indices scales those
#: rows on top of the network's sustainable scale
Family = tuple[int, ...] | None


def _round(x: float) -> float:
    return float(f"{x:.6g}")


def _scale_changes(scale: float, extra: Changes = ()) -> Changes:
    s = f"x{scale:.6g}"
    return (("demand.*.teu_per_year", s), ("demand.*.tonnes_per_year", s), *extra)


class _Search:
    """Evaluates points (a family, a scale, extra changes) and finds the largest sustainable
    scale of a family."""

    def __init__(self, cache: RunCache, replications: int, growth_tol: float,
                 judged: pd.DataFrame, cargo: Sequence[str]):
        self.cache = cache
        self.replications = replications
        self.growth_tol = growth_tol
        self.judged = judged
        self.cargo = tuple(cargo)
        self.base = 1.0  # the network's sustainable scale, under a corridor's rows
        self.rows: list[dict[str, Any]] = []
        self.exps: dict[Changes, tuple[bool, Experiment]] = {}

    def changes(self, fam: Family, scale: float, extra: Changes) -> Changes:
        if fam is None or scale == 1.0:
            return _scale_changes(self.base if fam is not None else scale, extra)
        s = f"x{scale:.6g}"
        rows = tuple(change for i in fam for change in
                     ((f"demand.{i}.teu_per_year", s), (f"demand.{i}.tonnes_per_year", s)))
        return (*_scale_changes(self.base), *rows, *extra)

    def evaluated(self, fam: Family, scale: float, extra: Changes = ()) -> bool:
        """Whether the point was run (or reused) already."""
        return self.changes(fam, _round(scale), extra) in self.exps

    def experiment(self, fam: Family, scale: float, extra: Changes = ()) -> Experiment:
        return self.evaluate(fam, scale, extra)[1]

    def evaluate(self, fam: Family, scale: float, extra: Changes = (),
                 label: str = "network") -> tuple[bool, Experiment]:
        scale = _round(scale)
        ch = self.changes(fam, scale, extra)
        if ch not in self.exps:
            exp = run_points(self.cache, [ch], self.replications, [])
            if exp.kpis.empty:
                raise SearchFailed(f"every run at demand x{scale:.6g} ({label}) failed: "
                                   + "; ".join(exp.failures["error"].astype(str).head(3)))
            ok, share, peak = self._keeps_up(exp, fam)
            ch_teu = exp.kpi("channel_teu")
            self.rows.append({"search": label, "change": "; ".join(f"{p}={v}"
                                                                   for p, v in extra),
                              "scale": scale,
                              "demand_scale": scale * (self.base if fam is not None else 1.0),
                              "backlog_growth_share": share, "peak_utilisation": peak,
                              "sustainable": ok,
                              "channel_teu": float(ch_teu["mean"].iloc[0]) if len(ch_teu)
                              else np.nan})
            self.exps[ch] = (ok, exp)
        return self.exps[ch]

    def _keeps_up(self, exp: Experiment, fam: Family) -> tuple[bool, float, float]:
        """(keeps up, backlog growth share, peak utilisation of the judged resources)."""
        if fam is None:
            groups = [("cargo", c) for c in self.cargo]
            judged = self.judged
        else:
            groups = [("corridor", c) for c in self._corridors(fam)]
            judged = self.judged[[bool(set(r) & set(fam)) for r in self.judged["rows"]]]
        growth = _means(exp, "backlog_growth", groups[0][0]) if groups else pd.Series()
        offered = _means(exp, "offered_per_day", groups[0][0]) if groups else pd.Series()
        shares = [float(growth.get(key, 0.0)) / float(offered[key])
                  for _, key in groups if float(offered.get(key, 0.0)) > 0]
        share = max(shares) if shares else 0.0
        at = pd.DataFrame({
            "kind": judged["kind"],
            "u": _means(exp, "resource_utilisation", "resource").reindex(judged.index),
            "g": _means(exp, "resource_queue_growth", "resource").reindex(judged.index),
            "thr": _means(exp, "resource_throughput", "resource").reindex(judged.index)})
        sat = at["kind"].isin(SATURABLE)
        peak = float(at.loc[sat, "u"].max()) if sat.any() else 0.0
        peak = 0.0 if math.isnan(peak) else peak
        full = bool(saturated(at, "u", "g", "thr").any())
        return share <= self.growth_tol and not full, share, peak

    def _corridors(self, fam: tuple[int, ...]) -> list[str]:
        scn = self.cache.scenario
        out: set[str] = set()
        for i in fam:
            d = scn.demand[i]
            if d.cargo in self.cargo:
                out.update(_corridors_of(scn, d.origin, d.destination))
        return sorted(out)

    def guess_up(self, fam: Family, scale: float, extra: Changes, cap: float) -> float:
        """The scale at which the busiest judged resource would saturate, if utilisation grew
        with demand (at least 10% and at most 4 times above ``scale``)."""
        util = _means(self.experiment(fam, scale, extra), "resource_utilisation", "resource")
        judged = self.judged if fam is None else \
            self.judged[[bool(set(r) & set(fam)) for r in self.judged["rows"]]]
        u = util.reindex(judged[judged["kind"].isin(SATURABLE)].index).max()
        est = scale * SATURATED / u if u and not math.isnan(u) and u > 0 else scale * 4
        return min(cap, max(scale * 1.1, min(est, scale * 4)))

    def find(self, fam: Family, extra: Changes, first: float, tol: float, max_scale: float,
             lo: float | None = None, hi: float | None = None,
             label: str = "network") -> tuple[float | None, float | None]:
        """(largest sustainable scale, smallest unsustainable scale) of ``fam`` within
        ``tol``, probing ``first`` first; ``lo`` / ``hi``: scales known (or taken) to be
        sustainable / unsustainable; None when not found in [1/max_scale, max_scale]."""
        x, step = first, 1.25
        # how the bracket closed: by a sustainable ("ok") or another ("fail") probe; a cap
        # given as ``hi`` is probed from just inside
        closed = "fail" if hi is not None else ""
        while lo is None or hi is None:
            x = _round(min(max(x, 1.0 / max_scale), max_scale))
            if (lo is not None and x <= lo) or (hi is not None and x >= hi):
                break
            if self.evaluate(fam, x, extra, label)[0]:
                lo, closed = x, "ok"
                if hi is None:
                    if x >= max_scale:
                        return lo, None
                    x = self.guess_up(fam, x, extra, max_scale) if step == 1.25 \
                        else x * step
            else:
                hi, closed = x, "fail"
                if lo is None:
                    if x <= 1.0 / max_scale:
                        return None, hi
                    x = x / max(step, 2.0)
            step = min(step * step, 4.0)
        if lo is None or hi is None:
            return lo, hi
        return self._bisect(fam, extra, lo, hi, tol, label, closed)

    def _bisect(self, fam: Family, extra: Changes, lo: float, hi: float, tol: float,
                label: str, closed: str) -> tuple[float, float]:
        """Narrow a sustainable ``lo`` and an unsustainable ``hi`` to a relative ``tol``."""
        while (hi - lo) / lo > tol:
            mid = _round((lo + hi) / 2)
            if hi / lo > 1.25:  # a wide bracket: the probe that closed it was a guess,
                # so the limit is likely near it; look just inside it first
                mid = _round(hi / 1.1) if closed == "fail" else _round(lo * 1.1)
                closed = ""
            if mid in (lo, hi):
                break
            if self.evaluate(fam, mid, extra, label)[0]:
                lo = mid
            else:
                hi = mid
        return lo, hi


# --------------------------------------------------------------------------- result
@dataclass
class CapacityResult:
    """Outcome of :func:`capacity`.

    ``scale``: largest demand factor the network keeps up with; ``demand_teu``: the TEU/yr of
    demand at that scale; ``channel_teu`` (with ``channel_ci``): channel TEU/yr measured
    there; ``binding``: the resource that binds first (``area:<hub>:<mode>``,
    ``berth:<hub>:<mode>``, ``yard:<hub>``, ``service:<id>``, ``lock:<link>``) and
    ``binding_why`` (``saturated``, ``queue grows`` or ``busiest``); ``resources``: every
    judged resource's utilisation at the sustainable scale and beyond, with its throughput
    and queue growth there (TEU/day, or t/day); ``marginal_teu``: channel TEU/yr gained by
    one more unit of the binding resource (``marginal_change`` says which;
    ``marginal_next``: the resource binding with it); ``corridors``: per corridor its
    sustainable channel TEU/yr with its interval, binding resource and marginal gain (the
    table of ``binding.csv``); ``steps``: every point evaluated.
    """

    scale: float
    demand_teu: float
    channel_teu: float
    channel_ci: tuple[float, float]
    binding: str | None
    resources: pd.DataFrame
    marginal_teu: float | None
    marginal_change: str | None
    steps: pd.DataFrame = field(repr=False)
    folder: Path | None = None
    simulated: int = 0
    reused: int = 0
    first_unsustainable: float | None = None
    binding_why: str | None = None
    marginal_next: str | None = None
    corridors: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    kpi: str = "channel_teu"


CORRIDOR_COLUMNS = ["corridor", "rows_scaled", "demand_scale", "channel_teu", "ci_low",
                    "ci_high", "binding", "why", "utilisation", "utilisation_over",
                    "queue_growth_over", "growth_unit", "marginal_change", "marginal_teu",
                    "marginal_next", "bound_by_network"]


def _channel(exp: Experiment, corridor: str | None = None) -> tuple[float, float, float]:
    sel = exp.kpi("channel_teu", "corridor", corridor) if corridor is not None \
        else exp.kpi("channel_teu")
    if sel.empty:
        return 0.0, 0.0, 0.0
    r = sel.iloc[0]
    return float(r["mean"]), float(r["ci_low"]), float(r["ci_high"])


def _marginal(search: _Search, scn: Scenario, fam: Family, binding: str, lo: float,
              tol: float, max_scale: float, label: str) \
        -> tuple[float | None, float | None, str, str | None, Changes]:
    """Search again with one more unit of ``binding``: (new sustainable scale, new first
    unsustainable scale, the change's text, the resource binding then, the change)."""
    extra, text, ratio = _one_more(scn, binding)
    # resolve the gain: a third of what one more unit adds to the capacity, at most ``tol``
    tol = min(tol, max((ratio - 1.0) / 3.0, 0.002))
    cap = _unit_cap(search, fam, binding, lo, ratio)
    first = min(max_scale, lo * max(ratio, 1.0 + 2 * tol))
    if cap is not None:
        first = min(first, _round(cap / (1.0 + tol)))
    lo2, hi2 = search.find(fam, extra, first, tol, max_scale, lo=lo, hi=cap, label=label)
    nxt = None
    if hi2 is not None and hi2 == cap and not search.evaluated(fam, hi2, extra):
        nxt = binding  # full at the cap by construction (its run is not needed)
    elif lo2 is not None and hi2 is not None:
        ok_exp = search.experiment(fam, lo2, extra) if lo2 != lo else search.experiment(fam, lo)
        table = resource_table(ok_exp, search.experiment(fam, hi2, extra),
                               _fam_judged(search, fam))
        nxt = binding_of(table)[0]
    return lo2, hi2, text, nxt, extra


def _unit_cap(search: _Search, fam: Family, binding: str, lo: float,
              ratio: float) -> float | None:
    """The demand scale at which ``binding`` with one more unit would be busy
    :data:`SATURATED` of the time, when every demand row grows together (``fam`` None):
    past it the resource is saturated again, so the search with one more unit never reads a
    larger limit from noisy runs (a small flow in large consignments can look sustainable
    beyond what its trains carry). A service's comes from its timetable and the load its
    routes plan for it (:func:`service_load`); a handling area's from its use measured at
    ``lo``, which grows in proportion to the lifts. None otherwise."""
    kind, _, name = binding.partition(":")
    if fam is not None or kind not in ("service", "area"):
        return None
    scn = search.cache.scenario
    if kind == "service":
        load, capacity = service_load(scn, name)
        cap = _round(SATURATED * capacity * ratio / load) if load > 0 and capacity > 0 \
            else None
    else:
        u = _means(search.experiment(None, lo), "resource_utilisation", "resource") \
            .get(binding)
        cap = _round(lo * ratio * SATURATED / float(u)) if u is not None and u > 0 else None
    return cap if cap is not None and cap > lo else None


def service_load(scn: Scenario, service: str) -> tuple[float, float]:
    """(planned load, timetable capacity) of a scheduled service in its busier direction, a
    year: the demand routed over its link that way (TEU, or t for air cargo; a link with
    several such services shares it by their capacity) and its departures x vehicle
    capacity."""
    from hubsim.sim.network import build_network, route_table

    j = next(k for k, sv in enumerate(scn.services) if sv.id == service)
    svc = scn.services[j]
    per_year = HOURS_PER_YEAR / svc.headway if svc.headway else 0.0
    capacity = per_year * float(svc.capacity or 0.0)
    g = build_network(scn)
    routes = route_table(g, scn)
    load = {True: 0.0, False: 0.0}
    for dem in scn.demand:
        if dem.cargo != svc.cargo:
            continue
        for leg in routes[(dem.origin, dem.destination, dem.cargo)]:
            data = g.edges[leg.u, leg.v, leg.mode]
            if j not in data["services"]:
                continue
            mates = [scn.services[k] for k in data["services"]
                     if scn.services[k].cargo == svc.cargo and scn.services[k].headway]
            total = sum(float(m.capacity or 0.0) / float(m.headway or 1.0) for m in mates)
            share = (float(svc.capacity or 0.0) / float(svc.headway or 1.0)) / total \
                if total else 1.0
            load[leg.u == svc.from_] += dem.volume_per_year * share
    return max(load.values()), capacity


def _fam_judged(search: _Search, fam: Family) -> pd.DataFrame:
    if fam is None:
        return search.judged
    return search.judged[[bool(set(r) & set(fam)) for r in search.judged["rows"]]]


def capacity(scenario: Scenario, replications: int = 3, *, seed: int | None = None,
             days: float | None = None, tol: float = 0.02, growth_tol: float = 0.03,
             max_scale: float = 64.0, marginal: bool = True, corridors: bool = True,
             executor: Executor | None = None, out: str | Path | None = None,
             resume: bool = False, progress: Progress | None = None) -> CapacityResult:
    """The largest channel TEU/yr the network sustains for the scenario's demand pattern, the
    resource that binds it, network-wide and per corridor, and the channel TEU/yr one more
    unit of it adds (see the module docstring for the rules). ``corridors=False`` skips the
    per-corridor searches, ``marginal=False`` the searches with one more unit."""
    check_replications(replications)
    if not 0 < tol < 1:
        raise ExperimentError(f"tol must be in (0, 1), got {tol}")
    check_days(days)
    base = base_seed(scenario, seed)
    store = RunStore(out, identity("capacity", scenario, base, days, rules=RULES), resume) \
        if out is not None else None
    cache = ResourceCache(scenario, base, days, executor, store, progress, diagnostics=True)
    kpi = "channel_teu"
    cargo = cargo_of(kpi)
    judged = _judged(resource_map(scenario), cargo)
    search = _Search(cache, replications, growth_tol, judged, cargo)
    lo, hi = search.find(None, (), 1.0, tol, max_scale)
    if lo is None:
        raise SearchFailed(f"{scenario.name}: does not keep up even at 1/{max_scale:g} of "
                           "its demand")
    ok = search.experiment(None, lo)
    over = search.experiment(None, hi) if hi is not None else None
    resources = resource_table(ok, over, judged)
    binding, why = binding_of(resources) if hi is not None else (None, None)
    ch, ch_lo, ch_hi = _channel(ok)
    demand_teu = sum(d.teu_per_year for d in scenario.demand) * lo
    marginal_teu = change_text = nxt = None
    lo2: float | None = None
    extra: Changes = ()
    if marginal and binding is not None:
        lo2, _hi2, change_text, nxt, extra = _marginal(search, scenario, None, binding, lo, tol,
                                                       max_scale, "network, one more")
        marginal_teu = _channel(search.experiment(None, lo2, extra))[0] - ch \
            if lo2 is not None and lo2 != lo else 0.0
    search.base = lo
    table = _corridor_table(search, scenario, ok, binding, lo, lo2, extra, change_text,
                            tol, max_scale, marginal, corridors) if binding is not None \
        else pd.DataFrame(columns=CORRIDOR_COLUMNS)
    steps = pd.DataFrame(search.rows)
    result = CapacityResult(
        scale=lo, demand_teu=demand_teu, channel_teu=ch, channel_ci=(ch_lo, ch_hi),
        binding=binding, resources=resources, marginal_teu=marginal_teu,
        marginal_change=change_text, steps=steps, folder=store.folder if store else None,
        simulated=cache.simulated, reused=cache.reused, first_unsustainable=hi,
        binding_why=why, marginal_next=nxt, corridors=table, kpi=kpi)
    if store is not None:
        store.write_table("capacity_steps.csv", steps)
        store.write_table("resources.csv", resources)
        store.write_table("binding.csv", table)
        store.write_json(store.folder / "capacity.json", {
            "scale": lo, "first_unsustainable_scale": hi, "demand_teu": demand_teu,
            "channel_teu": result.channel_teu, "channel_ci": list(result.channel_ci),
            "binding": binding, "binding_why": why, "marginal_teu": marginal_teu,
            "marginal_change": change_text, "marginal_next": nxt,
            "corridors": table.replace({np.nan: None}).to_dict("records"),
            "replications": replications, "tol": tol, "growth_tol": growth_tol,
            "rules": RULES})
    return result


def _corridor_table(search: _Search, scn: Scenario, ok: Experiment, binding: str, lo: float,
                    lo2: float | None, extra: Changes, change_text: str | None, tol: float,
                    max_scale: float, marginal: bool, corridors: bool) -> pd.DataFrame:
    """One row per corridor of the target's cargo: what limits its channel TEU."""
    judged = search.judged
    rows_of: dict[str, tuple[int, ...]] = dict(zip(judged.index, judged["rows"], strict=True))
    bound_rows = set(rows_of.get(binding, ()))
    names = sorted({c for i, d in enumerate(scn.demand) if d.cargo in search.cargo
                    for c in _corridors_of(scn, d.origin, d.destination)})
    more = search.experiment(None, lo2, extra) if lo2 is not None and lo2 != lo else None
    free_of = {c: tuple(i for i, d in enumerate(scn.demand) if d.cargo in search.cargo
                        and c in _corridors_of(scn, d.origin, d.destination)
                        and i not in bound_rows) for c in names}
    first = {c: search.guess_up(free, 1.0, (), max_scale) for c, free in free_of.items()
             if free and corridors}
    # the corridors' first probes in one batch (the workers stay busy)
    search.cache.run([search.changes(free_of[c], x, ()) for c, x in first.items()],
                     range(search.replications))
    out = []
    for c in names:
        free = free_of[c]
        mean, ci_lo, ci_hi = _channel(ok, c)
        row: dict[str, Any] = {"corridor": c, "rows_scaled": 0, "demand_scale": lo,
                               "channel_teu": mean, "ci_low": ci_lo, "ci_high": ci_hi,
                               "growth_unit": f"{UNIT[search.cargo[0]]}/day"}
        if not free:
            util = resource_table(ok, None, judged.loc[[binding]]).iloc[0]
            row |= {"binding": binding, "why": "network", "bound_by_network": True,
                    "utilisation": util["utilisation"], "marginal_change": change_text,
                    "marginal_teu": (_channel(more, c)[0] - mean) if more is not None
                    else (0.0 if change_text else None)}
        elif corridors:
            row |= _corridor_search(search, scn, free, c, first[c], tol, max_scale, marginal)
        out.append(row)
    return pd.DataFrame(out, columns=CORRIDOR_COLUMNS)


def _corridor_search(search: _Search, scn: Scenario, free: tuple[int, ...], corridor: str,
                     first: float, tol: float, max_scale: float,
                     marginal: bool) -> dict[str, Any]:
    """Scale the corridor's rows ``free`` alone from the probe ``first``: its limit, binding
    resource and marginal."""
    label = f"corridor {corridor}"
    m_lo, m_hi = search.find(free, (), first, tol, max_scale, lo=1.0, label=label)
    m_lo = m_lo if m_lo is not None else 1.0
    ok_c = search.experiment(free, m_lo)
    over_c = search.experiment(free, m_hi) if m_hi is not None else None
    table = resource_table(ok_c, over_c, _fam_judged(search, free))
    c_mean, c_lo, c_hi = _channel(ok_c, corridor)
    row: dict[str, Any] = {"rows_scaled": len(free), "demand_scale": search.base * m_lo,
                           "channel_teu": c_mean, "ci_low": c_lo, "ci_high": c_hi,
                           "bound_by_network": False}
    if m_hi is None:
        return row | {"binding": None, "why": f"none up to x{max_scale:g}"}
    b, why = binding_of(table)
    top = table.set_index("resource").loc[b] if b is not None else None
    row |= {"binding": b, "why": why}
    if top is not None:
        row |= {"utilisation": top["utilisation"], "utilisation_over": top["utilisation_over"],
                "queue_growth_over": top["queue_growth_over"], "growth_unit": top["growth_unit"]}
    if marginal and b is not None:
        m2, _h2, text, nxt, extra = _marginal(search, scn, free, b, m_lo, tol, max_scale,
                                              f"{label}, one more")
        gain = _channel(search.experiment(free, m2, extra), corridor)[0] - c_mean \
            if m2 is not None and m2 != m_lo else 0.0
        row |= {"marginal_change": text, "marginal_teu": gain, "marginal_next": nxt}
    return row
