"""Puts a scenario's disruptions and investments on the engine's clock.

One small SimPy process per disruption window or investment changes the engine's
:class:`~hubsim.sim.state.NetworkState` at its start and end, only through the state's methods
(close or reopen a link, a link's load factor, a hub's working share of equipment, a clearance
factor, a lock's passage time, a build at a hub, more vehicles); outage windows, new timetables
and demand shocks (as rate windows for the arrival processes) are registered before the run.
Overlapping windows of one kind on one target combine: a link is closed while any of its
outages is open, factors multiply. Nothing here runs per consignment, and a scenario without
disruptions or investments adds no process and no work to the engine's hot path.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any, TypeVar

from hubsim.errors import ScenarioError
from hubsim.scenario.disruptions import demand_matches, link_of, windows_h
from hubsim.scenario.distributions import Sampler
from hubsim.scenario.schema import Disruption, Investment, Scenario
from hubsim.sim.loop import Clock, Step
from hubsim.sim.state import NetworkState
from hubsim.sim.streams import Streams

__all__ = ["schedule"]

_T = TypeVar("_T")
Window = tuple[float, float]  # (start h, end h)


def schedule(state: NetworkState, scn: Scenario, streams: Streams, warmup_h: float,
             horizon_h: float) -> None:
    """Register every disruption and investment of ``scn`` with ``state``.

    Parameters
    ----------
    state : NetworkState
        The engine's network state (its clock runs the window processes).
    scn : Scenario
        The scenario simulated.
    streams : Streams
        The run's random streams (``lock_wait:<n>``: passage times).
    warmup_h, horizon_h : float
        Warm-up and run length, h (windows are clipped to the run).
    """
    windows = _Windows(state)
    for n, d in enumerate(scn.disruptions):
        wins = windows_h(d.start_day, d.end_day, d.every_days, warmup_h, horizon_h)
        if wins:
            _disruption(state, windows, scn, streams, n, d, wins, horizon_h)
    for inv in scn.investments:
        t = max(0.0, warmup_h + 24.0 * inv.from_day)
        if t < horizon_h:
            _investment(state, windows, scn, inv, t, horizon_h)


def _disruption(state: NetworkState, windows: _Windows, scn: Scenario, streams: Streams,
                n: int, d: Disruption, wins: list[Window], horizon_h: float) -> None:
    """Register disruption ``n`` (``d``), open in ``wins``."""
    if d.kind == "demand_shock":
        factor = _given(d.factor, n, "factor")
        for i, dem in enumerate(scn.demand):
            if demand_matches(d, dem.origin, dem.destination):
                state.add_rate_windows(i, wins, factor)
    elif d.kind == "link_outage":
        link = _link(scn, d, n)
        state.set_outages(link, _merge(state.outages.get(link, []) + wins))
        if d.reroute:
            state.enable_reroute(link)
        _at(state.env, horizon_h, wins, lambda: windows.close(link),
            lambda: windows.reopen(link))
    elif d.kind == "low_water":
        _factor_windows(state, windows, ("load", _link(scn, d, n)),
                        _given(d.factor, n, "factor"), wins, horizon_h)
    elif d.kind == "hub_capacity":
        _factor_windows(state, windows, ("cranes", _given(d.hub, n, "hub")),
                        _given(d.factor, n, "factor"), wins, horizon_h)
    elif d.kind == "clearance":
        factor = _given(d.factor, n, "factor")
        for hid in ([d.hub] if d.hub else list(scn.hubs)):
            _factor_windows(state, windows, ("clearance", hid), factor, wins, horizon_h)
    elif d.kind == "lock_wait":
        link = _link(scn, d, n)
        sampler = Sampler(_given(d.hold_h, n, "hold_h"), streams("lock_wait", str(n)))
        _at(state.env, horizon_h, wins, lambda: windows.lock(link, sampler),
            lambda: windows.unlock(link, sampler))


def _factor_windows(state: NetworkState, windows: _Windows, key: tuple[str, str | int],
                    factor: float, wins: list[Window], horizon_h: float) -> None:
    """The factor ``factor`` on ``key`` (kind, target) is in force inside ``wins``."""
    _at(state.env, horizon_h, wins, lambda: windows.push(key, factor),
        lambda: windows.pop(key, factor))


def _investment(state: NetworkState, windows: _Windows, scn: Scenario, inv: Investment,
                t: float, horizon_h: float) -> None:
    """Register investment ``inv``, in service from ``t`` h."""
    forever = [(t, math.inf)]
    if inv.hub is not None:
        hub = inv.hub
        _at(state.env, horizon_h, forever,
            lambda: windows.build_hub(hub, inv.add_equipment, inv.add_yard_teu, inv.area), None)
        return
    j = next(k for k, s in enumerate(scn.services) if s.id == inv.service)
    if inv.per_week is not None and not scn.services[j].on_demand:
        state.add_timetable(j, t, 168.0 / inv.per_week)
    add_fleet = inv.add_fleet
    if add_fleet is not None:
        _at(state.env, horizon_h, forever, lambda: state.add_fleet(j, add_fleet), None)


def _given(value: _T | None, n: int, name: str) -> _T:
    """``value``, which the scenario's checks require for this kind of disruption."""
    if value is None:
        raise ScenarioError(f"disruptions.{n}.{name}: required for this kind of disruption")
    return value


