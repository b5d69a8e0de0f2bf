"""Tables behind the figures: pure functions of the event records (DataFrame in, DataFrame out).

They follow the counting rules of :mod:`hubsim.analysis.kpis` (boundary crossings, the measured
window,
loads in TEU for containers and tonnes for air cargo) and add the time and per-link detail that
plots need. None of them runs a simulation.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from hubsim.analysis.kpis import Window, consignment_corridor
from hubsim.analysis.yard import time_weighted, yard_series

__all__ = [
    "backlog_daily",
    "corridor_cost_co2",
    "daily_channel",
    "link_directions",
    "link_flows",
    "recovery_day",
    "transit_times",
    "weekly_hub_table",
    "yard_daily",
]


def daily_channel(cross: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Channel TEU and international tonnes per day of the measured window, with running totals.

    ``cross`` is :func:`hubsim.analysis.kpis.crossings` output. Columns: ``day, teu, intl_tonnes,
    cumulative_teu, cumulative_intl_tonnes`` (one row per day, days without crossings are 0).
    """
    c = cross[window.mask(cross["t_h"])]
    day = ((c["t_h"] - window.start_h) // 24).astype(int).to_numpy()
    n_days = int(np.ceil(window.hours / 24))
    teu = np.bincount(day, weights=c["teu"].to_numpy(float), minlength=n_days)[:n_days]
    intl = c["international"].to_numpy(bool)
    tonnes = np.bincount(day[intl], weights=c["tonnes"].to_numpy(float)[intl],
                         minlength=n_days)[:n_days]
    return pd.DataFrame({"day": np.arange(n_days), "teu": teu, "intl_tonnes": tonnes,
                         "cumulative_teu": np.cumsum(teu),
                         "cumulative_intl_tonnes": np.cumsum(tonnes)})


def backlog_daily(events: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Containers in the system (generated, not yet delivered) at the end of each day of the
    measured window: ``day, backlog_teu``, the rule of the ``backlog_end_teu`` KPI day by day
    (cargo at nodes, waiting for yard room, at anchorage or on vehicles)."""
    n_days = max(1, int(np.ceil(window.hours / 24)))
    kind = events["event"]
    gen = events[kind == "generated"]
    dlv = events[kind == "delivered"]
    ends = window.start_h + 24.0 * np.arange(1, n_days + 1)
    ends[-1] = min(ends[-1], window.end_h)

    def upto(ev: pd.DataFrame) -> np.ndarray:
        t = ev["t_h"].to_numpy(float)
        order = np.argsort(t, kind="stable")
        cum = np.concatenate([[0.0], np.cumsum(ev["teu"].to_numpy(float)[order])])
        return cum[np.searchsorted(t[order], ends, side="right")]

    return pd.DataFrame({"day": np.arange(n_days), "backlog_teu": upto(gen) - upto(dlv)})


def recovery_day(base: pd.DataFrame, changed: pd.DataFrame, after_day: float,
                 tolerance: float = 0.1) -> float:
    """The first day from ``after_day`` on when the extra backlog of a what-if over its base
    (:func:`backlog_daily` of each, run with the same seed) has fallen to ``tolerance`` of its
    peak since ``after_day``; NaN when it never does within the window, ``after_day`` when
    there was no extra backlog.

    >>> b = pd.DataFrame({"day": range(6), "backlog_teu": [10.0] * 6})
    >>> w = pd.DataFrame({"day": range(6), "backlog_teu": [10, 60, 40, 20, 11, 10.0]})
    >>> recovery_day(b, w, after_day=1)
    4.0
    """
    extra = changed.set_index("day")["backlog_teu"] - base.set_index("day")["backlog_teu"]
    extra = extra[extra.index >= after_day]
    if extra.empty:
        return float("nan")
    peak = float(extra.max())
    if peak <= 0:
        return float(after_day)
    after_peak = extra.loc[extra.idxmax():]
    cleared = after_peak[after_peak <= tolerance * peak]
    return float(cleared.index[0]) if len(cleared) else float("nan")


def link_flows(events: pd.DataFrame, links: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Flow on every link in the measured window, both directions added, per year.

    Columns: the link table's ``from, to, mode, gateway, corridor`` plus ``teu_per_year``
    (containers) and ``air_t_per_year`` (air cargo tonnes); index: link name.
    """
    dep = events.loc[window.mask(events["t_h"]) & (events["event"] == "depart"),
                     ["link", "teu", "tonnes"]]
    code = _codes(dep["link"], links.index)
    ok = code >= 0
    teu = dep["teu"].to_numpy(float)
    air = np.where(teu == 0, dep["tonnes"].to_numpy(float), 0.0)
    out = links[["from", "to", "mode", "gateway", "corridor"]].copy()
    out["teu_per_year"] = np.bincount(code[ok], weights=teu[ok], minlength=len(links)) \
        * window.per_year
    out["air_t_per_year"] = np.bincount(code[ok], weights=air[ok], minlength=len(links)) \
        * window.per_year
    return out


def link_directions(events: pd.DataFrame, trips: pd.DataFrame, links: pd.DataFrame,
                    window: Window) -> pd.DataFrame:
    """Flow and load factor of every corridor link (one with a gateway) per direction.

    Columns: ``link, direction`` (``out``: toward the gateway, ``in``: from it),
    ``teu_per_year``, ``air_t_per_year`` (departures in the window, per year) and
    ``load_factor``: load over capacity of the scheduled departures in the window in that
    direction (NaN without any, e.g. trucks that leave when a load is ready).
    """
    gw = links[links["gateway"] != ""]
    dep = events.loc[window.mask(events["t_h"]) & (events["event"] == "depart"),
                     ["node", "link", "teu", "tonnes"]]
    dep = dep[dep["link"].isin(gw.index)]
    # on the columns' category codes: a string per departure would cost tens of MB of
    # short-lived objects in a year's run; the link labels share one string per link
    links_ = gw.index.astype(str)
    names = links_.to_numpy(dtype=object)
    gateway = pd.Index(gw["gateway"].astype(str))
    gates = gateway.unique()
    gate_of = gates.get_indexer(gateway)  # per link, >= 0
    dl = _codes(dep["link"], links_)
    inward = _codes(dep["node"], gates) == gate_of[dl]
    teu = dep["teu"].to_numpy(float)
    air = np.where(teu == 0, dep["tonnes"].to_numpy(float), 0.0)
    flows = pd.DataFrame({"link": names[dl],
                          "direction": np.where(inward, "in", "out"), "teu": teu, "air": air})
    t = trips[window.mask(trips["depart_h"]) & trips["link"].isin(gw.index)]
    tl = _codes(t["link"], links_)
    t_in = _codes(t["from"], gates) == gate_of[tl]
    lf = pd.DataFrame({"link": names[tl],
                       "direction": np.where(t_in, "in", "out"),
                       "load": t["load"].to_numpy(float),
                       "capacity": t["capacity"].to_numpy(float)})
    grid = pd.MultiIndex.from_product([list(gw.index), ["out", "in"]],
                                      names=["link", "direction"])
    f = flows.groupby(["link", "direction"])[["teu", "air"]].sum().reindex(grid, fill_value=0.0)
    c = lf.groupby(["link", "direction"])[["load", "capacity"]].sum().reindex(grid)
    out = grid.to_frame(index=False)
    out["teu_per_year"] = f["teu"].to_numpy() * window.per_year
    out["air_t_per_year"] = f["air"].to_numpy() * window.per_year
    cap = c["capacity"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["load_factor"] = np.where(cap > 0, c["load"].to_numpy(float) / cap, np.nan)
    return out


def _codes(values: pd.Series, categories: pd.Index) -> np.ndarray:
    """Position of each value in ``categories`` (-1 when absent); fast for categoricals."""
    cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    where = np.append(pd.Index(categories).get_indexer(cat.cat.categories), -1)
    return where[np.asarray(cat.cat.codes)]  # a missing value (code -1) picks the trailing -1


def weekly_hub_table(events: pd.DataFrame, nodes: pd.DataFrame, window: Window,
                     yard: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per hub and week: equipment utilisation, mean wait for handling, yard occupancy and
    the wait for yard room.

    Tidy columns: ``week, hub, utilisation`` (unit-hours worked over every installed unit of
    the hub, ``nodes["equipment"]``, x the week's hours: the rule of the
    ``equipment_utilisation`` KPI), ``wait_h`` (mean wait for a position and units of the lifts
    that ended that week), ``yard_teu`` (time-weighted mean content), ``yard_fraction`` (of the
    yard's capacity) and ``yard_wait_h`` (mean wait for yard room of the loads whose wait ended
    that week, weighted by load; 0 when none waited). ``yard`` is :func:`yard_daily` output
    when already at hand.
    """
    hubs = nodes[nodes["kind"] == "hub"]
    n_weeks = max(1, int(np.ceil(window.hours / 168)))
    ev = events.loc[window.mask(events["t_h"]) & events["event"].isin(["lift_on", "lift_off"]),
                    ["t_h", "node", "dur_h", "wait_h"]]
    week = ((ev["t_h"] - window.start_h) // 168).astype(int).to_numpy()
    grid = pd.MultiIndex.from_product([range(n_weeks), list(hubs.index)], names=["week", "hub"])
    hub_code = _codes(ev["node"], hubs.index)
    grouped = pd.DataFrame({"week": week, "hub": hubs.index.to_numpy()[hub_code],
                            "dur": ev["dur_h"].to_numpy(), "wait": ev["wait_h"].to_numpy()})[
        hub_code >= 0].groupby(["week", "hub"])
    busy = grouped["dur"].sum().reindex(grid, fill_value=0.0)
    wait = grouped["wait"].mean().reindex(grid, fill_value=0.0)
    hours = np.minimum(168.0, window.hours - np.arange(n_weeks) * 168.0)
    out = grid.to_frame(index=False)
    equipment = out["hub"].map(hubs["equipment"].astype(float)).to_numpy()
    out["utilisation"] = busy.to_numpy() / (equipment * hours[out["week"].to_numpy()])
    out["wait_h"] = wait.to_numpy()
    yard = (yard_daily(events, nodes, window) if yard is None else yard).copy()
    yard["week"] = yard["day"] // 7
    yard_week = yard.groupby(["week", "hub"])["yard_teu"].mean().reindex(grid, fill_value=0.0)
    out["yard_teu"] = yard_week.to_numpy()
    out["yard_fraction"] = out["yard_teu"] / out["hub"].map(hubs["yard_teu"].astype(float))
    out["yard_wait_h"] = _weekly_yard_wait(events, hubs.index, window, grid)
    return out


def _weekly_yard_wait(events: pd.DataFrame, hubs: pd.Index, window: Window,
                      grid: pd.MultiIndex) -> np.ndarray:
    """Load-weighted mean ``wait_h`` of the ``yard_wait`` events per (week, hub) of ``grid``."""
    ev = events.loc[window.mask(events["t_h"]) & (events["event"] == "yard_wait"),
                    ["t_h", "node", "teu", "tonnes", "wait_h"]]
    code = _codes(ev["node"], hubs)
    load = ev["teu"].where(ev["teu"] > 0, ev["tonnes"]).to_numpy(float)
    d = pd.DataFrame({"week": ((ev["t_h"] - window.start_h) // 168).astype(int).to_numpy(),
                      "hub": hubs.to_numpy()[code], "load": load,
                      "lw": load * ev["wait_h"].to_numpy(float)})[code >= 0]
    sums = d.groupby(["week", "hub"])[["load", "lw"]].sum().reindex(grid, fill_value=0.0)
    return np.divide(sums["lw"].to_numpy(), sums["load"].to_numpy(),
                     out=np.zeros(len(sums)), where=sums["load"].to_numpy() > 0)


def yard_daily(events: pd.DataFrame, nodes: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Time-weighted mean yard content per hub and day of the window: ``day, hub, yard_teu``.

    Each day's value is :func:`hubsim.analysis.yard.time_weighted` over that day, the rule of
    the ``yard_mean`` KPI; air cargo counts in tonnes in the airport's yard.
    """
    series = yard_series(events, nodes)
    n_days = max(1, int(np.ceil(window.hours / 24)))
    edges = window.start_h + 24.0 * np.arange(n_days + 1)
    edges[-1] = min(edges[-1], window.end_h)
    frames = []
    for hub in nodes.index[nodes["kind"] == "hub"]:
        s = series[series["node"] == hub]
        t = s["t_h"].to_numpy()
        lv = s["level"].to_numpy()
        means = [time_weighted(t, lv, float(a), float(b))[0]
                 for a, b in itertools.pairwise(edges)]
        frames.append(pd.DataFrame({"day": np.arange(n_days), "hub": hub, "yard_teu": means}))
    return pd.concat(frames, ignore_index=True) if frames else \
        pd.DataFrame({"day": [], "hub": [], "yard_teu": []})


def _lookup(by_cid: pd.Series, cids: pd.Series) -> np.ndarray:
    """``by_cid`` values for each of ``cids`` ('' for unknown ids), by array indexing."""
    keys = by_cid.index.to_numpy(np.int64)
    c = cids.to_numpy(np.int64)
    size = int(max(keys.max() if len(keys) else 0, c.max() if len(c) else 0)) + 1
    row = np.full(size, -1, dtype=np.int64)
    row[keys] = np.arange(len(keys))
    values = np.append(by_cid.to_numpy(dtype=object), "")
    return values[row[c]]


def transit_times(events: pd.DataFrame, consignments: pd.DataFrame, links: pd.DataFrame,
                  window: Window) -> pd.DataFrame:
    """Door-to-door time of every load delivered in the window: ``corridor, cargo, teu,
    tonnes, days`` (loads that never cross the boundary have corridor ``'domestic'``)."""
    ev = events.loc[window.mask(events["t_h"]) & (events["event"] == "delivered"),
                    ["cid", "teu", "tonnes", "dur_h"]]
    corridor = _lookup(consignment_corridor(consignments, links), ev["cid"])
    return pd.DataFrame({
        "corridor": np.where(corridor == "", "domestic", corridor),
        "cargo": np.where(ev["teu"].to_numpy() > 0, "container", "air"),
        "teu": ev["teu"].to_numpy(), "tonnes": ev["tonnes"].to_numpy(),
        "days": ev["dur_h"].to_numpy() / 24.0,
    })


def corridor_cost_co2(events: pd.DataFrame, consignments: pd.DataFrame, links: pd.DataFrame,
                      window: Window) -> pd.DataFrame:
    """Container transport cost and CO2 per TEU by corridor, over all legs in the window.

    Columns: ``corridor, teu, cost_usd_per_teu, co2_t_per_teu`` where ``teu`` is the TEU
    delivered in the window on that corridor and the sums cover every leg (road feeders, hub
    shuttles and the corridor leg) departed in the window by its consignments. ``legs`` names
    the modes those legs ran on with their share of the tonne-km (``water 88%, rail 11%``: a
    corridor can include a leg on another corridor's mode, e.g. the Yangtze barge of Sichuan
    rail-water boxes). Air cargo is left out (it has no TEU).
    """
    # positions of the rows used, and arrays of them (a year has ~600,000 container legs)
    base = (window.mask(events["t_h"]) & (events["teu"] > 0)).to_numpy()
    kind = events["event"]
    at_dep = np.flatnonzero(base & (kind == "depart").to_numpy())
    at_dlv = np.flatnonzero(base & (kind == "delivered").to_numpy())
    del base
    corridor_of = consignment_corridor(consignments, links)
    code = _codes(events["link"].iloc[at_dep], links.index)
    ok = code >= 0
    rows = at_dep[ok]
    del at_dep
    teu, tonnes = events["teu"].to_numpy(float)[rows], events["tonnes"].to_numpy(float)[rows]
    code = code[ok]
    cost = teu * links["cost_usd_per_teu"].to_numpy(float)[code]
    co2 = (tonnes * links["distance_km"].to_numpy(float)[code]
           * links["co2_g_per_tkm"].to_numpy(float)[code] / 1e6)
    tkm = tonnes * links["distance_km"].to_numpy(float)[code]
    # corridors and modes as categories, and each group only the columns it needs: grouping
    # copies every group (a year has a few hundred thousand legs)
    cid = pd.Series(events["cid"].to_numpy()[rows])
    per_leg = pd.DataFrame({"corridor": pd.Categorical(_lookup(corridor_of, cid)),
                            "cost": cost, "co2": co2, "tkm": tkm,
                            "mode": pd.Categorical(links["mode"].to_numpy()[code])})
    del rows, cid, code, ok, teu, tonnes, cost, co2, tkm
    by = per_leg.groupby("corridor", observed=True)
    legs = by[["cost", "co2"]].sum()
    legs.index = legs.index.astype(str)
    legs["legs"] = pd.Series({str(c): _mode_shares(g) for c, g in by[["mode", "tkm"]]})
    del by, per_leg
    teu_done = pd.Series(events["teu"].to_numpy(float)[at_dlv]).groupby(
        _lookup(corridor_of, pd.Series(events["cid"].to_numpy()[at_dlv]))).sum()
    out = legs.join(teu_done.rename("teu"), how="inner")
    out = out[out["teu"] > 0]
    out.index = np.where(out.index == "", "domestic", out.index)
    return pd.DataFrame({"corridor": out.index, "teu": out["teu"].to_numpy(),
                         "cost_usd_per_teu": (out["cost"] / out["teu"]).to_numpy(),
                         "co2_t_per_teu": (out["co2"] / out["teu"]).to_numpy(),
                         "legs": out["legs"].to_numpy()}) \
        .sort_values("corridor", ignore_index=True)


def _mode_shares(legs: pd.DataFrame) -> str:
    """``water 88%, rail 11%``: each mode's share of the tonne-km, largest first (1% and up)."""
    share = legs.groupby("mode", observed=True)["tkm"].sum()
    share = (share / share.sum()).sort_values(ascending=False) if share.sum() > 0 else share
    return ", ".join(f"{m} {v:.0%}" for m, v in share.items() if v >= 0.01)
