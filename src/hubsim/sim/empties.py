"""Empty containers: box pools per node, loaded flows that take and release boxes, and the
repositioning of empties (only in runs whose scenario has an ``empties`` section).

The rule (``docs/empties.md``):

* **Pools.** Every node has a pool of boxes (TEU), at the start ``empties.initial_teu`` or
  ``initial_cover_days`` of its expected box outflow (the container demand rows starting
  there, at their yearly average rate).
* **Loaded boxes.** A container consignment takes its boxes from its origin's pool when it
  is generated; when the pool holds fewer, it waits there (first come, first served: a
  shipper cannot load without a box) and moves on when enough boxes have come back, with a
  ``box_wait`` event. At its destination its boxes go into that node's pool.
* **Repositioning.** Every ``review_days`` each node's position (its stock, plus empties on
  their way to it, less the boxes its waiting consignments need) is compared with its
  target, its expected outflow over ``cover_days``. A node below target is short by the
  difference; a node above it has a surplus of what it holds beyond its target and its
  waiting need. The shortest node is served first, from the surplus node with the cheapest
  route (haulage cost per TEU), then the next, in whole TEU of at least ``min_batch_teu``.
  An empty consignment (cargo code :data:`~hubsim.sim.cargo.EMPTY`, no tonnes, never
  international) is routed as a container, queued behind loaded cargo (scheduled vehicles
  take empties only into the room loaded cargo leaves; trucks carry them at once), lifted,
  stored and handled at hubs like loaded boxes, and at its destination its boxes join that
  pool.

Boxes are conserved: at every instant, boxes at the start = boxes in the pools + boxes in
loaded consignments under way + boxes in empty consignments under way, each counted from the
live structures (:meth:`Boxes.balance`, checked by the engine at the end).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator
from typing import Any

import networkx as nx

from hubsim.errors import ConservationError
from hubsim.scenario.schema import HOURS_PER_YEAR, Empties
from hubsim.sim import records as R
from hubsim.sim.cargo import AIR, EMPTY, Consignment
from hubsim.sim.context import Context
from hubsim.sim.loop import Step
from hubsim.sim.network import Leg, NoRoute, build_network, route_for

__all__ = ["Boxes"]

#: ``onward(c, gate_in)``: move a consignment on from its origin
#: (:meth:`hubsim.sim.flow.Flow.start`).
Onward = Callable[[Consignment, bool], None]


class Boxes:
    """The box pools of a run and the repositioning of empties.

    Parameters
    ----------
    ctx : Context
        The run's shared parts.
    onward : callable
        ``onward(c, gate_in)`` moves a consignment that has its boxes on from its origin.
    """

    def __init__(self, ctx: Context, onward: Onward) -> None:
        cfg = ctx.scn.empties
        if cfg is None:
            raise ValueError("Boxes needs a scenario with an empties section")
        self.cfg: Empties = cfg
        self.ctx = ctx
        self.env = ctx.env
        self.onward = onward
        self.nodes = [nid for nid, _, _ in ctx.scn.iter_nodes()]
        #: expected loaded box outflow per node, TEU/h (the demand rows' yearly average)
        self.outflow_h = dict.fromkeys(self.nodes, 0.0)
        for dem in ctx.scn.demand:
            if dem.cargo == "container":
                self.outflow_h[dem.origin] += dem.teu_per_year / HOURS_PER_YEAR
        cover0 = cfg.initial_cover_days * 24.0
        #: boxes in each pool, TEU
        self.stock = {n: float(cfg.initial_teu[n]) if n in cfg.initial_teu
                      else float(round(self.outflow_h[n] * cover0)) for n in self.nodes}
        self.total = sum(self.stock.values())
        #: consignments waiting for boxes at their origin, with their ``gate_in``
        self.waiting: dict[str, deque[tuple[Consignment, bool]]] = \
            {n: deque() for n in self.nodes}
        self.need = dict.fromkeys(self.nodes, 0.0)  # TEU the waiting consignments need
        self.inbound = dict.fromkeys(self.nodes, 0.0)  # empties on their way to each node
        self.graph: nx.MultiDiGraph | None = None
        self.routes: dict[tuple[str, str], tuple[tuple[Leg, ...], float] | None] = {}

    # ---------------------------------------------------------------- loaded boxes
    def depart(self, c: Consignment, gate_in: bool) -> None:
        """A new consignment at its origin: takes its boxes and moves on, or waits for them
        (air cargo moves on at once)."""
        if c.cargo == AIR:
            self.onward(c, gate_in)
            return
        node = c.node
        if not self.waiting[node] and self.stock[node] >= c.teu - 1e-9:
            self.stock[node] -= c.teu
            self.onward(c, gate_in)
            return
        self.waiting[node].append((c, gate_in))
        self.need[node] += c.teu

    def delivered(self, c: Consignment) -> None:
        """``c`` is at its destination: its boxes join that pool (then serve who waits)."""
        if c.cargo == AIR:
            return
        node = c.dest
        self.stock[node] += c.teu
        if c.cargo == EMPTY:
            self.inbound[node] -= c.teu
        if self.waiting[node]:
            self._serve(node)

    def _serve(self, node: str) -> None:
        """Consignments waiting at ``node`` take boxes in order while the pool has them."""
        q, now = self.waiting[node], self.env.now
        idx = self.ctx.node_idx[node]
        while q and self.stock[node] >= q[0][0].teu - 1e-9:
            c, gate_in = q.popleft()
            self.stock[node] -= c.teu
            self.need[node] -= c.teu
            self.ctx.rec.event(now, R.BOX_WAIT, c.cid, idx, -1, -1, -1, c.teu, c.tonnes,
                               now - c.created, 0.0)
            self.onward(c, gate_in)
        if not q:
            self.need[node] = 0.0  # clear float residue

    def close_waits(self) -> None:
        """At the end of the run: a ``box_wait`` event for each consignment still waiting,
        with its wait so far."""
        now = self.env.now
        for node, q in self.waiting.items():
            idx = self.ctx.node_idx[node]
            for c, _ in q:
                self.ctx.rec.event(now, R.BOX_WAIT, c.cid, idx, -1, -1, -1, c.teu, c.tonnes,
                                   now - c.created, 0.0)

    # ---------------------------------------------------------------- repositioning
    def reviews(self) -> Generator[Step, Any, None]:
        """Every ``review_days``: send empties from surplus to short nodes."""
        step = self.cfg.review_days * 24.0
        while True:
            yield self.env.timeout(step)
            self.reposition()

    def reposition(self) -> None:
        """One review: the shortest node first, from the cheapest surplus node."""
        cover = self.cfg.cover_days * 24.0
        short: list[tuple[float, int, str]] = []
        surplus: dict[str, float] = {}
        for i, n in enumerate(self.nodes):
            target = self.outflow_h[n] * cover
            position = self.stock[n] + self.inbound[n] - self.need[n]
            if position < target - 1e-9:
                short.append((-(target - position), i, n))
            spare = self.stock[n] - self.need[n] - target
            if spare >= 1.0 - 1e-9:
                surplus[n] = spare
        short.sort()
        for neg, _, n in short:
            gap = -neg
            for s in self._sources(n, surplus):
                amount = math.floor(min(gap, surplus[s]) + 1e-9)
                if amount < self.cfg.min_batch_teu - 1e-9:
                    continue
                self._send(s, n, float(amount), self._route(s, n))
                surplus[s] -= amount
                gap -= amount
                if gap < self.cfg.min_batch_teu - 1e-9:
                    break

    def _sources(self, dest: str, surplus: dict[str, float]) -> list[str]:
        """Surplus nodes with a container route to ``dest``, cheapest route first."""
        found = []
        for i, s in enumerate(self.nodes):
            if s == dest or surplus.get(s, 0.0) < 1.0 - 1e-9:
                continue
            route = self._route(s, dest)
            if route is not None:
                found.append((route[1], i, s))
        found.sort()
        return [s for _, _, s in found]

    def _route(self, origin: str, dest: str) -> tuple[tuple[Leg, ...], float] | None:
        """The container route from ``origin`` to ``dest`` and its haulage cost, USD/TEU
        (None: no route)."""
        key = (origin, dest)
        if key not in self.routes:
            route = self.ctx.routes.get((origin, dest, "container"))
            if route is None:
                if self.graph is None:
                    self.graph = build_network(self.ctx.scn)
                try:
                    route = route_for(self.graph, self.ctx.scn, origin, dest, "container")
                except NoRoute:
                    self.routes[key] = None
                    return None
            links = self.ctx.scn.links
            self.routes[key] = (route, sum(links[leg.link].cost_usd_per_teu for leg in route))
        return self.routes[key]

    def _send(self, origin: str, dest: str, teu: float,
              route: tuple[tuple[Leg, ...], float] | None) -> None:
        """An empty consignment of ``teu`` boxes from ``origin``'s pool to ``dest`` on
        ``route`` (:meth:`_route`; None never comes: :meth:`_sources` offers routed nodes)."""
        if route is None:
            return
        ctx, ledger, now = self.ctx, self.ctx.ledger, self.env.now
        c = Consignment(cid=ledger.new_cid(), load=teu, teu=teu, tonnes=0.0, intl=False,
                        route=route[0], leg=0, node=origin, dest=dest, created=now, since=now,
                        depot=False, demand=-1, cargo=EMPTY)
        self.stock[origin] -= teu
        self.inbound[dest] += teu
        ledger.generated[0] += teu
        o_idx = ctx.node_idx[origin]
        ctx.rec.consignment(c.cid, -1, -1, o_idx, ctx.node_idx[dest], EMPTY, False, now, teu,
                            0.0)
        ctx.rec.event(now, R.GENERATED, c.cid, o_idx, -1, -1, -1, teu, 0.0, 0.0, 0.0)
        ledger.at_node[c.cid] = c
        self.onward(c, origin in ctx.state.hubs)

    # ---------------------------------------------------------------- conservation
    def balance(self) -> dict[str, float]:
        """Boxes at the start, in the pools, in loaded and in empty consignments under way
        (keys ``boxes_total``, ``boxes_in_pools``, ``boxes_loaded``, ``boxes_empty``), the
        last two counted from the ledger's live consignments (less those still waiting for
        their boxes).

        Raises
        ------
        ConservationError
            When the boxes do not add up (a bug in the engine).
        """
        ledger = self.ctx.ledger
        loaded = empty = 0.0
        live = list(ledger.at_node.values())
        for cs in ledger.on_vehicle.values():
            live.extend(cs)
        for c in live:
            if c.cargo == EMPTY:
                empty += c.teu
            elif c.cargo != AIR:
                loaded += c.teu
        loaded -= sum(c.teu for q in self.waiting.values() for c, _ in q)
        pools = sum(self.stock.values())
        out = {"boxes_total": self.total, "boxes_in_pools": pools, "boxes_loaded": loaded,
               "boxes_empty": empty}
        if abs(self.total - pools - loaded - empty) > 1e-6 * max(1.0, self.total) or \
                any(v < -1e-6 for v in self.stock.values()):
            raise ConservationError(
                f"boxes: {self.total:.6f} at the start != pools {pools:.6f} + loaded "
                f"{loaded:.6f} + empty {empty:.6f} (or a pool below zero)")
        return out
