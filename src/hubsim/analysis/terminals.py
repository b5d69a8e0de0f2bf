"""Terminal and lock KPIs: hub areas, yard waits, the depot and lockage locks.

Pure functions of a run's tables (DataFrame in, rows of the KPI table out), read by
:func:`hubsim.analysis.kpis.kpi_table`. The rules:

* An **area** is a hub's handling area for one mode (key ``<hub>:<mode>``) or its shared pool
  (``<hub>:shared``), which handles every mode without an area of its own
  (:func:`hubsim.sim.network.area_table`). A vehicle's area is the one of its link's mode at
  that hub.
* ``berth_occupancy``: position-hours held (from taking a position to the end of handling),
  clipped to the measured window, over ``positions x hours``; only areas with a finite number
  of positions.
* ``area_utilisation``: unit-hours worked in the window (the ``dur_h`` of the lift events:
  each load's share of its vehicle's ``units x working time``, pauses outside open hours
  excluded) over ``installed units x hours``.
* per vehicle whose handling ended in the window (the ``handling`` table): mean wait for a
  position (``position_h - request_h``), for its units (``start_h - position_h``), mean
  handling time (``end_h - start_h``, pauses included) and mean units working it; NaN where
  no vehicle was handled.
* per hub: ``yard_wait_mean_h``, the mean wait for yard room of the loads that waited
  (``yard_wait`` events in the window, weighted by load: TEU, air cargo in t),
  ``yard_wait_teu`` and ``depot_teu`` (TEU per year that waited for yard room, that went to
  the off-dock depot).
* per lock link (the ``lock_passages`` table, ships whose lockage started in the window):
  mean wait (``enter_h - arrive_h``) of the services' ships and of other traffic, 95th
  percentile for the services' ships, passages per year (every ship, both directions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hubsim.catalogue import info

if TYPE_CHECKING:
    from hubsim.analysis.kpis import Window

__all__ = ["area_keys", "area_summary", "default_areas", "lock_summary", "yard_wait_summary"]


def _row(kpi: str, scope: str, key: str, value: float) -> dict[str, object]:
    return {"kpi": kpi, "scope": scope, "key": key, "value": float(value),
            "unit": info(kpi).unit}


def default_areas(nodes: pd.DataFrame) -> pd.DataFrame:
    """An area table for a node table alone: each hub's ``equipment`` as its shared pool
    (unlimited positions), for callers without :func:`hubsim.sim.network.area_table`."""
    hubs = nodes[nodes["kind"] == "hub"]
    out = pd.DataFrame({"hub": hubs.index.astype(str), "area": "shared",
                        "modes": "rail,road,water,air", "positions": np.nan,
                        "units": hubs["equipment"].astype(float).to_numpy(),
                        "moves_per_hour": hubs["moves_per_hour"].astype(float).to_numpy(),
                        "min_units": 1, "max_units": 1, "position_name": "positions",
                        "equipment_name": "units"},
                       index=pd.Index([f"{h}:shared" for h in hubs.index], name="area"))
    return out


def area_keys(node: pd.Series, link: pd.Series, links: pd.DataFrame,
              areas: pd.DataFrame) -> np.ndarray:
    """The area key handling each row (its node, and the mode of its link): ``<hub>:<mode>``
    when the hub has that area, else ``<hub>:shared`` when it has a shared pool, else ``''``.

    Works on the distinct (node, link) pairs, so millions of lift events cost one pass.
    """
    if not isinstance(node.dtype, pd.CategoricalDtype):
        node = node.astype("category")
    if not isinstance(link.dtype, pd.CategoricalDtype):
        link = link.astype("category")
    ncats, lcats = node.cat.categories, link.cat.categories
    nc = node.cat.codes.to_numpy().astype(np.int64)
    lc = link.cat.codes.to_numpy().astype(np.int64)
    combo = nc * (len(lcats) + 1) + (lc + 1)
    uniq, inverse = np.unique(combo, return_inverse=True)
    mode_of = links["mode"]
    known = set(areas.index)
    keys = []
    for u in uniq:
        n, lk = divmod(int(u), len(lcats) + 1)
        hub = str(ncats[n]) if n >= 0 else ""
        mode = str(mode_of.get(lcats[lk - 1], "")) if lk > 0 else ""
        own, shared = f"{hub}:{mode}", f"{hub}:shared"
        keys.append(own if own in known else shared if shared in known else "")
    return np.asarray(keys, dtype=object)[inverse.reshape(-1)] if len(uniq) else \
        np.zeros(0, dtype=object)


def _overlap(start: np.ndarray, end: np.ndarray, window: Window) -> np.ndarray:
    """Hours of each ``[start, end)`` inside the window."""
    return np.clip(np.minimum(end, window.end_h) - np.maximum(start, window.start_h), 0.0,
                   None)


def area_summary(events: pd.DataFrame, handling: pd.DataFrame | None, links: pd.DataFrame,
                 areas: pd.DataFrame, window: Window) -> list[dict]:
    """Per area (scope ``area``): berth occupancy, utilisation, waits for a position and for
    units, handling time and units per vehicle (see the module docstring)."""
    rows: list[dict] = []
    if areas.empty:
        return rows
    lift = window.mask(events["t_h"]) & events["event"].isin(["lift_on", "lift_off"])
    lifts = events.loc[lift, ["node", "link", "dur_h", "teu"]]
    lift_keys = area_keys(lifts["node"], lifts["link"], links, areas)
    busy = pd.Series(lifts["dur_h"].to_numpy(float)).groupby(lift_keys).sum()
    moved = pd.Series(lifts["teu"].to_numpy(float)).groupby(lift_keys).sum()
    h = handling if handling is not None and len(handling) else None
    if h is not None:
        key = area_keys(h["node"], h["link"], links, areas)
        req, pos = h["request_h"].to_numpy(float), h["position_h"].to_numpy(float)
        start, end = h["start_h"].to_numpy(float), h["end_h"].to_numpy(float)
        held = pd.Series(_overlap(pos, end, window)).groupby(key).sum()
        done = (end >= window.start_h) & (end < window.end_h)
        per_vehicle = pd.DataFrame({
            "position_wait": pos - req, "unit_wait": start - pos, "handling": end - start,
            "units": h["units"].to_numpy(float)})[done].groupby(key[done]).mean()
    else:
        held = pd.Series(dtype=float)
        per_vehicle = pd.DataFrame(columns=["position_wait", "unit_wait", "handling", "units"],
                                   dtype=float)
    hours = window.hours
    means: dict[str, dict[str, float]] = {
        str(k): {str(c): float(v) for c, v in r.items()}
        for k, r in per_vehicle.to_dict("index").items()}
    for akey, a in areas.iterrows():
        k = str(akey)
        if not np.isnan(a["positions"]):
            rows.append(_row("berth_occupancy", "area", k,
                             held.get(k, 0.0) / (a["positions"] * hours)))
        rows.append(_row("area_utilisation", "area", k,
                         busy.get(k, 0.0) / (a["units"] * hours)))
        rows.append(_row("area_lifts_teu", "area", k,
                         moved.get(k, 0.0) * window.per_year))
        pv = means.get(k)
        for kpi, col in (("position_wait_mean_h", "position_wait"),
                         ("unit_wait_mean_h", "unit_wait"),
                         ("vehicle_handling_mean_h", "handling"),
                         ("units_per_vehicle_mean", "units")):
            rows.append(_row(kpi, "area", k, pv[col] if pv is not None else np.nan))
    return rows


def yard_wait_summary(events: pd.DataFrame, hubs: pd.Index, window: Window,
                      depot_cost: pd.Series | None = None) -> dict[str, list[dict]]:
    """Per hub: ``yard_wait_mean_h``, ``yard_wait_teu``, ``depot_teu`` and ``depot_cost_usd``
    rows (``depot_cost``: USD per TEU by hub, 0 when absent), keyed by hub (so
    :func:`hubsim.analysis.kpis.hub_summary` can keep each hub's rows together)."""
    inside = window.mask(events["t_h"])
    kind = events["event"]
    waits = events.loc[inside & (kind == "yard_wait"), ["node", "teu", "tonnes", "wait_h"]]
    depot = events.loc[inside & (kind == "depot"), ["node", "teu"]]
    f = window.per_year
    load = waits["teu"].where(waits["teu"] > 0, waits["tonnes"]).to_numpy(float)
    wnode = waits["node"].astype(str).to_numpy()
    dnode = depot["node"].astype(str).to_numpy()
    out: dict[str, list[dict]] = {}
    for hub in map(str, hubs):
        m = wnode == hub
        depot_teu = depot["teu"].to_numpy(float)[dnode == hub].sum() * f
        cost = float(depot_cost.get(hub, 0.0)) if depot_cost is not None else 0.0
        weight = load[m].sum()
        mean = float((waits["wait_h"].to_numpy(float)[m] * load[m]).sum() / weight) \
            if weight > 0 else 0.0
        out[hub] = [
            _row("yard_wait_mean_h", "hub", hub, mean),
            _row("yard_wait_teu", "hub", hub, waits["teu"].to_numpy(float)[m].sum() * f),
            _row("depot_teu", "hub", hub, depot_teu),
            _row("depot_cost_usd", "hub", hub, depot_teu * cost),
        ]
    return out


def lock_summary(lock_passages: pd.DataFrame | None, window: Window) -> list[dict]:
    """Per lock link with any recorded passage (scope ``link``): mean wait of the services'
    ships and of other traffic, 95th percentile for the services' ships, passages per year."""
    rows: list[dict] = []
    if lock_passages is None or lock_passages.empty:
        return rows
    lp = lock_passages
    links = sorted(set(lp["link"].dropna().astype(str)))
    inside = ((lp["enter_h"] >= window.start_h) & (lp["enter_h"] < window.end_h)).to_numpy()
    wait = (lp["enter_h"] - lp["arrive_h"]).to_numpy(float)
    link = lp["link"].astype(str).to_numpy()
    service = lp["service"].notna().to_numpy()
    for k in links:
        m = inside & (link == k)
        ships, other = wait[m & service], wait[m & ~service]
        rows.append(_row("lock_wait_mean_h", "link", k,
                         ships.mean() if len(ships) else np.nan))
        rows.append(_row("lock_wait_other_mean_h", "link", k,
                         other.mean() if len(other) else np.nan))
        rows.append(_row("lock_wait_p95_h", "link", k,
                         np.percentile(ships, 95) if len(ships) else np.nan))
        rows.append(_row("lock_passages", "link", k, m.sum() * window.per_year))
    return rows
