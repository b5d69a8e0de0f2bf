"""The scenario: typed, immutable description of everything one run needs.

The network and its demand are here (hubs, zones, gateways, links, services, demand rows,
targets, run and routing settings, and :class:`Scenario` itself); what changes during a run
(disruptions, growth, investments) is in :mod:`hubsim.scenario.changes`. Every field is
declared with :func:`~hubsim.scenario.fields.F`: its unit and description are written down
once, and :func:`field_table` renders them for the docs and error messages quote the unit.

Internal time unit is the hour; files use the unit in each field's name (``_h``, ``_days``,
``_kmh``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, PrivateAttr, field_validator, model_validator

from hubsim.catalogue import CATALOGUE
from hubsim.scenario.changes import DISRUPTION_KINDS, Disruption, Growth, Investment
from hubsim.scenario.distributions import Dist
from hubsim.scenario.fields import MODES, F, Mode, ScenarioModel, field_rows
from hubsim.scenario.terminals import Area, Depot, Lock, LockClosure

__all__ = [
    "DISRUPTION_KINDS",
    "KPI_NAMES",
    "MODES",
    "Area",
    "Demand",
    "Depot",
    "Disruption",
    "Empties",
    "Gateway",
    "Growth",
    "Hub",
    "Investment",
    "Link",
    "Lock",
    "LockClosure",
    "Market",
    "Onward",
    "ReturnShare",
    "RoutingSettings",
    "RunSettings",
    "Scenario",
    "Service",
    "Target",
    "Zone",
    "field_table",
]

#: KPIs a target may name: the catalogue's entries marked ``target`` (see hubsim.catalogue).
KPI_NAMES = tuple(k.name for k in CATALOGUE.values() if k.target)
HOURS_PER_YEAR = 8760.0
#: Longest run, in days: 100 years. Appraisals of freight infrastructure look 25-60 years ahead
#: (EU cost-benefit guide: 25-30 years for rail and ports; UK TAG: 60 years), so a century is
#: room for any planning question, while ``inf`` or ``1e9`` (a typo, or days given in hours)
#: is refused instead of running for ever.
MAX_DAYS = 36500.0
#: Largest seed: results store seeds as signed 64-bit integers.
MAX_SEED = 2**63 - 1


class RunSettings(ScenarioModel):
    horizon_days: float = F(395.0, unit="days", gt=0, le=MAX_DAYS,
                            desc="simulated time from the empty start, warm-up included")
    warmup_days: float = F(30.0, unit="days", ge=0,
                           desc="initial period excluded from every KPI")
    seed: int = F(1, unit="", ge=0, le=MAX_SEED, desc="root of all random streams of the run")

    @model_validator(mode="after")
    def _warmup_inside(self) -> RunSettings:
        if self.warmup_days >= self.horizon_days:
            raise ValueError(f"warmup_days ({self.warmup_days:g}) must be shorter than "
                             f"horizon_days ({self.horizon_days:g})")
        return self


class RoutingSettings(ScenarioModel):
    value_of_time_usd_per_teu_h: float = F(2.0, unit="USD/TEU/h", ge=0,
                                           desc="money value of one hour for a container")
    value_of_time_usd_per_t_h: float = F(4.0, unit="USD/t/h", ge=0,
                                         desc="money value of one hour for a tonne of air cargo")
    transfer_penalty_usd: float = F(40.0, unit="USD/TEU or USD/t", ge=0,
                                    desc="generalised cost added per handling at a hub")
    # --- route choice (issue 14 part 1; docs/route-choice.md) ---
    choice: Literal["fixed", "logit"] = F(
        "fixed", desc="fixed: every load of an origin-destination pair takes its least-cost "
                      "route; logit: each load draws one of the k least-cost routes with "
                      "logit probabilities on generalised cost")
    k_paths: int = F(3, unit="count", ge=1, le=20,
                     desc="logit: routes in each pair's choice set (the k least generalised-"
                          "cost loopless paths, a different mode on a leg making another path)")
    logit_scale_per_usd: float = F(0.01, unit="1/USD (containers: per USD/TEU; air: per USD/t)",
                                   gt=0, desc="logit: theta in P(i) = exp(-theta C_i) / sum_j "
                                              "exp(-theta C_j); a cost gap of 1/theta USD "
                                              "makes odds of e to 1")
    update_days: float = F(0.0, unit="days", ge=0,
                           desc="logit: period of the expected-time updates from the simulated "
                                "state (service backlogs, lock queues, closed links); 0: "
                                "static choice on the planned times")
    smoothing: float = F(0.1, unit="fraction", gt=0, le=1,
                         desc="logit: weight of a new observation in the expected extra time "
                              "of a route (exponential smoothing; lower damps more)")
    # --- end route choice ---


class _Located(ScenarioModel):
    name: str = F("", desc="display name")
    lat: float = F(unit="deg N", ge=-90, le=90, desc="latitude")
    lon: float = F(unit="deg E", ge=-180, le=180, desc="longitude")
    source: str = F("", desc="where the figures come from; 'estimate: ...' when estimated")


class Hub(_Located):
    equipment: int | None = F(None, unit="count", ge=1,
                              desc="handling units of the shared pool, used by every mode "
                                   "without an area of its own (one unit per vehicle)")
    moves_per_hour: float | None = F(None, unit="moves/h per unit", gt=0,
                                     desc="handling rate of one unit of the shared pool")
    teu_per_move: float = F(1.0, unit="TEU/move (air: t/move)", gt=0,
                            desc="load lifted by one move (a vehicle of load L needs "
                                 "ceil(L / teu_per_move) moves)")
    handling: Literal["deterministic", "exponential"] = F(
        "deterministic", desc="time per move: 1/rate, or exponential with that mean (a "
                              "vehicle's handling is then a sum of its moves)")
    areas: dict[Mode, Area] = F({}, desc="areas by mode (water: quay, rail: tracks, road: "
                                         "gate, air: stands), each with positions and units")
    yard_teu: float = F(unit="TEU", gt=0,
                        desc="yard capacity; when full, trucks wait at the gate and vehicles "
                             "at anchorage or a holding siding until their load fits")
    gate_share: float = F(0.9, unit="fraction", gt=0, le=1,
                          desc="share of the yard truck loads may fill at the gate; the rest "
                               "is kept for vehicles to discharge into (estimate: terminals "
                               "restrict gate-in near 90% yard density)")
    depot: Depot | None = F(None, desc="off-dock storage used when the yard is full")
    dwell_h: Dist = F(Dist(mean=0.0), unit="h",
                      desc="yard dwell before a transferring load is ready")
    clearance_h: Dist = F(Dist(mean=0.0), unit="h",
                          desc="customs clearance of international loads entering or "
                               "leaving the region here")
    open_hours: tuple[float, float] = F((0.0, 24.0), unit="h of day",
                                        desc="handling works only inside [open, close); work "
                                             "in progress pauses outside")

    @field_validator("open_hours")
    @classmethod
    def _hours(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not (0 <= v[0] < v[1] <= 24):
            raise ValueError(f"must satisfy 0 <= open < close <= 24, got {list(v)}")
        return v

    @property
    def units(self) -> int:
        """Handling units installed in all pools."""
        return (self.equipment or 0) + sum(a.equipment for a in self.areas.values())


class Zone(_Located):
    """Where cargo is produced or consumed in the hinterland (no handling modelled)."""


class Gateway(_Located):
    corridor: str = F(desc="corridor name for reporting (west, south, east, north)")
    international: bool = F(True, desc="cargo crossing here counts as international by default")


class Onward(ScenarioModel):
    """The leg from a gateway to a market beyond the region (and back), in the route choice
    only: it is not simulated (docs/markets.md)."""

    mode: str = F("sea", desc="how cargo travels on (sea, rail, road, air), for reports")
    transit_h: float = F(unit="h", ge=0, desc="mean time from the gateway to the market "
                                              "(and back)")
    cost_usd_per_teu: float = F(0.0, unit="USD/TEU", ge=0,
                                desc="charge per container, port and handling charges included")
    cost_usd_per_t: float = F(0.0, unit="USD/t", ge=0, desc="charge per tonne (air cargo)")
    source: str = F("", desc="where the figures come from; 'estimate: ...' when estimated")


class Market(_Located):
    """A final market beyond the region, served through one or more gateways (demand to or
    from it picks its gateway by generalised cost; docs/markets.md)."""

    gateways: dict[str, Onward] = F(desc="the gateways that serve it, by id, each with its "
                                         "onward leg")

    @field_validator("gateways")
    @classmethod
    def _some(cls, v: dict[str, Onward]) -> dict[str, Onward]:
        if not v:
            raise ValueError("a market needs at least one gateway")
        return v


class Link(ScenarioModel):
    from_: str = F(alias="from", desc="node id at one end")
    to: str = F(desc="node id at the other end (links run both ways)")
    mode: Mode = F(desc="rail, road, water or air")
    distance_km: float = F(unit="km", gt=0, desc="route length")
    speed_kmh: float | None = F(None, unit="km/h", gt=0,
                                desc="transit = distance / speed (give this or transit_h)")
    transit_h: Dist | None = F(None, unit="h", desc="transit-time distribution")
    transit_back_h: Dist | None = F(
        None, unit="h", desc="transit time from `to` back to `from` when it differs (upstream "
                             "on a river, a slower road back); default: as transit_h")
    cost_usd_per_teu: float = F(0.0, unit="USD/TEU", ge=0, desc="haulage cost of a container")
    cost_usd_per_t: float = F(0.0, unit="USD/t", ge=0, desc="haulage cost of a tonne (air)")
    co2_g_per_tkm: float = F(unit="g CO2/t-km", ge=0, desc="emission factor")
    lock: Lock | None = F(None, desc="a capacity resource on the way (ship lock)")
    source: str = F("", desc="where the figures come from")

    @model_validator(mode="after")
    def _one_time(self) -> Link:
        if (self.speed_kmh is None) == (self.transit_h is None):
            raise ValueError("give exactly one of speed_kmh and transit_h")
        if self.transit_back_h is not None and self.transit_h is None:
            raise ValueError("transit_back_h needs transit_h (the time from `from` to `to`)")
        return self

    @property
    def mean_transit_h(self) -> float:
        if self.speed_kmh is not None:
            return self.distance_km / self.speed_kmh
        if self.transit_h is None:  # the validator requires one of speed_kmh and transit_h
            raise RuntimeError("a Link without speed_kmh or transit_h: built without validation")
        return self.transit_h.expected

    def mean_transit_from(self, u: str) -> float:
        """Mean transit time leaving from end ``u``: ``transit_back_h`` from ``to`` when
        given, else :attr:`mean_transit_h`."""
        if u == self.to and self.transit_back_h is not None:
            return self.transit_back_h.expected
        return self.mean_transit_h


class Service(ScenarioModel):
    id: str = F(desc="service id")
    from_: str = F(alias="from", desc="node where the service starts")
    to: str = F(desc="node where it ends")
    mode: Mode = F(desc="mode of the link it runs on")
    capacity_teu: float | None = F(None, unit="TEU/vehicle", gt=0, desc="container capacity")
    capacity_t: float | None = F(None, unit="t/vehicle", gt=0, desc="air-cargo capacity")
    headway_h: float | None = F(None, unit="h", gt=0, desc="time between departures")
    per_week: float | None = F(None, unit="departures/week", gt=0,
                               desc="departures per week (alternative to headway_h)")
    on_demand: bool = F(False, desc="dispatch a vehicle whenever a load is ready (trucks)")
    first_departure_h: float = F(0.0, unit="h", ge=0, desc="time of the first departure")
    fleet: int | None = F(None, unit="vehicles", ge=1,
                          desc="vehicles in the rotation; none = unlimited")
    bidirectional: bool = F(True, desc="also runs to -> from, carrying cargo back")
    rule: Literal["schedule", "full", "full_or_max_wait"] = F(
        "schedule", desc="departure rule: on schedule, when full, full or max wait")
    max_wait_h: float | None = F(None, unit="h", ge=0,
                                 desc="longest a vehicle waits to fill (full_or_max_wait)")
    priority: int = F(0, unit="", ge=-100, le=100,
                      desc="service class: higher goes first at positions, equipment and "
                           "locks (express barges, block trains); ties first come first served")
    vehicle_type: str | None = F(
        None, desc="vehicle type for its emissions: the id of a vehicle row of the service's "
                   "mode in data/emission_factors.csv; none = the mode's default for its "
                   "capacity (docs/emissions.md)")
    source: str = F("", desc="where the figures come from")

    @model_validator(mode="after")
    def _consistent(self) -> Service:
        if (self.capacity_teu is None) == (self.capacity_t is None):
            raise ValueError("give one of capacity_teu (containers) or capacity_t (air cargo)")
        scheduled = [x for x in (self.headway_h, self.per_week) if x is not None]
        if self.on_demand and scheduled:
            raise ValueError("an on_demand service takes no headway_h or per_week")
        if not self.on_demand and len(scheduled) != 1:
            raise ValueError("give exactly one of headway_h, per_week, or on_demand: true")
        if self.rule == "full_or_max_wait" and self.max_wait_h is None:
            raise ValueError("rule full_or_max_wait needs max_wait_h")
        if self.on_demand and self.rule != "schedule":
            raise ValueError("on_demand services dispatch at once; rule does not apply")
        return self

    @property
    def cargo(self) -> str:
        """'container' or 'air': what the service carries."""
        return "container" if self.capacity_teu is not None else "air"

    @property
    def capacity(self) -> float:
        """Vehicle capacity in the service's unit (TEU or t)."""
        if self.capacity_teu is not None:
            return self.capacity_teu
        if self.capacity_t is None:  # the validator requires one of them
            raise RuntimeError("a Service without capacity: built without validation")
        return self.capacity_t

    @property
    def headway(self) -> float | None:
        """Hours between departures, or None for on-demand."""
        if self.headway_h is not None:
            return self.headway_h
        if self.per_week is not None:
            return 168.0 / self.per_week
        return None


