"""Route and mode choice over time: shares of corridors, modes and routes week by week.

Pure functions of the records (DataFrame in, DataFrame out), for the route choice of
:mod:`hubsim.sim.choice`. Two views:

* :func:`weekly_crossing_shares`: the channel TEU (boundary crossings, the counting rule of
  the ``channel_teu`` KPI) per week of the measured window by corridor, mode or gateway link,
  and each one's share of the week: what the network carried, with or without choice;
* :func:`weekly_choice_shares`: the TEU of the loads created each week by the route they drew
  (``chosen`` events; empty for a ``fixed`` choice), named by the route's gateway link, first
  hub, mode and corridor, with each route's share of its week: what the choice did, before any
  wait.

:func:`weekly_market_shares` splits the crossings of the loads to and from each final market
(``markets:``, docs/markets.md) by the corridor they used, week by week: how much of a market's
cargo a closure moves to another corridor.

:func:`reversals` counts the swings of a share series (the damping check).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.analysis.kpis import Window

__all__ = ["period_shares", "reversals", "weekly_choice_shares", "weekly_crossing_shares",
           "weekly_market_shares"]

_WEEK_H = 168.0


def _week(t_h: pd.Series, window: Window) -> np.ndarray:
    return ((t_h.to_numpy(float) - window.start_h) // _WEEK_H).astype(int)


def _shares(frame: pd.DataFrame, by: list[str], weight: str = "teu") -> pd.DataFrame:
    """Sum ``weight`` per ``week`` and ``by``; add each row's share of its week."""
    out = frame.groupby(["week", *by], observed=True, sort=True)[weight].sum().reset_index()
    total = out.groupby("week")[weight].transform("sum")
    out["share"] = np.where(total > 0, out[weight] / total.where(total > 0, 1.0), 0.0)
    return out


def weekly_crossing_shares(cross: pd.DataFrame, window: Window,
                           by: str = "corridor") -> pd.DataFrame:
    """Channel TEU per week of the measured window and ``by`` (``corridor``, ``mode``,
    ``link`` or ``gateway``), both directions, with its share of the week's channel TEU.

    ``cross`` is :func:`hubsim.analysis.kpis.crossings` output. Columns: ``week`` (0 = the
    first 7 days of the window), ``by``, ``teu``, ``share`` (0-1; the shares of a week add up
    to 1). Air cargo (0 TEU) counts nothing.
    """
    c = cross[window.mask(cross["t_h"])]
    frame = pd.DataFrame({"week": _week(c["t_h"], window), by: c[by].to_numpy(),
                          "teu": c["teu"].to_numpy(float)})
    frame = frame[frame["teu"] > 0]
    return _shares(frame, [by])


def weekly_choice_shares(events: pd.DataFrame, links: pd.DataFrame,
                         window: Window) -> pd.DataFrame:
    """TEU of the loads created each week of the measured window, by the route they drew.

    ``events`` is the event table (its ``chosen`` rows: one per load with a choice), ``links``
    :func:`hubsim.sim.network.link_table`. Columns: ``week``, ``link`` (the route's gateway
    link, or its last), ``hub`` (its first hub), ``mode``, ``corridor`` and ``gateway`` (of
    that link; "" when it has none),
    ``teu``, ``share`` (of the week's TEU with a choice), ``probability`` (TEU-weighted mean
    probability the route had for the loads that drew it: a conditional mean, which leans
    high when the probability varies; ``share`` estimates the route's mean probability),
    ``extra_h`` (TEU-weighted mean expected extra time it had then, h). Empty without
    choice (``routing.choice: fixed``).
    """
    ch = events[events["event"] == "chosen"]
    ch = ch[window.mask(ch["t_h"])]
    keys = ["link", "hub", "mode", "corridor", "gateway"]
    cols = ["week", *keys, "teu", "share", "probability", "extra_h"]
    if ch.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("teu", "share", "probability",
                                                                "extra_h") else object)
                             for c in cols})
    link = ch["link"].astype(str).to_numpy()
    teu = ch["teu"].to_numpy(float)
    frame = pd.DataFrame({
        "week": _week(ch["t_h"], window), "link": link, "hub": ch["node"].astype(str).to_numpy(),
        "mode": links["mode"].reindex(link).fillna("").to_numpy(),
        "corridor": links["corridor"].reindex(link).fillna("").to_numpy(),
        "gateway": links["gateway"].reindex(link).fillna("").to_numpy(),
        "teu": teu, "p_teu": ch["dur_h"].to_numpy(float) * teu,
        "x_teu": ch["wait_h"].to_numpy(float) * teu})
    out = _shares(frame, keys)
    sums = frame.groupby(["week", *keys], observed=True,
                         sort=True)[["p_teu", "x_teu"]].sum().reset_index(drop=True)
    safe = out["teu"].where(out["teu"] > 0, 1.0).to_numpy()
    out["probability"] = sums["p_teu"].to_numpy() / safe
    out["extra_h"] = sums["x_teu"].to_numpy() / safe
    return out[cols]


