"""Capacity diagnostics of one run: offered load, queue growth and utilisation per resource.

DataFrame in, DataFrame out (KPI rows ``kpi, scope, key, value, unit``); the capacity search of
:mod:`hubsim.experiments.capacity` reads them to find the binding resource.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hubsim.analysis import kpis as K
from hubsim.analysis.terminals import area_keys
from hubsim.analysis.yard import yard_series
from hubsim.scenario.schema import Lock, Scenario
from hubsim.sim.locks import capacity_hours, closure_steps, wait_places
from hubsim.sim.network import area_table, link_table

__all__ = ["DIAG_COLUMNS", "diagnostics"]

DIAG_COLUMNS = ["kpi", "scope", "key", "value", "unit"]
_Row = tuple[str, str, str, float, str]


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of y on x (0 with fewer than 3 points or no spread in x)."""
    if len(x) < 3 or np.ptp(x) == 0:
        return 0.0
    xm = x - x.mean()
    return float(np.dot(xm, y - y.mean()) / np.dot(xm, xm))


def _level_at(t: np.ndarray, delta: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """A step function given by changes ``delta`` at times ``t``, sampled at ``grid``."""
    order = np.argsort(t, kind="stable")
    level = np.cumsum(delta[order])
    idx = np.searchsorted(t[order], grid, side="right") - 1
    return np.where(idx >= 0, level[np.clip(idx, 0, None)] if len(level) else 0.0, 0.0)


def diagnostics(events: pd.DataFrame, trips: pd.DataFrame, nodes: pd.DataFrame,
                scn: Scenario, w: K.Window,
                lock_passages: pd.DataFrame | None = None) -> pd.DataFrame:
    """Capacity diagnostics of one run's tables over the window ``w``, as KPI rows.

    ``offered_teu_per_day`` and ``node_backlog_growth`` (TEU/day, over the window);
    per hub ``equipment_wait_growth`` (h/day) and ``yard_growth`` (TEU/day); per hub area
    (key ``<hub>:<mode>`` or ``<hub>:shared``) ``area_wait_growth`` (h/day: slope of the wait
    of its lifts for a position and units); per scheduled
    service ``service_utilisation`` and ``service_wait_growth`` (h/day); per lock link
    ``lock_utilisation`` and ``lock_transit_growth`` (h/day). ``lock_passages`` (the run's
    table of that name) gives lockage locks' utilisation from the lockages started; without
    it the modelled trips and the other traffic's rate estimate it.
    """
    ev = events
    t = ev["t_h"].to_numpy()
    name = ev["event"].astype(str).to_numpy()
    teu = ev["teu"].to_numpy()
    sign = np.select([name == "generated", name == "arrive", name == "depart",
                      name == "delivered"], [1.0, 1.0, -1.0, -1.0], 0.0)
    inside = (t >= w.start_h) & (t < w.end_h)
    offered = teu[inside & (name == "generated")].sum() / (w.hours / 24.0)
    rows: list[_Row] = [("offered_teu_per_day", "total", "", offered, "TEU/day")]
    grid = np.linspace(w.start_h, w.end_h, 121)
    sel = sign != 0
    level = _level_at(t[sel], teu[sel] * sign[sel], grid)
    rows.append(("node_backlog_growth", "total", "", _slope(grid / 24.0, level), "TEU/day"))
    rows += _hub_rows(ev, nodes, scn, inside, grid)
    tr = trips[(trips["depart_h"] >= w.start_h) & (trips["depart_h"] < w.end_h)]
    rows += _service_rows(ev, tr, scn, w, inside & (name == "depart"))
    rows += _lock_rows(tr, scn, w, lock_passages)
    return pd.DataFrame(rows, columns=DIAG_COLUMNS)


def _hub_rows(ev: pd.DataFrame, nodes: pd.DataFrame, scn: Scenario, inside: np.ndarray,
              grid: np.ndarray) -> list[_Row]:
    """Per hub: growth of the wait for handling and of the yard content (per day); per area:
    growth of the wait for handling there."""
    rows: list[_Row] = []
    t = ev["t_h"].to_numpy()
    name = ev["event"].astype(str).to_numpy()
    node = ev["node"].astype(str).to_numpy()
    lifts = inside & ((name == "lift_on") | (name == "lift_off"))
    yards = yard_series(ev, nodes)
    for hub in scn.hubs:
        m = lifts & (node == hub)
        rows.append(("equipment_wait_growth", "hub", hub,
                     _slope(t[m] / 24.0, ev["wait_h"].to_numpy()[m]), "h/day"))
        y = yards[yards["node"] == hub]
        lv = _level_at(y["t_h"].to_numpy(), np.diff(y["level"].to_numpy(), prepend=0.0),
                       grid) if len(y) else np.zeros_like(grid)
        rows.append(("yard_growth", "hub", hub, _slope(grid / 24.0, lv), "TEU/day"))
    areas = area_table(scn)
    key = area_keys(ev["node"][lifts], ev["link"][lifts], link_table(scn), areas)
    tl, wl = t[lifts] / 24.0, ev["wait_h"].to_numpy()[lifts]
    for akey in areas.index:
        m = key == akey
        rows.append(("area_wait_growth", "area", str(akey), _slope(tl[m], wl[m]), "h/day"))
    return rows


def _service_rows(ev: pd.DataFrame, tr: pd.DataFrame, scn: Scenario, w: K.Window,
                  departs: np.ndarray) -> list[_Row]:
    """Per scheduled service: share of the timetable's capacity used, growth of the wait."""
    rows: list[_Row] = []
    t = ev["t_h"].to_numpy()
    service = ev["service"].astype(str).to_numpy()
    for svc in scn.services:
        if svc.on_demand or svc.headway is None:  # on demand: no timetable to fill
            continue
        grp = tr[tr["service"].astype(str) == svc.id]
        allowed = w.hours / svc.headway * svc.capacity
        by_dir = grp.groupby(grp["from"].astype(str), observed=True)["load"].sum()
        util = float(by_dir.max()) / allowed if len(by_dir) else 0.0
        rows.append(("service_utilisation", "service", svc.id, util, "fraction"))
        m = departs & (service == svc.id)
        rows.append(("service_wait_growth", "service", svc.id,
                     _slope(t[m] / 24.0, ev["wait_h"].to_numpy()[m]), "h/day"))
    return rows


def _lock_rows(tr: pd.DataFrame, scn: Scenario, w: K.Window,
               passages: pd.DataFrame | None) -> list[_Row]:
    """Per lock link: share of the lock's capacity used, growth of the transit time.

    The capacity left by the lock's closures counts (day 0 of their calendar is the window's
    start). Wait model: the modelled passages' hold time over the places' hours. Lockage
    model: per direction the lockages started over those the lines could start
    (``lines`` x open hours / ``cycle_h``), counted from ``passages`` (the run's
    ``lock_passages``: ships entering at one instant fill ``ceil(n / ships_per_lockage)``
    lockages) or, without it, estimated as the modelled trips plus the other traffic's
    expected ships over the ships the lockages could take; the busier direction is reported.
    """
    rows: list[_Row] = []
    have_passages = passages is not None and "link" in passages.columns
    for lk in scn.links:
        lock = lk.lock
        if lock is None:
            continue
        key = f"{lk.from_}-{lk.to}:{lk.mode}"
        grp = tr[tr["link"].astype(str) == key]
        steps = closure_steps(lock, w.start_h)
        if lock.model == "wait" and lock.hold_h is not None and lock.capacity is not None:
            util = _ratio(len(grp) * lock.hold_h.expected,
                          _place_hours(lock.capacity, steps, w))
        elif have_passages and passages is not None:
            util = _lockage_use(passages[passages["link"].astype(str) == key], lock, steps, w)
        else:
            util = _lockage_load(grp, lk.from_, lock, steps, w)
        rows.append(("lock_utilisation", "link", key, util, "fraction"))
        done = grp[grp["arrive_h"].notna()]
        rows.append(("lock_transit_growth", "link", key,
                     _slope(done["depart_h"].to_numpy() / 24.0,
                            (done["arrive_h"] - done["depart_h"]).to_numpy()), "h/day"))
    return rows


def _ratio(used: float, capacity: float) -> float:
    """``used / capacity``; 0 when nothing was used, infinite when used without capacity."""
    if capacity > 0:
        return used / capacity
    return 0.0 if used == 0 else math.inf


def _place_hours(capacity: int, steps: list[tuple[float, float]], w: K.Window) -> float:
    """Wait lock: places x hours open in the window."""

    def places(f: float) -> float:
        return float(wait_places(capacity, f))

    return capacity_hours(steps, w.start_h, w.end_h, places)


def _lockage_slots(lock: Lock, steps: list[tuple[float, float]], w: K.Window) -> float:
    """Lockages one direction's lines could start in the window."""
    return lock.lines * capacity_hours(steps, w.start_h, w.end_h) / (lock.cycle_h or math.inf)


def _lockage_use(lp: pd.DataFrame, lock: Lock, steps: list[tuple[float, float]],
                 w: K.Window) -> float:
    """Lockage lock: lockages started over those possible, the busier direction."""
    lp = lp[(lp["enter_h"] >= w.start_h) & (lp["enter_h"] < w.end_h)]
    per = lock.ships_per_lockage or 1
    slots = _lockage_slots(lock, steps, w)
    use = [0.0]
    for _, grp in lp.groupby("direction"):
        n = grp.groupby("enter_h").size().to_numpy()
        use.append(_ratio(float(np.ceil(n / per).sum()), slots))
    return max(use)


def _lockage_load(trips: pd.DataFrame, from_: str, lock: Lock,
                  steps: list[tuple[float, float]], w: K.Window) -> float:
    """Lockage lock without its passages: ships offered over the ships the lockages could
    take, the busier direction."""
    ships = (lock.ships_per_lockage or 1) * _lockage_slots(lock, steps, w)
    down = int((trips["from"].astype(str) == from_).sum())
    days = w.hours / 24.0
    offered = (down + lock.other_ships_per_day * days,
               len(trips) - down + lock.other_back_per_day * days)
    return max(_ratio(x, ships) for x in offered)
