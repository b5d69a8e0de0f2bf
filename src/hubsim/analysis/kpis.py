"""KPIs as pure functions of the event records (DataFrame in, DataFrame out).

Counting rules (the one place they live in code; README "Counting rules" says the same):

* **Channel throughput** (the 2 M TEU target): TEU that cross the region boundary on a link that
  touches a gateway, counted once per crossing: at departure from a region node toward a gateway
  (outbound) and at arrival at a region node from a gateway (inbound).
* **International logistics volume** (the 12 Mt target): tonnes of international consignments
  (containers and air cargo) crossing the boundary, counted the same way.
* **Hub throughput**: TEU (t for air cargo) lifted on or off at a hub; a transfer counts twice
  at that hub (off the arriving vehicle, onto the departing one).
* Terminal areas, yard waits, the depot and locks: :mod:`hubsim.analysis.terminals`.
* Flows (service levels per demand row, what the demand offered the channel) and services per
  direction: :mod:`hubsim.analysis.flows`.
* All per-year figures are measured over the window after the warm-up and scaled to 365 days.
* A consignment's load is TEU for containers and tonnes for air cargo (``teu == 0``).

Every KPI name, scope and unit emitted here is declared in :mod:`hubsim.catalogue` (the unit is
taken from there; a test checks both ways).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.analysis import empties as EM
from hubsim.analysis import flows as FL
from hubsim.analysis.definitions import definition_summary
from hubsim.analysis.terminals import (
    area_summary,
    default_areas,
    lock_summary,
    yard_wait_summary,
)
from hubsim.analysis.window import Window
from hubsim.analysis.yard import time_weighted, yard_series
from hubsim.catalogue import info
from hubsim.scenario.schema import Target

__all__ = [
    "KPI_COLUMNS",
    "Window",
    "channel_summary",
    "conservation",
    "consignment_corridor",
    "crossings",
    "flow_summary",
    "hub_summary",
    "kpi_table",
    "service_summary",
    "time_summary",
    "verdict",
]

KPI_COLUMNS = ["kpi", "scope", "key", "value", "unit"]


def _lookup(col: pd.Series, mapping: pd.Series | None = None, missing: object = "") \
        -> np.ndarray:
    """``mapping[name]`` (or the name itself) for each row of a categorical column.

    Works on the category codes, so a column of millions of rows is never turned into strings;
    missing rows (code -1) and names absent from ``mapping`` give ``missing``.
    """
    if not isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype("category")
    cats = col.cat.categories
    values = pd.Series(cats, index=cats) if mapping is None else mapping.reindex(cats)
    table = np.append(values.astype(object).where(values.notna(), missing).to_numpy(),
                      np.array([missing], dtype=object))
    return table[col.cat.codes.to_numpy()]  # code -1 picks the trailing ``missing``


def _lookup_categorical(col: pd.Series, mapping: pd.Series | None = None) -> pd.Categorical:
    """``pd.Categorical(_lookup(col, mapping))`` (the same categories, sorted, and codes),
    made from the category codes: no name per row."""
    if not isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype("category")
    cats = col.cat.categories
    values = pd.Series(cats, index=cats) if mapping is None else mapping.reindex(cats)
    table = np.append(values.astype(object).where(values.notna(), "").to_numpy(),
                      np.array([""], dtype=object))
    codes = col.cat.codes.to_numpy()
    names = sorted({table[c] for c in np.unique(codes).tolist()})  # those present
    at = {name: i for i, name in enumerate(names)}
    remap = np.array([at.get(v, -1) for v in table], dtype=np.int32)
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(names))


def crossings(events: pd.DataFrame, links: pd.DataFrame,
              consignments: pd.DataFrame, categorical: bool = False) -> pd.DataFrame:
    """Every boundary crossing: outbound departures and inbound arrivals on gateway links.

    Columns: ``t_h, cid, teu, tonnes, direction ('out'/'in'), link, mode, corridor, gateway,
    international``. ``link``, ``mode``, ``corridor`` and ``gateway`` are strings, or with
    ``categorical`` categories of their names (a fraction of the memory, for working copies).
    """
    gw_links = links.index[links["gateway"] != ""]
    # only departures and arrivals on gateway links, only the columns used (the log is large)
    keep = events["link"].isin(gw_links) & events["event"].isin(["depart", "arrive"])
    ev = events.loc[keep, ["t_h", "event", "cid", "node", "link", "teu", "tonnes"]]
    gateway_of = links["gateway"]
    # a crossing leaves from (or arrives at) the region end of the link, not the gateway end
    sel = ev[_lookup(ev["node"]) != _lookup(ev["link"], gateway_of)]
    intl = consignments.set_index("cid")["international"]
    res = pd.DataFrame({
        "t_h": sel["t_h"].to_numpy(), "cid": sel["cid"].to_numpy(),
        "teu": sel["teu"].to_numpy(), "tonnes": sel["tonnes"].to_numpy(),
        "direction": np.where(sel["event"] == "depart", "out", "in"),
    })
    for col, names in (("link", None), ("mode", links["mode"]),
                       ("corridor", links["corridor"]), ("gateway", gateway_of)):
        res[col] = _lookup_categorical(sel["link"], names) if categorical else \
            pd.Series(_lookup(sel["link"], names)).astype(str)
    res["international"] = res["cid"].map(intl).fillna(False).astype(bool)
    return res


def _row(kpi: str, scope: str, key: str, value: float) -> dict[str, object]:
    """One row of the KPI table; the unit is the catalogue's (:mod:`hubsim.catalogue`)."""
    return {"kpi": kpi, "scope": scope, "key": key, "value": float(value),
            "unit": info(kpi).unit}


