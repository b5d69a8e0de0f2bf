"""The SimPy engine: consignments, vehicles and hub resources as processes; flat records out.

Model (all times in hours; loads in TEU for containers, tonnes for air cargo):

* **Demand** rows generate consignments as the clock runs (Poisson, piecewise-constant monthly
  rate); a consignment is a batch of boxes with one origin, destination and route.
* **Hubs** hold handling equipment (one unit per lift operation, held for load / moves_per_hour)
  and a yard (both :class:`hubsim.sim.slots.Slots`). Yard-full policy: a truck at the gate waits
  until there is room; a scheduled vehicle always discharges and what does not fit goes to
  overflow storage (an ``overflow`` event), so a full yard can never deadlock vehicles.
  Transferring loads then dwell (``dwell_h``, plus ``clearance_h`` where an international load
  enters or leaves the region) before they are ready for the next leg.
* **Scheduled services** depart per direction on a headway; with a finite fleet a departure
  waits for a vehicle at that end (missed slots are skipped). At its slot a vehicle takes ready
  consignments first come first served up to capacity (splitting the last one); it then loads,
  in its own process so the timetable keeps its slots, with one equipment hold sized by the
  whole load (the taken consignments stay at the node until it departs), travels (optionally
  through a lock resource), discharges with one hold, and stays at the far end for the return
  service (or runs back empty when one-way).
* **On-demand services** (trucks) take ceil(load / capacity) vehicles from the fleet at once and
  return them empty after delivery.
* **Disruptions and investments** (:mod:`hubsim.sim.timeline`) flip state at the edges of their
  windows. On a closed link scheduled departures are cancelled (``cancelled`` events), loads
  wait at the node (or, with ``reroute``, take the best route without it: ``rerouted``) and
  vehicles already on it stop until it reopens (``held`` events); low
  water cuts the capacity a departure takes; demand shocks and yearly growth change the
  arrival rate at their boundaries (memoryless restart, as at month ends).

The engine checks conservation at the end: generated = delivered + at nodes + on vehicles, in
TEU and in tonnes, from the live structures; it raises :class:`ConservationError` if not.
"""

from __future__ import annotations

import gc
import math
from bisect import bisect_right
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

import numpy as np
import simpy

from hubsim.errors import ConservationError
from hubsim.scenario.distributions import Dist, Sampler
from hubsim.scenario.schema import HOURS_PER_YEAR, Scenario
from hubsim.sim import records as R
from hubsim.sim.network import build_network, route_table
from hubsim.sim.records import Recorder
from hubsim.sim.slots import Slots
from hubsim.sim.streams import stream

__all__ = ["ConservationError", "EngineOutput", "run_engine"]

_MONTH_START_DAY = list(accumulate([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]))




@dataclass(frozen=True)
class EngineOutput:
    recorder: Recorder
    horizon_h: float
    warmup_h: float
    seed: int
    simpy_events: int
    balance: dict[str, float]
    in_system: dict[str, dict[str, float]]


class _Consignment:
    __slots__ = ("cid", "load", "teu", "tonnes", "intl", "route", "leg", "node", "dest",
                 "created", "since", "overflow", "demand", "cargo")


class _Queue:
    """Ready consignments waiting at ``u`` for a scheduled vehicle to ``v``."""

    __slots__ = ("items", "load", "signal")

    def __init__(self) -> None:
        self.items: deque[_Consignment] = deque()
        self.load = 0.0
        self.signal: simpy.Event | None = None


class _Hub:
    __slots__ = ("idx", "cranes", "rate", "expo", "yard", "overflow", "open", "close", "dwell",
                 "clearance", "equipment", "base_clearance")


def _active_factor(windows: list[tuple[float, float, float]], t: float) -> float:
    """Product of the factors of the windows ``(start, end, factor)`` open at ``t``."""
    out = 1.0
    for s, e, f in windows:
        if s <= t < e:
            out *= f
    return out


