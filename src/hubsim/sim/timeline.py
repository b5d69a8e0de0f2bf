"""Puts a scenario's disruptions and investments on the engine's clock.

One small SimPy process per disruption window or investment flips engine state at its start
and end (a closed flag per link, a crane count, a load factor, a lock's passage sampler, a
clearance sampler, a timetable); demand shocks are handed to the arrival processes as rate
windows. Nothing here runs per consignment, and a scenario without disruptions or investments
adds no process and no work to the engine's hot path.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import simpy

from hubsim.scenario.disruptions import demand_matches, link_of, windows_h
from hubsim.scenario.distributions import Sampler
from hubsim.sim.streams import Scaled, stream

if TYPE_CHECKING:
    from hubsim.sim.engine import _Engine, _Hub
    from hubsim.sim.slots import Slots

__all__ = ["schedule"]


def schedule(eng: _Engine) -> None:
    """Register every disruption and investment of ``eng.scn`` with the engine."""
    scn = eng.scn
    horizon, warmup = eng.horizon_h, eng.warmup_h
    state = _State(eng)
    for n, d in enumerate(scn.disruptions):
        wins = windows_h(d.start_day, d.end_day, d.every_days, warmup, horizon)
        if not wins:
            continue
        if d.kind == "demand_shock":
            for i, dem in enumerate(scn.demand):
                if demand_matches(d, dem.origin, dem.destination):
                    eng.rate_windows.setdefault(i, []).extend(
                        (s, e, d.factor) for s, e in wins)
            continue
        if d.kind == "link_outage":
            link = link_of(scn, d)
            eng.outages[link] = _merge(eng.outages.get(link, []) + wins)
            if d.reroute:
                eng.reroute[link] = True
            _at(eng, wins, lambda link=link: state.close(link), lambda link=link:
                state.reopen(link))
        elif d.kind == "low_water":
            key = ("load", link_of(scn, d))
            _at(eng, wins, lambda key=key, f=d.factor: state.push(key, f),
                lambda key=key, f=d.factor: state.pop(key, f))
        elif d.kind == "hub_capacity":
            key = ("cranes", d.hub)
            _at(eng, wins, lambda key=key, f=d.factor: state.push(key, f),
                lambda key=key, f=d.factor: state.pop(key, f))
        elif d.kind == "clearance":
            for hid in ([d.hub] if d.hub else list(scn.hubs)):
                key = ("clearance", hid)
                _at(eng, wins, lambda key=key, f=d.factor: state.push(key, f),
                    lambda key=key, f=d.factor: state.pop(key, f))
        elif d.kind == "lock_wait":
            link = link_of(scn, d)
            sampler = Sampler(d.hold_h, stream(eng.seed, f"lock_wait:{n}"))
            _at(eng, wins, lambda link=link, smp=sampler: state.lock(link, smp),
                lambda link=link, smp=sampler: state.unlock(link, smp))
    for inv in scn.investments:
        t = max(0.0, warmup + 24.0 * inv.from_day)
        if t >= horizon:
            continue
        if inv.hub is not None:
            _at(eng, [(t, math.inf)], lambda inv=inv: state.build_hub(inv.hub, inv), None)
        else:
            j = next(k for k, s in enumerate(scn.services) if s.id == inv.service)
            if inv.per_week is not None and not scn.services[j].on_demand:
                tt = eng.timetables.setdefault(j, [])
                tt.append((t, 168.0 / inv.per_week))
                tt.sort()
            if inv.add_fleet is not None:
                _at(eng, [(t, math.inf)], lambda j=j, n=inv.add_fleet: state.add_fleet(j, n),
                    None)


def _merge(wins: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for s, e in sorted(wins):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _at(eng: _Engine, wins: list[tuple[float, float]], on, off) -> None:
    """A process calling ``on()`` at each window's start and ``off()`` at its end."""
    env = eng.env
    horizon = eng.horizon_h

    def run():
        for s, e in wins:
            if s > env.now:
                yield env.timeout(s - env.now)
            on()
            if off is None or e >= horizon:
                continue
            yield env.timeout(e - env.now)
            off()

    env.process(run())


