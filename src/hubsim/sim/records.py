"""Flat, compact event records written by the engine and handed to analysis as DataFrames.

Five tables, all append-only while the simulation runs and immutable afterwards. Events are
packed 39 bytes a row (:data:`EVENT_ROW`) into blocks of :data:`BLOCK_ROWS` rows, one
``struct`` call per event; the other tables are packed the same way, one row per ``struct`` call
(their int32 columns, then their float64 ones), into one growing buffer each. The tables are
built from them when asked for (:class:`hubsim.api.Results`):

``events``
    one row per thing that happened to a consignment: ``t_h`` (hours since the start),
    ``event`` (see :data:`EVENT_NAMES`), ``cid``, ``node``, ``link`` (-1 when none), ``service``
    (-1), ``trip`` (-1), ``teu``, ``tonnes``, ``wait_h``, ``dur_h``.
``consignments``
    one row per consignment (including the parts split off a consignment to fill a vehicle):
    ``cid``, ``parent`` (-1), ``demand`` (row index), ``origin``, ``destination``, ``cargo``,
    ``international``, ``created_h``, ``teu``, ``tonnes`` (at creation or split). ``cargo`` is
    ``container``, ``air`` or, in runs with empty containers, ``empty`` (boxes repositioned;
    ``demand`` -1).
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
chosen     expected extra time of the route it   the route's probability when drawn; only
           drew (h, from the simulated state)    with ``routing.choice: logit``, at creation,
                                                 for pairs with more than one route: ``node``
                                                 the route's first hub, ``link`` its gateway
                                                 link (else its last)
box_wait   time a loaded consignment waited at   0; it then had its boxes and moved on (a
           its origin for empty boxes (its pool  wait still going on at the end of the run
           was short; empties runs only)         is recorded there with its length so far)
========== ================================= ===========================================
"""

from __future__ import annotations

import math
import mmap
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BLOCK_ROWS", "EVENT_NAMES", "EVENT_ROW", "HANDLING_OPS", "WIDE_EVENT_ROW", "Recorder"]

EVENT_NAMES = ("generated", "split", "lift_off", "lift_on", "ready", "depart", "arrive",
               "depot", "delivered", "held", "cancelled", "rerouted", "yard_wait", "lock",
               "chosen",
               # empty containers (hubsim.sim.empties), only in runs with an empties section
               "box_wait")
# the codes of EVENT_NAMES (Final: compiled modules use the numbers, not a module lookup)
GENERATED: Final = 0
SPLIT: Final = 1
LIFT_OFF: Final = 2
LIFT_ON: Final = 3
READY: Final = 4
DEPART: Final = 5
ARRIVE: Final = 6
DEPOT: Final = 7
DELIVERED: Final = 8
HELD: Final = 9
CANCELLED: Final = 10
REROUTED: Final = 11
YARD_WAIT: Final = 12
LOCK: Final = 13
CHOSEN: Final = 14  # route choice (hubsim.sim.choice), only with routing.choice logit
BOX_WAIT: Final = 15
#: ``op`` codes of the ``handling`` table.
HANDLING_OPS = ("lift_on", "lift_off")

#: One packed ``events`` row: ``t_h`` (float64); ``event`` (uint8); ``cid`` (int32); ``node``,
#: ``link``, ``service`` (int16); ``trip`` (int32); ``teu``, ``tonnes``, ``wait_h``, ``dur_h``
#: (float32): 39 bytes. A network with 32,767 or more nodes, links or services uses
#: :data:`WIDE_EVENT_ROW` instead (48 bytes, every index int32).
EVENT_ROW = struct.Struct("<dBi3hi4f")
WIDE_EVENT_ROW = struct.Struct("<d6i4f")
_NAMES = ("t_h", "event", "cid", "node", "link", "service", "trip", "teu", "tonnes", "wait_h",
          "dur_h")
_EVENT_DTYPE = np.dtype(list(zip(_NAMES, ("<f8", "u1", "<i4", "<i2", "<i2", "<i2", "<i4",
                                          "<f4", "<f4", "<f4", "<f4"), strict=True)))
