"""Where the network jams: resources and flows of one run, ranked.

:func:`bottlenecks` returns one table (``bottlenecks.csv`` in a results folder) with a row per
resource and per flow, each a function of the run's tables (``events``, ``consignments``,
``trips``, ``handling``, ``lock_passages``) and its KPI table:

========== =================================== ===========================================
type       utilisation                         queue (load waiting)
========== =================================== ===========================================
area       the busier of its units             vehicles from asking for handling to getting
           (``area_utilisation``) and its      their position and units (``handling``:
           positions (``berth_occupancy``)     ``request_h`` to ``start_h``)
yard       ``yard_mean_utilisation``           loads waiting for yard room (``yard_wait``
                                               events, from ``t_h`` for ``wait_h``)
service    load carried in one direction over  loads ready at its departure node for its
           what its timetable offers there     link and not yet taken by a vehicle
           (``capacity x hours / headway``;    (:func:`hubsim.analysis.flows.departure_queues`;
           NaN on demand)                      first in, first out)
lock       lockages used over those possible   loads on ships waiting for the lock (``lock``
           (``lock_utilisation`` of            events: ``wait_h`` before ``t_h - dur_h``)
           :mod:`hubsim.analysis.diagnostics`)
flow       --                                  load generated and not delivered
========== =================================== ===========================================

* ``queue_growth_teu_per_day`` (TEU/day; t/day for air cargo): yards and flows, the
  least-squares slope of the queue's level sampled at the start and the end of every day of
  the window, as ``node_backlog_growth`` measures the network's
  (:mod:`hubsim.analysis.diagnostics`); areas, services and locks, the slope of the wait of the
  loads they served against when they joined, times their throughput per hour
  (:func:`wait_growth`): their records are written when a load's wait is over, so a level
  would miss the loads still waiting when the run ends. ``growing``: the growth exceeds
  :data:`GROWTH_TOL` of the resource's throughput per day (the capacity search's tolerance,
  :mod:`hubsim.experiments.capacity`) and 0.1 TEU/day.
* ``wait_mean_h``: areas, the mean wait of a vehicle for a position and units
  (``position_wait_mean_h + unit_wait_mean_h``); yards ``yard_wait_mean_h``; services the mean
  time from ready to taken of the load taken in the window (:func:`fifo_waits`); locks the
  mean wait of the loads on the services' ships; flows ``flow_wait_mean_h``.
* ``planned_wait_h``: the wait the plan expects (half the headway of a scheduled service, the
  time to the next lockage of a lock, none at areas and yards: the expected time of
  :func:`hubsim.analysis.flows.planned_flows` counts the same); ``excess_queue``: the load
  waiting there on average beyond it, ``throughput / 24 x (wait - planned)`` (Little's law).
* ``late_share``: flows, ``1 - flow_on_time_share`` (1 when nothing was delivered but load
  is waiting).
* ``backlog_end`` (in ``unit``): flows ``flow_backlog_end``; services the load ready and not yet
  loaded at the end (``service_backlog_end``: waiting for a vehicle with room, or taken by one
  that waits for its loading); areas the load on vehicles that arrived and were not discharged
  by the end (nor waiting for yard room); yards the load waiting for yard room; locks n/a
  (ships still waiting when the run ends have no record).
* **Rank** (per ``kind``): resources whose queue grows first, then by the excess queue (the
  load they hold beyond plan), then by utilisation; flows by late share, then by mean wait.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.analysis import flows as FL
from hubsim.analysis.diagnostics import _lock_rows  # the one rule of lock utilisation
from hubsim.analysis.kpis import Window
from hubsim.analysis.terminals import area_keys
from hubsim.analysis.yard import time_weighted
from hubsim.scenario.schema import Scenario

__all__ = ["BOTTLENECK_COLUMNS", "GROWTH_TOL", "bottlenecks", "fifo_waits", "queue_stats",
           "wait_growth"]

#: Columns of :func:`bottlenecks`.
BOTTLENECK_COLUMNS = ["kind", "type", "name", "utilisation", "throughput_per_day",
                      "queue_growth_teu_per_day", "wait_mean_h", "planned_wait_h",
                      "excess_queue", "late_share", "backlog_end", "unit", "growing", "rank",
                      "why"]
#: A queue grows when its slope exceeds this share of the resource's throughput per day.
GROWTH_TOL = 0.03
_MIN_GROWTH = 0.1  # TEU/day: below this a slope is noise, whatever the throughput


def queue_stats(t: np.ndarray, delta: np.ndarray, window: Window) -> tuple[float, float, float]:
    """Growth (per day), time-weighted mean and end level over ``window`` of a queue given by
    its changes ``delta`` at times ``t`` (changes before the window set its starting level).

    >>> w = Window(0.0, 96.0)
    >>> queue_stats(np.array([12.0, 36.0, 60.0, 84.0]), np.array([5.0, 5.0, 5.0, 5.0]), w)
    (5.0, 10.0, 20.0)
    """
    t, delta = np.asarray(t, float), np.asarray(delta, float)
    order = np.argsort(t, kind="stable")
    t, level = t[order], np.cumsum(delta[order])
    n_days = max(1, int(np.ceil(window.hours / 24.0 - 1e-9)))
    grid = np.minimum(window.start_h + 24.0 * np.arange(n_days + 1), window.end_h)
    idx = np.searchsorted(t, grid, side="right") - 1
    sampled = np.where(idx >= 0, level[np.clip(idx, 0, None)], 0.0) if len(t) else \
        np.zeros(len(grid))
    growth = _slope(grid / 24.0, sampled)
    mean, _, _ = time_weighted(t, level, window.start_h, window.end_h)
    before_end = int(np.searchsorted(t, window.end_h, side="left"))
    end = float(level[before_end - 1]) if before_end > 0 else 0.0
    return growth, mean, max(end, 0.0) if abs(end) > 1e-6 else 0.0


def _slope(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> float:
    """Least-squares slope of y on x, weighted by ``w`` (0 with fewer than 3 points or no
    spread in x)."""
    if len(x) < 3 or np.ptp(x) == 0:
        return 0.0
    w = np.ones(len(x)) if w is None else np.asarray(w, float)
    if w.sum() <= 0:
        return 0.0
    xm = x - np.average(x, weights=w)
    # element-wise sums, not np.dot: BLAS threads cost more than they save on these sizes
    return float((w * xm * (y - np.average(y, weights=w))).sum() / (w * xm * xm).sum())


def wait_growth(join_h: np.ndarray, wait_h: np.ndarray, load: np.ndarray,
                throughput_per_day: float, window: Window) -> float:
    """A queue's growth (load per day) from the waits of the loads it served: the
    load-weighted least-squares slope of their wait (h) on when they joined (days), over the
    loads that joined in the window, times the throughput per hour (Little's law: a queue of
    ``rate x wait`` grows at ``rate x dW/dt``).

    Only loads whose wait ended are needed: the loads still waiting when the run ends (the
    records of handling and lock passages are written when they are done) are missing by
    when they joined, which leaves the slope unbiased.

    >>> w = Window(0.0, 240.0)
    >>> join = np.arange(0.0, 240.0, 24.0)  # one load a day whose wait grows 12 h a day
    >>> wait_growth(join, join / 2.0, np.ones(10), 2.0, w)
    1.0
    """
    join_h, wait_h, load = (np.asarray(a, float) for a in (join_h, wait_h, load))
    m = (join_h >= window.start_h) & (join_h < window.end_h)
    return _slope(join_h[m] / 24.0, wait_h[m], load[m]) * throughput_per_day / 24.0


def fifo_waits(t_in: np.ndarray, q_in: np.ndarray, t_out: np.ndarray, q_out: np.ndarray,
               points: int = 20000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Waits in a first-in first-out queue from its arrivals and departures alone: for equal
    slices of the load that has left (at most ``points``, about one per TEU), when the slice
    joined, how long it waited and its size. The v-th unit to leave is the v-th to have joined,
    so its wait is the time the cumulative departures reached v minus the time the cumulative
    arrivals did.

    >>> join, wait, size = fifo_waits(np.array([0.0, 1.0]), np.array([2.0, 2.0]),
    ...                               np.array([3.0]), np.array([4.0]), points=4)
    >>> join.tolist(), wait.tolist(), size.tolist()
    ([0.0, 0.0, 1.0, 1.0], [3.0, 3.0, 2.0, 2.0], [1.0, 1.0, 1.0, 1.0])
    """
    t_in, q_in, t_out, q_out = (np.asarray(a, float) for a in (t_in, q_in, t_out, q_out))
    if not len(t_in) or not len(t_out):
        return np.zeros(0), np.zeros(0), np.zeros(0)
    oi, oo = np.argsort(t_in, kind="stable"), np.argsort(t_out, kind="stable")
    c_in, c_out = np.cumsum(q_in[oi]), np.cumsum(q_out[oo])
    total = float(min(c_in[-1], c_out[-1]))
    if total <= 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    n = int(min(points, max(1, np.ceil(total))))
    v = (np.arange(n) + 0.5) * total / n
    join = t_in[oi][np.minimum(np.searchsorted(c_in, v, side="left"), len(c_in) - 1)]
    leave = t_out[oo][np.minimum(np.searchsorted(c_out, v, side="left"), len(c_out) - 1)]
    return join, np.maximum(leave - join, 0.0), np.full(n, total / n)


