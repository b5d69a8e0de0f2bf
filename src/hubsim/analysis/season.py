"""How much of a year's demand falls in a measured window shorter than a year.

KPIs are annualised pro rata (a count over ``d`` days times ``365 / d``), which is right for a
whole year and wrong for a window: with monthly seasonality, 60 days from 1 January (the
Chinese New Year dip) hold less than 60/365 of the year's demand. :func:`season_factor` is the
window's mean demand rate over the year's, for the demand rows that feed a KPI, from the
scenario's own monthly profiles (the same factors the engine draws arrivals with,
:meth:`hubsim.scenario.schema.Scenario.monthly_factors`). Dividing a window's annualised
throughput by it gives the year it implies if the year's shape is the demand's (first order:
it ignores transit lags and capacity that binds only in the peak months).
"""

from __future__ import annotations

from itertools import accumulate

from hubsim.scenario.schema import Demand, Scenario

__all__ = ["season_factor", "weights"]

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_START = list(accumulate((0, *_MONTH_DAYS)))


def weights(scn: Scenario, kpi: str) -> list[tuple[Demand, float]]:
    """The demand rows that feed ``kpi`` with their yearly volume in its unit: TEU of
    container rows for ``channel_teu`` and ``hub_lifts_teu``; tonnes of international rows for
    ``international_tonnes``; tonnes of air rows for ``air_tonnes``; otherwise every row's
    TEU (containers) or tonnes (air)."""
    out: list[tuple[Demand, float]] = []
    for dem in scn.demand:
        if kpi in ("channel_teu", "hub_lifts_teu"):
            w = dem.teu_per_year if dem.cargo == "container" else 0.0
        elif kpi == "international_tonnes":
            w = dem.tonnes_per_year if dem.international is not False else 0.0
        elif kpi == "air_tonnes":
            w = dem.tonnes_per_year if dem.cargo == "air" else 0.0
        else:
            w = dem.teu_per_year if dem.cargo == "container" else dem.tonnes_per_year
        if w > 0:
            out.append((dem, float(w)))
    return out


def _integral(factors: tuple[float, ...], start: float, end: float) -> float:
    """Integral of the monthly step function over days [start, end) of one year (0-365)."""
    total = 0.0
    for m, f in enumerate(factors):
        lo, hi = max(start, _MONTH_START[m]), min(end, _MONTH_START[m + 1])
        if hi > lo:
            total += f * (hi - lo)
    return total


def season_factor(scn: Scenario, kpi: str, days: float, start_day: float = 0.0) -> float:
    """Mean demand rate of the rows feeding ``kpi`` over days ``[start_day, start_day +
    days)`` of the year (day 0 = 1 January, where the measured period starts), divided by
    the year's mean rate: 1 for a whole number of years or flat demand, below 1 in a slack
    season."""
    if days <= 0:
        raise ValueError(f"days must be > 0, got {days}")
    full, rest = divmod(float(days), 365.0)
    if rest < 1e-9:
        return 1.0
    rows = weights(scn, kpi)
    total = sum(w for _, w in rows)
    if total <= 0:
        return 1.0
    start = float(start_day) % 365.0
    window = 0.0
    for dem, w in rows:
        f = scn.monthly_factors(dem)
        a, b = start, start + rest
        part = _integral(f, a, min(b, 365.0)) + (_integral(f, 0.0, b - 365.0) if b > 365.0
                                                 else 0.0)
        window += w * (full * 365.0 + part)
    return window / (total * float(days))