class Demand(ScenarioModel):
    origin: str = F(desc="node where consignments appear")
    destination: str = F(desc="node where they are delivered")
    cargo: Literal["container", "air"] = F("container", desc="containers (TEU) or air cargo (t)")
    teu_per_year: float = F(0.0, unit="TEU/yr", ge=0, desc="container volume")
    tonnes_per_year: float = F(0.0, unit="t/yr", ge=0,
                               desc="cargo weight (containers: gross cargo weight)")
    international: bool | None = F(None, desc="counts toward international volume; "
                                              "default: the gateway's flag")
    batch_mean: float = F(10.0, unit="TEU or t", gt=0, desc="mean consignment size")
    batch_dist: Literal["geometric", "fixed", "exponential"] = F(
        "geometric", desc="consignment size: geometric on 1,2,... (TEU), fixed, or "
                          "exponential (air, tonnes)")
    seasonality: str | tuple[float, ...] = F(
        "flat", desc="name of a seasonality profile, or 12 monthly factors")
    growth_per_year: float | None = F(
        None, unit="fraction/yr", ge=-0.9, le=5.0,
        desc="this row's demand growth per measured year in a multi-year run; default: "
             "growth.demand_per_year")
    source: str = F("", desc="where the figures come from")

    @model_validator(mode="after")
    def _volume(self) -> Demand:
        if self.cargo == "container" and self.teu_per_year <= 0:
            raise ValueError("container demand needs teu_per_year > 0")
        if self.cargo == "air":
            if self.tonnes_per_year <= 0:
                raise ValueError("air demand needs tonnes_per_year > 0")
            if self.teu_per_year:
                raise ValueError("air demand is in tonnes: leave teu_per_year at 0")
        if self.cargo == "container" and self.batch_dist == "exponential":
            raise ValueError("containers come in whole TEU: use geometric or fixed batch_dist")
        if self.cargo == "container" and self.batch_dist == "fixed" and \
                self.batch_mean != int(self.batch_mean):
            raise ValueError("a fixed container batch must be a whole number of TEU")
        if self.cargo == "container" and self.batch_mean < 1:
            raise ValueError(f"batch_mean must be >= 1 TEU, got {self.batch_mean:g}")
        return self

    @property
    def volume_per_year(self) -> float:
        """TEU/yr for containers, t/yr for air cargo: the unit consignments are counted in."""
        return self.teu_per_year if self.cargo == "container" else self.tonnes_per_year