_WIDE_EVENT_DTYPE = np.dtype(list(zip(_NAMES, ("<f8", *["<i4"] * 6, *["<f4"] * 4),
                                      strict=True)))
#: The largest node, link or service index a narrow row holds.
_NARROW_MAX = 2**15 - 1
_WAIT = struct.Struct("<f")


class _Rows:
    """The packed row of one of the other tables: ``n_int`` int32 columns, then ``n_float``
    float64 ones; ``row`` packs one, ``dtype`` reads them back as two 2-D arrays."""

    def __init__(self, n_int: int, n_float: int):
        self.row = struct.Struct(f"<{n_int}i{n_float}d")
        self.dtype = np.dtype([("i", "<i4", (n_int,)), ("f", "<f8", (n_float,))])


_CONS = _Rows(7, 3)  # cid, parent, demand, origin, destination, cargo, intl;
#                      created_h, teu, tonnes
_TRIP = _Rows(6, 5)  # trip, service, link, from, to, vehicles;
#                      scheduled_h, depart_h, arrive_h, load, capacity
_TRIP_ARRIVE_AT = 6 * 4 + 2 * 8  # byte offset of arrive_h in a trip row
_HAND = _Rows(7, 5)  # node, link, service, trip, op, units, moves;
#                      request_h, position_h, start_h, end_h, load
_LOCK = _Rows(5, 3)  # link, direction, service, trip, priority; arrive_h, enter_h, exit_h
_F64 = struct.Struct("<d")
#: Rows per block of the event store (2.5 MB; 3 MB wide): the events table is built block by
#: block, and with ``release`` each block is freed once copied.
BLOCK_ROWS = 65536
_FLOAT_COLUMNS = frozenset({"t_h", "teu", "tonnes", "wait_h", "dur_h"})


def _column(n: int, dtype: type[np.generic] | np.dtype, width: int = 0) -> np.ndarray:
    """An uninitialised array of ``n`` values of ``dtype`` (``n`` rows of ``width`` with
    ``width``) for a table's column, in an anonymous memory map of ordinary pages.

    numpy asks Linux for huge pages for every array of 4 MB or more (``madvise``). Where the
    system gives huge pages only to those who ask (Debian's and Ubuntu's default), it then
    compacts memory to find each 2 MB page the moment it is first written. Measured on this
    project's 2-core machine: eleven float64 columns of 1.77 million values (a year's events)
    filled in 260 ms the first time in huge pages, 77 ms in ordinary ones; a year's five record
    tables (``Results.tables()``) took 0.23-0.27 s with numpy's arrays and 0.17-0.20 s with
    these. A map asks for nothing; like ``np.empty`` its pages are only mapped in as the
    column is filled (a ``bytearray`` would zero, so map, all of them at once), and it is
    unmapped when the column is freed. Small columns (under a page) come from numpy.
    """
    count = n * max(width, 1)
    size = count * np.dtype(dtype).itemsize
    out = np.empty(count, dtype) if size < mmap.PAGESIZE \
        else np.frombuffer(mmap.mmap(-1, size), dtype)
    return out.reshape(n, width) if width else out


def _released(*_args: object) -> None:
    raise RuntimeError("the event store was handed over to the events table; the run is over")


#: Each table's packed store (attribute of :class:`Recorder`).
_STORES = {"events": "_blocks", "consignments": "_cons", "trips": "_trips", "handling": "_hand",
           "lock_passages": "_lock"}


