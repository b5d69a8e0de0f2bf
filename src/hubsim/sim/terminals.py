"""Terminal areas: positions, equipment pools and the handling of one vehicle.

A hub has one :class:`Area` per mode it serves (quay, rail tracks, gate, aircraft stands), or
the hub's shared pool for a mode without its own area. Handling a vehicle there:

1. it takes a **position** (berth, track, gate lane, stand; higher ``priority`` first, then
   first come first served; unlimited when the area sets no ``positions``);
2. it takes ``min_units`` handling **units** (waiting in the same order), then as many more
   free units as ``max_units`` allows when nobody else waits for one (crane intensity: the
   units it starts with stay with it to the end);
3. its load of ``L`` needs ``n = ceil(L / teu_per_move)`` **moves**: with ``k`` units at
   ``r`` moves/h it works ``n / (k r)`` hours (deterministic), or a sum of ``n`` exponential
   move times, i.e. a Gamma(``n``, ``1 / (k r)``) draw on the area's own
   ``handling:<hub>:<area>`` stream (exponential); the CV of a vehicle's time is
   ``1 / sqrt(n)``, not 1;
4. work **pauses** outside the hub's open hours (the vehicle keeps its position and units), so
   a vehicle whose work does not fit in today's shift finishes the next day.

The units and position are returned when the work ends. Working units can be changed during a
run (``hub_capacity`` disruptions, investments): a reduced pool takes effect as units are
returned.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from math import ceil
from typing import Any

import numpy as np

from hubsim.sim.loop import Clock, Step
from hubsim.sim.slots import Slots

__all__ = ["Area", "Handled", "work_end"]


@dataclass(slots=True, init=False)
class Handled:
    """How one vehicle's handling went (times in hours on the run's clock).

    One is made per vehicle handled (about 430,000 in a year of the 2022 scenario). Its
    ``__init__`` is written out: compiled (mypyc), a ``Handled`` is then made and read as a
    native object, by direct calls and field reads, where a named tuple's ``__new__`` is
    interpreted Python and its fields are read through Python descriptors (about 2,300 machine
    instructions to make one, and about a hundred per field read).
    """

    request_h: float  # asked to be handled
    position_h: float  # took its position
    start_h: float  # took its units: work starts
    end_h: float
    units: int
    moves: int
    work_h: float  # unit-independent working time (end - start less the pauses)

    def __init__(self, request_h: float, position_h: float, start_h: float, end_h: float,
                 units: int, moves: int, work_h: float) -> None:
        self.request_h = request_h
        self.position_h = position_h
        self.start_h = start_h
        self.end_h = end_h
        self.units = units
        self.moves = moves
        self.work_h = work_h


def work_end(t: float, work: float, open_h: float, close_h: float) -> float:
    """When ``work`` hours of work started (or waiting to start) at ``t`` end, working only
    inside the daily window ``[open_h, close_h)``.

    >>> work_end(10.0, 3.0, 8.0, 12.0)   # 2 h today, 1 h from 08:00 tomorrow
    33.0
    >>> work_end(6.0, 1.0, 8.0, 12.0)    # waits for the opening
    9.0
    """
    span = close_h - open_h
    if span >= 24.0:
        return t + work
    day = math.floor(t / 24.0)
    hod = t - 24.0 * day
    if hod < open_h:
        t = 24.0 * day + open_h
    elif hod >= close_h:
        day += 1
        t = 24.0 * day + open_h
    left = 24.0 * day + close_h - t
    if work <= left:
        return t + work
    work -= left
    days, rem = divmod(work, span)
    if rem <= 1e-12:
        days -= 1
        rem = span
    return 24.0 * (day + 1 + days) + open_h + rem


class Area:
    """One area of a hub (or its shared pool): positions, units, rate and intensity.

    Parameters
    ----------
    env : Clock
        The run's clock (hours).
    name : str
        ``water``, ``rail``, ``road``, ``air`` or ``shared``.
    positions : int or None
        Berths, tracks, lanes or stands (None: unlimited).
    equipment : int
        Units installed.
    rate : float
        Moves per hour of one unit.
    min_units, max_units : int
        Units a vehicle needs to start, and the most that work one vehicle.
    teu_per_move : float
        Load lifted by one move (TEU; t for air cargo).
    exponential : bool
        Exponential move times (else exactly 1 / rate).
    rng : numpy.random.Generator
        The area's ``handling:<hub>:<area>`` stream.
    open_h, close_h : float
        The hub's daily working window, hours of the day.
    """

    __slots__ = ("always_open", "close_h", "env", "equipment", "exponential", "max_units",
                 "min_units", "name", "open_h", "positions", "rate", "rng", "share",
                 "teu_per_move", "units")

    def __init__(self, env: Clock, name: str, positions: int | None, equipment: int,
                 rate: float, min_units: int, max_units: int, teu_per_move: float,
                 exponential: bool, rng: np.random.Generator, open_h: float,
                 close_h: float) -> None:
        self.env = env
        self.name = name
        self.positions = Slots(env, positions) if positions is not None else None
        self.units = Slots(env, equipment)
        self.equipment = equipment
        self.share = 1.0
        self.rate = rate
        self.min_units = min_units
        self.max_units = max_units
        self.teu_per_move = teu_per_move
        self.exponential = exponential
        self.rng = rng
        self.open_h = open_h
        self.close_h = close_h
        #: works round the clock: the work ends when it is done (:func:`work_end`'s first case)
        self.always_open = close_h - open_h >= 24.0

    def handle(self, load: float, priority: int = 0) -> Generator[Step, Any, Handled]:
        """Load or discharge one vehicle carrying ``load``; returns how it went."""
        env = self.env
        t_request = env.now
        pos = self.positions
        if pos is not None:
            grant = pos.acquire(1, priority)
            if grant is not None:
                yield grant
        t_pos = env.now
        units = self.units
        need = self.min_units
        grant = units.acquire(need, priority)
        if grant is not None:
            yield grant
        k = need
        if self.max_units > need and not units.waiters:
            extra = min(self.max_units - need, math.floor(units.capacity - units.used + 1e-9))
            if extra > 0:
                units.used += extra
                k += extra
        t0 = env.now
        moves = ceil(load / self.teu_per_move - 1e-9) or 1  # at least one
        if self.exponential:
            # Gamma(moves) of the units' mean move time. One move: numpy's gamma of shape 1
            # is scale x its standard exponential (the same draw from the same stream, the
            # same number), which costs half as much to ask for.
            scale = 1.0 / (k * self.rate)
            work = self.rng.standard_exponential() * scale if moves == 1 \
                else float(self.rng.gamma(moves, scale))
        else:
            work = moves / (k * self.rate)
        if self.always_open:
            # work_end(t0, work, ...) - t0, the same float (not always ``work`` itself)
            yield (t0 + work) - t0  # a plain delay (hubsim.sim.loop)
        else:
            yield work_end(t0, work, self.open_h, self.close_h) - t0
        units.release(k)
        if pos is not None:
            pos.release(1)
        return Handled(t_request, t_pos, t0, env.now, k, moves, work)

    def set_share(self, share: float) -> None:
        """Let ``share`` (0-1) of the installed units work, rounded to the nearest unit."""
        self.share = share
        self._resize()

    def add_equipment(self, n: int) -> None:
        """Install ``n`` more units (the working share applies to them too)."""
        self.equipment += n
        self._resize()

    def _resize(self) -> None:
        self.units.resize(math.floor(self.equipment * self.share + 0.5))