class _Engine:
    def __init__(self, scn: Scenario, seed: int, horizon_h: float, warmup_h: float):
        self.scn = scn
        self.seed = seed
        self.horizon_h = horizon_h
        self.warmup_h = warmup_h
        self.env = env = simpy.Environment()
        graph = build_network(scn)
        self.routes = route_table(graph, scn)
        self.node_names = [nid for nid, _, _ in scn.iter_nodes()]
        self.node_idx = {n: i for i, n in enumerate(self.node_names)}
        link_names = [f"{lk.from_}-{lk.to}:{lk.mode}" for lk in scn.links]
        self.link_idx = {}
        for i, lk in enumerate(scn.links):
            self.link_idx[(lk.from_, lk.to, lk.mode)] = i
            self.link_idx[(lk.to, lk.from_, lk.mode)] = i
        self.rec = Recorder(self.node_names, link_names, [s.id for s in scn.services])
        self.event = self.rec.event
        self.expo = Sampler(Dist(dist="exponential", mean=1.0), stream(seed, "unit-exponential"))
        self.hubs: dict[str, _Hub] = {}
        for hid, hub in scn.hubs.items():
            h = _Hub()
            h.idx = self.node_idx[hid]
            h.cranes = Slots(env, hub.equipment)
            h.rate = hub.moves_per_hour
            h.expo = hub.handling == "exponential"
            h.yard = Slots(env, hub.yard_teu)
            h.overflow = 0.0
            h.open, h.close = hub.open_hours
            h.dwell = Sampler(hub.dwell_h, stream(seed, f"dwell:{hid}"))
            h.clearance = Sampler(hub.clearance_h, stream(seed, f"clearance:{hid}"))
            h.base_clearance = h.clearance
            h.equipment = hub.equipment
            self.hubs[hid] = h
        self.transit: dict[int, Sampler] = {}
        for i, lk in enumerate(scn.links):
            dist = lk.transit_h if lk.transit_h is not None else \
                Dist(mean=lk.distance_km / lk.speed_kmh)
            self.transit[i] = Sampler(dist, stream(seed, f"transit:{i}"))
        self.locks = {i: (simpy.Resource(env, capacity=lk.lock.capacity),
                          Sampler(lk.lock.hold_h, stream(seed, f"lock:{i}")), lk.lock.position,
                          lk.from_)
                      for i, lk in enumerate(scn.links) if lk.lock is not None}
        # carriers: for each directed edge and cargo class, an on-demand service or a queue
        self.on_demand: dict[tuple[str, str, str, str], tuple[int, Slots | None,
                                                              float]] = {}
        self.queues: dict[tuple[str, str, str, str], _Queue] = {}
        for j, svc in enumerate(scn.services):
            cargo, cap = svc.cargo, svc.capacity
            dirs = [(svc.from_, svc.to)] + ([(svc.to, svc.from_)] if svc.bidirectional else [])
            if svc.on_demand:
                fleet = Slots(env, svc.fleet) if svc.fleet else None
                for u, v in dirs:
                    self.on_demand[(u, v, svc.mode, cargo)] = (j, fleet, cap)
            else:
                for u, v in dirs:
                    self.queues.setdefault((u, v, svc.mode, cargo), _Queue())
        self.gateway_edge = {i: (lk.from_ in scn.gateways or lk.to in scn.gateways)
                             for i, lk in enumerate(scn.links)}
        self.next_cid = 0
        self.next_trip = 0
        self.generated = [0.0, 0.0]  # TEU, tonnes
        self.delivered = [0.0, 0.0]
        self.at_node: dict[int, _Consignment] = {}
        self.on_vehicle: dict[int, list[_Consignment]] = {}
        # disruptions and investments (hubsim.scenario.disruptions); all neutral when there are none
        n_links = len(scn.links)
        self.link_closed = [False] * n_links
        self.link_reopen: dict[int, simpy.Event] = {}
        self.outages: dict[int, list[tuple[float, float]]] = {}  # closed windows per link
        self.link_factor = [1.0] * n_links  # share of vehicle capacity usable (low water)
        self.reroute = [False] * n_links  # loads avoid the link while it is closed
        self.graph = None  # the network, built again for re-routing only when needed
        self.detours: dict[tuple, tuple | None] = {}
        self.pools: dict[int, dict[str, Slots]] = {}  # scheduled fleets per service
        self.timetables: dict[int, list[tuple[float, float]]] = {}  # (from h, headway) changes
        self.rate_windows: dict[int, list[tuple[float, float, float]]] = {}  # demand shocks

    # ---------------------------------------------------------------- demand
    def start(self) -> None:
        from hubsim.sim.timeline import schedule

        schedule(self)  # before the arrivals: they read the demand shocks it sets up
        for i in range(len(self.scn.demand)):
            self.env.process(self._arrivals(i))
        for j, svc in enumerate(self.scn.services):
            if svc.on_demand:
                continue
            cargo, cap = svc.cargo, svc.capacity
            ends = [svc.from_, svc.to] if svc.bidirectional else [svc.from_]
            if svc.fleet:
                # vehicles start split between the ends (the start end gets the odd one)
                n_from = (svc.fleet + 1) // 2 if svc.bidirectional else svc.fleet
                # a pool's free units are the vehicles waiting at that end
                pools = {svc.from_: Slots(self.env, svc.fleet, used=svc.fleet - n_from),
                         svc.to: Slots(self.env, svc.fleet, used=n_from)}
                self.pools[j] = pools
            else:
                pools = None
            for u in ends:
                v = svc.to if u == svc.from_ else svc.from_
                self.env.process(self._departures(j, u, v, cargo, cap, pools))

    def _arrivals(self, i: int):
        scn, env = self.scn, self.env
        dem = scn.demand[i]
        factors = scn.monthly_factors(dem)
        batch = dem.batch_mean
        base_rate = dem.volume_per_year / batch / HOURS_PER_YEAR  # consignments per hour
        size_rng = stream(self.seed, f"batch:{i}")
        sizes: list[float] = []
        arrival = Sampler(Dist(dist="exponential", mean=1.0), stream(self.seed, f"arrivals:{i}"))
        route = self.routes[(dem.origin, dem.destination, dem.cargo)]
        tonnes_per_teu = dem.tonnes_per_year / dem.teu_per_year if dem.teu_per_year else 0.0
        intl = dem.international
        if intl is None:
            intl = any(scn.gateways[n].international for n in (dem.origin, dem.destination)
                       if n in scn.gateways)
        container = dem.cargo == "container"
        o_idx, d_idx = self.node_idx[dem.origin], self.node_idx[dem.destination]
        day = (env.now / 24.0 - self.warmup_h / 24.0) % 365.0
        # min(): a tiny warm-up makes (-warmup % 365.0) round to exactly 365.0 (month 12)
        month = min(bisect_right(_MONTH_START_DAY, day) - 1, 11)
        month_end_h = env.now + (_MONTH_START_DAY[month + 1] - day) * 24.0
        # growth compounds per measured year (the warm-up runs at year 0's rate); demand
        # shocks multiply the rate inside their windows
        growth = 1.0 + scn.growth.demand_per_year
        year = math.floor((env.now - self.warmup_h) / HOURS_PER_YEAR + 1e-9)
        scale = growth ** max(0, year)
        shocks = self.rate_windows.get(i, [])
        changes = sorted({t for s, e, _ in shocks for t in (s, e) if t > env.now})
        changes.append(math.inf)
        ci = 0
        shock = _active_factor(shocks, env.now)
        while True:
            rate = base_rate * factors[month] * scale * shock
            gap = arrival() / rate if rate > 0 else math.inf
            nxt = changes[ci]
            bound = month_end_h if month_end_h <= nxt else nxt
            if env.now + gap >= bound:
                # memoryless: restart the clock at the boundary with the new rate
                yield env.timeout(bound - env.now)
                if bound == month_end_h:
                    month = (month + 1) % 12
                    month_end_h += (_MONTH_START_DAY[month + 1] - _MONTH_START_DAY[month]) * 24.0
                    if month == 0:
                        year += 1
                        scale = growth ** max(0, year)
                if bound == nxt:
                    ci += 1
                    shock = _active_factor(shocks, nxt)
                continue
            yield env.timeout(gap)
            if not sizes:
                sizes = self._draw_sizes(size_rng, dem.batch_dist, batch, container)
            load = sizes.pop()
            c = _Consignment()
            c.cid = self.next_cid
            self.next_cid += 1
            c.load = load
            c.teu = load if container else 0.0
            c.tonnes = load * tonnes_per_teu if container else load
            c.intl = intl
            c.route = route
            c.leg = 0
            c.node = dem.origin
            c.dest = dem.destination
            c.created = env.now
            c.since = env.now
            c.overflow = False
            c.demand = i
            c.cargo = 0 if container else 1
            self.generated[0] += c.teu
            self.generated[1] += c.tonnes
            self.rec.consignment(c.cid, -1, i, o_idx, d_idx, c.cargo, intl, env.now, c.teu,
                                 c.tonnes)
            self.event(env.now, R.GENERATED, c.cid, o_idx, -1, -1, -1, c.teu, c.tonnes, 0.0, 0.0)
            self.at_node[c.cid] = c
            env.process(self._proceed(c, gate_in=dem.origin in self.hubs))

    @staticmethod
    def _draw_sizes(rng: np.random.Generator, kind: str, mean: float,
                    container: bool) -> list[float]:
        n = 1024
        if kind == "fixed":
            return [float(mean)] * n
        if kind == "geometric":
            if mean <= 1:
                return [1.0] * n
            return rng.geometric(1.0 / mean, n).astype(float).tolist()
        return np.maximum(rng.exponential(mean, n), 1e-3).tolist()

    # ---------------------------------------------------------------- hubs
    def _handle(self, hub: _Hub, load: float):
        """Hold one handling unit for ``load``; returns (queue wait, handling time)."""
        env = self.env
        if hub.close - hub.open < 24.0:
            hod = env.now % 24.0
            if not (hub.open <= hod < hub.close):
                yield env.timeout((hub.open - hod) % 24.0)
        t0 = env.now
        grant = hub.cranes.acquire()
        if grant is not None:
            yield grant
        wait = env.now - t0
        dur = load / hub.rate
        if hub.expo:
            dur *= self.expo()
        yield env.timeout(dur)
        hub.cranes.release()
        return wait, dur

    def _yard_in(self, hub: _Hub, c: _Consignment) -> None:
        """Discharge from a vehicle: never waits; beyond capacity goes to overflow."""
        if hub.yard.used + c.load <= hub.yard.capacity:
            hub.yard.used += c.load  # discharge goes ahead of trucks waiting at the gate
            c.overflow = False
        else:
            hub.overflow += c.load
            c.overflow = True
            self.event(self.env.now, R.OVERFLOW, c.cid, hub.idx, -1, -1, -1, c.teu, c.tonnes,
                       0.0, 0.0)

    def _yard_out(self, hub: _Hub, c: _Consignment) -> None:
        if c.overflow:
            hub.overflow -= c.load
            c.overflow = False
        else:
            hub.yard.release(c.load)

    def _gate_in(self, hub: _Hub, c: _Consignment):
        """A truck load enters the yard: waits at the gate while the yard is full."""
        if c.load > hub.yard.capacity:
            self._yard_in(hub, c)  # can never fit: straight to overflow
        else:
            grant = hub.yard.acquire(c.load)
            if grant is not None:
                yield grant
            c.overflow = False

    # ---------------------------------------------------------------- consignments
    def _proceed(self, c: _Consignment, gate_in: bool = False, dwell: bool = True):
        """Move ``c`` on from the node it is at, until it is queued for a scheduled vehicle or
        delivered."""
        env = self.env
        if gate_in:
            yield from self._gate_in(self.hubs[c.node], c)
        while True:
            hub = self.hubs.get(c.node)
            leg = c.route[c.leg]
            link = self.link_idx[(leg.u, leg.v, leg.mode)]
            if hub is not None and dwell:
                d = hub.dwell()
                if c.intl and (self.gateway_edge[link] or (
                        c.leg > 0 and self._prev_gateway(c))):
                    d += hub.clearance()
                if d > 0:
                    yield env.timeout(d)
                self.event(env.now, R.READY, c.cid, hub.idx, -1, -1, -1, c.teu, c.tonnes, 0.0, d)
            dwell = True
            if self.link_closed[link] and self.reroute[link] and self._reroute(c, link):
                continue  # a new route from here, without the closed link
            key = (leg.u, leg.v, leg.mode, "container" if c.cargo == 0 else "air")
            carrier = self.on_demand.get(key)
            if carrier is None:
                self._enqueue(self.queues[key], c)
                return
            yield from self._truck(c, leg, link, hub, carrier)
            if c.node == c.dest:
                return

    def _prev_gateway(self, c: _Consignment) -> bool:
        prev = c.route[c.leg - 1]
        return self.gateway_edge[self.link_idx[(prev.u, prev.v, prev.mode)]]

    def _enqueue(self, q: _Queue, c: _Consignment) -> None:
        q.items.append(c)
        q.load += c.load
        if q.signal is not None and not q.signal.triggered:
            q.signal.succeed()

    def _truck(self, c: _Consignment, leg, link: int, hub: _Hub | None, carrier):
        env, event = self.env, self.event
        svc, fleet, cap = carrier
        while self.link_closed[link]:
            # the link is closed: the load waits at the node until it reopens
            reopen = self.link_reopen[link]
            event(env.now, R.HELD, c.cid, self.node_idx[leg.u], link, svc, -1, c.teu, c.tonnes,
                  self._reopen_time(link) - env.now, 0.0)
            yield reopen
        n = max(1, math.ceil(c.load / cap - 1e-9))
        if fleet is not None:
            grant = fleet.acquire(min(n, fleet.capacity))
            if grant is not None:
                yield grant
        t_ready = c.since
        if hub is not None:
            wait, dur = yield from self._handle(hub, c.load)
            event(env.now, R.LIFT_ON, c.cid, hub.idx, link, svc, -1, c.teu, c.tonnes, wait, dur)
            self._yard_out(hub, c)
        trip = self.next_trip
        self.next_trip += 1
        u, v = self.node_idx[leg.u], self.node_idx[leg.v]
        row = self.rec.trip(trip, svc, link, u, v, env.now, env.now, c.load, cap * n, n)
        event(env.now, R.DEPART, c.cid, u, link, svc, trip, c.teu, c.tonnes, env.now - t_ready,
              0.0)
        del self.at_node[c.cid]
        self.on_vehicle[trip] = [c]
        t_dep = env.now
        transit = self.transit[link]()
        if link in self.outages:
            yield from self._travel(link, transit, [c], svc, trip, u)
        else:
            yield env.timeout(transit)
        self.rec.arrived(row, env.now)
        event(env.now, R.ARRIVE, c.cid, v, link, svc, trip, c.teu, c.tonnes, 0.0, env.now - t_dep)
        c.node = leg.v
        c.leg += 1
        dest_hub = self.hubs.get(leg.v)
        if dest_hub is not None:
            if c.node != c.dest:
                yield from self._gate_in(dest_hub, c)
            wait, dur = yield from self._handle(dest_hub, c.load)
            event(env.now, R.LIFT_OFF, c.cid, v, link, svc, trip, c.teu, c.tonnes, wait, dur)
        del self.on_vehicle[trip]
        if fleet is not None:
            back = env.timeout(self.transit[link]())
            k = min(n, fleet.capacity)
            back.callbacks.append(lambda _ev: fleet.release(k))
        c.since = env.now
        if c.node == c.dest:
            self._deliver(c, v)
        else:
            self.at_node[c.cid] = c

    def _deliver(self, c: _Consignment, node: int) -> None:
        self.delivered[0] += c.teu
        self.delivered[1] += c.tonnes
        self.event(self.env.now, R.DELIVERED, c.cid, node, -1, -1, -1, c.teu, c.tonnes, 0.0,
                   self.env.now - c.created)

    # ---------------------------------------------------------------- scheduled vehicles
    def _departures(self, j: int, u: str, v: str, cargo: str, cap: float, pools):
        env, scn = self.env, self.scn
        svc = scn.services[j]
        anchor, headway = svc.first_departure_h, svc.headway
        changes = self.timetables.get(j, [])  # new frequencies from a date (investments)
        next_change = changes[0][0] if changes else math.inf
        q = self.queues[(u, v, svc.mode, cargo)]
        link = self.link_idx[(u, v, svc.mode)]
        closed = self.link_closed
        factor = self.link_factor
        k = 0
        while True:
            scheduled = anchor + k * headway
            while scheduled >= next_change:  # the new timetable starts at its date
                anchor, headway = changes[0]
                changes = changes[1:]
                next_change = changes[0][0] if changes else math.inf
                k = 0
                scheduled = anchor
            if scheduled > env.now:
                yield env.timeout(scheduled - env.now)
            if closed[link]:
                # link closed: the departure is cancelled and its cargo waits at the node
                load = q.load
                self.event(env.now, R.CANCELLED, -1, self.node_idx[u], link, j, -1,
                           load if cargo == "container" else 0.0,
                           load if cargo == "air" else 0.0, 0.0, 0.0)
                k += 1
                continue
            if pools is not None:
                grant = pools[u].acquire()
                if grant is not None:
                    yield grant
            room = cap * factor[link]  # low water: part of the capacity
            if svc.rule != "schedule":
                deadline = env.now + (svc.max_wait_h if svc.max_wait_h is not None else math.inf)
                while q.load < room - 1e-9 and env.now < deadline:
                    q.signal = env.event()
                    if math.isinf(deadline):
                        yield q.signal
                    else:
                        yield q.signal | env.timeout(deadline - env.now)
                    q.signal = None
            take = self._take(q, room, u)
            # the vehicle loads and leaves in its own process, so a long loading never holds
            # up the next slot; its consignments stay at the node until they depart
            env.process(self._vehicle(j, u, v, link, scheduled, take, pools))
            # next slot: skip the ones already missed while waiting for a vehicle or cargo
            k = max(k + 1, math.ceil((env.now - anchor) / headway - 1e-9))

    def _take(self, q: _Queue, cap: float, u: str) -> list[_Consignment]:
        take: list[_Consignment] = []
        room = cap
        items = q.items
        while items and room > 1e-9:
            c = items[0]
            if c.load <= room + 1e-9:
                items.popleft()
                take.append(c)
                room -= c.load
                q.load -= c.load
                continue
            part = math.floor(room + 1e-9) if c.cargo == 0 else room
            if part <= 1e-9:
                break
            take.append(self._split(c, part, u))
            q.load -= part
            break
        if not items:
            q.load = 0.0  # clear float residue
        return take

    def _split(self, c: _Consignment, part: float, u: str) -> _Consignment:
        """Cut ``part`` off ``c`` (which stays queued); the new piece goes on the vehicle."""
        frac = part / c.load
        p = _Consignment()
        for name in _Consignment.__slots__:
            setattr(p, name, getattr(c, name))
        p.cid = self.next_cid
        self.next_cid += 1
        p.load = part
        p.teu = c.teu * frac
        p.tonnes = c.tonnes * frac
        c.load -= part
        c.teu -= p.teu
        c.tonnes -= p.tonnes
        # p keeps c's overflow flag: overflow load is the sum over flagged consignments
        ui = self.node_idx[u]
        self.rec.consignment(p.cid, c.cid, p.demand, self.node_idx[c.route[0].u],
                             self.node_idx[p.dest], p.cargo, p.intl, p.created, p.teu, p.tonnes)
        self.event(self.env.now, R.SPLIT, p.cid, ui, -1, -1, -1, p.teu, p.tonnes, 0.0, 0.0)
        self.at_node[p.cid] = p
        return p

    def _vehicle(self, j: int, u: str, v: str, link: int, scheduled: float,
                 take: list[_Consignment], pools):
        """One departure of a scheduled service: load at ``u``, travel, discharge at ``v``."""
        env = self.env
        hub = self.hubs.get(u)
        load = sum(c.load for c in take)
        if hub is not None and take:
            wait, dur = yield from self._handle(hub, load)
            for c in take:
                self.event(env.now, R.LIFT_ON, c.cid, hub.idx, link, j, -1, c.teu, c.tonnes,
                           wait, dur * c.load / load)
                self._yard_out(hub, c)
        trip = self.next_trip
        self.next_trip += 1
        ui, vi = self.node_idx[u], self.node_idx[v]
        row = self.rec.trip(trip, j, link, ui, vi, scheduled, env.now, load,
                            self.scn.services[j].capacity, 1)
        at_node = self.at_node
        for c in take:
            self.event(env.now, R.DEPART, c.cid, ui, link, j, trip, c.teu, c.tonnes,
                       env.now - c.since, 0.0)
            del at_node[c.cid]
        self.on_vehicle[trip] = take
        t_dep = env.now
        transit = self.transit[link]()
        lock = self.locks.get(link)
        outages = link in self.outages
        if lock is None:
            if outages:
                yield from self._travel(link, transit, take, j, trip, ui)
            else:
                yield env.timeout(transit)
        else:
            resource, _, pos, lock_from = lock
            if u != lock_from:
                pos = 1.0 - pos  # the position is measured from the link's ``from`` end
            if outages:
                yield from self._travel(link, transit * pos, take, j, trip, ui)
            else:
                yield env.timeout(transit * pos)
            with resource.request() as req:
                yield req
                yield env.timeout(self.locks[link][1]())  # lock_wait may swap the sampler
            if outages:
                yield from self._travel(link, transit * (1 - pos), take, j, trip, ui)
            else:
                yield env.timeout(transit * (1 - pos))
        self.rec.arrived(row, env.now)
        for c in take:
            self.event(env.now, R.ARRIVE, c.cid, vi, link, j, trip, c.teu, c.tonnes, 0.0,
                       env.now - t_dep)
        hub = self.hubs.get(v)
        if hub is not None and take:
            load = sum(c.load for c in take)
            wait, dur = yield from self._handle(hub, load)
            for c in take:
                self.event(env.now, R.LIFT_OFF, c.cid, vi, link, j, trip, c.teu, c.tonnes, wait,
                           dur * c.load / load)
        del self.on_vehicle[trip]
        for c in take:
            c.node = v
            c.leg += 1
            c.since = env.now
            if v == c.dest:
                self._deliver(c, vi)
            else:
                self.at_node[c.cid] = c
                self._yard_in(hub, c)  # a vehicle never passes through a zone or gateway
                env.process(self._proceed(c))
        if pools is not None:
            svc = self.scn.services[j]
            if svc.bidirectional:
                pools[v].release()
            else:
                yield env.timeout(self.transit[link]())
                pools[u].release()

    # ---------------------------------------------------------------- disruptions
    def _travel(self, link: int, duration: float, load: list[_Consignment], j: int, trip: int,
                node: int):
        """Move for ``duration`` hours on ``link``, standing still while it is closed (a
        ``held`` event per consignment on board each time it stops)."""
        env = self.env
        remaining = duration
        for s, e in self.outages[link]:
            if e <= env.now:
                continue
            if s > env.now:
                if s >= env.now + remaining:
                    break
                remaining -= s - env.now
                yield env.timeout(s - env.now)
            for c in load:
                self.event(env.now, R.HELD, c.cid, node, link, j, trip, c.teu, c.tonnes,
                           e - env.now, 0.0)
            yield env.timeout(e - env.now)
        yield env.timeout(remaining)

    def _reroute(self, c: _Consignment, link: int) -> bool:
        """Give ``c`` the best route from where it is without the links closed now; False
        (and no change) when there is none."""
        closed = frozenset(i for i, x in enumerate(self.link_closed) if x)
        cargo = "container" if c.cargo == 0 else "air"
        key = (closed, c.node, c.dest, cargo)
        if key not in self.detours:
            from hubsim.sim.network import NoRoute, route_for

            if self.graph is None:
                self.graph = build_network(self.scn)
            g = self.graph.copy()
            g.remove_edges_from([(u, v, k) for u, v, k, i in g.edges(keys=True, data="link")
                                 if i in closed])
            try:
                self.detours[key] = route_for(g, self.scn, c.node, c.dest, cargo)
            except NoRoute:
                self.detours[key] = None
        detour = self.detours[key]
        if detour is None:
            return False
        c.route = c.route[:c.leg] + detour
        self.event(self.env.now, R.REROUTED, c.cid, self.node_idx[c.node], link, -1, -1,
                   c.teu, c.tonnes, 0.0, 0.0)
        return True

    def reroute_queued(self, link: int) -> None:
        """On closing ``link``: loads queued for it that have another way go that way."""
        for (u, v, mode, _), q in self.queues.items():
            if self.link_idx[(u, v, mode)] != link or not q.items:
                continue
            stay: deque[_Consignment] = deque()
            for c in q.items:
                if self._reroute(c, link):
                    q.load -= c.load
                    self.env.process(self._proceed(c, dwell=False))
                else:
                    stay.append(c)
            q.items = stay
            if not stay:
                q.load = 0.0

    def _reopen_time(self, link: int) -> float:
        now = self.env.now
        return next((e for s, e in self.outages[link] if s <= now < e), now)

    # ---------------------------------------------------------------- the end
    def check_conservation(self) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
        at_node = [0.0, 0.0]
        by_node: dict[str, float] = {}
        for c in self.at_node.values():
            at_node[0] += c.teu
            at_node[1] += c.tonnes
            by_node[c.node] = by_node.get(c.node, 0.0) + c.load
        on_vehicle = [0.0, 0.0]
        for cs in self.on_vehicle.values():
            for c in cs:
                on_vehicle[0] += c.teu
                on_vehicle[1] += c.tonnes
        balance = {}
        for i, unit in enumerate(("teu", "tonnes")):
            gen, dlv = self.generated[i], self.delivered[i]
            rest = at_node[i] + on_vehicle[i]
            balance[f"generated_{unit}"] = gen
            balance[f"delivered_{unit}"] = dlv
            balance[f"at_nodes_{unit}"] = at_node[i]
            balance[f"on_vehicles_{unit}"] = on_vehicle[i]
            if abs(gen - dlv - rest) > 1e-6 * max(1.0, gen):
                raise ConservationError(
                    f"{unit}: generated {gen:.6f} != delivered {dlv:.6f} + at nodes "
                    f"{at_node[i]:.6f} + on vehicles {on_vehicle[i]:.6f}")
        queued = {f"{k[0]}->{k[1]}:{k[2]}": q.load for k, q in self.queues.items() if q.load}
        return balance, {"at_node_load": by_node, "queued_load": queued}


