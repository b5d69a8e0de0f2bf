"""The multimodal network as a NetworkX MultiDiGraph, and routing by generalised cost.

Each scenario link becomes two directed edges (one per direction) keyed by mode. An edge can carry
a cargo class (``container`` or ``air``) when at least one service runs on it in that direction
with a capacity for that class.

Generalised cost of a leg, per TEU (containers) or per tonne (air)::

    money (cost_usd_per_teu | cost_usd_per_t)
    + value_of_time x (mean transit + half the headway of the most frequent service)
    + at a hub: transfer_penalty_usd + value_of_time x mean dwell

Routes are computed once per origin-destination pair and class. Zones and gateways are never
passed through: only the origin and destination may be zones or gateways.

Markets (``markets:``, optional; docs/markets.md) lie beyond the gateways and are not nodes of
the graph. A route to (from) a market is a route to (from) one of the gateways that serve it,
weighed with that gateway's onward leg (money + value_of_time x its transit): the least-cost
over the market's gateways. The simulated legs end (start) at the gateway, where the load is
delivered (created); the onward leg only enters the choice.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from hubsim.errors import ScenarioError
from hubsim.scenario.fields import MODES
from hubsim.scenario.schema import Demand, Onward, Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Leg", "NoRoute", "area_key", "area_table", "build_network", "check_routes",
           "default_international", "leg_parts", "link_table", "market_ends", "node_table",
           "onward_parts", "route_cost", "route_for", "route_table"]


class NoRoute(ScenarioError):
    """No path carries this cargo class from origin to destination."""


@dataclass(frozen=True, slots=True)
class Leg:
    """One move on one link: from ``u`` to ``v`` by ``mode``.

    A route compiles each leg once for the engine's hot path (none of these take part in
    comparisons): ``link`` is the link's index, ``ui`` and ``vi`` the node indices of ``u``
    and ``v`` (the scenario's node order), ``key`` the ``(u, v, mode, cargo)`` key of the
    queue and on-demand carrier on this leg, ``gateway`` whether the link has a gateway at
    one end.
    """

    u: str
    v: str
    mode: str
    link: int = field(default=-1, compare=False)
    ui: int = field(default=-1, compare=False)
    vi: int = field(default=-1, compare=False)
    key: tuple[str, str, str, str] = field(default=("", "", "", ""), compare=False)
    gateway: bool = field(default=False, compare=False)


def build_network(scn: Scenario) -> nx.MultiDiGraph:
    """Nodes carry ``kind``, ``lat``, ``lon``; edges carry the link's figures, ``link`` (index),
    ``gateway`` (leaves the region), ``cargo`` (classes served) and ``headway_h`` per class."""
    g: nx.MultiDiGraph[str] = nx.MultiDiGraph(name=scn.name)
    for nid, kind, node in scn.iter_nodes():
        g.add_node(nid, kind=kind, lat=node.lat, lon=node.lon, name=node.name or nid)
    for i, link in enumerate(scn.links):
        for u, v in ((link.from_, link.to), (link.to, link.from_)):
            g.add_edge(u, v, key=link.mode, link=i, distance_km=link.distance_km,
                       transit_h=link.mean_transit_from(u), cost_usd_per_teu=link.cost_usd_per_teu,
                       cost_usd_per_t=link.cost_usd_per_t, co2_g_per_tkm=link.co2_g_per_tkm,
                       gateway=u in scn.gateways or v in scn.gateways, cargo={}, services=[])
    for j, svc in enumerate(scn.services):
        directions = [(svc.from_, svc.to)]
        if svc.bidirectional:
            directions.append((svc.to, svc.from_))
        for u, v in directions:
            data = g.edges[u, v, svc.mode]
            data["services"].append(j)
            headway = svc.headway
            wait = 0.0 if svc.on_demand or headway is None else headway / 2.0
            for cargo, cap in (("container", svc.capacity_teu), ("air", svc.capacity_t)):
                if cap is not None:
                    data["cargo"][cargo] = min(data["cargo"].get(cargo, wait), wait)
    return g


def _leg_cost(scn: Scenario, g: nx.MultiDiGraph, v: str, data: dict, cargo: str) -> float:
    r = scn.routing
    if cargo == "container":
        money, vot = data["cost_usd_per_teu"], r.value_of_time_usd_per_teu_h
    else:
        money, vot = data["cost_usd_per_t"], r.value_of_time_usd_per_t_h
    cost = money + vot * (data["transit_h"] + data["cargo"][cargo])
    hub = scn.hubs.get(v)
    if hub is not None:
        cost += r.transfer_penalty_usd + vot * hub.dwell_h.expected
    return cost


def leg_parts(scn: Scenario, v: str, data: dict, cargo: str) -> tuple[float, float]:
    """A leg's generalised cost in its two parts: money (the link's charge, plus the transfer
    penalty when ``v`` is a hub), USD per TEU (air: per t), and planned time (transit, half
    the headway, the dwell at a hub ``v``), h. ``money + value_of_time x time`` is the leg's
    cost as the fixed routing weighs it (route choice, :mod:`hubsim.sim.choice`)."""
    r = scn.routing
    money = data["cost_usd_per_teu"] if cargo == "container" else data["cost_usd_per_t"]
    time_h = data["transit_h"] + data["cargo"][cargo]
    hub = scn.hubs.get(v)
    if hub is not None:
        money += r.transfer_penalty_usd
        time_h += hub.dwell_h.expected
    return money, time_h


def onward_parts(onward: Onward, cargo: str) -> tuple[float, float]:
    """A market's onward leg from or to one gateway in its two parts: money (USD per TEU; air
    cargo: per t) and time (h), as :func:`leg_parts` gives a simulated leg's."""
    return (onward.cost_usd_per_teu if cargo == "container" else onward.cost_usd_per_t,
            onward.transit_h)


