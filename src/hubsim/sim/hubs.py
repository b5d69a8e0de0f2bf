"""Hubs: terminal areas, the yard that pushes back, the depot, dwell and clearance.

A hub handles each vehicle in the area of the vehicle's mode (:mod:`hubsim.sim.terminals`:
positions, units per vehicle, moves, pauses outside the open hours).

Its yard holds what waits there to move on, in TEU (air cargo: tonnes). Room is taken
before a load comes in and given back when it leaves on a vehicle:

* a vehicle bringing loads that move on from here waits before handling (at anchorage, on a
  holding siding) until its whole load fits; vehicles come before trucks and among vehicles
  higher ``priority`` first, then first come first served;
* a truck load waits at the gate until it fits below ``gate_share`` of the yard (the gate
  closes before the yard is full, so vehicles can still discharge: without that reserve a yard
  full of loads waiting for vehicles that wait for room would gridlock);
* with a depot, a vehicle whose load does not fit the yard on arrival stores it off-dock when
  the depot has room (a ``depot`` event per load, cost per TEU and ``extra_h`` before it is
  ready) instead of waiting.

Every wait for room is a ``yard_wait`` event per load, stamped when it began, with its length
(cut at the end of the run for a wait still going on). Nothing is stored beyond capacity.
Disruptions and investments change the working units, the yard and the clearance times through
:class:`hubsim.sim.state.NetworkState`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from hubsim.scenario.distributions import Sampler
from hubsim.scenario.fields import MODES
from hubsim.scenario.schema import Scenario
from hubsim.sim import records as R
from hubsim.sim.cargo import Consignment
from hubsim.sim.loop import Clock, Step
from hubsim.sim.records import Recorder
from hubsim.sim.slots import Slots
from hubsim.sim.streams import Scaled, Streams
from hubsim.sim.terminals import Area

__all__ = ["GATE_PRIORITY", "Hub", "build_hubs"]

#: Yard priority of a truck at the gate: below every vehicle (service priorities are -100-100).
GATE_PRIORITY = -1000


@dataclass(slots=True, eq=False)
class Hub:
    """One hub's resources and their state during a run.

    Attributes
    ----------
    idx : int
        Node index in the records.
    env : Clock
        The run's clock (hours).
    areas : dict of str to Area
        The area handling each mode the hub serves (several modes may share the shared pool).
    pools : list of Area
        Every distinct area, the shared pool included (what disruptions scale).
    yard : Slots
        Yard space, TEU (air cargo: tonnes).
    depot : Slots or None
        Off-dock depot space, TEU.
    depot_extra_h : float
        Extra time before a load stored in the depot is ready, h.
    gate_share : float
        Share of the yard that truck loads may fill (the rest is kept for discharges).
    rec : Recorder
        The run's records (waits are written when they begin and completed when granted).
    dwell : Sampler
        Yard dwell of a transferring load before it is ready, h.
    base_clearance : Sampler
        Clearance time of an international load entering or leaving the region here, h.
    clearance : callable
        Clearance time in force now, h (``base_clearance`` times a disruption's factor).
    """

    idx: int
    env: Clock
    areas: dict[str, Area]
    pools: list[Area]
    yard: Slots
    depot: Slots | None
    depot_extra_h: float
    gate_share: float
    rec: Recorder
    dwell: Sampler
    base_clearance: Sampler
    clearance: Callable[[], float]
    named: dict[str, Area] = field(default_factory=dict)
    #: waits for room going on now: first event row -> (rows, start h)
    waiting: dict[int, tuple[int, float]] = field(default_factory=dict)

    # ---------------------------------------------------------------- the yard
    def admit(self, take: list[Consignment], link: int, service: int, trip: int,
              priority: int) -> Generator[Step, Any, None]:
        """Room for the loads of ``take`` that move on from here (a vehicle about to
        discharge): yard, else depot, else wait for the yard (``yard_wait`` events)."""
        load = sum(c.load for c in take)
        if load <= 0:
            return
        yard = self.yard
        depot = self.depot
        if depot is not None and (yard.waiters or yard.used + load > yard.capacity + 1e-9) \
                and depot.used + load <= depot.capacity + 1e-9:
            depot.used += load
            for c in take:
                c.depot = True
                self.rec.event(self.env.now, R.DEPOT, c.cid, self.idx, link, service, trip, c.teu,
                               c.tonnes, 0.0, 0.0)
            return
        grant = yard.acquire(load, priority)
        if grant is not None:
            row = self._wait_begins(take, link, service, trip)
            yield grant
            self._wait_ends(row)

    def gate_in(self, c: Consignment, link: int = -1,
                service: int = -1) -> Generator[Step, Any, None] | None:
        """A truck load enters the yard: ``None`` when it fits now (the usual case: no
        generator to run), else the wait at the gate to ``yield from`` (a ``yard_wait`` event),
        after which it is in."""
        grant = self.yard.acquire(c.load, GATE_PRIORITY, self.gate_share)
        return None if grant is None else self._wait_gate(grant, c, link, service)

    def _wait_gate(self, grant: simpy.Event, c: Consignment, link: int,
                   service: int) -> Generator[Step, Any, None]:
        row = self._wait_begins([c], link, service, -1)
        yield grant
        self._wait_ends(row)

    def _wait_begins(self, loads: list[Consignment], link: int, service: int,
                     trip: int) -> int:
        """A ``yard_wait`` event per load, its length to be filled in; returns the first row."""
        row = self.rec.n_events
        now = self.env.now
        for c in loads:
            self.rec.event(now, R.YARD_WAIT, c.cid, self.idx, link, service, trip, c.teu, c.tonnes,
                           0.0, 0.0)
        self.waiting[row] = (len(loads), now)
        return row

    def _wait_ends(self, row: int) -> None:
        """The wait recorded from ``row`` on is over now: write its length."""
        n, start = self.waiting.pop(row)
        for r in range(row, row + n):
            self.rec.set_wait(r, self.env.now - start)

    def close_waits(self) -> None:
        """At the end of the run: waits still going on are cut now."""
        for row in list(self.waiting):
            self._wait_ends(row)

    def yard_out(self, c: Consignment) -> None:
        """``c`` leaves the yard (or the depot) on a vehicle."""
        if c.depot:
            c.depot = False
            if self.depot is not None:
                self.depot.release(c.load)
        else:
            self.yard.release(c.load)

    # ---------------------------------------------------------------- changes
    def set_crane_share(self, share: float) -> None:
        """Let ``share`` (0-1) of every pool's installed units work."""
        for pool in self.pools:
            pool.set_share(share)

    def add_equipment(self, n: int, area: str | None = None) -> None:
        """Install ``n`` more units in ``area`` (None: the shared pool)."""
        self.named[area or "shared"].add_equipment(n)

    def add_yard(self, teu: float) -> None:
        """Enlarge the yard by ``teu`` TEU; loads waiting for room that now fit come in."""
        self.yard.resize(self.yard.capacity + teu)

    def set_clearance_factor(self, factor: float) -> None:
        """Clearance times from now on are the base times times ``factor``."""
        if factor == 1.0:
            self.clearance = self.base_clearance
        else:
            self.clearance = Scaled(self.base_clearance, factor)


def build_hubs(scn: Scenario, env: Clock, streams: Streams,
               node_idx: dict[str, int], rec: Recorder) -> dict[str, Hub]:
    """One :class:`Hub` per scenario hub, keyed by hub id, in the scenario's order; each with
    its own ``dwell:<hub>``, ``clearance:<hub>`` and ``handling:<hub>:<area>`` streams."""
    hubs: dict[str, Hub] = {}
    for hid, hub in scn.hubs.items():
        open_h, close_h = hub.open_hours
        exponential = hub.handling == "exponential"
        named: dict[str, Area] = {}
        if hub.equipment is not None and hub.moves_per_hour is not None:
            named["shared"] = Area(env, "shared", None, hub.equipment, hub.moves_per_hour, 1, 1,
                                   hub.teu_per_move, exponential,
                                   streams("handling", f"{hid}:shared"), open_h, close_h)
        for mode, a in hub.areas.items():
            named[mode] = Area(env, mode, a.positions, a.equipment, a.moves_per_hour,
                               a.min_units, a.max_units, hub.teu_per_move, exponential,
                               streams("handling", f"{hid}:{mode}"), open_h, close_h)
        areas = {m: named.get(m, named.get("shared")) for m in MODES}
        dwell = Sampler(hub.dwell_h, streams("dwell", hid))
        clearance = Sampler(hub.clearance_h, streams("clearance", hid))
        hubs[hid] = Hub(
            idx=node_idx[hid], env=env, rec=rec, gate_share=hub.gate_share,
            areas={m: a for m, a in areas.items() if a is not None},
            pools=list(named.values()), yard=Slots(env, hub.yard_teu),
            depot=Slots(env, hub.depot.teu) if hub.depot is not None else None,
            depot_extra_h=hub.depot.extra_h if hub.depot is not None else 0.0,
            dwell=dwell, base_clearance=clearance, clearance=clearance, named=named)
    return hubs