def _kpi(kpis: pd.DataFrame, name: str, scope: str) -> pd.Series:
    sel = kpis[(kpis["kpi"] == name) & (kpis["scope"] == scope)]
    return pd.Series(sel["value"].to_numpy(float), index=sel["key"].astype(str).to_numpy())


def _pct(x: float) -> str:
    return "n/a" if pd.isna(x) else f"{x:.0%}"


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.1f}"


def _row(type_: str, name: str, utilisation: float, throughput: float,
         stats: tuple[float, float, float], wait: float, unit: str, why: str,
         late: float = np.nan, planned: float = 0.0) -> dict[str, object]:
    growth, _, end = stats
    excess = throughput / 24.0 * max(0.0, wait - planned) if not np.isnan(wait) else 0.0
    return {"kind": "flow" if type_ == "flow" else "resource", "type": type_, "name": name,
            "utilisation": utilisation, "throughput_per_day": throughput,
            "queue_growth_teu_per_day": growth, "wait_mean_h": wait,
            "planned_wait_h": planned if type_ != "flow" else np.nan,
            "excess_queue": excess if type_ != "flow" else np.nan, "late_share": late,
            "backlog_end": end, "unit": unit,
            "growing": bool(growth > max(_MIN_GROWTH, GROWTH_TOL * (throughput or 0.0))),
            "why": why}


