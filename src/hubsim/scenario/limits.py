"""Checks that a scenario's numbers describe a run that can finish.

Each field on its own may be in range while the scenario still asks for an absurd amount of
work: ``teu_per_year: 1e300`` would generate consignments without end, ``headway_h: 1e-12``
would schedule departures without end, and a consignment bigger than the row's whole yearly
volume is a typo. These are reported like every other input problem, as ``(field path,
message)`` pairs for :func:`hubsim.scenario.loader.validate_references`.
"""

from __future__ import annotations

from typing import Any

from hubsim.scenario.schema import HOURS_PER_YEAR, Scenario

__all__ = ["MAX_EVENTS_PER_SOURCE", "check_workload"]

#: most consignments one demand row, or departures one service direction, may create in a run
MAX_EVENTS_PER_SOURCE = 1e8


def check_workload(scn: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Demand rows and services whose numbers would make the run endless."""
    out: list[tuple[tuple[Any, ...], str]] = []
    horizon_h = scn.run.horizon_days * 24.0
    days = f"{scn.run.horizon_days:g}-day horizon"
    for i, dem in enumerate(scn.demand):
        field = "teu_per_year" if dem.cargo == "container" else "tonnes_per_year"
        unit = "TEU" if dem.cargo == "container" else "t"
        volume = dem.volume_per_year
        if dem.batch_mean > volume:
            out.append((("demand", i, "batch_mean"),
                        f"a consignment of {dem.batch_mean:g} {unit} is more than the row's "
                        f"whole yearly volume ({volume:g} {unit})"))
            continue
        peak = max(scn.monthly_factors(dem))
        n = volume / dem.batch_mean * peak * horizon_h / HOURS_PER_YEAR
        if n > MAX_EVENTS_PER_SOURCE:
            out.append((("demand", i, field),
                        f"{volume:g} {unit}/yr in consignments of {dem.batch_mean:g} {unit} "
                        f"means about {n:.2g} consignments over the {days}; a run can "
                        f"simulate at most {MAX_EVENTS_PER_SOURCE:.0e}"))
    for i, svc in enumerate(scn.services):
        headway = svc.headway  # None exactly for on-demand services
        if svc.on_demand or headway is None:
            continue
        n = horizon_h / headway
        if n > MAX_EVENTS_PER_SOURCE:
            field = "headway_h" if svc.headway_h is not None else "per_week"
            out.append((("services", i, field),
                        f"a departure every {headway:.3g} h means about {n:.2g} departures "
                        f"over the {days}; a run can simulate at most "
                        f"{MAX_EVENTS_PER_SOURCE:.0e}"))
    return out
