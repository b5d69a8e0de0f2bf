"""Figures of route and mode choice: corridor, mode and route shares week by week.

Each function takes the weekly tables of :mod:`hubsim.analysis.choice` and returns a matplotlib
Figure (never shows it), with the colours, footer and week axis of :mod:`hubsim.present.plots`.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hubsim.present.plots import MODE_COLOURS, corridor_colour, footer

__all__ = ["choice_shares", "crossing_shares"]


def _windows(ax: Axes, windows: dict[str, tuple[float, float]]) -> None:
    """Shade the named windows (days of the measured window) on a weekly axis."""
    for name, (start, end) in windows.items():
        ax.axvspan(start / 7.0, end / 7.0, color="0.85", zorder=0)
        ax.text((start + end) / 14.0, 0.98, name, ha="center", va="top", fontsize=8,
                transform=ax.get_xaxis_transform())


def crossing_shares(weekly: pd.DataFrame, by: str, scenario: str,
                    windows: dict[str, tuple[float, float]] | None = None) -> Figure:
    """Share of each week's channel TEU by ``by`` (``corridor`` or ``mode``), one line each,
    from :func:`hubsim.analysis.choice.weekly_crossing_shares`; ``windows`` (name: (start
    day, end day)) are shaded (closures)."""
    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.add_subplot()
    wide = weekly.pivot_table(index="week", columns=by, values="share", fill_value=0.0)
    for col in wide.columns:
        colour = MODE_COLOURS.get(col) if by == "mode" else corridor_colour(col)
        ax.plot(wide.index, wide[col], label=col, color=colour, lw=1.6)
    _windows(ax, windows or {})
    ax.set_xlabel("week of the measured year")
    ax.set_ylabel("share of channel TEU")
    ax.set_ylim(0, 1)
    ax.set_title(f"{scenario}: channel TEU by {by}, week by week")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    footer(fig, "boundary crossings per week, both directions (hubsim.analysis.choice)")
    return fig


def choice_shares(weekly: pd.DataFrame, scenario: str,
                  windows: dict[str, tuple[float, float]] | None = None) -> Figure:
    """Per gateway with a choice, the share of the TEU created each week that drew each route,
    from :func:`hubsim.analysis.choice.weekly_choice_shares` (the loads of every pair with
    that gateway and more than one route, both directions)."""
    w = weekly.assign(route=weekly["link"] + " via " + weekly["hub"])
    counts = w.groupby("gateway")["route"].nunique()
    gateways = sorted(counts[counts > 1].index) or sorted(counts.index)[:1]
    fig = Figure(figsize=(9, 2.6 * max(1, len(gateways)) + 0.6), layout="constrained")
    axes = fig.subplots(max(1, len(gateways)), 1, sharex=True, squeeze=False)[:, 0]
    for ax, gw in zip(axes, gateways, strict=False):
        # weeks x routes, 0 where a route was not drawn in a week others were
        teu = w[w["gateway"] == gw].pivot_table(index="week", columns="route", values="teu",
                                                aggfunc="sum", fill_value=0.0)
        part = teu.div(teu.sum(axis=1), axis=0)
        for i, route in enumerate(part.columns):
            ax.plot(part.index, part[route], color=f"C{i}", lw=1.4, marker=".", label=route)
        _windows(ax, windows or {})
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of TEU")
        ax.set_title(f"loads to and from {gw}", fontsize=10)
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
    axes[-1].set_xlabel("week of the measured year (by creation)")
    fig.suptitle(f"{scenario}: route choice of the pairs with alternatives")
    footer(fig, "chosen events: TEU created per week by the route drawn (hubsim.analysis.choice)")
    return fig