# ---------------------------------------------------------------- empty containers (issue 14)
class ReturnShare(ScenarioModel):
    share: float = F(unit="fraction", ge=0, le=1,
                     desc="published share of the corridor's boxes that come back loaded "
                          "(loaded TEU in / loaded TEU out); reported beside the model's own")
    source: str = F("", desc="where the figure comes from; 'estimate: ...' when estimated")


class Empties(ScenarioModel):
    enabled: bool = F(True, desc="track container boxes in pools per node and reposition "
                                 "empties (docs/empties.md); false: as if the section were "
                                 "absent")
    initial_teu: dict[str, float] = F(
        {}, unit="TEU", desc="boxes in a node's pool at the start, by node id (nodes not "
                             "listed start with initial_cover_days of their box outflow)")
    initial_cover_days: float = F(
        14.0, unit="days", ge=0, le=3650,
        desc="start stock of a node not in initial_teu: its expected loaded box outflow "
             "(demand rows starting there) over this many days")
    review_days: float = F(1.0, unit="days", gt=0, le=365,
                           desc="time between repositioning reviews")
    cover_days: float = F(
        7.0, unit="days", ge=0, le=3650,
        desc="target stock of a node: its expected box outflow over this many days; below "
             "it (counting empties on their way) the node is short, above it has a surplus")
    min_batch_teu: float = F(1.0, unit="TEU", ge=1, le=100000,
                             desc="smallest empty consignment a review sends")
    return_share: dict[str, ReturnShare] = F(
        {}, desc="published return-cargo shares by corridor name (gateways' corridor), for "
                 "reference: the model's return share follows from the demand rows")

    @field_validator("initial_teu")
    @classmethod
    def _stocks(cls, v: dict[str, float]) -> dict[str, float]:
        for node, teu in v.items():
            if not math.isfinite(teu) or teu < 0 or teu != int(teu):
                raise ValueError(f"{node}: a stock is a whole number of TEU >= 0, got {teu}")
        return v


