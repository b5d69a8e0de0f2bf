"""Deterministic cases: a timetabled train and transit times, with exact expected values.

Hub ``a`` -rail-> hub ``b`` -road-> zone ``z``. A train of ``CAPACITY`` TEU leaves ``a`` every
``HEADWAY`` h from ``FIRST`` h (one-way, unlimited fleet); demand from ``a`` to ``z`` is
``LOAD`` times what the trains carry, so a backlog builds. Handling is deterministic
(load / rate) and dwell is zero, so given the creation times in the log everything else is
exact:

* each slot's train takes the ready queue first come first served up to capacity (cutting the
  last consignment to whole TEU) and departs at slot + load / rate;
* every consignment's wait at ``a`` (created to departed) follows from that replay;
* rail transit is ``RAIL_KM / RAIL_KMH`` and road transit ``ROAD_KM / ROAD_KMH`` exactly.
"""

from __future__ import annotations

import math
from collections import deque
from functools import cache

import numpy as np
import pandas as pd

import hubsim
from hubsim.scenario.build import build_scenario
from hubsim.scenario.schema import HOURS_PER_YEAR

__all__ = ["CAPACITY", "FIRST", "HEADWAY", "LOAD", "RAIL_KM", "RAIL_KMH", "RATE", "ROAD_KM",
           "ROAD_KMH", "created_at_a", "replay_timetable", "run_train", "train_dict",
           "train_observed"]

RAIL_KM, RAIL_KMH = 437.0, 61.0
ROAD_KM, ROAD_KMH = 12.3, 37.0
CAPACITY, HEADWAY, FIRST, RATE = 50, 12.0, 3.0, 500.0
LOAD = 1.5  # demand / train capacity


def train_dict(load: float = LOAD, days: float = 30.0) -> dict:
    return {
        "name": "train",
        "run": {"horizon_days": days, "warmup_days": 1, "seed": 11},
        "hubs": {"a": {"lat": 0, "lon": 0, "equipment": 1, "moves_per_hour": RATE,
                       "yard_teu": 1e6},
                 "b": {"lat": 0, "lon": 4, "equipment": 2, "moves_per_hour": RATE,
                       "yard_teu": 1e6}},
        "zones": {"z": {"lat": 0, "lon": 4.1}},
        "links": [{"from": "a", "to": "b", "mode": "rail", "distance_km": RAIL_KM,
                   "speed_kmh": RAIL_KMH, "co2_g_per_tkm": 20},
                  {"from": "b", "to": "z", "mode": "road", "distance_km": ROAD_KM,
                   "speed_kmh": ROAD_KMH, "co2_g_per_tkm": 90}],
        "services": [{"id": "train", "from": "a", "to": "b", "mode": "rail",
                      "capacity_teu": CAPACITY, "headway_h": HEADWAY,
                      "first_departure_h": FIRST, "bidirectional": False},
                     {"id": "dray", "from": "b", "to": "z", "mode": "road", "capacity_teu": 2,
                      "on_demand": True}],
        # geometric batches: the last one on a train is cut to fill it
        "demand": [{"origin": "a", "destination": "z",
                    "teu_per_year": load * CAPACITY * HOURS_PER_YEAR / HEADWAY,
                    "batch_mean": 4}],
        # handling is deliberately near-instant (500 TEU/h): the timetable alone sets the times
        "allow_outliers": ["hubs.*.moves_per_hour"],
    }


@cache
def run_train(load: float = LOAD) -> hubsim.Results:
    return hubsim.simulate(build_scenario(train_dict(load)))


def replay_timetable(created: pd.DataFrame, horizon_h: float) -> tuple[pd.DataFrame,
                                                                         pd.DataFrame]:
    """The exact timetable outcome for consignments ``created`` at ``a`` (columns ``cid``,
    ``t_h``, ``teu``).

    Returns ``(trains, pieces)``: one row per train (``k, scheduled_h, depart_h, load``) that
    finishes loading before ``horizon_h``, and one per piece of a consignment carried
    (``k, cid, teu, wait_h``).
    """
    order = created.sort_values("t_h")
    arrivals = deque(zip(order["t_h"], order["cid"], order["teu"], strict=True))
    queue: deque[list] = deque()  # [cid, created, remaining teu]
    trains, pieces = [], []
    k = 0
    while True:
        slot = FIRST + k * HEADWAY
        while arrivals and arrivals[0][0] <= slot:
            t, cid, teu = arrivals.popleft()
            queue.append([cid, t, teu])
        room, load, carried = float(CAPACITY), 0.0, []
        while queue and room > 0:
            head = queue[0]
            part = min(head[2], math.floor(room))
            if part <= 0:
                break
            carried.append((head[0], head[1], part))
            head[2] -= part
            room -= part
            load += part
            if head[2] <= 0:
                queue.popleft()
        depart = slot + load / RATE
        if depart >= horizon_h:
            break
        trains.append({"k": k, "scheduled_h": slot, "depart_h": depart, "load": load})
        pieces += [{"k": k, "cid": cid, "teu": teu, "wait_h": depart - t}
                   for cid, t, teu in carried]
        k += 1
    return pd.DataFrame(trains), pd.DataFrame(pieces, columns=["k", "cid", "teu", "wait_h"])


def _root(consignments: pd.DataFrame) -> pd.Series:
    """Original consignment of every (possibly split-off) consignment, by cid."""
    parent = consignments.set_index("cid")["parent"]
    root = pd.Series(parent.index.to_numpy(), index=parent.index)
    for _ in range(64):
        p = parent.reindex(root.to_numpy()).to_numpy()
        if (p < 0).all():
            break
        root = pd.Series(np.where(p >= 0, p, root.to_numpy()), index=parent.index)
    return root


def train_observed(res: hubsim.Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same two tables as :func:`replay_timetable`, read from the run's records."""
    trips = res.trips[res.trips["service"] == "train"].sort_values("depart_h")
    trains = pd.DataFrame({"k": np.arange(len(trips)),
                           "scheduled_h": trips["scheduled_h"].to_numpy(),
                           "depart_h": trips["depart_h"].to_numpy(),
                           "load": trips["load"].to_numpy()})
    k_of = pd.Series(trains["k"].to_numpy(), index=trips["trip"].to_numpy())
    ev = res.events
    dep = ev[(ev["event"] == "depart") & (ev["service"] == "train")]
    root = _root(res.consignments)
    pieces = pd.DataFrame({"k": dep["trip"].map(k_of).to_numpy(),
                           "cid": dep["cid"].map(root).to_numpy(),
                           "teu": dep["teu"].to_numpy(), "wait_h": dep["wait_h"].to_numpy()})
    return trains, pieces


def created_at_a(res: hubsim.Results) -> pd.DataFrame:
    ev = res.events
    gen = ev[(ev["event"] == "generated") & (ev["node"] == "a")]
    return pd.DataFrame({"cid": gen["cid"].to_numpy(), "t_h": gen["t_h"].to_numpy(),
                         "teu": gen["teu"].to_numpy()})
