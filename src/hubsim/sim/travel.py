"""Vehicles on links: transit times, standing still while a link is closed, passing a lock.

Each link has its own ``transit:<link>`` stream of transit times (hours): a vehicle draws one
per run along the link; an empty vehicle running back draws from its service's
``return:<service>`` stream, so the loaded runs' draws do not depend on the empty ones. A
vehicle on a link with outages stops where it is while the link is closed (a ``held`` event
per consignment on board each time). A scheduled vehicle on a link with a lock sails to it
(the share ``position`` of its transit time, measured from the end it left), passes it with
its service's priority (:mod:`hubsim.sim.locks`: the wait or the lockage model), then sails
the rest of the way; empty runs back and trucks pass no lock.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from hubsim.errors import ScenarioError
from hubsim.scenario.distributions import Dist, Sampler
from hubsim.scenario.schema import Link, Scenario
from hubsim.sim import records as R
from hubsim.sim.cargo import Consignment
from hubsim.sim.locks import build_locks
from hubsim.sim.loop import Clock, Step
from hubsim.sim.records import Recorder
from hubsim.sim.state import NetworkState
from hubsim.sim.streams import Streams, link_key

__all__ = ["Travel", "build_locks", "build_returns", "build_transit"]


def _transit_dist(i: int, lk: Link) -> Dist:
    """Link ``i``'s transit time: its ``transit_h``, or exactly ``distance_km / speed_kmh``."""
    if lk.transit_h is not None:
        return lk.transit_h
    if lk.speed_kmh is not None:
        return Dist(mean=lk.distance_km / lk.speed_kmh)
    # the schema requires one of the two
    raise ScenarioError(f"links[{i}]: give one of transit_h and speed_kmh")


def build_transit(scn: Scenario, streams: Streams) -> dict[int, Sampler]:
    """A transit-time sampler (hours) per link index, each on its ``transit:<link>`` stream;
    a link with ``transit_back_h`` also has one under index ``-1 - i`` for runs from its
    ``to`` end, on its own ``transit:<link>:back`` stream."""
    out = {i: Sampler(_transit_dist(i, lk), streams("transit", link_key(lk)))
           for i, lk in enumerate(scn.links)}
    for i, lk in enumerate(scn.links):
        if lk.transit_back_h is not None:
            out[-1 - i] = Sampler(lk.transit_back_h, streams("transit", f"{link_key(lk)}:back"))
    return out


def build_returns(scn: Scenario, streams: Streams,
                  link_idx: dict[tuple[str, str, str], int]) -> dict[int, Sampler]:
    """Per service with a finite fleet that runs back empty (one-way scheduled services and
    on-demand services): the transit time of its link on its own ``return:<service>``
    stream, h."""
    out: dict[int, Sampler] = {}
    for j, svc in enumerate(scn.services):
        if svc.fleet and (svc.on_demand or not svc.bidirectional):
            i = link_idx[(svc.from_, svc.to, svc.mode)]
            lk = scn.links[i]
            back = lk.transit_back_h if svc.from_ == lk.from_ else lk.transit_h
            out[j] = Sampler(back if back is not None else _transit_dist(i, lk),
                             streams("return", svc.id))
    return out


class Travel:
    """Moves vehicles along links, through outages and locks.

    Parameters
    ----------
    env : Clock
        The run's clock (hours).
    rec : Recorder
        The run's records.
    state : NetworkState
        Outage windows and locks.
    transit : dict of int to Sampler
        Transit time per link index, h, and per ``-1 - index`` from the link's ``to`` end
        when it differs (:func:`build_transit`).
    returns : dict of int to Sampler
        Empty runs back per service index, h (:func:`build_returns`).
    ends : dict of int to str
        Each link's ``from`` node id, to tell which way a vehicle runs.
    """

    def __init__(self, env: Clock, rec: Recorder, state: NetworkState,
                 transit: dict[int, Sampler], returns: dict[int, Sampler],
                 ends: dict[int, str] | None = None) -> None:
        self.env = env
        self.rec = rec
        self.state = state
        self.transit = transit
        self.returns = returns
        #: each link's ``from`` end (node id), to tell a run back from ``to``
        self.ends = ends or {}
        #: the sampler of each (link, from node) run so far (:meth:`draw_from`)
        self._from: dict[tuple[int, str], Sampler] = {}
        #: the links that ever close (a run on any other link is one plain delay)
        self.outages = state.outages

    def sampler(self, link: int, back: bool = False) -> Sampler:
        """The transit-time sampler of ``link``; ``back``: leaving from its ``to`` end (its
        ``transit_back_h``, when the link has one)."""
        if back and -1 - link in self.transit:
            return self.transit[-1 - link]
        return self.transit[link]

    def draw(self, link: int, back: bool = False) -> float:
        """The next transit time on ``link``, h (``back`` as in :meth:`sampler`)."""
        return self.sampler(link, back)()

    def draw_from(self, link: int, u: str) -> float:
        """The next transit time on ``link`` leaving from node ``u``, h."""
        sampler = self._from.get((link, u))
        if sampler is None:  # first run in this direction
            sampler = self._from[(link, u)] = self.sampler(link, u != self.ends.get(link, u))
        return sampler()

    def draw_return(self, service: int) -> float:
        """The next empty run back of service ``service``'s vehicles, h."""
        return self.returns[service]()

    def move(self, link: int, duration: float, load: list[Consignment], service: int,
             trip: int, node: int) -> Generator[Step, Any, None]:
        """Move for ``duration`` hours on ``link``, standing still while it is closed.

        ``load`` is what is on board (one ``held`` event each per stop, at node index ``node``
        where the trip started), ``service`` and ``trip`` the vehicle's indices.
        """
        env = self.env
        if link not in self.state.outages:
            yield duration  # a plain delay (hubsim.sim.loop)
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
                self.rec.event(env.now, R.HELD, c.cid, node, link, service, trip, c.teu, c.tonnes,
                               e - env.now, 0.0)
            yield env.timeout(e - env.now)
        yield remaining

    def run(self, link: int, u: str, load: list[Consignment], service: int, trip: int,
            node: int, priority: int = 0) -> Generator[Step, Any, None]:
        """A scheduled vehicle's run on ``link`` from node ``u``: one transit time drawn now,
        with a stop at the link's lock (if any) to pass it.

        ``load``, ``service``, ``trip`` and ``node`` as in :meth:`move`; ``priority`` is the
        service's priority at the lock (higher goes first). Leaving from the link's ``from``
        end is the lock's direction 0.
        """
        transit = self.draw_from(link, u)
        lock = self.state.locks.get(link)
        if lock is None:
            yield from self.move(link, transit, load, service, trip, node)
            return
        direction = 0 if u == lock.from_ else 1
        pos = lock.position if direction == 0 else 1.0 - lock.position
        yield from self.move(link, transit * pos, load, service, trip, node)
        yield from lock.through(direction, priority, load, service, trip, node)
        yield from self.move(link, transit * (1.0 - pos), load, service, trip, node)
