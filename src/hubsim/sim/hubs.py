"""Hubs: handling equipment, the yard and its overflow, opening hours, dwell and clearance.

A hub holds handling units (one per lift operation, held for ``load / moves_per_hour`` hours,
or an exponential time with that mean) and a yard, both :class:`~hubsim.sim.slots.Slots`.
Handling starts only inside the opening hours. Yard-full policy: a truck at the gate waits
until there is room; a scheduled vehicle always discharges and what does not fit goes to
overflow storage (an ``overflow`` event), so a full yard can never deadlock vehicles.
Disruptions and investments change the working units, the yard size and the clearance times
through :class:`hubsim.sim.state.NetworkState`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import simpy

from hubsim.scenario.distributions import Sampler
from hubsim.scenario.schema import Scenario
from hubsim.sim import records as R
from hubsim.sim.cargo import Consignment
from hubsim.sim.records import EventFn
from hubsim.sim.slots import Slots
from hubsim.sim.streams import Scaled, stream

__all__ = ["Hub", "build_hubs"]


@dataclass(slots=True, eq=False)
class Hub:
    """One hub's resources and their state during a run.

    Attributes
    ----------
    idx : int
        Node index in the records.
    env : simpy.Environment
        The run's clock (hours).
    event : EventFn
        The recorder's event writer.
    unit_exp : Sampler
        Unit-mean exponential draws, one stream shared by every hub (exponential handling).
    cranes : Slots
        Handling units working now (one per lift operation).
    yard : Slots
        Yard space, TEU (air cargo: tonnes).
    rate : float
        Handling rate of one unit, TEU/h (air cargo: t/h).
    exponential : bool
        Handling time is exponential with mean load / rate (else exactly load / rate).
    open, close : float
        Opening hours, hours of the day: handling starts only inside ``[open, close)``.
    dwell : Sampler
        Yard dwell of a transferring load before it is ready, h.
    base_clearance : Sampler
        Clearance time of an international load entering or leaving the region here, h.
    clearance : callable
        Clearance time in force now, h (``base_clearance`` times a disruption's factor).
    equipment : int
        Handling units installed (investments add to it).
    overflow : float
        Load stored beyond the yard's capacity now, TEU (air cargo: t).
    crane_share : float
        Share of ``equipment`` working (hub_capacity disruptions), 0-1.
    """

    idx: int
    env: simpy.Environment
    event: EventFn
    unit_exp: Sampler
    cranes: Slots
    yard: Slots
    rate: float
    exponential: bool
    open: float
    close: float
    dwell: Sampler
    base_clearance: Sampler
    clearance: Callable[[], float]
    equipment: int
    overflow: float = 0.0
    crane_share: float = 1.0

    def handle(self, load: float) -> Generator[simpy.Event, Any, tuple[float, float]]:
        """Hold one handling unit for ``load``; returns (queue wait, handling time), hours."""
        env = self.env
        if self.close - self.open < 24.0:
            hod = env.now % 24.0
            if not (self.open <= hod < self.close):
                yield env.timeout((self.open - hod) % 24.0)
        t0 = env.now
        grant = self.cranes.acquire()
        if grant is not None:
            yield grant
        wait = env.now - t0
        dur = load / self.rate
        if self.exponential:
            dur *= self.unit_exp()
        yield env.timeout(dur)
        self.cranes.release()
        return wait, dur

    def yard_in(self, c: Consignment) -> None:
        """Discharge from a vehicle: never waits; beyond capacity goes to overflow."""
        if self.yard.used + c.load <= self.yard.capacity:
            self.yard.used += c.load  # discharge goes ahead of trucks waiting at the gate
            c.overflow = False
        else:
            self.overflow += c.load
            c.overflow = True
            self.event(self.env.now, R.OVERFLOW, c.cid, self.idx, -1, -1, -1, c.teu, c.tonnes,
                       0.0, 0.0)

    def yard_out(self, c: Consignment) -> None:
        """``c`` leaves the yard (or the overflow area) on a vehicle."""
        if c.overflow:
            self.overflow -= c.load
            c.overflow = False
        else:
            self.yard.release(c.load)

    def gate_in(self, c: Consignment) -> Generator[simpy.Event, Any, None]:
        """A truck load enters the yard: waits at the gate while the yard is full."""
        if c.load > self.yard.capacity:
            self.yard_in(c)  # can never fit: straight to overflow
        else:
            grant = self.yard.acquire(c.load)
            if grant is not None:
                yield grant
            c.overflow = False

    def set_crane_share(self, share: float) -> None:
        """Let ``share`` (0-1) of the installed units work, rounded to the nearest unit."""
        self.crane_share = share
        self._resize_cranes()

    def add_equipment(self, n: int) -> None:
        """Install ``n`` more handling units (the working share applies to them too)."""
        self.equipment += n
        self._resize_cranes()

    def add_yard(self, teu: float) -> None:
        """Enlarge the yard by ``teu`` TEU; loads waiting at the gate that now fit enter."""
        self.yard.resize(self.yard.capacity + teu)

    def set_clearance_factor(self, factor: float) -> None:
        """Clearance times from now on are the base times times ``factor``."""
        if factor == 1.0:
            self.clearance = self.base_clearance
        else:
            self.clearance = Scaled(self.base_clearance, factor)

    def _resize_cranes(self) -> None:
        self.cranes.resize(math.floor(self.equipment * self.crane_share + 0.5))


def build_hubs(scn: Scenario, env: simpy.Environment, seed: int, node_idx: dict[str, int],
               event: EventFn, unit_exp: Sampler) -> dict[str, Hub]:
    """One :class:`Hub` per scenario hub, keyed by hub id, in the scenario's order; each with its
    own ``dwell:<hub>`` and ``clearance:<hub>`` random streams."""
    hubs: dict[str, Hub] = {}
    for hid, hub in scn.hubs.items():
        dwell = Sampler(hub.dwell_h, stream(seed, f"dwell:{hid}"))
        clearance = Sampler(hub.clearance_h, stream(seed, f"clearance:{hid}"))
        open_h, close_h = hub.open_hours
        hubs[hid] = Hub(
            idx=node_idx[hid], env=env, event=event, unit_exp=unit_exp,
            cranes=Slots(env, hub.equipment), yard=Slots(env, hub.yard_teu),
            rate=hub.moves_per_hour, exponential=hub.handling == "exponential",
            open=open_h, close=close_h,
            dwell=dwell, base_clearance=clearance, clearance=clearance, equipment=hub.equipment)
    return hubs
