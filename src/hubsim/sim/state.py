"""The network state that disruptions and investments change while the engine runs.

The engine owns one :class:`NetworkState`. Its processes read it on their hot path (plain
lists and dicts indexed by link index, hub id or service index);
:mod:`hubsim.sim.timeline` changes it only through its methods: close and reopen a link, set a
link's load factor, a hub's working share of equipment or clearance factor, a lock's passage
time, build at a hub, add vehicles to a service, and (before the run) register outage windows,
new timetables and demand-rate windows. All of it is neutral for a scenario without
disruptions or investments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import simpy

from hubsim.scenario.distributions import Sampler
from hubsim.scenario.schema import Service
from hubsim.sim.hubs import Hub
from hubsim.sim.locks import Lock, WaitLock
from hubsim.sim.loop import Clock
from hubsim.sim.slots import Slots

__all__ = ["Lock", "NetworkState"]


class NetworkState:
    """Link, hub, lock and fleet state shared by the engine's processes.

    Attributes
    ----------
    env : Clock
        The run's clock (hours).
    services : sequence of Service
        The scenario's services, by service index.
    hubs : dict of str to Hub
        Hub state by hub id.
    locks : dict of int to Lock
        Locks by link index (:mod:`hubsim.sim.locks`).
    link_closed : list of bool
        Per link: closed now (link_outage).
    link_reopen : dict of int to simpy.Event
        Per closed link: succeeds when it reopens.
    outages : dict of int to list of (float, float)
        Per link with outages: the closed windows, h, merged and sorted.
    link_factor : list of float
        Per link: share of vehicle capacity usable now (low water), 0-1.
    reroute : list of bool
        Per link: loads waiting for it take another route while it is closed.
    truck_fleets : dict of int to Slots
        Finite fleets of on-demand services, by service index.
    pools : dict of int to dict of str to Slots
        Finite fleets of scheduled services, by service index: per end node, the vehicles
        waiting there are the free units.
    timetables : dict of int to list of (float, float)
        Per scheduled service: timetable changes (from h, headway h), sorted.
    rate_windows : dict of int to list of (float, float, float)
        Per demand row: demand-shock windows (start h, end h, rate factor).
    on_close : callable
        Called with a link index when the link closes (re-routes the loads queued for it).
    """

    def __init__(self, env: Clock, services: Sequence[Service], hubs: dict[str, Hub],
                 locks: dict[int, Lock], n_links: int) -> None:
        self.env = env
        self.services = services
        self.hubs = hubs
        self.locks = locks
        self.link_closed = [False] * n_links
        self.link_reopen: dict[int, simpy.Event] = {}
        self.outages: dict[int, list[tuple[float, float]]] = {}
        self.link_factor = [1.0] * n_links
        self.reroute = [False] * n_links
        self.truck_fleets: dict[int, Slots] = {}
        self.pools: dict[int, dict[str, Slots]] = {}
        self.timetables: dict[int, list[tuple[float, float]]] = {}
        self.rate_windows: dict[int, list[tuple[float, float, float]]] = {}
        self.on_close: Callable[[int], None] = _ignore

    # ---------------------------------------------------------------- before the run
    def set_outages(self, link: int, windows: list[tuple[float, float]]) -> None:
        """The windows (start h, end h) in which ``link`` is closed: vehicles on it then stop."""
        self.outages[link] = windows

    def enable_reroute(self, link: int) -> None:
        """Loads waiting for ``link`` while it is closed take the best route without it."""
        self.reroute[link] = True

    def add_timetable(self, service: int, from_h: float, headway_h: float) -> None:
        """Scheduled service ``service`` departs every ``headway_h`` hours from ``from_h``."""
        changes = self.timetables.setdefault(service, [])
        changes.append((from_h, headway_h))
        changes.sort()

    def add_rate_windows(self, demand: int, windows: list[tuple[float, float]],
                         factor: float) -> None:
        """Demand row ``demand`` arrives at ``factor`` times its rate inside the windows (h)."""
        self.rate_windows.setdefault(demand, []).extend((s, e, factor) for s, e in windows)

    # ---------------------------------------------------------------- links
    def close_link(self, link: int) -> None:
        """Close ``link`` now (no effect when closed): departures on it are cancelled, loads
        wait for it (or re-route) and vehicles on it stop until :meth:`reopen_link`."""
        if not self.link_closed[link]:
            self.link_closed[link] = True
            self.link_reopen[link] = simpy.Event(self.env)
            if self.reroute[link]:
                self.on_close(link)

    def reopen_link(self, link: int) -> None:
        """Reopen ``link`` now: loads and vehicles waiting for it go on."""
        self.link_closed[link] = False
        self.link_reopen.pop(link).succeed()

    def reopen_time(self, link: int) -> float:
        """When the outage ``link`` is in now ends, h (now when it is in none)."""
        now = self.env.now
        return next((e for s, e in self.outages[link] if s <= now < e), now)

    def set_load_factor(self, link: int, factor: float) -> None:
        """Vehicles departing on ``link`` load at most ``factor`` (0-1] of their capacity."""
        self.link_factor[link] = factor

    # ---------------------------------------------------------------- hubs
    def set_crane_share(self, hub: str, share: float) -> None:
        """``share`` (0-1) of the hub's handling units work from now on."""
        self.hubs[hub].set_crane_share(share)

    def set_clearance_factor(self, hub: str, factor: float) -> None:
        """Clearance times at the hub are its base times times ``factor`` from now on."""
        self.hubs[hub].set_clearance_factor(factor)

    def build_hub(self, hub: str, add_equipment: int | None, add_yard_teu: float | None,
                  area: str | None = None) -> None:
        """Install ``add_equipment`` handling units (in ``area``; None: the shared pool) and
        ``add_yard_teu`` TEU of yard now."""
        h = self.hubs[hub]
        if add_equipment:
            h.add_equipment(add_equipment, area)
        if add_yard_teu:
            h.add_yard(add_yard_teu)

    # ---------------------------------------------------------------- locks
    def lock_passage(self, link: int) -> Sampler | None:
        """The passage-time sampler of the lock on ``link`` in force now (a wait lock's hold
        time; None for a lockage lock's own per-direction times)."""
        return self.locks[link].passage

    def set_lock_passage(self, link: int, passage: Sampler | None) -> None:
        """Ships entering the lock on ``link`` from now on take ``passage()`` hours (None: a
        lockage lock's own times again)."""
        lock = self.locks[link]
        if passage is None and isinstance(lock, WaitLock):
            raise ValueError("a wait lock always has a hold-time sampler")
        lock.passage = passage

    # ---------------------------------------------------------------- fleets
    def add_fleet(self, service: int, n: int) -> None:
        """Add ``n`` vehicles to a finite fleet now; a scheduled service's new vehicles start
        at its ``from`` end."""
        fleet = self.truck_fleets.get(service)
        if fleet is not None:
            fleet.resize(fleet.capacity + n)
            return
        svc = self.services[service]
        pools = self.pools[service]
        far = pools[svc.to]  # counted as away at the other end
        far.capacity += n
        far.used += n
        pools[svc.from_].resize(pools[svc.from_].capacity + n)


def _ignore(link: int) -> None:
    """The default :attr:`NetworkState.on_close`: nothing to re-route."""
