"""Checks that a scenario's numbers describe a run that can finish.

Each field on its own may be in range while the scenario still asks for an absurd amount of
work: ``teu_per_year: 1e300`` would generate consignments without end, ``headway_h: 1e-12``
would schedule departures without end, and a consignment bigger than the row's whole yearly
volume is a typo. These are reported like every other input problem, as ``(field path,
message)`` pairs for :func:`hubsim.scenario.loader.validate_references`.

The same idea holds for the run length and seed a caller passes beside a scenario (the command
line's ``--days`` and ``--seed``, :func:`hubsim.simulate`'s ``days`` and ``seed``):
:func:`check_days` and :func:`check_seed` are the one rule every entry point applies.

>>> days_problem(float("inf"))
'must be a finite number of days in (0, 36500], got inf'
>>> days_problem(60.0) is None
True
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from hubsim.errors import ScenarioError
from hubsim.scenario.schema import HOURS_PER_YEAR, MAX_DAYS, MAX_SEED, Scenario

__all__ = ["MAX_DAYS", "MAX_EVENTS_PER_SOURCE", "MAX_SEED", "check_days", "check_seed",
           "check_workload", "days_problem", "seed_problem"]

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


def days_problem(days: float) -> str | None:
    """What is wrong with ``days`` as a run length (measured days), or None when it is fine.

    A run lasts more than 0 and at most :data:`~hubsim.scenario.schema.MAX_DAYS` days (100
    years, the longest ``run.horizon_days`` a scenario file may hold); ``inf`` and ``nan`` would
    never finish.
    """
    if isinstance(days, bool) or not isinstance(days, numbers.Real) or \
            not (math.isfinite(days) and 0 < days <= MAX_DAYS):
        return f"must be a finite number of days in (0, {MAX_DAYS:g}], got {days!r:.80}"
    return None


def seed_problem(seed: int) -> str | None:
    """What is wrong with ``seed`` as a random seed, or None when it is fine (a whole number in
    ``[0, MAX_SEED]``: it must fit the 64-bit integer columns results are written in)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or \
            not 0 <= seed <= MAX_SEED:
        return f"must be a whole number in [0, {MAX_SEED}], got {seed!r:.80}"
    return None


def check_days(days: float | None, name: str = "days") -> None:
    """:class:`~hubsim.errors.ScenarioError` ``"<name>: ..."`` unless ``days`` is None or
    passes :func:`days_problem`."""
    problem = None if days is None else days_problem(days)
    if problem is not None:
        raise ScenarioError(f"{name}: {problem}")


def check_seed(seed: int | None, name: str = "seed") -> None:
    """:class:`~hubsim.errors.ScenarioError` ``"<name>: ..."`` unless ``seed`` is None or
    passes :func:`seed_problem`."""
    problem = None if seed is None else seed_problem(seed)
    if problem is not None:
        raise ScenarioError(f"{name}: {problem}")