def channel_summary(cross: pd.DataFrame, window: Window) -> list[dict]:
    """Channel TEU and international tonnes, total and by corridor, mode and direction."""
    c = cross[window.mask(cross["t_h"])]
    f = window.per_year
    intl = c[c["international"]]
    rows = [_row("channel_teu", "total", "", c["teu"].sum() * f),
            _row("international_tonnes", "total", "", intl["tonnes"].sum() * f),
            _row("air_tonnes", "total", "", c.loc[c["teu"] == 0, "tonnes"].sum() * f)]
    for col in ("corridor", "mode", "direction"):
        # only the columns summed: grouping copies each group. The names may be categories
        # (kpi_table's crossings): only those with crossings in the window form a group
        for key, grp in c[[col, "teu", "tonnes", "international"]].groupby(col, sort=True,
                                                                          observed=True):
            rows.append(_row("channel_teu", col, str(key), grp["teu"].sum() * f))
            rows.append(_row("international_tonnes", col, str(key),
                             grp.loc[grp["international"], "tonnes"].sum() * f))
    return rows


def hub_summary(events: pd.DataFrame, nodes: pd.DataFrame, window: Window) -> list[dict]:
    """Per hub: lifts, equipment utilisation (unit-hours worked over every installed unit of
    the hub: ``nodes["equipment"]``), wait for handling (from ready to the start of handling:
    position and units), yard occupancy, dwell, waits for yard room and depot use."""
    f = window.per_year
    hubs = nodes[nodes["kind"] == "hub"]
    inside = window.mask(events["t_h"])
    kind = events["event"]
    # one working table at a time (each a selection of the log), its KPIs per hub kept
    lifts = events.loc[inside & kind.isin(["lift_on", "lift_off"]),
                       ["node", "teu", "tonnes", "wait_h", "dur_h"]]
    of_lifts = {str(hub): _lift_rows(lifts[lifts["node"] == hub], str(hub), f,
                                     node["equipment"] * window.hours)
                for hub, node in hubs.iterrows()}
    del lifts
    yards = yard_series(events, nodes)
    of_yard: dict[str, list[dict]] = {}
    for hub_id, node in hubs.iterrows():
        hub = str(hub_id)
        yard = yards[yards["node"] == hub]
        mean, peak, end = time_weighted(yard["t_h"].to_numpy(), yard["level"].to_numpy(),
                                        window.start_h, window.end_h)
        of_yard[hub] = [_row("yard_mean", "hub", hub, mean), _row("yard_max", "hub", hub, peak),
                        _row("yard_end", "hub", hub, end),
                        _row("yard_mean_utilisation", "hub", hub, mean / node["yard_teu"])]
    del yards
    departs = events.loc[inside & (kind == "depart"), ["node", "wait_h"]]
    yard_waits = yard_wait_summary(events, hubs.index, window,
                                   nodes.get("depot_cost_usd_per_teu"))
    rows: list[dict] = []
    for hub_id in hubs.index:
        hub = str(hub_id)
        rows += of_lifts[hub] + of_yard[hub]
        dwell = departs.loc[departs["node"] == hub, "wait_h"]
        for stat, value in _stats(dwell).items():
            rows.append(_row(f"hub_dwell_{stat}_h", "hub", hub, value))
        rows += yard_waits[hub]
    return rows