def weekly_market_shares(cross: pd.DataFrame, consignments: pd.DataFrame,
                         market_of_row: dict[int, str], window: Window) -> pd.DataFrame:
    """Channel TEU per week of the measured window of the loads of each final market, by the
    corridor (gateway) they crossed at, with its share of the market's week.

    ``cross`` is :func:`hubsim.analysis.kpis.crossings` output, ``consignments`` the run's
    consignment table and ``market_of_row`` maps a demand row index to its market (rows to or
    from a market only). Columns: ``week``, ``market``, ``corridor``, ``gateway``, ``teu``,
    ``share`` (0-1; a market's shares of a week add up to 1). Empty without market rows.

    >>> from hubsim.analysis.kpis import Window
    >>> cross = pd.DataFrame({"t_h": [1.0, 2.0, 3.0], "cid": [0, 1, 2], "teu": [2.0, 1.0, 1.0],
    ...                       "corridor": ["west", "east", "east"],
    ...                       "gateway": ["duisburg", "shanghai", "shanghai"]})
    >>> cons = pd.DataFrame({"cid": [0, 1, 2], "demand": [5, 5, 6]})
    >>> w = weekly_market_shares(cross, cons, {5: "europe"}, Window(0.0, 8760.0))
    >>> w[["market", "corridor", "teu", "share"]].values.tolist()
    [['europe', 'east', 1.0, 0.3333333333333333], ['europe', 'west', 2.0, 0.6666666666666666]]
    """
    c = cross[window.mask(cross["t_h"])]
    row = c["cid"].map(consignments.set_index("cid")["demand"])
    market = row.map(market_of_row)
    keep = market.notna().to_numpy() & (c["teu"].to_numpy(float) > 0)
    frame = pd.DataFrame({"week": _week(c["t_h"], window)[keep],
                          "market": market.to_numpy()[keep],
                          "corridor": c["corridor"].to_numpy()[keep],
                          "gateway": c["gateway"].to_numpy()[keep],
                          "teu": c["teu"].to_numpy(float)[keep]})
    out = frame.groupby(["week", "market", "corridor", "gateway"], sort=True)["teu"].sum() \
        .reset_index()
    total = out.groupby(["week", "market"])["teu"].transform("sum")
    out["share"] = out["teu"] / total.where(total > 0, 1.0)
    return out


def period_shares(weekly: pd.DataFrame, key: str, periods: dict[str, tuple[float, float]],
                  weight: str = "teu") -> pd.DataFrame:
    """Shares of ``key`` over named periods of days ``[start, end)`` of the measured window,
    from a weekly share table (a week counts in a period when it starts inside it).

    Returns one row per ``key`` value and one column per period (shares 0-1; 0 where the
    period has no TEU).

    >>> w = pd.DataFrame({"week": [0, 0, 1], "corridor": ["a", "b", "a"],
    ...                   "teu": [3.0, 1.0, 2.0]})
    >>> period_shares(w, "corridor", {"w0": (0, 7), "w1": (7, 14)}).round(2).to_dict()
    {'w0': {'a': 0.75, 'b': 0.25}, 'w1': {'a': 1.0, 'b': 0.0}}
    """
    day = weekly["week"] * 7
    cols = {}
    for name, (start, end) in periods.items():
        part = weekly[(day >= start) & (day < end)]
        s = part.groupby(key)[weight].sum()
        cols[name] = s / s.sum() if s.sum() > 0 else s * np.nan
    out = pd.DataFrame(cols).fillna(0.0)
    out.index.name = key
    return out


def reversals(series: pd.Series | np.ndarray | list[float], tol: float) -> int:
    """How often a share series turns back after moving more than ``tol`` (a zigzag count:
    a turn counts when the series has moved by more than ``tol`` from its last extreme in
    the other direction): 0 for a monotone series or one that only wobbles by less than
    ``tol``; one per swing for an oscillating one. The damping check of route choice.

    >>> reversals([0.5, 0.4, 0.3, 0.3, 0.35, 0.4], tol=0.02)
    1
    >>> reversals([0.5, 0.3, 0.5, 0.3, 0.5], tol=0.02)
    3
    >>> reversals([0.5, 0.51, 0.5, 0.51, 0.5], tol=0.02)
    0
    """
    x = np.asarray(series, dtype=float)
    if len(x) < 2:
        return 0
    turns, direction = 0, 0
    hi = lo = ext = float(x[0])
    for v in x[1:]:
        if direction == 0:
            hi, lo = max(hi, v), min(lo, v)
            if v - lo > tol:
                direction, ext = 1, v
            elif hi - v > tol:
                direction, ext = -1, v
        elif direction == 1:
            if v > ext:
                ext = v
            elif ext - v > tol:
                turns, direction, ext = turns + 1, -1, v
        elif v < ext:
            ext = v
        elif v - ext > tol:
            turns, direction, ext = turns + 1, 1, v
    return turns
