"""The KPI catalogue: every KPI hubsim reports, as data.

One row per KPI name: its unit, a human label, a one-line description, the scopes it is
reported in, and where it is used (scenario targets, golden files, ``hubsim compare`` and its
plot). :func:`hubsim.analysis.kpis.kpi_table` emits exactly these names, scopes and units (a
test checks both ways); the scenario schema, the golden files, the comparison and the figures
read their KPI lists and labels from here, so a KPI is named in one place.

The catalogue sits in the bottom layer and imports nothing from hubsim: every layer may read
it.

>>> info("channel_teu").unit
'TEU/yr'
>>> label("hub_lifts_teu")
'Hub lifts (containers)'
>>> [k.name for k in CATALOGUE.values() if k.target]
['channel_teu', 'international_tonnes', 'air_tonnes', 'hub_lifts_teu']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATALOGUE", "SCOPES", "KpiInfo", "info", "label", "unit"]

#: Scopes a KPI row may have (the ``scope`` column of ``kpis.csv``) and what its ``key`` is.
SCOPES: dict[str, str] = {
    "total": "the whole region (key empty)",
    "corridor": "one international or domestic corridor (key: corridor name)",
    "mode": "one transport mode (key: rail, road, water or air)",
    "direction": "crossings out of or into the region (key: out or in)",
    "cargo": "one kind of cargo (key: container or air)",
    "origin": "where a box comes from (key: inside, one end in a zone of the city; outside, "
              "passing through)",
    "hub": "one hub (key: hub id)",
    "area": "one handling area of a hub (key: hub:mode, or hub:shared for its shared pool)",
    "link": "one link (key: from-to:mode, as in the event records)",
    "service": "one scheduled or on-demand service (key: service id)",
    "service_direction": "one service in one direction (key: service:from>to)",
    "flow": "one demand row (key: origin>destination:cargo, #n for a repeated row; "
            "hubsim.sim.streams.demand_key)",
}


@dataclass(frozen=True, slots=True)
class KpiInfo:
    """One KPI of the catalogue.

    Parameters
    ----------
    name : str
        The ``kpi`` column of ``kpis.csv``.
    unit : str
        The ``unit`` column; flows are per year (``/yr``), scaled from the measured window.
    label : str
        Short human name for tables, reports and plot titles.
    description : str
        One line: what is counted and how (README "Counting rules" has the details).
    scopes : tuple of str
        Every scope the KPI is reported in (keys of :data:`SCOPES`), in emitted order.
    target : bool
        A scenario target may name it (``targets[].kpi``).
    golden : bool
        Stored in the golden files of ``hubsim check`` (every scope and key).
    compared : tuple of str
        Scopes shown in the ``hubsim compare`` table (empty: not compared).
    plotted : tuple of str
        Scopes drawn in the comparison plot (empty: not drawn).
    flow : bool
        A volume per year: a scope key where it is zero or absent in every compared scenario
        is a flow that does not exist there, and the comparison leaves it out.
    """

    name: str
    unit: str
    label: str
    description: str
    scopes: tuple[str, ...]
    target: bool = False
    golden: bool = False
    compared: tuple[str, ...] = ()
    plotted: tuple[str, ...] = ()
    flow: bool = False


_K = KpiInfo
_HUB = ("hub",)
_AREA = ("area",)
_LINK = ("link",)
_SERVICE = ("service",)
_DIRECTION = ("service_direction",)
_FLOW = ("flow",)
_OFFERED = ("total", "corridor")
_TOTAL = ("total",)
_TRANSIT = ("total", "cargo", "corridor")

_ENTRIES: tuple[KpiInfo, ...] = (
    # boundary crossings (the channel)
    _K("channel_teu", "TEU/yr", "Channel throughput",
       "TEU crossing the region boundary on gateway links, once per crossing",
       ("total", "corridor", "mode", "direction"), target=True, golden=True,
       compared=("total", "corridor", "mode"), plotted=("total", "corridor"), flow=True),
    _K("international_tonnes", "t/yr", "International logistics volume",
       "tonnes of international consignments (containers and air cargo) crossing the boundary",
       ("total", "corridor", "mode", "direction"), target=True, golden=True,
       compared=("total", "corridor"), plotted=_TOTAL, flow=True),
    _K("air_tonnes", "t/yr", "Air cargo across the boundary",
       "tonnes of air cargo crossing the region boundary", _TOTAL, target=True, golden=True,
       compared=_TOTAL, plotted=_TOTAL, flow=True),
    # the official counting definitions behind the published figures
    # (hubsim.analysis.definitions)
    _K("cre_train_equivalents", "trains/yr", "CRE trains (82-TEU equivalents)",
       "container TEU crossing on the CRE corridors' rail links, both directions, / 82: "
       "Chongqing counts a CRE train as 41 loaded 40-ft boxes", ("total", "corridor"),
       flow=True),
    _K("ilstc_teu", "TEU/yr", "Land-sea corridor TEU (three modes)",
       "container TEU crossing on the land-sea corridor's links: rail-sea via Qinzhou, "
       "international rail and cross-border road together, as the published figure counts "
       "them; by mode and by origin (inside: one end is a zone of the city)",
       ("total", "mode", "origin"), flow=True),
    _K("foreign_trade_teu", "TEU/yr", "Foreign-trade TEU through the channels",
       "TEU of international consignments crossing the boundary, each consignment once (at "
       "its first crossing in the window), by the corridor of that crossing",
       ("total", "corridor"), flow=True),
    # what the demand offered the channel (hubsim.analysis.flows)
    _K("channel_teu_offered", "TEU/yr", "Channel throughput offered",
       "TEU generated in the window x the boundary crossings of their planned route, each in "
       "its link's corridor (counted as channel_teu counts the carried ones); offered - "
       "carried is what the network did not carry in the window", _OFFERED, flow=True),
    _K("international_tonnes_offered", "t/yr", "International volume offered",
       "tonnes of international consignments generated in the window x the boundary "
       "crossings of their planned route (counted as international_tonnes counts the "
       "carried ones)", _OFFERED, flow=True),
    # hubs
    _K("hub_lifts_teu", "TEU/yr", "Hub lifts (containers)",
       "TEU lifted on or off at the hub; a transfer counts twice", _HUB, target=True,
       golden=True, compared=_HUB, plotted=_HUB, flow=True),
    _K("hub_lifts_tonnes_air", "t/yr", "Hub lifts (air cargo)",
       "tonnes of air cargo lifted on or off at the hub", _HUB, golden=True, compared=_HUB,
       flow=True),
    _K("equipment_utilisation", "fraction", "Equipment utilisation",
       "unit-hours worked in all the hub's areas / (every installed unit x hours)", _HUB,
       golden=True, compared=_HUB, plotted=_HUB),
    _K("equipment_wait_mean_h", "h", "Wait for handling",
       "mean wait of a lift from ready for handling (after any wait for yard room) to the "
       "start of handling: for a position, then for units", _HUB, golden=True,
       compared=_HUB, plotted=_HUB),
    _K("hub_dwell_mean_h", "h", "Hub dwell (mean)",
       "mean time a load spends at the hub before it departs (since arrival or creation)",
       _HUB, golden=True, compared=_HUB, plotted=_HUB),
    _K("hub_dwell_p50_h", "h", "Hub dwell (median)",
       "median time a load spends at the hub before it departs", _HUB),
    _K("hub_dwell_p95_h", "h", "Hub dwell (95th percentile)",
       "95th percentile of the time a load spends at the hub before it departs", _HUB),
    _K("yard_mean", "TEU", "Yard content (mean)",
       "time-weighted mean yard content (air cargo counts in tonnes)", _HUB),
    _K("yard_max", "TEU", "Yard content (peak)",
       "largest yard content in the window (air cargo counts in tonnes)", _HUB),
    _K("yard_end", "TEU", "Yard content (end)",
       "yard content at the end of the window (air cargo counts in tonnes)", _HUB),
    _K("yard_mean_utilisation", "fraction", "Yard utilisation",
       "time-weighted mean yard content as a share of the yard's capacity", _HUB,
       golden=True, compared=_HUB),
    _K("yard_wait_mean_h", "h", "Wait for yard room",
       "mean wait for yard room of the loads that waited (vehicles at anchorage or a holding "
       "siding before discharge, trucks at the gate), weighted by TEU (air cargo: t)", _HUB,
       golden=True, compared=_HUB),
    _K("yard_wait_teu", "TEU/yr", "Loads waiting for yard room",
       "TEU that had to wait for yard room before discharge or at the gate", _HUB,
       golden=True, compared=_HUB, flow=True),
    _K("depot_teu", "TEU/yr", "Off-dock depot",
       "TEU stored in the off-dock depot because the yard was full when they arrived", _HUB,
       golden=True, compared=_HUB, flow=True),
    _K("depot_cost_usd", "USD/yr", "Off-dock depot cost",
       "depot TEU x the depot's cost per TEU (drayage both ways, the extra move)", _HUB,
       golden=True, compared=_HUB, flow=True),
    # hub areas (quay, rail tracks, gate, stands; or the hub's shared pool)
    _K("berth_occupancy", "fraction", "Berth occupancy",
       "position-hours held by vehicles (from taking a berth, track, lane or stand to the end "
       "of handling) / (positions x hours); areas with a finite number of positions", _AREA,
       golden=True),
    _K("area_lifts_teu", "TEU/yr", "Area lifts (containers)",
       "TEU lifted on or off vehicles of the area's mode (a quay's barges, a station's "
       "trains): a port's or a station's container throughput", _AREA, flow=True),
    _K("area_utilisation", "fraction", "Area utilisation",
       "unit-hours worked (units on a vehicle x its working time, pauses outside open hours "
       "excluded) / (installed units x hours)", _AREA, golden=True, compared=_AREA),
    _K("position_wait_mean_h", "h", "Wait for a position",
       "mean wait of a vehicle handled in the window from ready for handling to taking a "
       "berth, track, lane or stand", _AREA, golden=True),
    _K("unit_wait_mean_h", "h", "Wait for handling units",
       "mean wait of a vehicle handled in the window from taking its position to getting its "
       "minimum of units", _AREA, golden=True, compared=_AREA),
    _K("vehicle_handling_mean_h", "h", "Vehicle handling time",
       "mean time from the start to the end of a vehicle's handling (pauses outside open "
       "hours included)", _AREA, golden=True, compared=_AREA),
    _K("units_per_vehicle_mean", "units", "Units per vehicle",
       "mean number of units working a vehicle (crane intensity achieved)", _AREA,
       golden=True),
    # locks (lockage model)
    _K("lock_wait_mean_h", "h", "Lock wait (services)",
       "mean wait of the services' ships from joining the lock's queue to their lockage",
       _LINK, golden=True),
    _K("lock_wait_other_mean_h", "h", "Lock wait (other traffic)",
       "mean wait of other traffic from joining the lock's queue to its lockage", _LINK),
    _K("lock_wait_p95_h", "h", "Lock wait (services, 95th percentile)",
       "95th percentile of the services' ships' wait for a lockage", _LINK),
    _K("lock_passages", "1/yr", "Lock passages",
       "ships through the lock, both directions, the services' and other traffic", _LINK,
       golden=True),
    # services
    _K("departures", "1/yr", "Departures", "departures of the service", _SERVICE),
    _K("vehicle_trips", "1/yr", "Vehicle trips",
       "vehicle trips of the service (a departure may run several vehicles)", _SERVICE),
    _K("load_factor", "fraction", "Load factor",
       "load carried as a share of the capacity offered", _SERVICE, golden=True),
    _K("departure_delay_mean_h", "h", "Departure delay",
       "mean delay of departures after their scheduled time", _SERVICE),
    _K("direction_load_factor", "fraction", "Load factor (one direction)",
       "load carried as a share of the capacity offered, departures in that direction only",
       _DIRECTION),
    _K("service_backlog_end", "TEU", "Waiting for the service (end)",
       "load ready at the service's departure node for its link and direction (its planned "
       "next leg) and not yet loaded at the end of the window: waiting for a vehicle with "
       "room, or taken by one still waiting for its loading (air cargo in t)", _DIRECTION),
    # flows (one demand row each; hubsim.analysis.flows)
    _K("flow_expected_h", "h", "Expected door-to-door time",
       "expected time of the flow's planned route: per leg the mean transit, half the "
       "headway of its most frequent scheduled service, at a lock the mean passage and half "
       "the time between lockages; per hub left the mean dwell (and clearance for "
       "international loads at the border); no handling or queues", _FLOW),
    _K("flow_on_time_share", "fraction", "Delivered on time",
       "share of the load delivered in the window within its due time: the expected time "
       "plus 25% of it (at least 24 h); weighted by TEU (air cargo: t)", _FLOW),
    _K("flow_door_to_door_p50_h", "h", "Flow door-to-door (median)",
       "median door-to-door time of the flow's loads delivered in the window", _FLOW),
    _K("flow_door_to_door_p95_h", "h", "Flow door-to-door (95th percentile)",
       "95th percentile of the door-to-door time of the flow's loads delivered in the "
       "window", _FLOW),
    _K("flow_wait_mean_h", "h", "Flow wait (mean)",
       "mean time not moving of the flow's loads delivered in the window: door-to-door time "
       "minus the time aboard vehicles (dwell, clearance, queues), weighted by TEU", _FLOW),
    _K("flow_offered", "TEU/yr", "Flow offered",
       "load the flow generated in the window (air cargo: t/yr)", _FLOW, flow=True),
    _K("flow_delivered", "TEU/yr", "Flow delivered",
       "load of the flow delivered in the window (air cargo: t/yr)", _FLOW, flow=True),
    _K("flow_backlog_end", "TEU", "Flow backlog at the end",
       "load the flow generated and not yet delivered at the end of the window (air "
       "cargo: t)", _FLOW),
    # door to door
    _K("door_to_door_mean_h", "h", "Door-to-door time (mean)",
       "mean time from creation to delivery of loads delivered in the window", _TRANSIT,
       golden=True, compared=("total", "corridor"), plotted=_TOTAL),
    _K("door_to_door_p50_h", "h", "Door-to-door time (median)",
       "median time from creation to delivery of loads delivered in the window", _TRANSIT),
    _K("door_to_door_p95_h", "h", "Door-to-door time (95th percentile)",
       "95th percentile of the time from creation to delivery", _TRANSIT),
    # cost and emissions
    _K("cost_per_teu", "USD/TEU", "Transport cost per TEU",
       "container transport cost of the legs run in the window, per TEU delivered in it",
       _TOTAL, golden=True, compared=_TOTAL),
    _K("co2_per_teu", "t CO2/TEU", "CO2 per TEU",
       "CO2 of the container legs run, per TEU delivered", _TOTAL),
    _K("co2_total", "t CO2/yr", "CO2 emitted",
       "CO2 of every leg run (tonne-km times the link's emission factor)", ("total", "mode"),
       golden=True, compared=_TOTAL, plotted=_TOTAL),
    _K("teu_km", "TEU-km/yr", "TEU-km", "TEU times the distance of the legs run", ("mode",)),
    # conservation
    _K("backlog_end_teu", "TEU", "Backlog at the end (containers)",
       "TEU generated but not yet delivered at the end of the measured period", _TOTAL, golden=True,
       compared=_TOTAL),
    _K("backlog_end_tonnes", "t", "Backlog at the end (tonnes)",
       "tonnes generated but not yet delivered at the end of the measured period", _TOTAL,
       golden=True),
    # greenhouse-gas emissions per ISO 14083:2023 (GLEC logic; hubsim.analysis.emissions,
    # docs/emissions.md): every vehicle run loaded and empty, and the hubs' operations
    _K("co2e_wtw_total", "t CO2e/yr", "CO2e emitted (ISO 14083, WTW)",
       "ISO 14083 well-to-wheel CO2e of every vehicle run in the window (loaded and empty, "
       "energy per vehicle-km linear in payload) and of the hubs' moves; by corridor: the "
       "container consignments of the corridor, by allocation (tonne-km, moves)",
       ("total", "corridor"), compared=_TOTAL),
    _K("co2e_ttw_total", "t CO2e/yr", "CO2e emitted (ISO 14083, TTW)",
       "the tank-to-wheel part of co2e_wtw_total (fuel burnt in vehicles and hub equipment; "
       "electricity counts as well-to-tank only)", _TOTAL),
    _K("co2e_per_teu", "kg CO2e/TEU", "CO2e per TEU (ISO 14083, WTW)",
       "ISO 14083 WTW CO2e allocated to container consignments (transport by tonne-km, hub "
       "operations by TEU lifted) in the window, per TEU delivered in it", ("total", "corridor"),
       compared=("total", "corridor")),
    _K("co2e_per_t_air", "kg CO2e/t", "CO2e per tonne of air cargo (ISO 14083, WTW)",
       "ISO 14083 WTW CO2e allocated to air-cargo consignments in the window, per tonne "
       "delivered in it", _TOTAL),
    _K("co2e_intensity", "g CO2e/tkm", "Emission intensity (ISO 14083, WTW)",
       "the service's transport operation category: WTW CO2e of all its vehicle runs (loaded "
       "and empty) per tonne-km of cargo carried", _SERVICE),
    _K("co2e_empties_total", "t CO2e/yr", "CO2e of repositioning empty boxes (ISO 14083, WTW)",
       "the WTW CO2e allocated to empty boxes being repositioned (their tare, 2.2 t per TEU, "
       "in their vehicles' tonne-km, and their lifts); in none of the per-TEU figures of "
       "loaded containers (runs with an empties section only)", ("total", "corridor")),
    # empty containers (runs with an empties section only; hubsim.analysis.empties)
    _K("empty_teu_moved", "TEU/yr", "Empty TEU moved",
       "empty boxes crossing the region boundary (repositioning), once per crossing, as "
       "channel_teu counts loaded ones (which leave them out)", ("total", "corridor"),
       flow=True),
    _K("empty_share", "fraction", "Empty share",
       "empty TEU / all container TEU crossing the boundary (empty and loaded)",
       ("total", "corridor")),
    _K("return_share", "fraction", "Return cargo share",
       "loaded TEU crossing in / loaded TEU crossing out, per corridor (the share of boxes "
       "coming back loaded)", ("corridor",)),
    _K("repositioning_cost", "USD/yr", "Repositioning cost",
       "haulage cost of the legs empty boxes run (link cost per TEU x empty TEU)", _TOTAL,
       flow=True),
    _K("box_wait_mean_h", "h", "Wait for boxes (mean)",
       "mean time a loaded consignment that found its origin's pool short waited there for "
       "boxes (0: none waited)", _TOTAL),
    _K("box_wait_share", "fraction", "Loads that waited for boxes",
       "TEU that waited for boxes at their origin / container TEU generated", _TOTAL),
)

#: Every KPI by name, in the order of :func:`hubsim.analysis.kpis.kpi_table`'s groups.
CATALOGUE: dict[str, KpiInfo] = {k.name: k for k in _ENTRIES}


def info(name: str) -> KpiInfo:
    """The catalogue entry of KPI ``name``; ``KeyError`` naming the known KPIs if unknown."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"unknown KPI {name!r}; known: {', '.join(CATALOGUE)}") from None


def label(name: str) -> str:
    """Human label of KPI ``name`` (the name itself if it is not in the catalogue)."""
    entry = CATALOGUE.get(name)
    return entry.label if entry is not None else name


def unit(name: str) -> str:
    """Unit of KPI ``name`` as written in ``kpis.csv``."""
    return info(name).unit
