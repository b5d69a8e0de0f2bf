"""On-demand services (trucks): a ready load leaves at once with as many vehicles as it needs.

A load takes ceil(load / capacity) vehicles from the service's fleet at once (all of a finite
fleet at most; exactly as many return to it), is lifted on in the gate area at a hub, travels
(standing still while its link is closed; a load waits at the node while the link is closed,
checked again when the loaded trucks actually leave), waits at the destination hub's gate until
the yard has room (a ``yard_wait`` event) and is lifted off there; the vehicles run back empty
after delivery (on the service's ``return:<service>`` stream).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from math import ceil
from typing import Any

from hubsim.sim import records as R
from hubsim.sim.cargo import Consignment
from hubsim.sim.context import Context
from hubsim.sim.hubs import Hub
from hubsim.sim.loop import Step
from hubsim.sim.network import Leg
from hubsim.sim.services import QueueKey, directions, handled, wait_open
from hubsim.sim.slots import Slots

__all__ = ["Carrier", "Trucks"]


@dataclass(frozen=True, slots=True)
class Carrier:
    """An on-demand service on one direction of a link.

    Attributes
    ----------
    service : int
        Service index.
    fleet : Slots or None
        Its vehicles (None: unlimited).
    capacity : float
        Capacity of one vehicle, TEU (air cargo: t).
    """

    service: int
    fleet: Slots | None
    capacity: float


class Trucks:
    """The on-demand services of a run, by direction, mode and cargo class.

    Parameters
    ----------
    ctx : Context
        The run's shared parts; finite fleets are registered with ``ctx.state`` (investments
        add vehicles to them).
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.env = ctx.env
        self.ledger = ctx.ledger
        self.rec = ctx.rec
        self.travel = ctx.travel
        self.hubs = ctx.state.hubs
        self.carriers: dict[QueueKey, Carrier] = {}
        for j, svc in enumerate(ctx.scn.services):
            if not svc.on_demand:
                continue
            fleet = Slots(ctx.env, svc.fleet) if svc.fleet else None
            if fleet is not None:
                ctx.state.truck_fleets[j] = fleet
            for u, v in directions(svc):
                self.carriers[(u, v, svc.mode, svc.cargo)] = Carrier(j, fleet, svc.capacity)

    def carry(self, c: Consignment, leg: Leg, hub: Hub | None,
              carrier: Carrier) -> Generator[Step, Any, None]:
        """Move ``c`` over ``leg`` from ``hub`` (None: not a hub) to the next node, where it
        is delivered or left to move on."""
        env, ledger, ctx, rec = self.env, self.ledger, self.ctx, self.rec
        svc, fleet, cap = carrier.service, carrier.fleet, carrier.capacity
        link, u, v = leg.link, leg.ui, leg.vi
        link_closed = ctx.state.link_closed
        load = c.load
        alone = [c]  # the trip's load (as the services' lists of consignments)
        if link_closed[link]:
            yield from wait_open(ctx, link, alone, u, svc)
        n = ceil(load / cap - 1e-9) or 1  # at least one (as max(1, ...), a call less)
        took = 0
        if fleet is not None:
            took = min(n, int(fleet.capacity))
            grant = fleet.acquire(took)
            if grant is not None:
                yield grant
        t_ready = c.since
        if hub is not None:
            h = yield from hub.areas[leg.mode].handle(load, 0)
            handled(ctx, hub, alone, R.LIFT_ON, link, svc, -1, load, h)
            hub.yard_out(c)
        if link_closed[link]:  # it may have closed meanwhile
            yield from wait_open(ctx, link, alone, u, svc)
        trip = ledger.new_trip()
        now = env.now
        # a load needing more vehicles than a finite fleet has takes the whole fleet; its trip
        # is recorded with the n vehicles it needs (the repeated runs are not modelled)
        row = rec.trip(trip, svc, link, u, v, now, now, load, cap * n, n)
        rec.event(now, R.DEPART, c.cid, u, link, svc, trip, c.teu, c.tonnes, now - t_ready, 0.0)
        del ledger.at_node[c.cid]
        ledger.on_vehicle[trip] = alone
        travel = self.travel
        transit = travel.draw_from(link, leg.u)
        if link in travel.outages:
            yield from travel.move(link, transit, alone, svc, trip, u)
        else:  # a link that never closes: one plain delay (hubsim.sim.loop; as Travel.move)
            yield transit
        now2 = env.now
        rec.arrived(row, now2)
        rec.event(now2, R.ARRIVE, c.cid, v, link, svc, trip, c.teu, c.tonnes, 0.0, now2 - now)
        c.node = leg.v
        c.leg += 1
        dest_hub = self.hubs.get(leg.v)
        if dest_hub is not None:
            if c.node != c.dest:
                wait = dest_hub.gate_in(c, link, svc)
                if wait is not None:
                    yield from wait
            h = yield from dest_hub.areas[leg.mode].handle(load, 0)
            handled(ctx, dest_hub, alone, R.LIFT_OFF, link, svc, trip, load, h)
        del ledger.on_vehicle[trip]
        if fleet is not None:
            self._return_empty(fleet, took, svc)
        c.since = env.now
        if c.node == c.dest:
            ledger.deliver(c, v)
        else:
            ledger.at_node[c.cid] = c

    def _return_empty(self, fleet: Slots, k: int, svc: int) -> None:
        """``k`` vehicles of service ``svc`` run back empty and rejoin ``fleet``."""
        back = self.env.timeout(self.ctx.travel.draw_return(svc))
        back.callbacks.append(lambda _ev: fleet.release(k))