def _lift_rows(hl: pd.DataFrame, hub: str, per_year: float, unit_hours: float) -> list[dict]:
    """A hub's lifts, equipment utilisation and wait for handling from its lifts ``hl``."""
    return [_row("hub_lifts_teu", "hub", hub, hl["teu"].sum() * per_year),
            _row("hub_lifts_tonnes_air", "hub", hub,
                 hl.loc[hl["teu"] == 0, "tonnes"].sum() * per_year),
            _row("equipment_utilisation", "hub", hub, hl["dur_h"].sum() / unit_hours),
            _row("equipment_wait_mean_h", "hub", hub, hl["wait_h"].mean() if len(hl) else 0.0)]


def _stats(values: pd.Series) -> dict[str, float]:
    if values.empty:
        return {"mean": float("nan"), "p50": float("nan"), "p95": float("nan")}
    arr = values.to_numpy(dtype=float)
    return {"mean": float(arr.mean()), "p50": float(np.percentile(arr, 50)),
            "p95": float(np.percentile(arr, 95))}


def service_summary(trips: pd.DataFrame, window: Window) -> list[dict]:
    """Per service: departures and vehicle trips per year, mean load factor, mean delay."""
    rows: list[dict] = []
    f = window.per_year
    tr = trips[window.mask(trips["depart_h"])]
    for svc, grp in tr.groupby("service", observed=True, sort=True):
        rows.append(_row("departures", "service", str(svc), len(grp) * f))
        rows.append(_row("vehicle_trips", "service", str(svc), grp["vehicles"].sum() * f))
        rows.append(_row("load_factor", "service", str(svc),
                         grp["load"].sum() / grp["capacity"].sum()))
        rows.append(_row("departure_delay_mean_h", "service", str(svc),
                         (grp["depart_h"] - grp["scheduled_h"]).mean()))
    return rows


def time_summary(events: pd.DataFrame, consignments: pd.DataFrame, links: pd.DataFrame,
                 window: Window) -> list[dict]:
    """Door-to-door times of loads delivered in the window: overall, by cargo and corridor."""
    # arrays of the delivered rows only, the corridor as a code per row (no name per row)
    sel = (window.mask(events["t_h"]) & (events["event"] == "delivered")).to_numpy()
    dur = events["dur_h"].to_numpy()[sel]
    container = events["teu"].to_numpy()[sel] > 0
    cid = events["cid"].to_numpy()[sel].astype(np.int64)
    corridor_of = consignment_corridor(consignments, links)
    code, names = pd.factorize(corridor_of.to_numpy())
    keys = corridor_of.index.to_numpy(np.int64)
    size = int(max(keys.max() if len(keys) else 0, cid.max() if len(cid) else 0)) + 1
    of_cid = np.full(size + 1, -1, dtype=np.int64)  # -1: an unknown load, no corridor
    of_cid[keys] = code
    corridor = of_cid[np.where(cid >= 0, cid, size)]
    rows = []
    for stat, value in _stats(pd.Series(dur)).items():
        rows.append(_row(f"door_to_door_{stat}_h", "total", "", value))
    groups = [("cargo", "air", ~container), ("cargo", "container", container)]
    present = {str(names[c]): int(c) for c in np.unique(corridor) if c >= 0}
    groups += [("corridor", name, corridor == present[name]) for name in sorted(present)
               if name != ""]
    for col, key, rows_of in groups:  # each group's loads in the order they were delivered
        if rows_of.any():
            for stat, value in _stats(pd.Series(dur[rows_of])).items():
                rows.append(_row(f"door_to_door_{stat}_h", col, key, value))
    return rows