def _area_rows(events: pd.DataFrame, handling: pd.DataFrame | None, links: pd.DataFrame,
               areas: pd.DataFrame, kpis: pd.DataFrame,
               window: Window) -> list[dict[str, object]]:
    util, berth = _kpi(kpis, "area_utilisation", "area"), _kpi(kpis, "berth_occupancy", "area")
    waits = (_kpi(kpis, "position_wait_mean_h", "area").fillna(0.0)
             + _kpi(kpis, "unit_wait_mean_h", "area").fillna(0.0))
    h = handling if handling is not None and len(handling) else None
    key = area_keys(h["node"], h["link"], links, areas) if h is not None else np.zeros(0)
    unloading = _waiting_to_discharge(events, links, areas, window)
    days = window.hours / 24.0
    rows = []
    for akey, a in areas.iterrows():
        k = str(akey)
        growth, done = 0.0, 0.0
        if h is not None:
            m = key == k
            load = h["load"].to_numpy(float)[m]
            req, start = h["request_h"].to_numpy(float)[m], h["start_h"].to_numpy(float)[m]
            end = h["end_h"].to_numpy(float)[m]
            done = load[(end >= window.start_h) & (end < window.end_h)].sum() / days
            growth = wait_growth(req, start - req, load, done, window)
        u, b = float(util.get(k, np.nan)), float(berth.get(k, np.nan))
        why = f"{a['equipment_name']} {_pct(u)} busy"
        if not np.isnan(b):
            why += f", {a['position_name']} {_pct(b)} occupied"
        wait = float(waits.get(k, np.nan))
        why += f"; vehicles wait {_num(wait)} h for handling" if wait >= 0.05 else ""
        backlog = float(unloading.get(k, 0.0))
        unit = _unit_of_hub(str(a["hub"]), kpis)
        why += f"; {_num(backlog)} {unit} waiting to be discharged at the end" \
            if backlog > 0 else ""
        rows.append(_row("area", k, float(np.nanmax([u, b])) if not np.isnan(u) else b, done,
                         (growth, 0.0, backlog), wait, unit, why))
    return rows


