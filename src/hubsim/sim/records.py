"""Flat, compact event records written by the engine and handed to analysis as DataFrames.

Five tables, all append-only while the simulation runs (typed ``array.array`` columns, about
40 bytes per event) and immutable afterwards:

``events``
    one row per thing that happened to a consignment: ``t_h`` (hours since the start),
    ``event`` (see :data:`EVENT_NAMES`), ``cid``, ``node``, ``link`` (-1 when none), ``service``
    (-1), ``trip`` (-1), ``teu``, ``tonnes``, ``wait_h``, ``dur_h``.
``consignments``
    one row per consignment (including the parts split off a consignment to fill a vehicle):
    ``cid``, ``parent`` (-1), ``demand`` (row index), ``origin``, ``destination``, ``cargo``,
    ``international``, ``created_h``, ``teu``, ``tonnes`` (at creation or split).
``trips``
    one row per vehicle departure: ``trip``, ``service``, ``link``, ``from``, ``to``,
    ``scheduled_h``, ``depart_h``, ``arrive_h`` (NaN while under way), ``load``, ``capacity``
    (both in the service's unit: TEU or t), ``vehicles`` (trucks for on-demand loads).
``handling``
    one row per vehicle loaded or discharged at a hub: ``node``, ``link`` (the vehicle's link:
    its mode names the area), ``service``, ``trip`` (-1 for a truck's loading), ``op``
    (``lift_on`` or ``lift_off``), ``request_h`` (ready for handling: after any wait for yard
    room), ``position_h`` (took a berth, track, lane or stand), ``start_h`` (took its units;
    handling starts), ``end_h``, ``units``, ``moves``, ``load`` (TEU or t).
``lock_passages``
    one row per ship through a lockage-model lock: ``link``, ``direction`` (0: the link's from
    -> to, 1: back), ``service`` (missing for other traffic), ``trip`` (-1 for other traffic),
    ``priority``, ``arrive_h`` (joined the queue), ``enter_h`` (its lockage started),
    ``exit_h``.

Meaning of ``wait_h`` and ``dur_h`` per event:

========== ================================= ===========================================
event      wait_h                            dur_h
========== ================================= ===========================================
generated  0                                 0
split      0                                 0 (the parent is in ``consignments``)
lift_off   queueing for handling equipment   this load's share of the handling time
lift_on    queueing for handling equipment   this load's share of the handling time
ready      0                                 dwell + clearance just finished
depart     time at the node before departure 0
arrive     0                                 time on the vehicle (depart to arrive)
depot      0                                 0 (stored off-dock: the yard was full)
delivered  0                                 door-to-door time (created to delivered)
held       time held (link closed: until it  0; ``link`` is the closed link, ``trip`` the
           reopens)                          vehicle when stopped on the way (else -1)
cancelled  0                                 0; one per departure not run because its link
                                             was closed: ``cid`` -1, ``teu``/``tonnes`` the
                                             load left waiting in that direction
rerouted   0                                 0; ``link`` is the closed link it avoids (its
                                             new route is in force from this node)
yard_wait  time its vehicle waited for yard room 0; at anchorage, a holding siding or the gate
           (at ``node``, before discharge);      (``t_h`` is when the wait began; a wait still
           until the end of the run if it still  going on at the end is cut there)
           waits then
lock       wait for a lockage (queue)            time through the lock
========== ================================= ===========================================
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = ["EVENT_NAMES", "HANDLING_OPS", "EventFn", "Recorder"]

EVENT_NAMES = ("generated", "split", "lift_off", "lift_on", "ready", "depart", "arrive",
               "depot", "delivered", "held", "cancelled", "rerouted", "yard_wait", "lock")
(GENERATED, SPLIT, LIFT_OFF, LIFT_ON, READY, DEPART, ARRIVE, DEPOT, DELIVERED, HELD,
 CANCELLED, REROUTED, YARD_WAIT, LOCK) = range(14)
#: ``op`` codes of the ``handling`` table.
HANDLING_OPS = ("lift_on", "lift_off")

#: ``event(t_h, event, cid, node, link, service, trip, teu, tonnes, wait_h, dur_h)``: append one
#: row to the ``events`` table (codes as in the table above; -1 for none).
EventFn = Callable[[float, int, int, int, int, int, int, float, float, float, float], None]


def _released(*_args: object) -> None:
    raise RuntimeError("the event store was handed over to the events table; the run is over")


class Recorder:
    """Columnar store; the engine binds :meth:`event` once and calls it on its hot path."""

    def __init__(self, node_names: list[str], link_names: list[str], service_names: list[str]):
        self.node_names = node_names
        self.link_names = link_names
        self.service_names = service_names
        # three flat columns-of-rows: 1 float64, 6 int32 and 4 float32 values per event
        self._t = array("d")
        self._ints = array("i")   # event, cid, node, link, service, trip
        self._vals = array("f")   # teu, tonnes, wait_h, dur_h
        self._cons_i = array("i")  # cid, parent, demand, origin, destination, cargo, intl
        self._cons_f = array("d")  # created_h, teu, tonnes
        self._trips_i = array("i")  # trip, service, link, from, to, vehicles
        self._trips_f = array("d")  # scheduled_h, depart_h, arrive_h, load, capacity
        self._hand_i = array("i")  # node, link, service, trip, op, units, moves
        self._hand_f = array("d")  # request_h, position_h, start_h, end_h, load
        self._lock_i = array("i")  # link, direction, service, trip, priority
        self._lock_f = array("d")  # arrive_h, enter_h, exit_h
        t_append, i_extend, v_extend = self._t.append, self._ints.extend, self._vals.extend

        def event(t: float, ev: int, cid: int, node: int, link: int, service: int, trip: int,
                  teu: float, tonnes: float, wait: float, dur: float) -> None:
            t_append(t)
            i_extend((ev, cid, node, link, service, trip))
            v_extend((teu, tonnes, wait, dur))

        self.event: EventFn = event

    def consignment(self, cid: int, parent: int, demand: int, origin: int, destination: int,
                    cargo: int, international: bool, created: float, teu: float,
                    tonnes: float) -> None:
        self._cons_i.extend((cid, parent, demand, origin, destination, cargo, international))
        self._cons_f.extend((created, teu, tonnes))

    def trip(self, trip: int, service: int, link: int, u: int, v: int, scheduled: float,
             depart: float, load: float, capacity: float, vehicles: int) -> int:
        """Record a departure; returns the row index for :meth:`arrived`."""
        self._trips_i.extend((trip, service, link, u, v, vehicles))
        self._trips_f.extend((scheduled, depart, math.nan, load, capacity))
        return len(self._trips_i) // 6 - 1

    def arrived(self, row: int, t: float) -> None:
        self._trips_f[row * 5 + 2] = t

    def set_wait(self, row: int, wait: float) -> None:
        """Set the ``wait_h`` of event row ``row`` (a wait recorded when it began)."""
        self._vals[row * 4 + 2] = wait

    def handling(self, node: int, link: int, service: int, trip: int, op: int, request: float,
                 position: float, start: float, end: float, units: int, moves: int,
                 load: float) -> None:
        """Record one vehicle's loading (``op`` 0) or discharge (``op`` 1) at a hub."""
        self._hand_i.extend((node, link, service, trip, op, units, moves))
        self._hand_f.extend((request, position, start, end, load))

    def lock_passage(self, link: int, direction: int, service: int, trip: int, priority: int,
                     arrive: float, enter: float, exit_: float) -> None:
        """Record one ship's passage through a lockage-model lock (service -1: other
        traffic)."""
        self._lock_i.extend((link, direction, service, trip, priority))
        self._lock_f.extend((arrive, enter, exit_))

    @property
    def n_events(self) -> int:
        return len(self._t)

    def _categorical(self, codes: np.ndarray,
                     names: list[str] | tuple[str, ...]) -> pd.Categorical[str]:
        # code -1 means "none" and becomes a missing value
        return pd.Categorical.from_codes(codes.astype(np.int32), categories=pd.Index(names))

    def events_frame(self, release: bool = False) -> pd.DataFrame:
        """The ``events`` table.

        With ``release=True`` the recorder's event store is handed over as the columns are
        built (the time column shares its buffer, the other columns are copied one at a time
        and each packed store is freed as soon as it has been read), so building the table
        needs about one extra copy of a single column instead of a second copy of the whole
        log. The recorder then holds no events; call it once, after the run.
        """
        n = len(self._t)
        if release:
            # the recording function holds the stores' bound ``extend`` methods: drop it, or
            # rebinding the stores below would free nothing
            self.event = _released
        if n == 0:
            t = np.zeros(0)
        elif release:
            t = np.frombuffer(self._t, dtype=np.float64)  # zero-copy: the store is done
        else:
            t = np.frombuffer(self._t, dtype=np.float64).copy()
        cols: dict[str, object] = {"t_h": t}
        if n:
            ints = np.frombuffer(self._ints, dtype=np.int32).reshape(n, 6)
        else:
            ints = np.zeros((0, 6), np.int32)
        cols["event"] = self._categorical(ints[:, 0], EVENT_NAMES)
        cols["cid"] = ints[:, 1].copy()
        cols["node"] = self._categorical(ints[:, 2], self.node_names)
        cols["link"] = self._categorical(ints[:, 3], self.link_names)
        cols["service"] = self._categorical(ints[:, 4], self.service_names)
        cols["trip"] = ints[:, 5].copy()
        del ints
        if release:  # drop the store (rebinding, not resizing: another thread, such as a
            # profiler sampling stack frames, may still hold a view of it for a moment)
            self._ints = array("i")
        if n:
            vals = np.frombuffer(self._vals, dtype=np.float32).reshape(n, 4)
        else:
            vals = np.zeros((0, 4), np.float32)
        for j, name in enumerate(("teu", "tonnes", "wait_h", "dur_h")):
            cols[name] = vals[:, j].astype(np.float64)
        del vals
        if release:
            self._vals = array("f")
        # the columns are fresh arrays owned by this table: no second copy
        return pd.DataFrame(cols, copy=False)

    @staticmethod
    def _rows(arr: array, width: int, dtype: type) -> np.ndarray:
        return np.array(arr, dtype=dtype).reshape(len(arr) // width, width)

    def consignments_frame(self) -> pd.DataFrame:
        ci = self._rows(self._cons_i, 7, np.int32)
        cf = self._rows(self._cons_f, 3, np.float64)
        return pd.DataFrame({
            "cid": ci[:, 0], "parent": ci[:, 1], "demand": ci[:, 2],
            "origin": self._categorical(ci[:, 3], self.node_names),
            "destination": self._categorical(ci[:, 4], self.node_names),
            "cargo": self._categorical(ci[:, 5], ("container", "air")),
            "international": ci[:, 6].astype(bool),
            "created_h": cf[:, 0], "teu": cf[:, 1], "tonnes": cf[:, 2],
        })

    def trips_frame(self) -> pd.DataFrame:
        ti = self._rows(self._trips_i, 6, np.int32)
        tf = self._rows(self._trips_f, 5, np.float64)
        return pd.DataFrame({
            "trip": ti[:, 0],
            "service": self._categorical(ti[:, 1], self.service_names),
            "link": self._categorical(ti[:, 2], self.link_names),
            "from": self._categorical(ti[:, 3], self.node_names),
            "to": self._categorical(ti[:, 4], self.node_names),
            "scheduled_h": tf[:, 0], "depart_h": tf[:, 1], "arrive_h": tf[:, 2],
            "load": tf[:, 3], "capacity": tf[:, 4], "vehicles": ti[:, 5],
        })

    def handling_frame(self) -> pd.DataFrame:
        hi = self._rows(self._hand_i, 7, np.int32)
        hf = self._rows(self._hand_f, 5, np.float64)
        return pd.DataFrame({
            "node": self._categorical(hi[:, 0], self.node_names),
            "link": self._categorical(hi[:, 1], self.link_names),
            "service": self._categorical(hi[:, 2], self.service_names),
            "trip": hi[:, 3], "op": self._categorical(hi[:, 4], HANDLING_OPS),
            "request_h": hf[:, 0], "position_h": hf[:, 1], "start_h": hf[:, 2],
            "end_h": hf[:, 3], "units": hi[:, 5], "moves": hi[:, 6], "load": hf[:, 4],
        })

    def lock_passages_frame(self) -> pd.DataFrame:
        li = self._rows(self._lock_i, 5, np.int32)
        lf = self._rows(self._lock_f, 3, np.float64)
        return pd.DataFrame({
            "link": self._categorical(li[:, 0], self.link_names), "direction": li[:, 1],
            "service": self._categorical(li[:, 2], self.service_names), "trip": li[:, 3],
            "priority": li[:, 4], "arrive_h": lf[:, 0], "enter_h": lf[:, 1],
            "exit_h": lf[:, 2],
        })
