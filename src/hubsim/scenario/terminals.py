"""Scenario sections for terminals and locks: a hub's areas and depot, a link's lock.

A hub is a set of **areas**, one per mode it serves (``water``: the quay with its berths and
quay cranes; ``rail``: tracks or sidings with rail gantries or reach stackers; ``road``: gate
lanes with the yard equipment that serves trucks; ``air``: aircraft stands). An area has
``positions`` (a vehicle holds one while it is handled) and a pool of ``equipment`` units, of
which a vehicle gets between ``min_units`` and ``max_units`` (crane intensity). A mode the hub
serves without an area of its own uses the hub's shared pool (``equipment`` and
``moves_per_hour`` on the hub itself: unlimited positions, one unit per vehicle). A **depot**
is off-dock storage used when the yard is full, at a cost and with an extra move.

A **lock** on a link is either a ``wait`` resource (``capacity`` vehicles at once, each holding
it for a drawn ``hold_h``: a simple stand-in that folds the other traffic into the time) or a
``lockage`` model: ``lines`` working each direction, a lockage entering a line every
``cycle_h`` hours with up to ``ships_per_lockage`` ships (by priority, then first come first
served), each ship in the flight for ``passage_h`` (``passage_back_h`` the other way), other
traffic arriving at random and a maintenance calendar of ``closures``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from hubsim.scenario.distributions import Dist
from hubsim.scenario.fields import F, ScenarioModel

__all__ = ["Area", "Depot", "Lock", "LockClosure"]


class Area(ScenarioModel):
    """One area of a hub serving one mode: positions and an equipment pool."""

    positions: int | None = F(None, unit="count", ge=1,
                              desc="berths, tracks, gate lanes or stands: a vehicle holds one "
                                   "while handled; none = unlimited")
    position_name: str = F("positions", desc="what a position is here (berths, tracks, lanes, "
                                             "stands), for reports")
    equipment: int = F(unit="count", ge=1, desc="handling units in the area's pool")
    equipment_name: str = F("units", desc="what the units are (quay cranes, rail gantries, "
                                          "reach stackers), for reports")
    moves_per_hour: float = F(unit="moves/h per unit", gt=0,
                              desc="handling rate of one unit (a move lifts teu_per_move)")
    min_units: int = F(1, unit="count", ge=1,
                       desc="units a vehicle needs before handling starts")
    max_units: int = F(1, unit="count", ge=1,
                       desc="most units working one vehicle (crane intensity); it takes the "
                            "free ones up to this when it starts")
    source: str = F("", desc="where the figures come from; 'estimate: ...' when estimated")

    @model_validator(mode="after")
    def _units(self) -> Area:
        if self.min_units > self.max_units:
            raise ValueError(f"min_units ({self.min_units}) must be <= max_units "
                             f"({self.max_units})")
        if self.min_units > self.equipment:
            raise ValueError(f"min_units ({self.min_units}) must be <= equipment "
                             f"({self.equipment})")
        return self


class Depot(ScenarioModel):
    """Off-dock storage a hub uses when its yard is full."""

    teu: float = F(unit="TEU", gt=0, desc="depot capacity")
    cost_usd_per_teu: float = F(0.0, unit="USD/TEU", ge=0,
                                desc="cost of storing a box there (drayage both ways, "
                                     "the extra move)")
    extra_h: float = F(0.0, unit="h", ge=0,
                       desc="extra time before a box stored there is ready to move on")
    source: str = F("", desc="where the figures come from; 'estimate: ...' when estimated")


class LockClosure(ScenarioModel):
    """A maintenance window of a lock (days on the scenario clock: day 0 ends the warm-up)."""

    start_day: float = F(unit="day", ge=-36500, le=36500, desc="start of the closure")
    end_day: float = F(unit="day", ge=-36500, le=36500, desc="end of the closure (exclusive)")
    capacity_factor: float = F(0.0, unit="fraction", ge=0, lt=1,
                               desc="share of the lock's capacity left (0: closed; 0.5: one of "
                                    "two lines)")
    source: str = F("", desc="where the dates come from")

    @model_validator(mode="after")
    def _order(self) -> LockClosure:
        if self.end_day <= self.start_day:
            raise ValueError(f"end_day ({self.end_day:g}) must be after start_day "
                             f"({self.start_day:g})")
        return self


class Lock(ScenarioModel):
    name: str = F(desc="resource name, e.g. Three Gorges locks")
    model: Literal["wait", "lockage"] = F(
        "wait", desc="wait: capacity x hold_h; lockage: lines, lockages, other traffic")
    position: float = F(0.5, unit="fraction", ge=0, le=1,
                        desc="where along the link the resource sits")
    capacity: int | None = F(None, unit="vehicles", ge=1,
                             desc="wait model: vehicles served at once")
    hold_h: Dist | None = F(None, unit="h",
                            desc="wait model: time a vehicle holds the resource (passage and "
                                 "the wait caused by other traffic)")
    lines: int = F(1, unit="count", ge=1, desc="lockage model: lines working each direction")
    ships_per_lockage: int | None = F(None, unit="ships", ge=1,
                                      desc="lockage model: ships one lockage takes")
    cycle_h: float | None = F(None, unit="h", gt=0,
                              desc="lockage model: hours between lockages entering one line")
    passage_h: Dist | None = F(None, unit="h",
                               desc="lockage model: time through the lock, from -> to")
    passage_back_h: Dist | None = F(None, unit="h",
                                    desc="lockage model: time through the lock, to -> from "
                                         "(none: as passage_h)")
    other_ships_per_day: float = F(0.0, unit="ships/day", ge=0,
                                   desc="lockage model: other traffic from -> to (Poisson)")
    other_ships_back_per_day: float | None = F(
        None, unit="ships/day", ge=0,
        desc="lockage model: other traffic to -> from (none: as other_ships_per_day)")
    other_priority: int = F(0, unit="", ge=-100, le=100,
                            desc="priority of the other traffic (higher goes first; services "
                                 "set theirs in services[].priority)")
    closures: tuple[LockClosure, ...] = F((), desc="maintenance calendar")
    source: str = F("", desc="where the figures come from")

    @model_validator(mode="after")
    def _model_fields(self) -> Lock:
        if self.model == "wait":
            if self.capacity is None or self.hold_h is None:
                raise ValueError("a wait lock needs capacity and hold_h")
            given = [n for n in ("ships_per_lockage", "cycle_h", "passage_h", "passage_back_h",
                                 "other_ships_back_per_day") if getattr(self, n) is not None]
            if given or self.other_ships_per_day:
                names = given + (["other_ships_per_day"] if self.other_ships_per_day else [])
                raise ValueError(f"{', '.join(names)} apply to model: lockage")
        else:
            missing = [n for n in ("ships_per_lockage", "cycle_h", "passage_h")
                       if getattr(self, n) is None]
            if missing:
                raise ValueError(f"a lockage lock needs {', '.join(missing)}")
            if self.capacity is not None or self.hold_h is not None:
                raise ValueError("capacity and hold_h apply to model: wait")
        return self

    @property
    def back_passage(self) -> Dist | None:
        """Passage time to -> from (lockage model)."""
        return self.passage_back_h if self.passage_back_h is not None else self.passage_h

    @property
    def other_back_per_day(self) -> float:
        """Other traffic to -> from, ships/day (lockage model)."""
        return self.other_ships_back_per_day if self.other_ships_back_per_day is not None \
            else self.other_ships_per_day