def _waiting_to_discharge(events: pd.DataFrame, links: pd.DataFrame, areas: pd.DataFrame,
                          window: Window) -> dict[str, float]:
    """Per area: the load that arrived at its hub by vehicle before the end of the window and
    was not discharged (no ``lift_off`` there yet) nor waiting for yard room at the end."""
    # arrays of the selected rows only (a year has about 700,000 such events)
    kind = events["event"]
    rows = np.flatnonzero((events["t_h"] < window.end_h).to_numpy()
                          & kind.isin(["arrive", "lift_off", "yard_wait"]).to_numpy())
    kinds, kcode = FL.node_codes(kind)
    kcode = kcode[rows]
    # the rows of each kind of event, by its code (-2: a kind the log does not hold)
    of = {name: kcode == (int(np.flatnonzero(kinds == name)[0]) if name in kinds else -2)
          for name in ("arrive", "lift_off", "yard_wait")}
    names, code = FL.node_codes(events["node"])
    code = code[rows]
    hub = np.isin(names, areas["hub"].astype(str).unique())
    # one load at one node
    key = events["cid"].to_numpy()[rows].astype(np.int64) * (len(names) + 1) + code
    arrived = of["arrive"] & (code >= 0) & hub[np.clip(code, 0, None)]
    still = of["yard_wait"] & (events["t_h"].to_numpy(float)[rows]
                               + events["wait_h"].to_numpy(float)[rows] >= window.end_h - 1e-9)
    gone = pd.Series(key).isin(key[of["lift_off"] | still]).to_numpy()
    waiting = rows[arrived & ~gone]
    del kcode, of, code, key, arrived, still, gone, rows
    if not len(waiting):
        return {}
    arr = events.iloc[waiting][["node", "link", "teu", "tonnes"]]
    area = area_keys(arr["node"], arr["link"], links, areas)
    return {str(k): float(v) for k, v in
            pd.Series(FL.load_of(arr)).groupby(area).sum().items()}


def _unit_of_hub(hub: str, kpis: pd.DataFrame) -> str:
    """'t' for a hub that lifts only air cargo, else 'TEU'."""
    teu = _kpi(kpis, "hub_lifts_teu", "hub").get(hub, 0.0)
    air = _kpi(kpis, "hub_lifts_tonnes_air", "hub").get(hub, 0.0)
    return "t" if air > 0 and not teu > 0 else "TEU"