class Recorder:
    """Columnar store; the engine writes an ``events`` row with :meth:`event` on its hot path.

    The engine's compiled modules call :meth:`event` on a reference typed ``Recorder``, a
    direct call of compiled code with its numbers unboxed, not a Python call through a bound
    method or closure (whose arguments are boxed by the caller, parsed and unboxed by the
    callee, and boxed again for ``struct``): measured with ``benchmarks/bench_instructions.py``,
    about 9% fewer instructions per SimPy event for a year of the 2022 scenario.
    """

    def __init__(self, node_names: list[str], link_names: list[str], service_names: list[str]):
        self.node_names = node_names
        self.link_names = link_names
        self.service_names = service_names
        #: categories of the consignments' ``cargo`` column; a run that tracks boxes adds
        #: "empty" (code 2; :mod:`hubsim.sim.empties`), so other runs' tables are unchanged
        self.cargo_names: tuple[str, ...] = ("container", "air")
        #: the events, BLOCK_ROWS rows a block; each block is allocated whole (2.5 MB, zeroed:
        #: a recorder holds one from the start) and filled row by row, the last one up to
        #: ``_filled()``
        self._blocks: list[bytearray] = []
        # the other tables, packed a row at a time like the events (one struct call per row;
        # int32 then float64 columns: see _CONS, _TRIP, _HAND, _LOCK)
        self._cons = bytearray()
        self._trips = bytearray()
        self._hand = bytearray()
        self._lock = bytearray()
        #: the tables whose store was emptied (handed over to a table, or freed): asking for
        #: one of them again raises instead of returning an empty table
        self._gone: set[str] = set()
        narrow = max(len(node_names), len(link_names), len(service_names)) < _NARROW_MAX
        self._row = EVENT_ROW if narrow else WIDE_EVENT_ROW
        self._dtype = _EVENT_DTYPE if narrow else _WIDE_EVENT_DTYPE
        #: byte offset of ``wait_h`` in a row
        self._wait_at: int = self._dtype.fields["wait_h"][1]  # type: ignore[index]
        #: the event store's writing state: the row packer, a row's size, the block being
        #: filled and the byte offset of its next row (:meth:`event`)
        self._pack: Callable[..., None] = self._row.pack_into
        self._size: int = self._row.size
        self._full: int = BLOCK_ROWS * self._size
        self._block = bytearray(self._full)
        self._at: int = 0
        self._blocks.append(self._block)

    def event(self, t: float, ev: int, cid: int, node: int, link: int, service: int, trip: int,
              teu: float, tonnes: float, wait: float, dur: float) -> None:
        """Append one row to the ``events`` table (``t_h``, ``event``, ``cid``, ``node``,
        ``link``, ``service``, ``trip``, ``teu``, ``tonnes``, ``wait_h``, ``dur_h``; codes as in
        the module's table, -1 for none)."""
        # packed in place: no bytes object per row (a fifth less time than appending one)
        at = self._at
        self._pack(self._block, at, t, ev, cid, node, link, service, trip, teu, tonnes, wait,
                   dur)
        at += self._size
        if at == self._full:
            self._block = bytearray(self._full)
            self._blocks.append(self._block)
            at = 0
        self._at = at

    def _filled(self) -> int:
        """Rows written in the last block."""
        return self._at // self._size

    def _stop_events(self) -> None:
        """No more events: the store is being handed over or freed (a later :meth:`event`
        raises, and the last block holds no rows)."""
        self._pack = _released
        self._block = bytearray()
        self._at = 0

    def consignment(self, cid: int, parent: int, demand: int, origin: int, destination: int,
                    cargo: int, international: bool, created: float, teu: float,
                    tonnes: float) -> None:
        """Record a consignment (or a part split off one) as created."""
        self._cons += _CONS.row.pack(cid, parent, demand, origin, destination, cargo,
                                     international, created, teu, tonnes)

    def trip(self, trip: int, service: int, link: int, u: int, v: int, scheduled: float,
             depart: float, load: float, capacity: float, vehicles: int) -> int:
        """Record a departure; returns the row index for :meth:`arrived`."""
        trips = self._trips
        trips += _TRIP.row.pack(trip, service, link, u, v, vehicles, scheduled, depart,
                                math.nan, load, capacity)
        return len(trips) // _TRIP.row.size - 1

    def arrived(self, row: int, t: float) -> None:
        """The departure recorded in ``row`` arrived at ``t``."""
        _F64.pack_into(self._trips, row * _TRIP.row.size + _TRIP_ARRIVE_AT, t)

    def set_wait(self, row: int, wait: float) -> None:
        """Set the ``wait_h`` of event row ``row`` (a wait recorded when it began)."""
        b, r = divmod(row, BLOCK_ROWS)
        _WAIT.pack_into(self._blocks[b], r * self._row.size + self._wait_at, wait)

    def handling(self, node: int, link: int, service: int, trip: int, op: int, request: float,
                 position: float, start: float, end: float, units: int, moves: int,
                 load: float) -> None:
        """Record one vehicle's loading (``op`` 0) or discharge (``op`` 1) at a hub."""
        self._hand += _HAND.row.pack(node, link, service, trip, op, units, moves, request,
                                     position, start, end, load)

    def lock_passage(self, link: int, direction: int, service: int, trip: int, priority: int,
                     arrive: float, enter: float, exit_: float) -> None:
        """Record one ship's passage through a lockage-model lock (service -1: other
        traffic)."""
        self._lock += _LOCK.row.pack(link, direction, service, trip, priority, arrive,
                                     enter, exit_)

    @property
    def n_events(self) -> int:
        return (len(self._blocks) - 1) * BLOCK_ROWS + self._filled()

    def counts(self) -> dict[str, int]:
        """Rows recorded so far: ``event_records``, ``consignments`` (parts split off
        included) and ``vehicle_departures`` (the rows of the events, consignments and trips
        tables)."""
        return {"event_records": self.n_events,
                "consignments": len(self._cons) // _CONS.row.size,
                "vehicle_departures": len(self._trips) // _TRIP.row.size}

    def _categorical(self, codes: np.ndarray,
                     names: list[str] | tuple[str, ...]) -> pd.Categorical[str]:
        import pandas as pd  # only when a table is asked for (memory and start-up)

        # code -1 means "none" and becomes a missing value
        return pd.Categorical.from_codes(codes.astype(np.int32, copy=False),
                                         categories=pd.Index(names))

    def events_frame(self, release: bool = False) -> pd.DataFrame:
        """The ``events`` table.

        The columns are filled block by block. With ``release=True`` each block of the store
        is freed as soon as it has been copied, so building the table needs about one copy of
        the log, not two. The recorder then holds no events; call it once, after the run.
        """
        self._check("events")
        n = self.n_events
        last = self._filled()
        if release:
            # the recorder holds the block it fills: drop it, or freeing that block would not
            self._stop_events()
            self._gone.add("events")
        names = self._dtype.names or ()
        cols = {name: _column(n, np.float64 if name in _FLOAT_COLUMNS else np.int32)
                for name in names}
        at = 0
        final = len(self._blocks) - 1
        for b, block in enumerate(self._blocks):
            rows = np.frombuffer(block, dtype=self._dtype,
                                 count=BLOCK_ROWS if b < final else last)
            for name in names:
                cols[name][at:at + len(rows)] = rows[name]
            at += len(rows)
            del rows
            if release:
                self._blocks[b] = bytearray()
        if release:
            self._blocks = [bytearray()]
        out: dict[str, object] = {"t_h": cols["t_h"]}
        for name, categories in (("event", EVENT_NAMES), ("node", self.node_names),
                                 ("link", self.link_names), ("service", self.service_names)):
            out[name] = self._categorical(cols.pop(name), categories)
        for name in ("cid", "trip", "teu", "tonnes", "wait_h", "dur_h"):
            out[name] = cols[name]
        order = ["t_h", "event", "cid", "node", "link", "service", "trip", "teu", "tonnes",
                 "wait_h", "dur_h"]
        import pandas as pd  # only when a table is asked for (memory and start-up)

        # the columns are fresh arrays owned by this table: no second copy
        return pd.DataFrame({c: out[c] for c in order}, copy=False)

    def _columns(self, table: str, layout: _Rows,
                 release: bool) -> tuple[np.ndarray, np.ndarray]:
        """The integer (int32) and float (float64) columns of the packed ``table``, as two
        2-D arrays; its store emptied with ``release``."""
        self._check(table)
        rows = np.frombuffer(getattr(self, _STORES[table]), dtype=layout.dtype)
        out = (_column(len(rows), np.int32, rows["i"].shape[1]),
               _column(len(rows), np.float64, rows["f"].shape[1]))
        out[0][...] = rows["i"]
        out[1][...] = rows["f"]
        del rows
        if release:
            setattr(self, _STORES[table], bytearray())
            self._gone.add(table)
        return out

    def _check(self, table: str) -> None:
        if table in self._gone:
            raise RuntimeError(f"the {table} table of this run was already handed over or "
                               "freed (hubsim.Results.free_records): simulate again to get it")

    def free(self) -> None:
        """Free every store, the tables never asked for included; any table asked for later
        raises ``RuntimeError``."""
        self._stop_events()
        self._blocks = [bytearray()]
        for table, store in _STORES.items():
            if store != "_blocks":
                setattr(self, store, bytearray())
            self._gone.add(table)

    def consignments_frame(self, release: bool = False) -> pd.DataFrame:
        """The ``consignments`` table; with ``release=True`` the recorder then holds none of it."""
        ci, cf = self._columns("consignments", _CONS, release)
        import pandas as pd  # only when a table is asked for

        return pd.DataFrame({
            "cid": ci[:, 0], "parent": ci[:, 1], "demand": ci[:, 2],
            "origin": self._categorical(ci[:, 3], self.node_names),
            "destination": self._categorical(ci[:, 4], self.node_names),
            "cargo": self._categorical(ci[:, 5], self.cargo_names),
            "international": ci[:, 6].astype(bool),
            "created_h": cf[:, 0], "teu": cf[:, 1], "tonnes": cf[:, 2],
        })

    def trips_frame(self, release: bool = False) -> pd.DataFrame:
        """The ``trips`` table; with ``release=True`` the recorder then holds none of it."""
        ti, tf = self._columns("trips", _TRIP, release)
        import pandas as pd  # only when a table is asked for

        return pd.DataFrame({
            "trip": ti[:, 0],
            "service": self._categorical(ti[:, 1], self.service_names),
            "link": self._categorical(ti[:, 2], self.link_names),
            "from": self._categorical(ti[:, 3], self.node_names),
            "to": self._categorical(ti[:, 4], self.node_names),
            "scheduled_h": tf[:, 0], "depart_h": tf[:, 1], "arrive_h": tf[:, 2],
            "load": tf[:, 3], "capacity": tf[:, 4], "vehicles": ti[:, 5],
        })

    def handling_frame(self, release: bool = False) -> pd.DataFrame:
        """The ``handling`` table; with ``release=True`` the recorder then holds none of it."""
        hi, hf = self._columns("handling", _HAND, release)
        import pandas as pd  # only when a table is asked for

        return pd.DataFrame({
            "node": self._categorical(hi[:, 0], self.node_names),
            "link": self._categorical(hi[:, 1], self.link_names),
            "service": self._categorical(hi[:, 2], self.service_names),
            "trip": hi[:, 3], "op": self._categorical(hi[:, 4], HANDLING_OPS),
            "request_h": hf[:, 0], "position_h": hf[:, 1], "start_h": hf[:, 2],
            "end_h": hf[:, 3], "units": hi[:, 5], "moves": hi[:, 6], "load": hf[:, 4],
        })

    def lock_passages_frame(self, release: bool = False) -> pd.DataFrame:
        """The ``lock_passages`` table; with ``release=True`` the recorder then holds none of it."""
        li, lf = self._columns("lock_passages", _LOCK, release)
        import pandas as pd  # only when a table is asked for

        return pd.DataFrame({
            "link": self._categorical(li[:, 0], self.link_names), "direction": li[:, 1],
            "service": self._categorical(li[:, 2], self.service_names), "trip": li[:, 3],
            "priority": li[:, 4], "arrive_h": lf[:, 0], "enter_h": lf[:, 1],
            "exit_h": lf[:, 2],
        })
