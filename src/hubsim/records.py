"""Flat, compact event records written by the engine and handed to analysis as DataFrames.

Three tables, all append-only while the simulation runs (typed ``array.array`` columns, about
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
overflow   0                                 0 (discharged beyond yard capacity)
delivered  0                                 door-to-door time (created to delivered)
========== ================================= ===========================================
"""

from __future__ import annotations

from array import array

import numpy as np
import pandas as pd

__all__ = ["EVENT_NAMES", "Recorder"]

EVENT_NAMES = ("generated", "split", "lift_off", "lift_on", "ready", "depart", "arrive",
               "overflow", "delivered")
GENERATED, SPLIT, LIFT_OFF, LIFT_ON, READY, DEPART, ARRIVE, OVERFLOW, DELIVERED = range(9)


class Recorder:
    """Columnar store; the engine binds :meth:`event` once and calls it on its hot path."""

    def __init__(self, node_names: list[str], link_names: list[str], service_names: list[str]):
        self.node_names = node_names
        self.link_names = link_names
        self.service_names = service_names
        self._ev = {k: array(code) for k, code in (
            ("t_h", "d"), ("event", "b"), ("cid", "i"), ("node", "h"), ("link", "h"),
            ("service", "h"), ("trip", "i"), ("teu", "f"), ("tonnes", "f"), ("wait_h", "f"),
            ("dur_h", "f"))}
        self._cons = {k: array(code) for k, code in (
            ("cid", "i"), ("parent", "i"), ("demand", "h"), ("origin", "h"),
            ("destination", "h"), ("cargo", "b"), ("international", "b"), ("created_h", "d"),
            ("teu", "f"), ("tonnes", "f"))}
        self._trips = {k: array(code) for k, code in (
            ("trip", "i"), ("service", "h"), ("link", "h"), ("from", "h"), ("to", "h"),
            ("scheduled_h", "d"), ("depart_h", "d"), ("arrive_h", "d"), ("load", "d"),
            ("capacity", "d"), ("vehicles", "i"))}
        cols = [self._ev[k].append for k in ("t_h", "event", "cid", "node", "link", "service",
                                             "trip", "teu", "tonnes", "wait_h", "dur_h")]

        def event(t: float, ev: int, cid: int, node: int, link: int, service: int, trip: int,
                  teu: float, tonnes: float, wait: float, dur: float) -> None:
            a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10 = cols
            a0(t), a1(ev), a2(cid), a3(node), a4(link), a5(service), a6(trip)
            a7(teu), a8(tonnes), a9(wait), a10(dur)

        self.event = event

    def consignment(self, cid: int, parent: int, demand: int, origin: int, destination: int,
                    cargo: int, international: bool, created: float, teu: float,
                    tonnes: float) -> None:
        c = self._cons
        for key, value in (("cid", cid), ("parent", parent), ("demand", demand),
                           ("origin", origin), ("destination", destination), ("cargo", cargo),
                           ("international", int(international)), ("created_h", created),
                           ("teu", teu), ("tonnes", tonnes)):
            c[key].append(value)

    def trip(self, trip: int, service: int, link: int, u: int, v: int, scheduled: float,
             depart: float, load: float, capacity: float, vehicles: int) -> int:
        """Record a departure; returns the row index for :meth:`arrived`."""
        c = self._trips
        for key, value in (("trip", trip), ("service", service), ("link", link), ("from", u),
                           ("to", v), ("scheduled_h", scheduled), ("depart_h", depart),
                           ("arrive_h", float("nan")), ("load", load), ("capacity", capacity),
                           ("vehicles", vehicles)):
            c[key].append(value)
        return len(c["trip"]) - 1

    def arrived(self, row: int, t: float) -> None:
        self._trips["arrive_h"][row] = t

    @property
    def n_events(self) -> int:
        return len(self._ev["t_h"])

    def _categorical(self, codes: np.ndarray, names: list[str] | tuple[str, ...]) -> pd.Categorical:
        # code -1 means "none" and becomes a missing value
        return pd.Categorical.from_codes(codes.astype(np.int32), categories=list(names))

    def events_frame(self) -> pd.DataFrame:
        ev = {k: np.frombuffer(v, dtype=v.typecode) if len(v) else np.array([], v.typecode)
              for k, v in self._ev.items()}
        return pd.DataFrame({
            "t_h": ev["t_h"],
            "event": self._categorical(ev["event"], EVENT_NAMES),
            "cid": ev["cid"],
            "node": self._categorical(ev["node"], self.node_names),
            "link": self._categorical(ev["link"], self.link_names),
            "service": self._categorical(ev["service"], self.service_names),
            "trip": ev["trip"],
            "teu": ev["teu"].astype(np.float64),
            "tonnes": ev["tonnes"].astype(np.float64),
            "wait_h": ev["wait_h"].astype(np.float64),
            "dur_h": ev["dur_h"].astype(np.float64),
        })

    def consignments_frame(self) -> pd.DataFrame:
        c = {k: np.asarray(v) for k, v in self._cons.items()}
        return pd.DataFrame({
            "cid": c["cid"], "parent": c["parent"], "demand": c["demand"],
            "origin": self._categorical(c["origin"], self.node_names),
            "destination": self._categorical(c["destination"], self.node_names),
            "cargo": self._categorical(c["cargo"], ("container", "air")),
            "international": c["international"].astype(bool),
            "created_h": c["created_h"], "teu": c["teu"].astype(np.float64),
            "tonnes": c["tonnes"].astype(np.float64),
        })

    def trips_frame(self) -> pd.DataFrame:
        c = {k: np.asarray(v) for k, v in self._trips.items()}
        return pd.DataFrame({
            "trip": c["trip"],
            "service": self._categorical(c["service"], self.service_names),
            "link": self._categorical(c["link"], self.link_names),
            "from": self._categorical(c["from"], self.node_names),
            "to": self._categorical(c["to"], self.node_names),
            "scheduled_h": c["scheduled_h"], "depart_h": c["depart_h"],
            "arrive_h": c["arrive_h"], "load": c["load"], "capacity": c["capacity"],
            "vehicles": c["vehicles"],
        })