def market_ends(scn: Scenario, origin: str, destination: str
                ) -> tuple[str, str, dict[str, Onward]] | None:
    """For a pair with a market end: ``(origin, destination, gateways)`` where the market end
    is ``"*"`` and ``gateways`` its gateways with their onward legs; None without markets."""
    if destination in scn.markets:
        return origin, "*", scn.markets[destination].gateways
    if origin in scn.markets:
        return "*", destination, scn.markets[origin].gateways
    return None


def route_cost(scn: Scenario, g: nx.MultiDiGraph, legs: tuple[Leg, ...], cargo: str) -> float:
    """Generalised cost of simulated ``legs`` as the routing weighs it (USD per TEU or t)."""
    return sum(_leg_cost(scn, g, leg.v, g[leg.u][leg.v][leg.mode], cargo) for leg in legs)


def default_international(scn: Scenario, dem: Demand, legs: tuple[Leg, ...]) -> bool:
    """Whether a load of row ``dem`` on route ``legs`` counts as international: the row's
    flag, else the flag of a gateway at an end of its route (for a market row the gateway
    it goes through)."""
    if dem.international is not None:
        return dem.international
    ends = (dem.origin, dem.destination, legs[0].u, legs[-1].v) if legs else \
        (dem.origin, dem.destination)
    return any(scn.gateways[n].international for n in ends if n in scn.gateways)


def _market_route(g: nx.MultiDiGraph, scn: Scenario, origin: str, destination: str,
                  cargo: str) -> tuple[Leg, ...]:
    """The least-cost route to or from a market: over its gateways, the route to (from) the
    gateway plus the onward leg; ties go to the gateway first in id order."""
    ends = market_ends(scn, origin, destination)
    assert ends is not None
    vot = (scn.routing.value_of_time_usd_per_teu_h if cargo == "container"
           else scn.routing.value_of_time_usd_per_t_h)
    best: tuple[float, str, tuple[Leg, ...]] | None = None
    for gid, onward in sorted(ends[2].items()):
        o, d = (origin, gid) if ends[1] == "*" else (gid, destination)
        if o == d:
            continue
        try:
            legs = route_for(g, scn, o, d, cargo)
        except NoRoute:
            continue
        money, time_h = onward_parts(onward, cargo)
        cost = route_cost(scn, g, legs, cargo) + money + vot * time_h
        if best is None or (cost, gid) < best[:2]:
            best = (cost, gid, legs)
    if best is None:
        raise NoRoute(f"no route carries {cargo} cargo from {origin!r} to {destination!r} "
                      f"through any of the market's gateways ({', '.join(sorted(ends[2]))})")
    return best[2]