def _yard_rows(events: pd.DataFrame, nodes: pd.DataFrame, kpis: pd.DataFrame,
               window: Window) -> list[dict[str, object]]:
    util, wait = _kpi(kpis, "yard_mean_utilisation", "hub"), _kpi(kpis, "yard_wait_mean_h",
                                                                   "hub")
    waited = _kpi(kpis, "yard_wait_teu", "hub")
    ev = events.loc[events["event"].isin(["yard_wait", "lift_off"]),
                    ["t_h", "event", "node", "teu", "tonnes", "wait_h"]]
    # compared on the columns' category codes: a string per row would cost tens of MB of
    # short-lived objects in a year's run (hundreds of thousands of rows)
    waits = (ev["event"] == "yard_wait").to_numpy()
    names, node = FL.node_codes(ev["node"])
    code = {name: i for i, name in enumerate(names)}
    load, t = FL.load_of(ev), ev["t_h"].to_numpy(float)
    inside = window.mask(ev["t_h"]).to_numpy()
    days = window.hours / 24.0
    rows = []
    for hub in nodes.index[nodes["kind"] == "hub"].astype(str):
        at = node == code.get(hub, -2)  # -2: no row at this hub (-1 is a missing node)
        m = waits & at
        stats = queue_stats(np.concatenate([t[m], t[m] + ev["wait_h"].to_numpy(float)[m]]),
                            np.concatenate([load[m], -load[m]]), window)
        inflow = load[~waits & at & inside].sum() / days
        u, w = float(util.get(hub, np.nan)), float(wait.get(hub, 0.0))
        why = f"yard {_pct(u)} full on average"
        if waited.get(hub, 0.0) > 0:
            why += f"; {_num(float(waited[hub]))} TEU/yr waited {_num(w)} h for room"
        rows.append(_row("yard", f"{hub}:yard", u, inflow, stats, w, _unit_of_hub(hub, kpis),
                         why))
    return rows


def _by_names(sums: pd.Series) -> dict[tuple[str, str], float]:
    """A sum per pair of categories as a dict by their names (a missing one: ``"nan"``)."""
    return {(str(a), str(b)): v for (a, b), v in zip(sums.index.tolist(), sums.to_numpy().tolist(),
                                                     strict=True)}


def _service_rows(trips: pd.DataFrame, queues: pd.DataFrame, scn: Scenario,
                  kpis: pd.DataFrame, window: Window) -> list[dict[str, object]]:
    lf = _kpi(kpis, "direction_load_factor", "service_direction")
    # grouped by the categorical columns (their codes), not by a name per trip
    tr = trips.loc[window.mask(trips["depart_h"]).to_numpy(), ["service", "link", "from",
                                                                "load"]]
    carried = _by_names(tr.groupby(["service", "from"], observed=True, dropna=False)["load"]
                        .sum())
    runs = _by_names(tr.groupby(["service", "from"], observed=True, dropna=False).size())
    departed = _by_names(tr.groupby(["link", "from"], observed=True, dropna=False)["load"]
                         .sum())
    del tr
    at = {(str(k[0]), str(k[1])): idx for k, idx in  # type: ignore[index]
          queues.groupby(["link", "node"], sort=False, observed=True).indices.items()}
    qt, qd = queues["t_h"].to_numpy(float), queues["delta"].to_numpy(float)
    days = window.hours / 24.0
    by_id = {s.id: s for s in scn.services}
    rows = []
    for d in FL.service_directions(trips).to_dict("records"):
        svc, u, link = str(d["service"]), str(d["from"]), str(d["link"])
        spec = by_id.get(svc)
        m = at.get((link, u), np.zeros(0, dtype=np.int64))
        _, _, end = queue_stats(qt[m], qd[m], window)
        t, delta = qt[m], qd[m]
        join, waited, size = fifo_waits(t[delta > 0], delta[delta > 0], t[delta < 0],
                                        -delta[delta < 0])
        left = window.mask(pd.Series(join + waited)).to_numpy()
        wait = float(np.average(waited[left], weights=size[left])) if left.any() else np.nan
        out = float(departed.get((link, u), 0.0)) / days
        stats = (wait_growth(join, waited, size, out, window), 0.0, end)
        load = float(carried.get((svc, u), 0.0))
        util, planned, slots = np.nan, 0.0, np.nan
        if spec is not None and not spec.on_demand and spec.headway:
            slots = window.hours / spec.headway
            util = load / (spec.capacity * slots)
            planned = spec.headway / 2.0
        unit = "t" if spec is not None and spec.cargo == "air" else "TEU"
        why = _service_why(util, float(lf.get(str(d["key"]), np.nan)), wait, planned, stats,
                           unit, float(runs.get((svc, u), 0)) / slots)
        rows.append(_row("service", str(d["key"]), util, load / days, stats, wait, unit, why,
                         planned=planned))
    return rows


