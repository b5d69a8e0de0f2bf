"""Vehicles on links: transit times, standing still while a link is closed, passing a lock.

Each link has its own ``transit:<link index>`` stream of transit times (hours); a vehicle draws
one per run along the link, loaded or empty. A vehicle on a link with outages stops where it is
while the link is closed (a ``held`` event per consignment on board each time). A scheduled
vehicle on a link with a lock queues for the lock where it sits along the link and holds it for
the passage time in force.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from hubsim.errors import ScenarioError
from hubsim.scenario.distributions import Dist, Sampler
from hubsim.scenario.schema import Scenario
from hubsim.sim import records as R
from hubsim.sim.cargo import Consignment
from hubsim.sim.records import EventFn
from hubsim.sim.state import Lock, NetworkState
from hubsim.sim.streams import stream

__all__ = ["Travel", "build_locks", "build_transit"]


def build_transit(scn: Scenario, seed: int) -> dict[int, Sampler]:
    """A transit-time sampler (hours) per link index: the link's ``transit_h``, or exactly
    ``distance_km / speed_kmh``."""
    transit: dict[int, Sampler] = {}
    for i, lk in enumerate(scn.links):
        if lk.transit_h is not None:
            dist = lk.transit_h
        elif lk.speed_kmh is not None:
            dist = Dist(mean=lk.distance_km / lk.speed_kmh)
        else:  # the schema requires one of the two
            raise ScenarioError(f"links[{i}]: give one of transit_h and speed_kmh")
        transit[i] = Sampler(dist, stream(seed, f"transit:{i}"))
    return transit


def build_locks(scn: Scenario, env: simpy.Environment, seed: int) -> dict[int, Lock]:
    """A :class:`~hubsim.sim.state.Lock` per link index that has one, with its ``lock:<link>``
    passage-time stream."""
    return {i: Lock(simpy.Resource(env, capacity=lk.lock.capacity),
                    Sampler(lk.lock.hold_h, stream(seed, f"lock:{i}")), lk.lock.position,
                    lk.from_)
            for i, lk in enumerate(scn.links) if lk.lock is not None}


class Travel:
    """Moves vehicles along links, through outages and locks.

    Parameters
    ----------
    env : simpy.Environment
        The run's clock (hours).
    event : EventFn
        The recorder's event writer.
    state : NetworkState
        Outage windows and locks.
    transit : dict of int to Sampler
        Transit time per link index, h (:func:`build_transit`).
    """

    def __init__(self, env: simpy.Environment, event: EventFn, state: NetworkState,
                 transit: dict[int, Sampler]) -> None:
        self.env = env
        self.event = event
        self.state = state
        self.transit = transit

    def draw(self, link: int) -> float:
        """The next transit time on ``link``, h."""
        return self.transit[link]()

    def move(self, link: int, duration: float, load: list[Consignment], service: int,
             trip: int, node: int) -> Generator[simpy.Event, Any, None]:
        """Move for ``duration`` hours on ``link``, standing still while it is closed.

        ``load`` is what is on board (one ``held`` event each per stop, at node index ``node``
        where the trip started), ``service`` and ``trip`` the vehicle's indices.
        """
        env = self.env
        if link not in self.state.outages:
            yield env.timeout(duration)
            return
        remaining = duration
        for s, e in self.state.outages[link]:
            if e <= env.now:
                continue
            if s > env.now:
                if s >= env.now + remaining:
                    break
                remaining -= s - env.now
                yield env.timeout(s - env.now)
            for c in load:
                self.event(env.now, R.HELD, c.cid, node, link, service, trip, c.teu, c.tonnes,
                           e - env.now, 0.0)
            yield env.timeout(e - env.now)
        yield env.timeout(remaining)

    def run(self, link: int, u: str, load: list[Consignment], service: int, trip: int,
            node: int) -> Generator[simpy.Event, Any, None]:
        """A scheduled vehicle's run on ``link`` from node ``u``: one transit time drawn now,
        with a stop at the link's lock (if any) to pass it."""
        transit = self.draw(link)
        lock = self.state.locks.get(link)
        if lock is None:
            yield from self.move(link, transit, load, service, trip, node)
            return
        pos = lock.position
        if u != lock.from_:
            pos = 1.0 - pos  # the position is measured from the link's ``from`` end
        yield from self.move(link, transit * pos, load, service, trip, node)
        with lock.resource.request() as req:
            yield req
            yield self.env.timeout(lock.passage())  # read now: lock_wait may swap the sampler
        yield from self.move(link, transit * (1 - pos), load, service, trip, node)
