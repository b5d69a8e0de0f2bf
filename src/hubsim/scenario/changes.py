"""What changes during a run: disruptions over time windows, demand growth, investments.

These are the scenario sections ``disruptions``, ``growth`` and ``investments``; the network
they act on is in :mod:`hubsim.scenario.schema`, the references they name are checked by
:func:`hubsim.scenario.disruptions.check_references`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from hubsim.scenario.distributions import Dist
from hubsim.scenario.fields import F, Mode, ScenarioModel

__all__ = ["DISRUPTION_KINDS", "Disruption", "Growth", "Investment"]


#: What a disruption changes; see :class:`Disruption`.
DISRUPTION_KINDS = ("link_outage", "hub_capacity", "low_water", "lock_wait", "clearance",
                    "demand_shock")
# the target and parameter fields each kind takes (anything else set is an error)
_DISRUPTION_FIELDS = {
    "link_outage": ({"link"}, {"mode"}),
    "hub_capacity": ({"hub", "factor"}, set()),
    "low_water": ({"link", "factor"}, {"mode"}),
    "lock_wait": ({"link", "hold_h"}, {"mode"}),
    "clearance": ({"factor"}, {"hub"}),
    "demand_shock": ({"factor"}, {"origin", "destination"}),
}
_DAY_CLOCK = "days since 1 January of the first measured year (the warm-up is negative)"


class Disruption(ScenarioModel):
    """A change over a time window (repeated every ``every_days`` when given).

    Kinds: ``link_outage`` (the link is closed: scheduled departures on it are cancelled,
    on-demand trucks and cargo wait at the node, or with ``reroute`` take the best route
    without it; vehicles already on it stop where they are until it reopens),
    ``hub_capacity`` (a share ``factor`` of the hub's handling equipment works; 0 closes the
    hub), ``low_water`` (vehicles on a water link load at most ``factor`` of their capacity),
    ``lock_wait`` (the link's lock passage time is ``hold_h`` instead), ``clearance``
    (clearance times at ``hub``, or at every hub, times ``factor``), ``demand_shock`` (demand
    from ``origin`` and/or to ``destination``, or all demand, times ``factor``).
    """

    kind: Literal["link_outage", "hub_capacity", "low_water", "lock_wait", "clearance",
                  "demand_shock"] = F(desc="what changes: " + ", ".join(DISRUPTION_KINDS))
    start_day: float = F(unit="day", ge=-36500, le=36500,
                         desc="start of the window, " + _DAY_CLOCK)
    end_day: float = F(unit="day", ge=-36500, le=36500,
                       desc="end of the window (exclusive), same clock")
    every_days: float | None = F(None, unit="days", gt=0,
                                 desc="repeat the window with this period (365: every year); "
                                      "none = once")
    link: tuple[str, str] | None = F(None, desc="the link's two end node ids (link_outage, "
                                                "low_water, lock_wait)")
    mode: Mode | None = F(None, desc="the link's mode, needed when several links join the ends")
    hub: str | None = F(None, desc="hub id (hub_capacity; clearance: none = every hub)")
    origin: str | None = F(None, desc="demand_shock: only demand from this node")
    destination: str | None = F(None, desc="demand_shock: only demand to this node")
    factor: float | None = F(None, unit="multiplier", ge=0,
                             desc="hub_capacity: share of equipment working (0-1); low_water: "
                                  "share of vehicle capacity usable (0-1]; clearance and "
                                  "demand_shock: multiplier of clearance time or demand rate")
    hold_h: Dist | None = F(None, unit="h", desc="lock_wait: lock passage time in the window")
    reroute: bool = F(False, desc="link_outage: loads waiting for the closed link take the best "
                                  "route without it when one exists (else they wait)")
    description: str = F("", desc="what happens and where the figures come from")

    @model_validator(mode="after")
    def _consistent(self) -> Disruption:
        if self.end_day <= self.start_day:
            raise ValueError(f"end_day ({self.end_day:g}) must be after start_day "
                             f"({self.start_day:g})")
        if self.every_days is not None and self.every_days < self.end_day - self.start_day:
            raise ValueError(f"every_days ({self.every_days:g}) must be at least the window "
                             f"length ({self.end_day - self.start_day:g} days)")
        needed, optional = _DISRUPTION_FIELDS[self.kind]
        for name in ("link", "mode", "hub", "origin", "destination", "factor", "hold_h"):
            given = getattr(self, name) is not None
            if name in needed and not given:
                raise ValueError(f"a {self.kind} disruption needs {name}")
            if given and name not in needed | optional:
                raise ValueError(f"{name} does not apply to a {self.kind} disruption")
        if self.reroute and self.kind != "link_outage":
            raise ValueError(f"reroute does not apply to a {self.kind} disruption")
        if self.kind in ("hub_capacity", "low_water") and self.factor is not None and \
                self.factor > 1:
            raise ValueError(f"factor of a {self.kind} disruption is a share: must be <= 1, "
                             f"got {self.factor:g}")
        if self.kind == "low_water" and self.factor == 0:
            raise ValueError("factor of a low_water disruption must be > 0 (close the link "
                             "with a link_outage)")
        return self


class Growth(ScenarioModel):
    demand_per_year: float = F(0.0, unit="fraction/yr", ge=-0.9, le=5.0,
                               desc="demand growth per measured year, compounded: year n of "
                                    "the run has (1 + rate)^n times the demand of year 0")
    first_year: int | None = F(None, unit="year", ge=1900, le=2200,
                               desc="calendar year of the first measured year (labels the "
                                    "KPIs per year)")


class Investment(ScenarioModel):
    """A capacity added from a date: more handling units or yard at a hub, or a service's new
    frequency or more vehicles."""

    from_day: float = F(unit="day", ge=-36500, le=36500,
                        desc="when it comes into service, " + _DAY_CLOCK)
    hub: str | None = F(None, desc="hub id (give hub or service)")
    add_equipment: int | None = F(None, unit="count", ge=1,
                                  desc="handling units added at the hub (a new berth's cranes)")
    area: Mode | None = F(None, desc="the area whose pool add_equipment grows (none: the "
                                     "hub's shared pool)")
    add_yard_teu: float | None = F(None, unit="TEU", gt=0, desc="yard capacity added at the hub")
    service: str | None = F(None, desc="service id (give hub or service)")
    per_week: float | None = F(None, unit="departures/week", gt=0,
                               desc="the service's new frequency from from_day")
    add_fleet: int | None = F(None, unit="vehicles", ge=1,
                              desc="vehicles added to the service's fleet (at its from end)")
    description: str = F("", desc="what is built and where the figures come from")

    @model_validator(mode="after")
    def _consistent(self) -> Investment:
        if (self.hub is None) == (self.service is None):
            raise ValueError("give one of hub or service")
        if self.hub is not None:
            if self.add_equipment is None and self.add_yard_teu is None:
                raise ValueError("a hub investment needs add_equipment or add_yard_teu")
            if self.per_week is not None or self.add_fleet is not None:
                raise ValueError("per_week and add_fleet apply to a service investment")
            if self.area is not None and self.add_equipment is None:
                raise ValueError("area says where add_equipment goes: give add_equipment")
        else:
            if self.per_week is None and self.add_fleet is None:
                raise ValueError("a service investment needs per_week or add_fleet")
            if self.add_equipment is not None or self.add_yard_teu is not None or \
                    self.area is not None:
                raise ValueError("add_equipment, area and add_yard_teu apply to a hub "
                                 "investment")
        return self
