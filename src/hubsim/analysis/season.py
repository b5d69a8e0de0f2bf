"""How much of a year's demand falls in a measured window shorter than a year.

KPIs are annualised pro rata (a count over ``d`` days times ``365 / d``), which is right for a
whole year and wrong for a window: with monthly seasonality, 60 days from 1 January (the
Chinese New Year dip) hold less than 60/365 of the year's demand. :func:`season_factor` is the
window's mean demand rate over the year's, for the demand rows that feed a KPI, from the
scenario's own monthly profiles (the same factors the engine draws arrivals with,
:meth:`hubsim.scenario.schema.Scenario.monthly_factors`). Dividing a window's annualised
throughput by it gives the year it implies if the year's shape is the demand's (first order:
it ignores capacity that binds only in the peak months).

A box crosses the boundary some days after its consignment was created (the trip to the hub,
the dwell, and for imports the whole voyage from the gateway), so the crossings of a window
follow the demand of a window that many days earlier: :func:`crossing_lag_days` measures that
lag from a run's own records, and :func:`season_factor` shifts the window back by it (on the
2022 scenario, 60 days from 1 January: 0.847 unshifted, 0.871 with the measured 6.0 days, which
brings the draw's implied year from +4.3% to +1.5% of the whole year's).
"""

from __future__ import annotations

from itertools import accumulate

import numpy as np
import pandas as pd

from hubsim.scenario.schema import Demand, Scenario

__all__ = ["crossing_lag_days", "season_factor", "weights"]

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


def crossing_lag_days(crossings: pd.DataFrame, consignments: pd.DataFrame, start_h: float,
                      end_h: float, weight: str = "teu") -> float:
    """Mean days from a consignment's creation to its boundary crossings in ``[start_h,
    end_h)``, weighted by ``weight`` (``teu`` or ``tonnes``); 0 without crossings."""
    t = crossings["t_h"].to_numpy(float)
    inside = (t >= start_h) & (t < end_h)
    if not inside.any():
        return 0.0
    created = consignments.set_index("cid")["created_h"]
    sel = crossings.loc[inside, ["cid", "t_h", weight]]
    lag = (sel["t_h"].to_numpy(float)
           - created.reindex(sel["cid"]).to_numpy(float)) / 24.0
    w = sel[weight].to_numpy(float)
    ok = np.isfinite(lag) & (w > 0)
    if not ok.any():
        return 0.0
    return float(np.average(lag[ok], weights=w[ok]))