class _State:
    """The engine state disruptions change, with overlapping windows combined."""

    def __init__(self, eng: _Engine):
        self.eng = eng
        self.closed: dict[int, int] = {}
        self.active: dict[tuple[str, object], list[float]] = {}
        self.lock_stack: dict[int, list[Sampler]] = {}

    # links
    def close(self, link: int) -> None:
        eng = self.eng
        self.closed[link] = self.closed.get(link, 0) + 1
        if not eng.link_closed[link]:
            eng.link_closed[link] = True
            eng.link_reopen[link] = simpy.Event(eng.env)
            if eng.reroute[link]:
                eng.reroute_queued(link)

    def reopen(self, link: int) -> None:
        eng = self.eng
        self.closed[link] -= 1
        if self.closed[link] == 0:
            eng.link_closed[link] = False
            eng.link_reopen.pop(link).succeed()

    # factors: the product of the windows open now
    def push(self, key: tuple[str, object], f: float) -> None:
        self.active.setdefault(key, []).append(f)
        self._apply(key)

    def pop(self, key: tuple[str, object], f: float) -> None:
        self.active[key].remove(f)
        self._apply(key)

    def factor(self, key: tuple[str, object]) -> float:
        return math.prod(self.active.get(key, []))

    def _apply(self, key: tuple[str, object]) -> None:
        eng = self.eng
        kind, target = key
        f = self.factor(key)
        if kind == "load":
            eng.link_factor[target] = f  # type: ignore[index]
        elif kind == "cranes":
            self._cranes(eng.hubs[target])  # type: ignore[index]
        elif kind == "clearance":
            hub = eng.hubs[target]  # type: ignore[index]
            if f == 1.0:
                hub.clearance = hub.base_clearance
            else:
                hub.clearance = Scaled(hub.base_clearance, f)

    def _cranes(self, hub: _Hub) -> None:
        share = self.factor(("cranes", self.eng.node_names[hub.idx]))
        _resize(hub.cranes, math.floor(hub.equipment * share + 0.5))

    # lock passage times
    def lock(self, link: int, sampler: Sampler) -> None:
        eng = self.eng
        stack = self.lock_stack.setdefault(link, [eng.locks[link][1]])
        stack.append(sampler)
        self._set_lock(link, sampler)

    def unlock(self, link: int, sampler: Sampler) -> None:
        stack = self.lock_stack[link]
        stack.remove(sampler)
        self._set_lock(link, stack[-1])

    def _set_lock(self, link: int, sampler: Sampler) -> None:
        resource, _, pos, lock_from = self.eng.locks[link]
        self.eng.locks[link] = (resource, sampler, pos, lock_from)

    # investments
    def build_hub(self, hid: str, inv) -> None:
        hub = self.eng.hubs[hid]
        if inv.add_equipment:
            hub.equipment += inv.add_equipment
            self._cranes(hub)
        if inv.add_yard_teu:
            _resize(hub.yard, hub.yard.capacity + inv.add_yard_teu)

    def add_fleet(self, j: int, n: int) -> None:
        eng = self.eng
        svc = eng.scn.services[j]
        if svc.on_demand:
            fleet = next(f for (jj, f, _) in eng.on_demand.values() if jj == j)
            _resize(fleet, fleet.capacity + n)
            return
        pools = eng.pools[j]
        # the new vehicles start at the service's from end: free there, counted away at the other
        far = pools[svc.to]
        far.capacity += n
        far.used += n
        _resize(pools[svc.from_], pools[svc.from_].capacity + n)


def _resize(slots: Slots, capacity: float) -> None:
    """Change a resource's capacity; waiters that now fit are granted in order (units in use
    beyond a reduced capacity finish their work first)."""
    slots.capacity = capacity
    slots.release(0)