def check_routes(scn: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Demand rows no route carries, as ``(loc, message)`` (a scenario check that needs the
    network; :func:`hubsim.load_scenario` runs it after the reference checks)."""
    graph = build_network(scn)
    out: list[tuple[tuple[Any, ...], str]] = []
    for i, dem in enumerate(scn.demand):
        try:
            route_for(graph, scn, dem.origin, dem.destination, dem.cargo)
        except NoRoute as exc:
            out.append((("demand", i), str(exc)))
    return out


def route_for(g: nx.MultiDiGraph, scn: Scenario, origin: str, destination: str,
              cargo: str) -> tuple[Leg, ...]:
    """Least generalised-cost route; raises :class:`NoRoute` when there is none.

    A market end (``scn.markets``) is reached through the cheapest of its gateways, onward
    leg included; the legs returned end (start) at that gateway."""
    if scn.markets and (origin in scn.markets or destination in scn.markets):
        return _market_route(g, scn, origin, destination, cargo)

    def passable(n: str) -> bool:
        return n in (origin, destination) or g.nodes[n]["kind"] == "hub"

    view = nx.subgraph_view(g, filter_node=passable)

    def weight(u: str, v: str, keyed: Any) -> float | None:  # a networkx FilterAtlas
        costs = [_leg_cost(scn, g, v, d, cargo) for d in keyed.values() if cargo in d["cargo"]]
        return min(costs) if costs else None

    try:
        nodes = nx.dijkstra_path(view, origin, destination, weight=weight)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        raise NoRoute(f"no route carries {cargo} cargo from {origin!r} to {destination!r}: "
                      "check that links and services connect them through hubs") from None
    index = {nid: i for i, (nid, _, _) in enumerate(scn.iter_nodes())}
    legs = []
    for u, v in itertools.pairwise(nodes):
        options = {k: _leg_cost(scn, g, v, d, cargo) for k, d in g[u][v].items()
                   if cargo in d["cargo"]}
        mode = min(sorted(options), key=options.__getitem__)
        data = g[u][v][mode]
        legs.append(Leg(u, v, mode, link=data["link"], ui=index[u], vi=index[v],
                        key=(u, v, mode, cargo), gateway=data["gateway"]))
    return tuple(legs)


def route_table(g: nx.MultiDiGraph, scn: Scenario) -> dict[tuple[str, str, str],
                                                             tuple[Leg, ...]]:
    """Routes for every (origin, destination, cargo) in the demand, computed once each."""
    table: dict[tuple[str, str, str], tuple[Leg, ...]] = {}
    for dem in scn.demand:
        key = (dem.origin, dem.destination, dem.cargo)
        if key not in table:
            table[key] = route_for(g, scn, *key)
    return table


def link_table(scn: Scenario) -> pd.DataFrame:
    """One row per link: the facts the KPIs need (mode, gateway, corridor, cost, CO2).

    The index is the link name used in the event records (``from-to:mode``).
    """
    import pandas as pd  # only when a table is asked for (start-up time)

    rows = []
    for lk in scn.links:
        gw = lk.from_ if lk.from_ in scn.gateways else lk.to if lk.to in scn.gateways else None
        rows.append({
            "link": f"{lk.from_}-{lk.to}:{lk.mode}", "from": lk.from_, "to": lk.to,
            "mode": lk.mode, "distance_km": lk.distance_km,
            "gateway": gw or "", "corridor": scn.gateways[gw].corridor if gw else "",
            "cost_usd_per_teu": lk.cost_usd_per_teu, "cost_usd_per_t": lk.cost_usd_per_t,
            "co2_g_per_tkm": lk.co2_g_per_tkm,
        })
    return pd.DataFrame(rows).set_index("link")


def node_table(scn: Scenario) -> pd.DataFrame:
    """One row per node: kind, name, coordinates, and hub equipment and yard (NaN elsewhere).

    ``equipment`` is the hub's total installed handling units (every area and the shared pool:
    :attr:`hubsim.scenario.schema.Hub.units`); ``moves_per_hour`` the rate of the shared pool
    (NaN when the hub has only areas; :func:`area_table` has every area's figures);
    ``depot_cost_usd_per_teu`` what a box stored off-dock costs (0 without a depot).
    """
    import pandas as pd  # only when a table is asked for (start-up time)

    rows = []
    for nid, kind, node in scn.iter_nodes():
        hub = scn.hubs.get(nid)
        rows.append({
            "node": nid, "kind": kind, "name": node.name or nid, "lat": node.lat,
            "lon": node.lon,
            "equipment": float(hub.units) if hub else np.nan,
            "moves_per_hour": hub.moves_per_hour if hub and hub.moves_per_hour else np.nan,
            "yard_teu": hub.yard_teu if hub else np.nan,
            "depot_cost_usd_per_teu": hub.depot.cost_usd_per_teu if hub and hub.depot
            else 0.0,
            "corridor": scn.gateways[nid].corridor if nid in scn.gateways else "",
        })
    return pd.DataFrame(rows).set_index("node")


def area_key(hub: str, area: str) -> str:
    """The key of a hub's area in the KPI table: ``<hub>:<mode>`` or ``<hub>:shared``.

    >>> area_key("guoyuan", "water")
    'guoyuan:water'
    """
    return f"{hub}:{area}"


#: Columns of :func:`area_table` (besides its ``area`` index).
AREA_COLUMNS = ["hub", "area", "modes", "positions", "units", "moves_per_hour", "min_units",
                "max_units", "position_name", "equipment_name"]


def area_table(scn: Scenario) -> pd.DataFrame:
    """One row per handling area of every hub: the facts the area KPIs need.

    The index (named ``area``) is the area key (:func:`area_key`): ``<hub>:<mode>`` for an
    area of its own, ``<hub>:shared`` for the hub's shared pool, which handles every mode
    without an area.
    Columns: ``hub``, ``area`` (mode or ``shared``), ``modes`` (the modes it handles, comma
    separated), ``positions`` (NaN: unlimited), ``units`` (installed), ``moves_per_hour`` (per
    unit), ``min_units``, ``max_units``, ``position_name``, ``equipment_name``.
    """
    import pandas as pd  # only when a table is asked for (start-up time)

    rows = []
    for hid, hub in scn.hubs.items():
        if hub.equipment is not None:
            rows.append({"key": area_key(hid, "shared"), "hub": hid, "area": "shared",
                         "modes": ",".join(m for m in MODES if m not in hub.areas),
                         "positions": np.nan, "units": float(hub.equipment),
                         "moves_per_hour": hub.moves_per_hour, "min_units": 1, "max_units": 1,
                         "position_name": "positions", "equipment_name": "units"})
        for mode, a in hub.areas.items():
            rows.append({"key": area_key(hid, mode), "hub": hid, "area": mode,
                         "modes": mode,
                         "positions": float(a.positions) if a.positions is not None else np.nan,
                         "units": float(a.equipment), "moves_per_hour": a.moves_per_hour,
                         "min_units": a.min_units, "max_units": a.max_units,
                         "position_name": a.position_name, "equipment_name": a.equipment_name})
    out = pd.DataFrame(rows, columns=["key", *AREA_COLUMNS]).set_index("key")
    out.index.name = "area"
    return out