def _link(scn: Scenario, d: Disruption, n: int) -> int:
    """Index of the one link disruption ``n`` names (the scenario's checks make sure of it)."""
    link = link_of(scn, d)
    if link is None:
        raise ScenarioError(f"disruptions.{n}.link: names no link or several (give mode)")
    return link


def _merge(wins: list[Window]) -> list[Window]:
    """The union of ``wins`` as sorted, disjoint windows."""
    out: list[Window] = []
    for s, e in sorted(wins):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _at(env: Clock, horizon_h: float, wins: list[Window], on: Callable[[], None],
        off: Callable[[], None] | None) -> None:
    """A process calling ``on()`` at each window's start and ``off()`` at its end (not at or
    after the horizon, and never when ``off`` is None)."""

    def run() -> Generator[Step, Any, None]:
        for s, e in wins:
            if s > env.now:
                yield env.timeout(s - env.now)
            on()
            if off is None or e >= horizon_h:
                continue
            yield env.timeout(e - env.now)
            off()

    env.process(run())


class _Windows:
    """Combines overlapping windows and applies the result to the network state."""

    def __init__(self, state: NetworkState):
        self.state = state
        self.closed: dict[int, int] = {}  # open outage windows per link
        self.active: dict[tuple[str, str | int], list[float]] = {}  # factors in force
        # passage samplers, latest in force (None: a lockage lock's own times)
        self.lock_stack: dict[int, list[Sampler | None]] = {}

    # links
    def close(self, link: int) -> None:
        """An outage of ``link`` starts."""
        self.closed[link] = self.closed.get(link, 0) + 1
        self.state.close_link(link)

    def reopen(self, link: int) -> None:
        """An outage of ``link`` ends; it reopens when no other is open."""
        self.closed[link] -= 1
        if self.closed[link] == 0:
            self.state.reopen_link(link)

    # factors: the product of the windows open now
    def push(self, key: tuple[str, str | int], f: float) -> None:
        """A window with factor ``f`` on ``key`` opens."""
        self.active.setdefault(key, []).append(f)
        self._apply(key)

    def pop(self, key: tuple[str, str | int], f: float) -> None:
        """A window with factor ``f`` on ``key`` closes."""
        self.active[key].remove(f)
        self._apply(key)

    def _apply(self, key: tuple[str, str | int]) -> None:
        kind, target = key
        f = math.prod(self.active.get(key, []))
        if kind == "load" and isinstance(target, int):
            self.state.set_load_factor(target, f)
        elif kind == "cranes" and isinstance(target, str):
            self.state.set_crane_share(target, f)
        elif kind == "clearance" and isinstance(target, str):
            self.state.set_clearance_factor(target, f)

    # lock passage times
    def lock(self, link: int, sampler: Sampler) -> None:
        """A lock_wait window on ``link`` opens: its passage time is ``sampler``'s (a wait
        lock's hold time; a lockage lock's time in the flight, both ways, for modelled ships)."""
        stack = self.lock_stack.setdefault(link, [self.state.lock_passage(link)])
        stack.append(sampler)
        self.state.set_lock_passage(link, sampler)

    def unlock(self, link: int, sampler: Sampler) -> None:
        """That window closes: the latest one still open (or the lock's own) applies."""
        stack = self.lock_stack[link]
        stack.remove(sampler)
        self.state.set_lock_passage(link, stack[-1])

    # investments
    def build_hub(self, hub: str, add_equipment: int | None, add_yard_teu: float | None,
                  area: str | None) -> None:
        """An investment at ``hub`` comes into service."""
        self.state.build_hub(hub, add_equipment, add_yard_teu, area)