def run_engine(scn: Scenario, seed: int, horizon_h: float, warmup_h: float,
               progress: Callable[[float, float], None] | None = None) -> EngineOutput:
    """Simulate ``horizon_h`` hours and return the records; raises ConservationError on a bug.

    ``progress(sim_day, total_days)``, when given, is called after each simulated day (days
    since the start, warm-up included) and at the end; it has no effect on the results.
    """
    eng = _Engine(scn, seed, horizon_h, warmup_h)
    eng.start()
    # The run allocates millions of short-lived objects but makes no reference cycles worth
    # collecting; the cyclic collector's repeated scans of the growing heap cost about half
    # the run time (benchmarks/), so it is paused for the run and restored after.
    collecting = gc.isenabled()
    gc.disable()
    chunks = 1
    try:
        if progress is None:
            eng.env.run(until=horizon_h)
        else:
            # day by day: each stop is one extra (urgent) SimPy event that comes before the
            # model's events at that instant and changes nothing in their order
            total_days = horizon_h / 24.0
            day = 1
            while day * 24.0 < horizon_h:
                eng.env.run(until=day * 24.0)
                progress(float(day), total_days)
                day += 1
            eng.env.run(until=horizon_h)
            progress(total_days, total_days)
            chunks = day
    finally:
        if collecting:
            gc.enable()
    balance, in_system = eng.check_conservation()
    # events scheduled so far, not counting the extra stops of a run reported day by day
    # (each ``run(until=...)`` takes two event ids in SimPy 4)
    simpy_events = next(eng.env._eid) - 2 * (chunks - 1)  # noqa: SLF001
    return EngineOutput(eng.rec, horizon_h, warmup_h, seed, simpy_events, balance, in_system)
