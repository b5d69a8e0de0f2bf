"""Greenhouse-gas emissions of a run per ISO 14083:2023 (GLEC Framework logic).

Pure functions of the run's records (DataFrame in, DataFrame out); the factors come from
:func:`hubsim.scenario.emission_factors.load_emission_factors` (``data/emission_factors.csv``).
docs/emissions.md has the method, the factors and what is left out. In short:

**Transport operation categories (TOC).** One TOC per service (a vehicle type on one route,
both directions; an on-demand truck service is one TOC too). Every vehicle trip departing in
the window counts, loaded or empty::

    energy  = vehicle_km x (e_empty + (e_full - e_empty) x payload_t / payload_ref_t)
    CO2e    = energy x (TTW + WTT) per energy unit       (WTW; TTW reported beside it)

with ``vehicle_km = vehicles x link distance`` and ``payload_t`` the cargo tonnes per vehicle
(from the consignments' ``depart`` events). Runs the records do not hold are added, empty:
vehicles of on-demand services run one way, so per link the returns not covered by loaded
trips the other way (``backhaul_share`` of them count as covered) run back empty; scheduled
services that are not ``bidirectional`` run every trip back empty.
``intensity = TOC CO2e / TOC tonne-km`` (tonne-km of the cargo carried), and each leg of a
consignment gets ``its tonne-km x intensity`` (ISO 14083 allocation by mass x distance).

**Hub operation categories (HOC).** One HOC per hub area (hub x the vehicle's mode): every
vehicle loaded or discharged there in the window (the ``handling`` table), its moves (air
cargo: tonnes) x the energy per move of the area's operations x the carrier's factors;
``intensity = HOC CO2e / load lifted`` (TEU; air cargo t), and each lift of a consignment gets
``its TEU (t) x intensity``.

**Empty boxes** (runs with an ``empties`` section, cargo ``empty``): they carry no cargo
tonnes, but a vehicle hauls their tare, so they count with :data:`EMPTY_BOX_TARE_T` per TEU
in the payload and the tonne-km of their TOC, and take their share of its CO2e and of the
hubs' moves. Their CO2e is reported apart (rows of cargo ``empty``, per TEU moved), never in
the per-TEU figures of loaded containers; the scenarios' tonnes per loaded TEU are gross
(cargo and box).

Conservation: the consignments' CO2e add up to the TOC and HOC totals. A TOC whose cargo has
no tonnes (a scenario giving TEU only) allocates by TEU-km instead (its ``allocation``); one
that carried nothing in the window has nothing to allocate to: ``unallocated_kg``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import cast

import numpy as np
import pandas as pd

from hubsim.analysis.flows import node_codes
from hubsim.analysis.kpis import Window, _lookup, consignment_corridor
from hubsim.catalogue import info
from hubsim.scenario.emission_factors import EmissionFactors
from hubsim.scenario.schema import Scenario

__all__ = ["EMPTY_BOX_TARE_T", "METHOD", "Emissions", "emission_rows", "emissions",
           "hoc_table", "service_table", "toc_table", "with_co2e"]

#: Tare of an empty box per TEU, t: the mass an empty box being repositioned puts on a
#: vehicle (estimate: a 20-ft steel dry box weighs about 2.2-2.3 t empty, a 40-ft box about
#: 3.7-3.9 t, i.e. about 1.9 t per TEU; manufacturers' data sheets).
EMPTY_BOX_TARE_T = 2.2

#: The method, as named in the tables, the KPI catalogue and the report.
METHOD = "ISO 14083:2023 (GLEC Framework logic), WTW; factors: data/emission_factors.csv"


@dataclass(frozen=True)
class Emissions:
    """The emission tables of one run (see :func:`emissions`).

    The per-consignment table is built when first read (the KPIs need only the corridor
    totals, which come from the same leg and lift amounts)."""

    #: one row per service (transport operation category)
    toc: pd.DataFrame
    #: one row per hub area (hub operation category)
    hoc: pd.DataFrame
    #: one row per corridor and cargo: CO2e per TEU (air cargo: per t)
    corridors: pd.DataFrame
    #: the CO2e of each consignment, by cid (numbers only; :attr:`consignments` labels them)
    _per_cid: pd.DataFrame = field(repr=False)
    _labels: pd.DataFrame = field(repr=False)

    @cached_property
    def consignments(self) -> pd.DataFrame:
        """One row per consignment with activity in the window: ``cid, corridor, cargo, teu,
        tonnes, tkm, transport_wtw_kg, transport_ttw_kg, hub_wtw_kg, hub_ttw_kg, wtw_kg,
        ttw_kg``."""
        return self.consignment_rows(0, len(self._per_cid))

    def consignment_rows(self, start: int, stop: int) -> pd.DataFrame:
        """Rows ``start:stop`` of :attr:`consignments`, built on their own (to write the table
        a part at a time)."""
        out = self._per_cid.iloc[start:stop].reset_index()
        lab = self._labels.reindex(out["cid"].to_numpy())
        for i, col in enumerate(("corridor", "cargo", "teu", "tonnes"), start=1):
            values = lab[col].to_numpy()
            out.insert(i, col, values.astype(str) if col in ("corridor", "cargo")
                       else values.astype(float))
        return out[_CONSIGNMENT_COLUMNS]

    @property
    def n_consignments(self) -> int:
        """Rows of :attr:`consignments`."""
        return len(self._per_cid)


_CONSIGNMENT_COLUMNS = ["cid", "corridor", "cargo", "teu", "tonnes", "tkm",
                        "transport_wtw_kg", "transport_ttw_kg", "hub_wtw_kg", "hub_ttw_kg",
                        "wtw_kg", "ttw_kg"]


def service_table(scn: Scenario, factors: EmissionFactors) -> pd.DataFrame:
    """One row per service: ``mode, on_demand, bidirectional, capacity, cargo, vehicle_type``
    (the service's ``vehicle_type``, else the mode's default type for its capacity per
    vehicle), indexed by service id."""
    rows = [{"service": s.id, "mode": s.mode, "on_demand": s.on_demand,
             "bidirectional": s.bidirectional, "capacity": s.capacity, "cargo": s.cargo,
             "vehicle_type": s.vehicle_type or factors.default_vehicle(s.mode, s.capacity)}
            for s in scn.services]
    return pd.DataFrame(rows).set_index("service")


def _carrier_factors(factors: EmissionFactors, carrier: pd.Series) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    c = factors.carriers.reindex(carrier.to_numpy())
    return c["ttw_kg_co2e"].to_numpy(float), c["wtt_kg_co2e"].to_numpy(float)


def _empty_ids(consignments: pd.DataFrame | None) -> np.ndarray:
    """Ids of the empty boxes being repositioned (cargo ``empty``); none in most runs."""
    if consignments is None or not len(consignments):
        return np.empty(0, dtype=np.int64)
    return consignments.loc[(consignments["cargo"] == "empty").to_numpy(), "cid"].to_numpy()


def _mass_t(frame: pd.DataFrame, empty: np.ndarray) -> np.ndarray:
    """Tonnes a vehicle hauls for each row (``cid, teu, tonnes``): the cargo tonnes, or for
    an empty box its tare (:data:`EMPTY_BOX_TARE_T` per TEU)."""
    tonnes = frame["tonnes"].to_numpy(float)
    if not len(empty):
        return tonnes
    is_empty = np.isin(frame["cid"].to_numpy(), empty)
    return np.where(is_empty, frame["teu"].to_numpy(float) * EMPTY_BOX_TARE_T, tonnes)


def _trip_loads(events: pd.DataFrame, empty: np.ndarray) -> pd.DataFrame:
    """``tonnes`` (hauled: an empty box's tare) and ``teu`` of each vehicle trip, indexed by
    trip: the sums over the departures of consignments on it (a year has about a million; grouped
    on arrays of their rows)."""
    at = np.flatnonzero(((events["event"] == "depart") & (events["trip"] >= 0)).to_numpy())
    dep = pd.DataFrame({"cid": events["cid"].to_numpy()[at],
                        "teu": events["teu"].to_numpy()[at],
                        "tonnes": events["tonnes"].to_numpy()[at]})
    if len(empty):
        dep["tonnes"] = _mass_t(dep, empty)
    trip = events["trip"].to_numpy()[at]
    del at
    return dep[["tonnes", "teu"]].groupby(trip).sum()


def toc_table(trips: pd.DataFrame, events: pd.DataFrame, links: pd.DataFrame,
              services: pd.DataFrame, factors: EmissionFactors, window: Window,
              consignments: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per service with a trip departing in the window: vehicle-km loaded and empty
    (recorded and added returns), tonne-km, energy, CO2e (TTW, WTT, WTW, kg) and intensities.

    Columns: ``service, vehicle_type, carrier, mode, trips, vehicle_km, empty_vehicle_km,
    empty_share, tkm, teu_km, allocation, mass_load_factor, load_factor, energy, energy_unit,
    ttw_kg, wtt_kg, wtw_kg, wtw_g_per_tkm, ttw_g_per_tkm, unallocated_kg``. ``allocation``:
    tonne-km, or TEU-km when the cargo carried has no tonnes, or none (nothing carried).
    ``mass_load_factor`` is tonne-km / (vehicle-km x reference payload), empty runs included;
    ``load_factor`` load / capacity of the recorded trips (TEU or t, as the ``load_factor`` KPI).
    With ``consignments``, empty boxes weigh their tare (module doc).

    Works on the category codes of the trips' service and link (a year holds ~200,000 trips):
    the per-service factors are looked up once per service, not once per trip.
    """
    tr = trips.loc[window.mask(trips["depart_h"]).to_numpy(),
                   ["trip", "service", "link", "from", "load", "capacity", "vehicles"]]
    loads = _trip_loads(events, _empty_ids(consignments))
    trip_ids = tr["trip"].to_numpy()
    tonnes = loads["tonnes"].reindex(trip_ids).fillna(0.0).to_numpy(float)
    teu = loads["teu"].reindex(trip_ids).fillna(0.0).to_numpy(float)
    del loads
    km = _lookup(tr["link"], links["distance_km"], np.nan).astype(float)
    # the vehicle type's energy per km, per service, then per trip by its service's code
    svc_names, code = node_codes(tr["service"])
    veh = factors.vehicles.reindex(services["vehicle_type"].reindex(svc_names).to_numpy())
    e0 = veh["energy_empty"].to_numpy(float)[code]
    e1 = veh["energy_full"].to_numpy(float)[code]
    ref = veh["payload_t"].to_numpy(float)[code]
    n = tr["vehicles"].to_numpy(float)
    vkm = n * km
    tr = tr.assign(km=km, vkm=vkm, tkm=tonnes * km, teu_km=teu * km,
                   energy=vkm * (e0 + (e1 - e0) * tonnes / n / ref),
                   empty_vkm=np.where(tonnes > 0, 0.0, vkm))
    rows = []
    svc_of = services.to_dict("index")
    veh_of = factors.vehicles.to_dict("index")
    carrier_of = factors.carriers.to_dict("index")
    for k, grp in tr.groupby(code, sort=False):
        svc = str(svc_names[cast(int, k)])
        s = svc_of[svc]
        v = veh_of[s["vehicle_type"]]
        extra = _unrecorded_empty_vkm(grp, bool(s["on_demand"]), bool(s["bidirectional"]),
                                      float(v["backhaul_share"]))
        energy = grp["energy"].sum() + extra * v["energy_empty"]
        vkm_all = grp["vkm"].sum() + extra
        empty = grp["empty_vkm"].sum() + extra
        tkm, teu_km = grp["tkm"].sum(), grp["teu_km"].sum()
        c = carrier_of[v["carrier"]]
        ttw, wtt = energy * c["ttw_kg_co2e"], energy * c["wtt_kg_co2e"]
        wtw = ttw + wtt
        rows.append({
            "service": svc, "vehicle_type": s["vehicle_type"], "carrier": v["carrier"],
            "mode": s["mode"], "trips": len(grp), "vehicle_km": vkm_all,
            "empty_vehicle_km": empty, "empty_share": empty / vkm_all if vkm_all else np.nan,
            "tkm": tkm, "teu_km": teu_km,
            "allocation": "tonne-km" if tkm > 0 else "TEU-km" if teu_km > 0 else "none",
            "mass_load_factor": tkm / (vkm_all * v["payload_t"]) if vkm_all else np.nan,
            "load_factor": grp["load"].sum() / grp["capacity"].sum()
            if grp["capacity"].sum() else np.nan,
            "energy": energy, "energy_unit": c["energy_unit"], "ttw_kg": ttw, "wtt_kg": wtt,
            "wtw_kg": wtw, "wtw_g_per_tkm": wtw * 1e3 / tkm if tkm else np.nan,
            "ttw_g_per_tkm": ttw * 1e3 / tkm if tkm else np.nan,
            "unallocated_kg": 0.0 if tkm > 0 or teu_km > 0 else wtw})
    rows.sort(key=lambda r: str(r["service"]))
    return pd.DataFrame(rows, columns=_TOC_COLUMNS)


_TOC_COLUMNS = ["service", "vehicle_type", "carrier", "mode", "trips", "vehicle_km",
                "empty_vehicle_km", "empty_share", "tkm", "teu_km", "allocation",
                "mass_load_factor", "load_factor",
                "energy", "energy_unit", "ttw_kg", "wtt_kg", "wtw_kg", "wtw_g_per_tkm",
                "ttw_g_per_tkm", "unallocated_kg"]


def _unrecorded_empty_vkm(grp: pd.DataFrame, on_demand: bool, bidirectional: bool,
                          backhaul: float) -> float:
    """Vehicle-km of the empty returns the records do not hold (see the module doc)."""
    if on_demand:
        extra = 0.0
        for _link, g in grp.groupby("link", sort=False):
            n_ab = g.loc[g["from"] == g["from"].iloc[0], "vehicles"].sum()
            n_ba = g["vehicles"].sum() - n_ab
            returns = n_ab + n_ba - 2.0 * backhaul * min(n_ab, n_ba)
            extra += returns * g["km"].iloc[0]
        return float(extra)
    if not bidirectional:
        return float(grp["vkm"].sum())
    return 0.0


def hoc_table(handling: pd.DataFrame, links: pd.DataFrame, factors: EmissionFactors,
              window: Window) -> pd.DataFrame:
    """One row per hub area with vehicles handled (handling ending) in the window.

    Columns: ``hub, mode, vehicles, moves, load, unit, ttw_kg, wtt_kg, wtw_kg,
    wtw_kg_per_unit`` (``load`` and ``unit``: TEU, or t for air cargo).
    """
    cols = ["hub", "mode", "vehicles", "moves", "load", "unit", "ttw_kg", "wtt_kg", "wtw_kg",
            "wtw_kg_per_unit"]
    if handling is None or handling.empty:
        return pd.DataFrame(columns=cols)
    h = handling.loc[window.mask(handling["end_h"]).to_numpy(), ["node", "link", "moves",
                                                                   "load"]]
    # grouped by the codes of the node and of the link's mode (a year handles ~400,000
    # vehicles: no column of names is built)
    hub_names, nc = node_codes(h["node"])
    link_names, lc = node_codes(h["link"])
    mode_codes, mode_names = pd.factorize(links["mode"].reindex(link_names).to_numpy())
    mc = np.append(mode_codes, -1)[lc]
    rows = []
    for key, grp in h.groupby([nc, mc], sort=False):
        i, j = (int(k) for k in key)  # type: ignore[call-overload]  # (node, mode) codes
        if i < 0 or j < 0:
            continue
        hub, mode = str(hub_names[i]), str(mode_names[j])
        ops = factors.hubs[factors.hubs["mode"] == mode]
        ttw_f, wtt_f = _carrier_factors(factors, ops["carrier"])
        per = np.where(ops["op_unit"] == "move", grp["moves"].sum(), grp["load"].sum())
        energy = per * ops["energy_per_op"].to_numpy(float)
        ttw, wtt = float((energy * ttw_f).sum()), float((energy * wtt_f).sum())
        load = float(grp["load"].sum())
        rows.append({"hub": hub, "mode": mode, "vehicles": len(grp),
                     "moves": float(grp["moves"].sum()), "load": load,
                     "unit": "t" if mode == "air" else "TEU", "ttw_kg": ttw, "wtt_kg": wtt,
                     "wtw_kg": ttw + wtt,
                     "wtw_kg_per_unit": (ttw + wtt) / load if load else np.nan})
    rows.sort(key=lambda r: (r["hub"], r["mode"]))
    return pd.DataFrame(rows, columns=cols)


def _per_consignment(events: pd.DataFrame, consignments: pd.DataFrame, links: pd.DataFrame,
                     toc: pd.DataFrame, hoc: pd.DataFrame, window: Window) -> pd.DataFrame:
    """The CO2e of each consignment with activity in the window, indexed by ``cid``: ``tkm,
    transport_wtw_kg, transport_ttw_kg, hub_wtw_kg, hub_ttw_kg, wtw_kg, ttw_kg``."""
    inside = window.mask(events["t_h"]).to_numpy()
    # each part summed per consignment in its own function: its working arrays (a year has
    # about a million legs and lifts) are freed before the next part is computed
    legs = _transport_per_cid(events, consignments, links, toc, inside)
    lift_rows = _hub_per_cid(events, links, hoc, inside)
    out = pd.concat([legs, lift_rows], axis=1)
    del legs, lift_rows
    out = out.fillna(0.0)
    for col in ("tkm", "transport_wtw_kg", "transport_ttw_kg", "hub_wtw_kg", "hub_ttw_kg"):
        if col not in out:
            out[col] = 0.0
    out["wtw_kg"] = out["transport_wtw_kg"] + out["hub_wtw_kg"]
    out["ttw_kg"] = out["transport_ttw_kg"] + out["hub_ttw_kg"]
    out.index.name = "cid"
    return out[_CONSIGNMENT_COLUMNS[5:]]


def _transport_per_cid(events: pd.DataFrame, consignments: pd.DataFrame, links: pd.DataFrame,
                       toc: pd.DataFrame, inside: np.ndarray) -> pd.DataFrame:
    """``tkm, transport_wtw_kg, transport_ttw_kg`` per ``cid``: each departure on a vehicle
    trip in the window (``inside``) x its TOC's intensity."""
    dep = events.loc[inside & (events["event"] == "depart").to_numpy()
                     & (events["trip"] >= 0).to_numpy(),
                     ["cid", "link", "service", "teu", "tonnes"]]
    km = _lookup(dep["link"], links["distance_km"], np.nan).astype(float)
    tkm = _mass_t(dep, _empty_ids(consignments)) * km
    t = toc.set_index("service")
    t.index = t.index.astype(str)
    # the allocation basis: tonne-km, or TEU-km for a TOC whose cargo has no tonnes
    total = np.where(t["allocation"] == "tonne-km", t["tkm"], t["teu_km"]).astype(float)
    inv = np.divide(1.0, total, out=np.zeros_like(total), where=total > 0)
    by_tkm = _lookup(dep["service"], t["allocation"] == "tonne-km", False).astype(bool)
    basis = np.where(by_tkm, tkm, dep["teu"].to_numpy(float) * km)
    wtw_i = _lookup(dep["service"], t["wtw_kg"] * inv, 0.0).astype(float)
    ttw_i = _lookup(dep["service"], t["ttw_kg"] * inv, 0.0).astype(float)
    legs = pd.DataFrame({"cid": dep["cid"].to_numpy(), "tkm": tkm,
                         "transport_wtw_kg": basis * wtw_i,
                         "transport_ttw_kg": basis * ttw_i})
    del dep, km, tkm, basis, wtw_i, ttw_i
    return legs.groupby("cid").sum()


def _hub_per_cid(events: pd.DataFrame, links: pd.DataFrame, hoc: pd.DataFrame,
                 inside: np.ndarray) -> pd.DataFrame:
    """``hub_wtw_kg, hub_ttw_kg`` per ``cid``: each lift in the window (``inside``) x its
    HOC's intensity per TEU (air cargo: t)."""
    lifts = events.loc[inside & events["event"].isin(["lift_on", "lift_off"]).to_numpy(),
                       ["cid", "node", "link", "teu", "tonnes"]]
    teu = lifts["teu"].to_numpy(float)
    load = np.where(teu > 0, teu, lifts["tonnes"].to_numpy(float))
    w_i, t_i = _hoc_intensities(lifts["node"], lifts["link"], links, hoc)
    lift_rows = pd.DataFrame({"cid": lifts["cid"].to_numpy(), "hub_wtw_kg": load * w_i,
                              "hub_ttw_kg": load * t_i})
    del lifts, teu, load, w_i, t_i
    return lift_rows.groupby("cid").sum()


def _consignment_labels(consignments: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """``corridor, cargo, teu, tonnes`` of each consignment, indexed by ``cid``."""
    corridor = consignment_corridor(consignments, links)
    # categories, not a string per consignment: the table is kept with the run's emissions
    return pd.DataFrame({"corridor": pd.Categorical(corridor.to_numpy()),
                         "cargo": pd.Categorical(_lookup(consignments["cargo"])),
                         "teu": consignments["teu"].to_numpy(float),
                         "tonnes": consignments["tonnes"].to_numpy(float)},
                        index=consignments["cid"].to_numpy())


def _hoc_intensities(node: pd.Series, link: pd.Series, links: pd.DataFrame,
                     hoc: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """WTW and TTW kg per TEU (t) of the HOC of each lift (hub x the mode of its link; 0 where
    the HOC handled nothing), from a node x link table indexed by the category codes."""
    node = node if isinstance(node.dtype, pd.CategoricalDtype) else node.astype("category")
    link = link if isinstance(link.dtype, pd.CategoricalDtype) else link.astype("category")
    nodes, modes = node.cat.categories.astype(str), \
        links["mode"].reindex(link.cat.categories.astype(str)).to_numpy()
    per = {(str(r["hub"]), str(r["mode"])): r for r in hoc.to_dict("records")}
    # one extra row and column of zeros: code -1 (none) picks them
    wtw, ttw = np.zeros((len(nodes) + 1, len(modes) + 1)), np.zeros((len(nodes) + 1,
                                                                     len(modes) + 1))
    for i, n in enumerate(nodes):
        for j, m in enumerate(modes):
            r = per.get((n, str(m)))
            if r is not None and r["load"] > 0:
                wtw[i, j], ttw[i, j] = r["wtw_kg"] / r["load"], r["ttw_kg"] / r["load"]
    nc, lc = node.cat.codes.to_numpy(), link.cat.codes.to_numpy()
    return wtw[nc, lc], ttw[nc, lc]


def _corridor_table(events: pd.DataFrame, labels: pd.DataFrame, per_cid: pd.DataFrame,
                    window: Window) -> pd.DataFrame:
    """CO2e of the window's activity per corridor and cargo, per TEU (air cargo: t) delivered
    in the window (the same ratio as the ``co2_per_teu`` KPI). ``labels``:
    :func:`_consignment_labels`, ``per_cid``: :func:`_per_consignment`."""
    inside = window.mask(events["t_h"])
    dlv = events.loc[(inside & (events["event"] == "delivered")).to_numpy(),
                     ["cid", "teu", "tonnes"]]
    # one group number per (corridor, cargo) of each consignment, by its position
    corr_code, corr_names = pd.factorize(labels["corridor"].to_numpy())
    cargo_code, cargo_names = pd.factorize(labels["cargo"].to_numpy())
    group = np.append(corr_code * len(cargo_names) + cargo_code, -1)
    where = labels.index
    g_dlv = group[where.get_indexer(pd.Index(dlv["cid"]))]
    g_cons = group[where.get_indexer(per_cid.index)]
    amount = np.where(dlv["teu"].to_numpy() > 0, dlv["teu"].to_numpy(), dlv["tonnes"].to_numpy())
    delivered = pd.Series(amount).groupby(g_dlv).sum().rename("delivered")
    sums = per_cid[["transport_wtw_kg", "transport_ttw_kg", "hub_wtw_kg", "wtw_kg",
                    "ttw_kg"]].groupby(g_cons).sum()
    both = pd.concat([sums, delivered], axis=1).fillna(0.0)
    both = both[both.index >= 0]
    both.insert(0, "cargo", np.asarray(cargo_names, dtype=object)[both.index % len(cargo_names)]
                if len(cargo_names) else "")
    both.insert(0, "corridor", np.asarray(corr_names, dtype=object)[
        both.index // max(len(cargo_names), 1)])
    both = both.sort_values(["corridor", "cargo"])
    f = window.per_year
    rows = []
    for r in both.to_dict("records"):
        corr, cargo, n = str(r["corridor"]), str(r["cargo"]), float(r["delivered"])
        rows.append({
            "corridor": corr or "domestic", "cargo": cargo, "unit": "t" if cargo == "air"
            else "TEU", "delivered_per_year": n * f,
            "wtw_t_per_year": r["wtw_kg"] * f / 1e3, "ttw_t_per_year": r["ttw_kg"] * f / 1e3,
            "hub_wtw_t_per_year": r["hub_wtw_kg"] * f / 1e3,
            "wtw_kg_per_unit": r["wtw_kg"] / n if n else np.nan,
            "ttw_kg_per_unit": r["ttw_kg"] / n if n else np.nan,
            "transport_wtw_kg_per_unit": r["transport_wtw_kg"] / n if n else np.nan,
            "hub_wtw_kg_per_unit": r["hub_wtw_kg"] / n if n else np.nan, "method": METHOD})
    cols = ["corridor", "cargo", "unit", "delivered_per_year", "wtw_t_per_year",
            "ttw_t_per_year", "hub_wtw_t_per_year", "wtw_kg_per_unit", "ttw_kg_per_unit",
            "transport_wtw_kg_per_unit", "hub_wtw_kg_per_unit", "method"]
    return pd.DataFrame(rows, columns=cols)


def emissions(events: pd.DataFrame, consignments: pd.DataFrame, trips: pd.DataFrame,
              handling: pd.DataFrame | None, links: pd.DataFrame, services: pd.DataFrame,
              factors: EmissionFactors, window: Window) -> Emissions:
    """Every emission table of a run (module doc: the method).

    ``services`` is :func:`service_table` of the scenario (the vehicle type of each service),
    ``links`` :func:`hubsim.sim.network.link_table`; the record tables as in
    :mod:`hubsim.sim.records`. Totals are over the window (kg), the corridor table also per
    year.
    """
    toc = toc_table(trips, events, links, services, factors, window, consignments)
    hoc = hoc_table(handling if handling is not None else pd.DataFrame(), links, factors,
                    window)
    per_cid = _per_consignment(events, consignments, links, toc, hoc, window)
    labels = _consignment_labels(consignments, links)
    corridors = _corridor_table(events, labels, per_cid, window)
    return Emissions(toc=toc, hoc=hoc, corridors=corridors, _per_cid=per_cid, _labels=labels)


def _row(kpi: str, scope: str, key: str, value: float) -> dict[str, object]:
    return {"kpi": kpi, "scope": scope, "key": key, "value": float(value),
            "unit": info(kpi).unit}


def emission_rows(em: Emissions, window: Window) -> list[dict]:
    """The emission KPIs (``co2e_*``, catalogue: ISO 14083 method) as KPI table rows."""
    f = window.per_year
    total = em.toc["wtw_kg"].sum() + em.hoc["wtw_kg"].sum()
    c = em.corridors
    cont, air = c[c["cargo"] == "container"], c[c["cargo"] == "air"]  # empty boxes apart

    def per_unit(sel: pd.DataFrame) -> float:
        n = sel["delivered_per_year"].sum()
        return float(sel["wtw_t_per_year"].sum() * 1e3 / n) if n else float("nan")

    rows = [_row("co2e_wtw_total", "total", "", total * f / 1e3),
            _row("co2e_ttw_total", "total", "",
                 (em.toc["ttw_kg"].sum() + em.hoc["ttw_kg"].sum()) * f / 1e3),
            _row("co2e_per_teu", "total", "", per_unit(cont)),
            _row("co2e_per_t_air", "total", "", per_unit(air))]
    for _, r in c.sort_values("corridor").iterrows():
        if r["cargo"] == "container":
            rows.append(_row("co2e_wtw_total", "corridor", r["corridor"], r["wtw_t_per_year"]))
            rows.append(_row("co2e_per_teu", "corridor", r["corridor"], r["wtw_kg_per_unit"]))
    for _, r in em.toc.iterrows():
        rows.append(_row("co2e_intensity", "service", r["service"], r["wtw_g_per_tkm"]))
    empty = c[c["cargo"] == "empty"].sort_values("corridor")
    if len(empty):  # runs that reposition empty boxes: their share, apart
        rows.append(_row("co2e_empties_total", "total", "", empty["wtw_t_per_year"].sum()))
        for _, r in empty.iterrows():
            rows.append(_row("co2e_empties_total", "corridor", r["corridor"],
                             r["wtw_t_per_year"]))
    return rows


def with_co2e(cost_co2: pd.DataFrame, corridors: pd.DataFrame) -> pd.DataFrame:
    """``cost_co2`` (:func:`hubsim.analysis.series.corridor_cost_co2`) with the ISO 14083
    CO2e per TEU of each corridor's containers (``co2e_kg_per_teu``, WTW, from the
    ``corridors`` table of :func:`emissions`; NaN for a corridor without it)."""
    cont = corridors[corridors["cargo"] == "container"].set_index("corridor")
    return cost_co2.assign(co2e_kg_per_teu=cost_co2["corridor"].map(cont["wtw_kg_per_unit"])
                           .astype(float).to_numpy())
