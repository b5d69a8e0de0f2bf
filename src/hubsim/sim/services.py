"""Scheduled services: timetabled departures, what a vehicle takes, its cycle, its fleet.

Each scheduled service departs per direction on a headway (an investment may change it from a
date). With a finite fleet a departure waits for a vehicle at that end (missed slots are
skipped); the vehicles start split between the ends. On a link closed at the slot the
departure is cancelled (a ``cancelled`` event) and its cargo waits. With the ``full`` rules
the vehicle waits to fill (at most ``max_wait_h``). At its slot a vehicle takes ready
consignments first come first served up to its capacity (times the link's low-water factor),
splitting the last one; it then loads, in its own process so the timetable keeps its slots, in
its hub area (:mod:`hubsim.sim.terminals`: a position, units, moves; the taken consignments
stay at the node until it departs).

**Loads aboard when the link closes.** The link is checked again when the loaded vehicle
actually leaves: if it closed while the vehicle was loading, the vehicle leaves its position
and waits at the node with its load aboard (a ``held`` event per load) until the link reopens,
then departs; its loads are not put back in the queue or re-routed.

It travels (:mod:`hubsim.sim.travel`); at the far end it waits (anchorage, holding siding) until
the yard has room for what moves on from there (:meth:`hubsim.sim.hubs.Hub.admit`), is
discharged in that hub's area, and stays there for the return service (or runs back empty when
one-way). The service's ``priority`` applies at positions, units, yard room and locks.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from hubsim.errors import ScenarioError
from hubsim.scenario.schema import Scenario, Service
from hubsim.sim import records as R
from hubsim.sim.cargo import AIR, EMPTY, Consignment
from hubsim.sim.context import Context
from hubsim.sim.hubs import Hub
from hubsim.sim.loop import Step
from hubsim.sim.slots import Slots
from hubsim.sim.terminals import Handled

__all__ = ["Queue", "QueueKey", "Services", "build_queues", "directions", "handled", "wait_open"]

#: ``(from node, to node, mode, cargo class)``: one direction of a link for one class of cargo.
QueueKey = tuple[str, str, str, str]


@dataclass(slots=True, eq=False)
class Queue:
    """Ready consignments waiting at a node for a scheduled vehicle to the next node.

    Attributes
    ----------
    items : deque of Consignment
        In arrival order.
    load : float
        Their total load, TEU (air cargo: t), empty boxes included.
    signal : simpy.Event or None
        Succeeds at the next arrival while a vehicle waits to fill.
    spare : deque of Consignment
        Empty boxes being repositioned (:mod:`hubsim.sim.empties`), in arrival order: a
        vehicle takes them only into the room the loaded ``items`` leave.
    """

    items: deque[Consignment] = field(default_factory=deque)
    load: float = 0.0
    signal: simpy.Event | None = None
    spare: deque[Consignment] = field(default_factory=deque)

    def put(self, c: Consignment) -> None:
        """Queue ``c`` and wake a vehicle waiting to fill."""
        (self.spare if c.cargo == EMPTY else self.items).append(c)
        self.load += c.load
        if self.signal is not None and not self.signal.triggered:
            self.signal.succeed()


def directions(svc: Service) -> list[tuple[str, str]]:
    """The directed (from node, to node) pairs a service runs."""
    return [(svc.from_, svc.to)] + ([(svc.to, svc.from_)] if svc.bidirectional else [])


def build_queues(scn: Scenario) -> dict[QueueKey, Queue]:
    """One :class:`Queue` per direction, mode and cargo class that a scheduled service runs,
    in the order of the services."""
    queues: dict[QueueKey, Queue] = {}
    for svc in scn.services:
        if not svc.on_demand:
            for u, v in directions(svc):
                queues.setdefault((u, v, svc.mode, svc.cargo), Queue())
    return queues


class Services:
    """The scheduled services of a run: one departure process per service and direction.

    Parameters
    ----------
    ctx : Context
        The run's shared parts.
    queues : dict of QueueKey to Queue
        Where ready consignments wait (:func:`build_queues`).
    onward : callable
        ``onward(c)`` moves a consignment discharged at a hub on (dwell, next leg).
    """

    def __init__(self, ctx: Context, queues: dict[QueueKey, Queue],
                 onward: Callable[[Consignment], None]) -> None:
        self.ctx = ctx
        self.env = ctx.env
        self.rec = ctx.rec
        self.ledger = ctx.ledger
        self.hubs = ctx.state.hubs
        self.queues = queues
        self.onward = onward

    def start(self) -> None:
        """Start the departure processes (and the fleets, split between the ends)."""
        for j, svc in enumerate(self.ctx.scn.services):
            if svc.on_demand:
                continue
            ends = [svc.from_, svc.to] if svc.bidirectional else [svc.from_]
            pools = None
            if svc.fleet:
                # vehicles start split between the ends (the start end gets the odd one)
                n_from = (svc.fleet + 1) // 2 if svc.bidirectional else svc.fleet
                # a pool's free units are the vehicles waiting at that end
                pools = {svc.from_: Slots(self.env, svc.fleet, used=svc.fleet - n_from),
                         svc.to: Slots(self.env, svc.fleet, used=n_from)}
                self.ctx.state.pools[j] = pools
            for u in ends:
                v = svc.to if u == svc.from_ else svc.from_
                self.env.process(self._departures(j, u, v, pools))

    # ---------------------------------------------------------------- the timetable
    def _departures(self, j: int, u: str, v: str,
                    pools: dict[str, Slots] | None) -> Generator[Step, Any, None]:
        """Departures of service ``j`` from ``u`` to ``v``, one per timetable slot."""
        env = self.env
        svc = self.ctx.scn.services[j]
        cargo, cap = svc.cargo, svc.capacity
        anchor, headway = svc.first_departure_h, _headway(svc)
        changes = self.ctx.state.timetables.get(j, [])  # new frequencies from a date
        next_change = changes[0][0] if changes else math.inf
        q = self.queues[(u, v, svc.mode, cargo)]
        link = self.ctx.link_idx[(u, v, svc.mode)]
        closed = self.ctx.state.link_closed
        factor = self.ctx.state.link_factor
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
                self._cancelled(q, u, link, j, cargo)
                k += 1
                continue
            if pools is not None:
                grant = pools[u].acquire()
                if grant is not None:
                    yield grant
            room = cap * factor[link]  # low water: part of the capacity
            if svc.rule != "schedule":
                yield from self._fill(q, room, svc.max_wait_h)
            take = self._take(q, room, u)
            # the vehicle loads and leaves in its own process, so a long loading never holds
            # up the next slot; its consignments stay at the node until they depart
            env.process(self._vehicle(j, u, v, link, scheduled, take, pools, cap))
            # next slot: skip the ones already missed while waiting for a vehicle or cargo
            k = max(k + 1, math.ceil((env.now - anchor) / headway - 1e-9))

    def _cancelled(self, q: Queue, u: str, link: int, j: int, cargo: str) -> None:
        """Link closed: the departure is cancelled and its cargo waits at the node."""
        load = q.load
        self.rec.event(self.env.now, R.CANCELLED, -1, self.ctx.node_idx[u], link, j, -1,
                       load if cargo == "container" else 0.0, load if cargo == "air" else 0.0,
                       0.0, 0.0)

    def _fill(self, q: Queue, room: float,
              max_wait_h: float | None) -> Generator[Step, Any, None]:
        """Wait until ``q`` holds ``room`` or ``max_wait_h`` hours have passed (none: no
        limit)."""
        env = self.env
        deadline = env.now + (max_wait_h if max_wait_h is not None else math.inf)
        while q.load < room - 1e-9 and env.now < deadline:
            q.signal = env.event()
            if math.isinf(deadline):
                yield q.signal
            else:
                yield q.signal | env.timeout(deadline - env.now)
            q.signal = None

    # ---------------------------------------------------------------- taking loads
    def _take(self, q: Queue, cap: float, u: str) -> list[Consignment]:
        """Take consignments from the head of ``q`` up to ``cap`` (splitting the last one;
        containers in whole TEU); empty boxes (``q.spare``) fill the room left after the
        loaded ones."""
        take: list[Consignment] = []
        room = self._take_from(q, q.items, cap, u, take)
        if q.spare and room > 1e-9:
            self._take_from(q, q.spare, room, u, take)
        if not q.items and not q.spare:
            q.load = 0.0  # clear float residue
        return take

    def _take_from(self, q: Queue, items: deque[Consignment], room: float, u: str,
                   take: list[Consignment]) -> float:
        """Move consignments from the head of ``items`` (part of ``q``) to ``take`` up to
        ``room``; the room left."""
        while items and room > 1e-9:
            c = items[0]
            if c.load <= room + 1e-9:
                items.popleft()
                take.append(c)
                room -= c.load
                q.load -= c.load
                continue
            part = math.floor(room + 1e-9) if c.cargo != AIR else room
            if part <= 1e-9:
                break
            take.append(self._split(c, part, u))
            q.load -= part
            room -= part
            break
        return room

    def _split(self, c: Consignment, part: float, u: str) -> Consignment:
        """Cut ``part`` off ``c`` (which stays queued); the new piece goes on the vehicle."""
        frac = part / c.load
        # the piece keeps c's depot flag: depot load is the sum over flagged consignments. As
        # dataclasses.replace(c, cid=..., load=part, teu=..., tonnes=...), positional in the
        # order of Consignment's fields, in a tenth of the time
        p = Consignment(self.ledger.new_cid(), part, c.teu * frac, c.tonnes * frac, c.intl,
                        c.route, c.leg, c.node, c.dest, c.created, c.since, c.depot, c.demand,
                        c.cargo)
        c.load -= part
        c.teu -= p.teu
        c.tonnes -= p.tonnes
        node_idx = self.ctx.node_idx
        self.ctx.rec.consignment(p.cid, c.cid, p.demand, node_idx[c.route[0].u],
                                 node_idx[p.dest], p.cargo, p.intl, p.created, p.teu, p.tonnes)
        self.rec.event(self.env.now, R.SPLIT, p.cid, node_idx[u], -1, -1, -1, p.teu, p.tonnes, 0.0,
                       0.0)
        self.ledger.at_node[p.cid] = p
        return p

    # ---------------------------------------------------------------- the vehicle
    def _vehicle(self, j: int, u: str, v: str, link: int, scheduled: float,
                 take: list[Consignment], pools: dict[str, Slots] | None,
                 capacity: float) -> Generator[Step, Any, None]:
        """One departure of service ``j`` (``capacity`` per vehicle, TEU or t): load at
        ``u``, travel, discharge at ``v``."""
        env, rec, ledger, ctx = self.env, self.rec, self.ledger, self.ctx
        svc = ctx.scn.services[j]
        mode, priority = svc.mode, svc.priority
        hub = self.hubs.get(u)
        load = sum(c.load for c in take)
        if hub is not None and take:
            h = yield from hub.areas[mode].handle(load, priority)
            handled(ctx, hub, take, R.LIFT_ON, link, j, -1, load, h)
            for c in take:
                hub.yard_out(c)
        ui, vi = ctx.node_idx[u], ctx.node_idx[v]
        if ctx.state.link_closed[link]:
            yield from wait_open(ctx, link, take, ui, j)
        trip = ledger.new_trip()
        t_dep = env.now  # (the clock is read once for each batch of records: no yield between)
        row = rec.trip(trip, j, link, ui, vi, scheduled, t_dep, load, capacity, 1)
        at_node = ledger.at_node
        for c in take:
            rec.event(t_dep, R.DEPART, c.cid, ui, link, j, trip, c.teu, c.tonnes,
                      t_dep - c.since, 0.0)
            del at_node[c.cid]
        ledger.on_vehicle[trip] = take
        yield from ctx.travel.run(link, u, take, j, trip, ui, priority=priority)
        t_arr = env.now
        rec.arrived(row, t_arr)
        for c in take:
            rec.event(t_arr, R.ARRIVE, c.cid, vi, link, j, trip, c.teu, c.tonnes, 0.0,
                      t_arr - t_dep)
        hub = self.hubs.get(v)
        if hub is not None and take:
            yield from hub.admit([c for c in take if c.dest != v], link, j, trip, priority)
            h = yield from hub.areas[mode].handle(load, priority)
            handled(ctx, hub, take, R.LIFT_OFF, link, j, trip, load, h)
        del ledger.on_vehicle[trip]
        self._discharged(take, v, vi)
        if pools is not None:
            yield from self._back(j, u, v, link, pools)

    def _discharged(self, take: list[Consignment], v: str, vi: int) -> None:
        """The load is off the vehicle at ``v``: delivered, or into the yard to move on."""
        now = self.env.now
        for c in take:
            c.node = v
            c.leg += 1
            c.since = now
            if v == c.dest:
                self.ledger.deliver(c, vi)
            else:
                self.ledger.at_node[c.cid] = c  # its yard room was taken by Hub.admit
                self.onward(c)

    def _back(self, j: int, u: str, v: str, link: int,
              pools: dict[str, Slots]) -> Generator[Step, Any, None]:
        """The vehicle waits at ``v`` for the return service, or runs back empty to ``u``."""
        if self.ctx.scn.services[j].bidirectional:
            pools[v].release()
        else:
            yield self.env.timeout(self.ctx.travel.draw_return(j))
            pools[u].release()


def handled(ctx: Context, hub: Hub, take: list[Consignment], kind: int, link: int,
            service: int, trip: int, load: float, h: Handled) -> None:
    """Record one vehicle carrying ``take`` (``load`` in all) loaded (``kind`` lift-on) or
    discharged (lift-off) at ``hub`` as ``h`` tells (what its area's ``handle`` returned): a
    ``handling`` row, and a ``kind`` event per consignment with the wait for a position and
    units and its share of the unit-hours worked.

    The callers run the area themselves (``h = yield from hub.areas[mode].handle(load,
    priority)``) rather than through a generator wrapping it: about 410,000 vehicles are
    handled in a simulated year, and a generator costs a frame and a ``StopIteration`` each.
    """
    ctx.rec.handling(hub.idx, link, service, trip, 0 if kind == R.LIFT_ON else 1, h.request_h,
                     h.position_h, h.start_h, h.end_h, h.units, h.moves, load)
    wait = h.start_h - h.request_h
    busy = h.work_h * h.units
    rec, now = ctx.rec, ctx.env.now
    for c in take:
        rec.event(now, kind, c.cid, hub.idx, link, service, trip, c.teu, c.tonnes, wait,
                  busy * c.load / load if load > 0 else 0.0)


def wait_open(ctx: Context, link: int, load: list[Consignment], node: int,
              service: int) -> Generator[Step, Any, None]:
    """While ``link`` is closed the loads wait at node index ``node`` (a ``held`` event each,
    per closure)."""
    state, env = ctx.state, ctx.env
    while state.link_closed[link]:
        reopen = state.link_reopen[link]
        for c in load:
            ctx.rec.event(env.now, R.HELD, c.cid, node, link, service, -1, c.teu, c.tonnes,
                          state.reopen_time(link) - env.now, 0.0)
        yield reopen


def _headway(svc: Service) -> float:
    """Hours between a scheduled service's departures."""
    headway = svc.headway
    if headway is None:  # the schema requires headway_h or per_week unless on demand
        raise ScenarioError(f"services.{svc.id}: give headway_h or per_week")
    return headway