def _service_why(util: float, lf: float, wait: float, planned: float,
                 stats: tuple[float, float, float], unit: str, ran: float) -> str:
    why = (f"carries {_pct(util)} of its timetable's capacity ({_pct(lf)} load factor)"
           if not np.isnan(util) else f"on demand ({_pct(lf)} load factor)")
    if ran < 0.95:
        why += f"; ran {_pct(ran)} of its timetabled departures"
    if not np.isnan(wait) and wait > 0.05:
        why += f"; loads wait {_num(wait)} h for it"
        why += f" ({_num(planned)} h planned: half the headway)" if planned else ""
    if stats[0] > 0.05:
        why += f"; queue grows {_num(stats[0])} {unit}/day"
    if stats[2] > 0:
        why += f"; {_num(stats[2])} {unit} ready and not yet loaded at the end"
    return why


def _lock_rows_of(events: pd.DataFrame, trips: pd.DataFrame, scn: Scenario,
                  lock_passages: pd.DataFrame | None, window: Window) -> list[dict[str, object]]:
    tr = trips[window.mask(trips["depart_h"])]
    util = {key: value for kpi, _, key, value, _ in _lock_rows(tr, scn, window, lock_passages)
            if kpi == "lock_utilisation"}
    ev = events.loc[events["event"] == "lock", ["t_h", "link", "teu", "tonnes", "wait_h",
                                                "dur_h"]]
    link = ev["link"].astype(str).to_numpy()
    t, wait, dur = (ev[c].to_numpy(float) for c in ("t_h", "wait_h", "dur_h"))
    load = FL.load_of(ev)
    inside = window.mask(ev["t_h"]).to_numpy()
    rows = []
    for lk in scn.links:
        if lk.lock is None:
            continue
        key = f"{lk.from_}-{lk.to}:{lk.mode}"
        m = link == key
        sel = m & inside
        mean = float((wait[sel] * load[sel]).sum() / load[sel].sum()) if load[sel].sum() else 0.0
        through = load[sel].sum() / (window.hours / 24.0)
        growth = wait_growth(t[m] - dur[m] - wait[m], wait[m], load[m], through, window)
        u = float(util.get(key, np.nan))
        planned = FL.lock_planned_wait_h(lk.lock)
        why = f"{lk.lock.name}: {_pct(u)} of its capacity used; the services' loads wait " \
              f"{_num(mean)} h"
        if planned and mean <= 1.5 * planned:
            why += f" (about the {_num(planned)} h to the next lockage)"
        rows.append(_row("lock", key, u, through, (growth, 0.0, np.nan), mean, "TEU", why,
                         planned=planned))
    return rows