def consignment_corridor(consignments: pd.DataFrame, links: pd.DataFrame) -> pd.Series:
    """Corridor of each consignment, indexed by ``cid`` ('' when neither end is a gateway).

    The one rule for "which corridor does this load belong to": the corridor of the gateway
    at its destination, else of the gateway at its origin.
    """
    corridor_of_gw = links.loc[links["gateway"] != ""].drop_duplicates("gateway") \
        .set_index("gateway")["corridor"]
    # the destination's corridor, else the origin's, else ""
    origin = _lookup(consignments["origin"], corridor_of_gw, None)
    dest = _lookup(consignments["destination"], corridor_of_gw, None)
    corridor = np.where(pd.isna(dest), origin, dest)
    return pd.Series(np.where(pd.isna(corridor), "", corridor), index=consignments["cid"])


def flow_summary(events: pd.DataFrame, links: pd.DataFrame, window: Window) -> list[dict]:
    """Cost and CO2 of the legs run in the window, per delivered load and by mode."""
    inside = window.mask(events["t_h"])
    dep = events.loc[inside & (events["event"] == "depart"), ["link", "teu", "tonnes"]]
    def per_link(column: str) -> np.ndarray:
        return _lookup(dep["link"], links[column], np.nan).astype(float)

    km = per_link("distance_km")
    co2_t = dep["tonnes"].to_numpy() * km * per_link("co2_g_per_tkm") / 1e6
    cost = (dep["teu"].to_numpy() * per_link("cost_usd_per_teu")
            + np.where(dep["teu"].to_numpy() == 0, dep["tonnes"].to_numpy(), 0.0)
            * per_link("cost_usd_per_t"))
    container = dep["teu"].to_numpy() > 0
    teu_done = events.loc[inside & (events["event"] == "delivered"), "teu"].sum()
    f = window.per_year
    rows = [
        _row("cost_per_teu", "total", "", cost[container].sum() / teu_done if teu_done else
             np.nan),
        _row("co2_per_teu", "total", "", co2_t[container].sum() / teu_done if teu_done else
             np.nan),
        _row("co2_total", "total", "", co2_t.sum() * f),
    ]
    mode = _lookup(dep["link"], links["mode"])
    for m in sorted(set(mode)):
        sel = mode == m
        rows.append(_row("co2_total", "mode", m, co2_t[sel].sum() * f))
        rows.append(_row("teu_km", "mode", m,
                         (dep["teu"].to_numpy()[sel] * km[sel]).sum() * f))
    return rows


def conservation(events: pd.DataFrame) -> dict[str, float]:
    """Generated, delivered and in-system loads over the whole run, from the events alone."""
    gen = events.loc[events["event"] == "generated", ["teu", "tonnes"]]
    dlv = events.loc[events["event"] == "delivered", ["teu", "tonnes"]]
    out = {}
    for unit in ("teu", "tonnes"):
        out[f"generated_{unit}"] = float(gen[unit].sum())
        out[f"delivered_{unit}"] = float(dlv[unit].sum())
        out[f"in_system_{unit}"] = out[f"generated_{unit}"] - out[f"delivered_{unit}"]
    return out


