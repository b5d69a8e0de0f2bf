"""The way of a consignment through the network, from one node to the next.

At a hub a transferring load dwells (``dwell_h``, plus ``clearance_h`` where an international
load enters or leaves the region) and is then ready for its next leg (a ``ready`` event). It
then goes with an on-demand service at once (:mod:`hubsim.sim.trucks`), or waits in the queue
of the scheduled services on that leg (:mod:`hubsim.sim.services`). When the next leg's link
is closed and the outage re-routes, it takes the best route from where it is without the
closed links (a ``rerouted`` event), if there is one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import Any

import networkx as nx

from hubsim.sim import records as R
from hubsim.sim.cargo import AIR, Consignment
from hubsim.sim.context import Context
from hubsim.sim.loop import Step
from hubsim.sim.network import Leg, NoRoute, build_network, route_for
from hubsim.sim.services import Queue, QueueKey
from hubsim.sim.trucks import Trucks

__all__ = ["Flow"]

#: ``(closed link indices, from node, to node, cargo class)``
_DetourKey = tuple[frozenset[int], str, str, str]


class Flow:
    """Moves consignments on from the node they are at.

    Parameters
    ----------
    ctx : Context
        The run's shared parts.
    queues : dict of QueueKey to Queue
        Where ready consignments wait for scheduled services.
    trucks : Trucks
        The on-demand services.
    """

    def __init__(self, ctx: Context, queues: dict[QueueKey, Queue], trucks: Trucks) -> None:
        self.ctx = ctx
        self.env = ctx.env
        self.rec = ctx.rec
        self.hubs = ctx.state.hubs
        self.queues = queues
        self.trucks = trucks
        self.graph: nx.MultiDiGraph | None = None  # built again for re-routing only if needed
        self.detours: dict[_DetourKey, tuple[Leg, ...] | None] = {}

    def start(self, c: Consignment, gate_in: bool = False, dwell: bool = True) -> None:
        """Start moving ``c`` on (a new process): through the gate first with ``gate_in``
        (a truck load at its origin hub), without the dwell with ``dwell=False``."""
        self.env.process(self.proceed(c, gate_in, dwell))

    def proceed(self, c: Consignment, gate_in: bool = False,
                dwell: bool = True) -> Generator[Step, Any, None]:
        """Move ``c`` on from the node it is at, until it is queued for a scheduled vehicle or
        delivered."""
        env, rec, hubs = self.env, self.rec, self.hubs
        state = self.ctx.state
        link_closed = state.link_closed
        carriers = self.trucks.carriers
        if gate_in:
            wait = hubs[c.node].gate_in(c)
            if wait is not None:
                yield from wait
        while True:
            hub = hubs.get(c.node)
            leg = c.route[c.leg]
            link = leg.link
            if hub is not None and dwell:
                d = hub.dwell()
                if c.intl and (leg.gateway or (c.leg > 0 and c.route[c.leg - 1].gateway)):
                    d += hub.clearance()
                if c.depot:
                    d += hub.depot_extra_h
                if d > 0:
                    yield d  # a plain delay (hubsim.sim.loop)
                rec.event(env.now, R.READY, c.cid, hub.idx, -1, -1, -1, c.teu, c.tonnes, 0.0, d)
            dwell = True
            if link_closed[link] and state.reroute[link] and self.reroute(c, link):
                continue  # a new route from here, without the closed link
            carrier = carriers.get(leg.key)
            if carrier is None:
                self.queues[leg.key].put(c)
                return
            yield from self.trucks.carry(c, leg, hub, carrier)
            if c.node == c.dest:
                return

    # ---------------------------------------------------------------- re-routing
    def reroute(self, c: Consignment, link: int) -> bool:
        """Give ``c`` the best route from where it is without the links closed now (a
        ``rerouted`` event naming ``link``); False (and no change) when there is none."""
        state, scn = self.ctx.state, self.ctx.scn
        closed = frozenset(i for i, x in enumerate(state.link_closed) if x)
        cargo = "air" if c.cargo == AIR else "container"  # empty boxes route as containers
        key = (closed, c.node, c.dest, cargo)
        if key not in self.detours:
            if self.graph is None:
                self.graph = build_network(scn)
            g = self.graph.copy()
            g.remove_edges_from([(u, v, k) for u, v, k, i
                                 in g.edges(keys=True, data="link", default=-1) if i in closed])
            try:
                self.detours[key] = route_for(g, scn, c.node, c.dest, cargo)
            except NoRoute:
                self.detours[key] = None
        detour = self.detours[key]
        if detour is None:
            return False
        c.route = c.route[:c.leg] + detour
        self.rec.event(self.env.now, R.REROUTED, c.cid, self.ctx.node_idx[c.node], link, -1, -1,
                       c.teu, c.tonnes, 0.0, 0.0)
        return True

    def reroute_queued(self, link: int) -> None:
        """On closing ``link``: loads queued for it that have another way go that way."""
        link_idx = self.ctx.link_idx
        for (u, v, mode, _), q in self.queues.items():
            if link_idx[(u, v, mode)] != link or not (q.items or q.spare):
                continue
            q.items = self._reroute_lane(q, q.items, link)
            if q.spare:  # empty boxes being repositioned, re-routed the same way
                q.spare = self._reroute_lane(q, q.spare, link)
            if not q.items and not q.spare:
                q.load = 0.0

    def _reroute_lane(self, q: Queue, lane: deque[Consignment], link: int) \
            -> deque[Consignment]:
        """The loads of ``lane`` (part of ``q``) that stay; the others go another way."""
        stay: deque[Consignment] = deque()
        for c in lane:
            if self.reroute(c, link):
                q.load -= c.load
                self.start(c, dwell=False)
            else:
                stay.append(c)
        return stay