def _flow_rows(events: pd.DataFrame, consignments: pd.DataFrame, flows: pd.DataFrame,
               kpis: pd.DataFrame, window: Window) -> list[dict[str, object]]:
    k = {name: _kpi(kpis, name, "flow") for name in (
        "flow_on_time_share", "flow_wait_mean_h", "flow_delivered", "flow_backlog_end",
        "flow_door_to_door_p95_h")}
    levels = FL.flow_levels(events, consignments)
    demand = levels["demand"].to_numpy()
    rows = []
    for i, f in flows.iterrows():
        key = str(f["key"])
        m = demand == i
        stats = queue_stats(levels["t_h"].to_numpy(float)[m],
                            levels["delta"].to_numpy(float)[m], window)
        backlog = float(k["flow_backlog_end"].get(key, stats[2]))
        on_time = float(k["flow_on_time_share"].get(key, np.nan))
        late = 1.0 - on_time if not np.isnan(on_time) else (1.0 if backlog > 0 else np.nan)
        wait = float(k["flow_wait_mean_h"].get(key, np.nan))
        unit = "t" if f["cargo"] == "air" else "TEU"
        why = (f"{_pct(late)} late (due {_num(float(f['due_h']) / 24.0)} days); waits "
               f"{_num(wait / 24.0)} days on average, p95 door-to-door "
               f"{_num(float(k['flow_door_to_door_p95_h'].get(key, np.nan)) / 24.0)} days")
        if backlog > 0:
            why += f"; {_num(backlog)} {unit} in the system at the end"
        rows.append(_row("flow", key, np.nan,
                         float(k["flow_delivered"].get(key, 0.0)) / 365.0,
                         (stats[0], stats[1], backlog), wait, unit, why, late))
    return rows


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """Rank resources (growing first, then by utilisation) and flows (late share, then
    wait), resources first."""
    res = frame[frame["kind"] == "resource"].sort_values(
        ["growing", "excess_queue", "utilisation"], ascending=[False, False, False],
        na_position="last", kind="stable")
    flows = frame[frame["kind"] == "flow"].sort_values(
        ["late_share", "wait_mean_h"], ascending=[False, False], na_position="last",
        kind="stable")
    res = res.assign(rank=np.arange(1, len(res) + 1))
    flows = flows.assign(rank=np.arange(1, len(flows) + 1))
    return pd.concat([res, flows], ignore_index=True)[BOTTLENECK_COLUMNS]


def bottlenecks(events: pd.DataFrame, consignments: pd.DataFrame, trips: pd.DataFrame,
                nodes: pd.DataFrame, links: pd.DataFrame, areas: pd.DataFrame,
                scn: Scenario, window: Window, kpis: pd.DataFrame, *,
                flows: pd.DataFrame | None = None, handling: pd.DataFrame | None = None,
                lock_passages: pd.DataFrame | None = None,
                queues: pd.DataFrame | None = None) -> pd.DataFrame:
    """Resources and flows of one run ranked by how much they jam (see the module docstring).

    Parameters
    ----------
    events, consignments, trips, handling, lock_passages : DataFrame
        The run's tables (:mod:`hubsim.sim.records`).
    nodes, links, areas : DataFrame
        :func:`hubsim.sim.network.node_table`, ``link_table``, ``area_table``.
    scn : Scenario
        The scenario run (services' timetables, locks).
    window : Window
        The measured period.
    kpis : DataFrame
        The run's KPI table, with the flow and service-direction KPIs
        (:func:`hubsim.analysis.kpis.kpi_table` given ``flows``).
    flows : DataFrame, optional
        :func:`hubsim.analysis.flows.planned_flows` (default: computed from ``scn``).
    queues : DataFrame, optional
        :func:`hubsim.analysis.flows.departure_queues` (default: computed).

    Returns
    -------
    DataFrame
        Columns :data:`BOTTLENECK_COLUMNS`; resources (ranked 1, 2, ...) then flows.
    """
    flows = FL.planned_flows(scn) if flows is None else flows
    if queues is None:
        queues = FL.departure_queues(events, consignments, flows, nodes, handling)
    rows = _area_rows(events, handling, links, areas, kpis, window)
    rows += _yard_rows(events, nodes, kpis, window)
    rows += _service_rows(trips, queues, scn, kpis, window)
    rows += _lock_rows_of(events, trips, scn, lock_passages, window)
    rows += _flow_rows(events, consignments, flows, kpis, window)
    return _ranked(pd.DataFrame(rows, columns=[c for c in BOTTLENECK_COLUMNS if c != "rank"]))
