"""Yard content of the hubs: the one place the yard level and its time average are computed.

A load is in a hub's yard from lift-off (or creation at the hub) to lift-on (or delivery); air
cargo counts in tonnes in the airport's yard. A load stored in the off-dock depot (a ``depot``
event) still counts here, so with a depot the yard KPIs include the depot's content (the engine
never fills the yard itself beyond its capacity). :func:`yard_series` gives the level after
every change and :func:`time_weighted` its mean, peak and end value over any period, which both
the yard KPIs (:mod:`hubsim.analysis.kpis`) and the daily yard table behind the figures
(:mod:`hubsim.analysis.series`) use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["time_weighted", "yard_series"]

_SIGNS = {"lift_off": 1.0, "generated": 1.0, "lift_on": -1.0, "delivered": -1.0}


def yard_series(events: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """Yard content per hub after every change: columns ``t_h, node, level``, sorted by time.

    ``level`` is in TEU for containers and tonnes for air cargo (a consignment's load).
    """
    hubs = nodes.index[nodes["kind"] == "hub"]
    # numpy arrays of the selected rows, not a copy of the log's columns: the log has millions
    # of rows and a year's yard changes are about half a million
    keep = np.flatnonzero((events["node"].isin(hubs)
                           & events["event"].isin(list(_SIGNS))).to_numpy())
    sign = events["event"].iloc[keep].map(_SIGNS).astype(float).to_numpy()
    teu = events["teu"].to_numpy()[keep]
    load = np.where(teu > 0, teu, events["tonnes"].to_numpy()[keep])
    delta = load * sign
    del sign, teu, load
    t = events["t_h"].to_numpy()[keep]
    order = np.argsort(t, kind="stable")
    rows = keep[order]
    node = events["node"].iloc[rows].reset_index(drop=True)
    level = pd.Series(delta[order]).groupby(node, observed=True).cumsum()
    return pd.DataFrame({"t_h": t[order], "node": node, "level": level.to_numpy()})


def time_weighted(t: np.ndarray, level: np.ndarray, start_h: float, end_h: float) \
        -> tuple[float, float, float]:
    """Mean, maximum and end value over ``[start_h, end_h)`` of a step function.

    The function takes ``level[i]`` from ``t[i]`` on (``t`` sorted) and is 0 before ``t[0]``.
    The mean is time-weighted; all three are 0 for an empty series.

    >>> time_weighted(np.array([0.0, 10.0]), np.array([2.0, 4.0]), 5.0, 15.0)
    (3.0, 4.0, 4.0)
    """
    if len(t) == 0:
        return 0.0, 0.0, 0.0
    first = int(np.searchsorted(t, start_h, side="left"))  # first change at or after start
    stop = int(np.searchsorted(t, end_h, side="left"))     # first change at or after end
    start_level = level[first - 1] if first > 0 else 0.0
    inside = slice(first, max(first, stop))
    times = np.concatenate(([start_h], t[inside], [end_h]))
    levels = np.concatenate(([start_level], level[inside]))
    mean = float(np.sum(levels * np.diff(times)) / (end_h - start_h))
    return mean, float(levels.max()), float(levels[-1])