class Target(ScenarioModel):
    id: str = F(desc="target id")
    kpi: str = F(desc=f"KPI measured: {', '.join(KPI_NAMES)} (see docs/counting rules)")
    threshold: float = F(unit="KPI unit per year", ge=0, desc="value to reach")
    sense: Literal[">=", "<="] = F(">=", desc="met when value sense threshold")
    hub: str | None = F(None, desc="hub id, for per-hub KPIs")
    description: str = F("", desc="what the target is and who set it")

    @field_validator("kpi")
    @classmethod
    def _known_kpi(cls, value: str) -> str:
        if value not in KPI_NAMES:
            names = [repr(n) for n in KPI_NAMES]
            raise ValueError(f"must be {', '.join(names[:-1])} or {names[-1]}, got {value!r}")
        return value


class Scenario(ScenarioModel):
    name: str = F(desc="short name, used for the results folder")
    description: str = F("", desc="the question this scenario answers")
    run: RunSettings = F(RunSettings(), desc="horizon, warm-up and seed")
    routing: RoutingSettings = F(RoutingSettings(), desc="generalised-cost parameters")
    hubs: dict[str, Hub] = F(desc="hubs by id")
    zones: dict[str, Zone] = F({}, desc="hinterland zones by id")
    gateways: dict[str, Gateway] = F({}, desc="corridor end points by id")
    markets: dict[str, Market] = F(
        {}, desc="final markets beyond the gateways, by id (optional; docs/markets.md): a "
                 "demand row to or from one goes through the gateway its route picks")
    links: tuple[Link, ...] = F(desc="links (YAML list or CSV file)")
    services: tuple[Service, ...] = F(desc="services (YAML list or CSV file)")
    demand: tuple[Demand, ...] = F(desc="origin-destination flows (YAML list or CSV file)")
    seasonality: dict[str, tuple[float, ...]] = F({}, desc="named monthly profiles")
    targets: tuple[Target, ...] = F((), desc="targets to judge")
    disruptions: tuple[Disruption, ...] = F((), desc="changes over time windows (outages, "
                                                     "low water, shocks)")
    growth: Growth = F(Growth(), desc="demand growth per year for multi-year runs")
    investments: tuple[Investment, ...] = F((), desc="capacity added from a date")
    empties: Empties | None = F(None, desc="empty containers: box pools per node and "
                                            "repositioning (none: boxes are not tracked)")
    allow_outliers: tuple[str, ...] = F(
        (), desc="paths of values deliberately outside the plausible ranges (below), as "
                 "overlays write them: links.tuanjie-duisburg:rail.speed_kmh, "
                 "hubs.guoyuan.moves_per_hour, links.*.distance_km")

    _source_path: str = PrivateAttr("")
    _source_hash: str = PrivateAttr("")

    @field_validator("seasonality")
    @classmethod
    def _profiles(cls, v: dict[str, tuple[float, ...]]) -> dict[str, tuple[float, ...]]:
        for name, factors in v.items():
            check_profile(factors, name)
        return v

    def __eq__(self, other: object) -> bool:
        # Equal content is the same scenario: the provenance kept in private attributes
        # (source file and hash) is not part of it, so a scenario dumped with
        # ``model_dump(by_alias=True, mode="json")`` and rebuilt compares equal to the original.
        if not isinstance(other, Scenario):
            return NotImplemented
        return type(self) is type(other) and all(
            getattr(self, f) == getattr(other, f) for f in type(self).model_fields)

    __hash__ = None  # type: ignore[assignment]  # dict-valued fields are unhashable anyway

    @property
    def source_path(self) -> str:
        """File the scenario was loaded from ('' when built in code)."""
        return self._source_path

    @property
    def source_hash(self) -> str:
        """sha256 over the scenario file and the tables it reads ('' when built in code)."""
        return self._source_hash

    def node(self, node: str) -> _Located:
        return self.hubs.get(node) or self.zones.get(node) or self.gateways[node]

    def monthly_factors(self, demand: Demand) -> tuple[float, ...]:
        """The 12 monthly factors of a demand row, scaled so the year's total is unchanged."""
        prof = demand.seasonality
        if isinstance(prof, str):
            raw = (1.0,) * 12 if prof == "flat" and "flat" not in self.seasonality \
                else self.seasonality[prof]
        else:
            raw = prof
        days = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
        weight = sum(f * d for f, d in zip(raw, days, strict=True)) / 365.0
        return tuple(f / weight for f in raw)

    def iter_nodes(self) -> Iterator[tuple[str, str, _Located]]:
        for kind, table in (("hub", self.hubs), ("zone", self.zones),
                            ("gateway", self.gateways)):
            for nid, node in table.items():
                yield nid, kind, node