def kpi_table(events: pd.DataFrame, consignments: pd.DataFrame, trips: pd.DataFrame,
              links: pd.DataFrame, nodes: pd.DataFrame, window: Window,
              handling: pd.DataFrame | None = None, lock_passages: pd.DataFrame | None = None,
              areas: pd.DataFrame | None = None, flows: pd.DataFrame | None = None,
              queues: pd.DataFrame | None = None,
              emission_rows: list[dict] | None = None) -> pd.DataFrame:
    """All KPIs in one tidy table: ``kpi, scope, key, value, unit``.

    ``handling`` and ``lock_passages`` are the run's tables of those names
    (:mod:`hubsim.sim.records`; None: no vehicle or lock passage recorded), ``areas``
    :func:`hubsim.sim.network.area_table` (None: each hub's ``equipment`` as its shared pool).
    ``flows`` is :func:`hubsim.analysis.flows.planned_flows` of the scenario: with it the
    table also holds the offered channel (``channel_teu_offered``,
    ``international_tonnes_offered``), the service levels per flow (scope ``flow``) and the
    load waiting for each service direction (``service_backlog_end``; ``queues``:
    :func:`hubsim.analysis.flows.departure_queues` when already at hand). ``emission_rows``:
    the ISO 14083 KPIs (:func:`hubsim.analysis.emissions.emission_rows`), appended last.
    """
    # empty containers (opt-in; hubsim.analysis.empties): hub throughput and yards count
    # them, the KPIs of loaded cargo do not (without empties these are the tables as given)
    all_events, all_consignments = events, consignments
    events, consignments, empty_ids = EM.split_empties(events, consignments)
    cross = crossings(events, links, consignments, categorical=True)
    rows = channel_summary(cross, window)
    rows += definition_summary(cross, consignments, nodes.index[nodes["kind"] == "zone"],
                               window.mask(cross["t_h"]), window.per_year)
    del cross  # the largest working table: not kept through the KPIs below
    if flows is not None:
        rows += FL.offered_summary(events, consignments, flows, window)
    rows += hub_summary(all_events, nodes, window)
    rows += area_summary(all_events, handling, links,
                         default_areas(nodes) if areas is None else areas, window)
    rows += lock_summary(lock_passages, window)
    rows += service_summary(trips, window)
    if flows is not None and queues is None:
        queues = FL.departure_queues(events, consignments, flows, nodes, handling)
    rows += FL.direction_summary(trips, queues if flows is not None else None, window)
    if flows is not None:
        rows += FL.flow_summary(events, consignments, flows, window)
    rows += time_summary(events, consignments, links, window)
    rows += flow_summary(events, links, window)
    bal = conservation(events)
    rows.append(_row("backlog_end_teu", "total", "", bal["in_system_teu"]))
    rows.append(_row("backlog_end_tonnes", "total", "", bal["in_system_tonnes"]))
    if empty_ids is not None:
        rows += [_row(*r) for r in EM.empties_summary(
            all_events, crossings(all_events, links, all_consignments), links, empty_ids,
            window.start_h, window.end_h, window.per_year)]
    rows += emission_rows or []
    return pd.DataFrame(rows, columns=KPI_COLUMNS)


def verdict(kpis: pd.DataFrame, targets: tuple[Target, ...]) -> pd.DataFrame:
    """One row per target: value, threshold, and whether it is met."""
    rows = []
    for tgt in targets:
        if info(tgt.kpi).scopes == ("hub",):  # a per-hub KPI: the target names the hub
            sel = kpis[(kpis["kpi"] == tgt.kpi) & (kpis["key"] == tgt.hub)]
        else:
            sel = kpis[(kpis["kpi"] == tgt.kpi) & (kpis["scope"] == "total")]
        value = float(sel["value"].iloc[0]) if len(sel) else float("nan")
        unit = str(sel["unit"].iloc[0]) if len(sel) else ""
        met = value >= tgt.threshold if tgt.sense == ">=" else value <= tgt.threshold
        rows.append({"target": tgt.id, "kpi": tgt.kpi, "hub": tgt.hub or "",
                     "sense": tgt.sense, "threshold": tgt.threshold, "value": value,
                     "unit": unit, "ratio": value / tgt.threshold if tgt.threshold else np.nan,
                     "met": bool(met), "description": tgt.description})
    return pd.DataFrame(rows, columns=["target", "kpi", "hub", "sense", "threshold", "value",
                                       "unit", "ratio", "met", "description"])
