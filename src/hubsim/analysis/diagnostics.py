"""Capacity diagnostics of one run: offered load, queue growth and utilisation per resource.

DataFrame in, DataFrame out (KPI rows ``kpi, scope, key, value, unit``); the capacity search of
:mod:`hubsim.experiments.capacity` reads them to find the binding resource.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.analysis import kpis as K
from hubsim.analysis.yard import yard_series
from hubsim.scenario.schema import Scenario

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
                scn: Scenario, w: K.Window) -> pd.DataFrame:
    """Capacity diagnostics of one run's tables over the window ``w``, as KPI rows.

    ``offered_teu_per_day`` and ``node_backlog_growth`` (TEU/day, over the window);
    per hub ``equipment_wait_growth`` (h/day) and ``yard_growth`` (TEU/day); per scheduled
    service ``service_utilisation`` and ``service_wait_growth`` (h/day); per lock link
    ``lock_utilisation`` and ``lock_transit_growth`` (h/day).
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
    rows += _lock_rows(tr, scn, w)
    return pd.DataFrame(rows, columns=DIAG_COLUMNS)


def _hub_rows(ev: pd.DataFrame, nodes: pd.DataFrame, scn: Scenario, inside: np.ndarray,
              grid: np.ndarray) -> list[_Row]:
    """Per hub: growth of the wait for equipment and of the yard content (per day)."""
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


def _lock_rows(tr: pd.DataFrame, scn: Scenario, w: K.Window) -> list[_Row]:
    """Per lock link: share of the lock's passages used, growth of the transit time."""
    rows: list[_Row] = []
    for lk in scn.links:
        if lk.lock is None:
            continue
        key = f"{lk.from_}-{lk.to}:{lk.mode}"
        grp = tr[tr["link"].astype(str) == key]
        util = len(grp) * lk.lock.hold_h.expected / (lk.lock.capacity * w.hours)
        rows.append(("lock_utilisation", "link", key, util, "fraction"))
        done = grp[grp["arrive_h"].notna()]
        rows.append(("lock_transit_growth", "link", key,
                     _slope(done["depart_h"].to_numpy() / 24.0,
                            (done["arrive_h"] - done["depart_h"]).to_numpy()), "h/day"))
    return rows