def check_profile(factors: tuple[float, ...], name: str) -> None:
    if len(factors) != 12:
        raise ValueError(f"profile {name!r} needs 12 monthly factors, got {len(factors)}")
    if any(not math.isfinite(f) or f < 0 for f in factors) or sum(factors) <= 0:
        raise ValueError(f"profile {name!r}: factors must be >= 0 and not all zero")


#: The sections of a scenario file, in the order the field table lists them.
SECTIONS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("run", RunSettings), ("routing", RoutingSettings), ("hubs.<id>", Hub),
    ("hubs.<id>.areas.<mode>", Area), ("hubs.<id>.depot", Depot),
    ("zones.<id>", Zone), ("gateways.<id>", Gateway), ("markets.<id>", Market),
    ("markets.<id>.gateways.<id>", Onward), ("links[]", Link),
    ("links[].lock", Lock), ("links[].lock.closures[]", LockClosure),
    ("services[]", Service), ("demand[]", Demand),
    ("targets[]", Target), ("disruptions[]", Disruption), ("growth", Growth),
    ("investments[]", Investment), ("empties", Empties),
    ("empties.return_share.<corridor>", ReturnShare))


def field_table() -> list[dict[str, str]]:
    """Every scenario field with its unit, default and description, for the docs."""
    return field_rows(SECTIONS)
