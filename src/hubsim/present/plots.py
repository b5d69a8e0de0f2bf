"""Plots: each function takes result tables and returns a matplotlib Figure (never shows it).

Colours are fixed per mode, hub and corridor so that every figure of a report agrees. Every
figure has a title, axis labels with units, and a footer naming its source. The tables come from
:mod:`hubsim.analysis.kpis` and :mod:`hubsim.analysis.series`; the network map is in
:mod:`hubsim.present.mapplot`, the comparison and sweep plots in
:mod:`hubsim.present.experiment_plots`; :func:`si`, :func:`footer` and the colour tables here
serve them too.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; no display is ever needed

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine, TightLayoutEngine
from matplotlib.ticker import FuncFormatter, NullFormatter

from hubsim.analysis.stats import mean_ci
from hubsim.catalogue import label as kpi_label
from hubsim.present.text import format_number

__all__ = [
    "CORRIDOR_COLOURS",
    "HUB_COLOURS",
    "MODE_COLOURS",
    "SOURCE_NOTE",
    "corridor_colour",
    "corridor_cost_co2",
    "footer",
    "hub_colour",
    "hub_heatmap",
    "hub_utilisation",
    "mean_ci",
    "mode_split",
    "si",
    "throughput_vs_target",
    "transit_times",
]

MODE_COLOURS = {"rail": "#b2182b", "road": "#ef8a62", "water": "#2166ac", "air": "#7b3294"}
HUB_COLOURS = {"tuanjie": "#1b9e77", "jiangbei": "#d95f02", "guoyuan": "#7570b3",
               "nanpeng": "#e7298a"}
CORRIDOR_COLOURS = {"west": "#8c510a", "south": "#01665e", "east": "#2166ac", "north": "#762a83",
                    "inland": "#999999", "air_international": "#c51b7d",
                    "air_domestic": "#de77ae", "domestic": "#bdbdbd"}
_CYCLE = ["#66a61e", "#e6ab02", "#a6761d", "#1f78b4", "#fb9a99", "#b15928", "#6a3d9a"]
SOURCE_NOTE = "Source: hubsim simulation"


def hub_colour(hub: str, order: list[str] | None = None) -> str:
    """The hub's fixed colour; hubs outside the reference network cycle by position."""
    if hub in HUB_COLOURS:
        return HUB_COLOURS[hub]
    others = [h for h in (order or [hub]) if h not in HUB_COLOURS]
    return _CYCLE[others.index(hub) % len(_CYCLE)] if hub in others else "0.5"


def corridor_colour(corridor: str) -> str:
    return CORRIDOR_COLOURS.get(corridor, "0.45")


def si(x: float, _pos: int = 0) -> str:
    """A number with a k or M suffix and three significant digits, for ticks and labels
    (``1.25 M``, not ``1.2 M``); a matplotlib ``FuncFormatter`` function."""
    return f"{x / 1e6:.3g} M" if abs(x) >= 1e6 else f"{x / 1e3:.3g} k" if abs(x) >= 1e3 \
        else f"{x:.0f}"


def footer(fig: Figure, text: str) -> None:
    """The source line under the axes; the layout leaves room for it."""
    fig.text(0.01, 0.005, text, fontsize=7, color="0.4", ha="left", va="bottom")
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine | TightLayoutEngine):
        room = 14.0 / (fig.get_figheight() * 72.0)  # 14 points, as a fraction of the height
        engine.set(rect=(0.0, room, 1.0, 1.0 - room))


def throughput_vs_target(daily: pd.DataFrame, targets: dict[str, float], scenario: str,
                         seed: int | str) -> Figure:
    """Cumulative channel TEU and international tonnes over the measured period against the
    targets' pro-rata lines.

    ``daily`` is :func:`hubsim.analysis.series.daily_channel` output (columns ``day, cumulative_teu,
    cumulative_intl_tonnes``); with a ``replication`` column (one block of days per run) the
    lines are the mean over replications with a 95% confidence band. ``targets`` maps
    ``channel_teu`` and ``international_tonnes`` to their yearly thresholds (either may be
    missing).
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    reps = daily["replication"].nunique() if "replication" in daily else 1
    panels = (("cumulative_teu", "channel_teu", "channel throughput, cumulative [TEU]",
               "TEU", "#2166ac"),
              ("cumulative_intl_tonnes", "international_tonnes",
               "international volume, cumulative [t]", "t", "#b2182b"))
    for ax, (col, kpi, ylabel, unit, colour) in zip(axes, panels, strict=True):
        if "replication" in daily:
            stats = mean_ci(daily, "day", col)
            days, line = stats["day"].to_numpy(), stats["mean"].to_numpy()
            ax.fill_between(days, stats["lo"], stats["hi"], color=colour, alpha=0.25, lw=0,
                            label=f"95% CI of the mean ({reps} replications)")
        else:
            days, line = daily["day"].to_numpy(), daily[col].to_numpy()
        ax.plot(days, line, color=colour, lw=2, label="simulated (cumulative)")
        n = len(days)
        threshold = targets.get(kpi)
        if threshold:
            ax.plot([0, n], [0, threshold * n / 365.0], color="0.3", ls="--", lw=1.2,
                    label=f"target pro rata ({si(threshold)} {unit}/yr)")
        if n:
            text = f"{line[-1] / 1e6:.2f} M {unit} in {n} days"
            if threshold:
                text += f"\n= {line[-1] / (threshold * n / 365.0) * 100:.1f}% of target pro rata"
            ax.annotate(text, xy=(days[-1], line[-1]),
                        xytext=(-8, -16), textcoords="offset points", ha="right", fontsize=9)
        ax.set_xlabel("day of measured period [d]")
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(FuncFormatter(si))
        ax.set_title(kpi_label(kpi) + (f" ({si(threshold)} {unit}/yr target)" if threshold else ""))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", frameon=False, fontsize=8)
    fig.suptitle(f"Throughput vs target: {scenario}")
    footer(fig, f"{SOURCE_NOTE}, seed {seed}. Boxes and tonnes crossing the region boundary "
                 "on corridor links, once per crossing.")
    return fig


def hub_utilisation(weekly: pd.DataFrame, yard: pd.DataFrame, nodes: pd.DataFrame,
                    scenario: str) -> Figure:
    """Lines over the year per hub: utilisation of all its installed handling units by week
    (top) and yard occupancy by day as a share of yard capacity (bottom).

    ``weekly`` is :func:`hubsim.analysis.series.weekly_hub_table`, ``yard``
    :func:`hubsim.analysis.series.yard_daily`, ``nodes`` the node table (names, yard capacity).
    """
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10.5, 6.4), sharex=True,
                                      layout="constrained")
    hubs = list(nodes.index[nodes["kind"] == "hub"])
    for hub in hubs:
        colour, name = hub_colour(hub, hubs), _short(nodes, hub)
        w = weekly[weekly["hub"] == hub]
        top.plot(w["week"] * 7 + 3.5, w["utilisation"] * 100.0, color=colour, lw=1.8,
                 label=name, marker="o", ms=2.5)
        y = yard[yard["hub"] == hub]
        bottom.plot(y["day"], y["yard_teu"] / float(nodes.loc[hub, "yard_teu"]) * 100.0,
                    color=colour, lw=1.3, label=name)
    top.axhline(85, color="0.5", ls=":", lw=1)
    top.text(0.5, 86.5, "85%: queues grow fast above this", fontsize=8, color="0.4")
    top_max = float(weekly["utilisation"].max() * 100.0) if len(weekly) else 0.0
    top.set_ylim(0, max(100.0, top_max * 1.05))
    top.set_ylabel("units busy [% of unit-hours]")
    top.set_title("Handling units utilisation (every area of the hub), weekly")
    bottom.axhline(100, color="0.5", ls=":", lw=1)
    bottom.set_ylabel("yard occupancy [% of yard TEU]")
    bottom.set_xlabel("day of measured period [d]")
    bottom.set_title("Yard occupancy, daily mean (air cargo in tonnes at the airport)")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    fig.suptitle(f"Hub utilisation and yard occupancy over the year: {scenario}")
    if hubs:
        fig.legend(*top.get_legend_handles_labels(), loc="outside right upper",
                   frameon=False, fontsize=8, title="hub")
    footer(fig, f"{SOURCE_NOTE}. Unit-hours worked by cranes and handling units in all the "
                 "hub's areas / (installed units x hours); yard content / yard capacity.")
    return fig


def _short(nodes: pd.DataFrame, node: str) -> str:
    """Node id with the first words of its name, for legends."""
    name = str(nodes.loc[node, "name"]) if node in nodes.index else node
    return node if name == node else f"{node} ({' '.join(name.split()[:2]).rstrip(',')})"


def hub_heatmap(weekly: pd.DataFrame, nodes: pd.DataFrame, scenario: str) -> Figure:
    """Heatmaps by hub x week: equipment utilisation (all installed units), mean wait for
    handling (a position and units), yard occupancy and the mean wait for yard room.

    ``weekly`` is :func:`hubsim.analysis.series.weekly_hub_table` output.
    """
    hubs = list(nodes.index[nodes["kind"] == "hub"])
    panels: list[tuple[str, str, float, str, tuple[float, float] | None]] = [
        ("utilisation", "handling units busy [% of installed unit-hours]", 100.0,
         "YlOrRd", (0, 100)),
        ("wait_h", "mean wait for a position and units [min]", 60.0, "Purples", None),
        ("yard_fraction", "yard occupancy [% of yard TEU]", 100.0, "Blues", (0, 100))]
    if "yard_wait_h" in weekly and bool((weekly["yard_wait_h"] > 0).any()):
        panels.append(("yard_wait_h", "mean wait for yard room, loads that waited [h]", 1.0,
                       "Oranges", None))
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, 1.6 + 0.45 * max(1, len(hubs)) * 3),
                             sharex=True, layout="constrained")
    for ax, (col, label, scale, cmap, limits) in zip(axes, panels, strict=True):
        grid = weekly.pivot(index="hub", columns="week", values=col).reindex(hubs) * scale
        vmin, vmax = limits or (0.0, max(float(np.nanmax(grid.to_numpy())) if grid.size else 1.0,
                                         1e-9))
        vmax = max(vmax, float(np.nanmax(grid.to_numpy()))) if grid.size else vmax
        img = ax.imshow(grid.to_numpy(), aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax,
                        interpolation="nearest",
                        extent=(-0.5, grid.shape[1] - 0.5, len(hubs) - 0.5, -0.5))
        ax.set_yticks(range(len(hubs)), [_short(nodes, h) for h in hubs], fontsize=8)
        ax.set_title(label, fontsize=10)
        fig.colorbar(img, ax=ax, label="[" + label.split(" [")[-1], pad=0.01)
    axes[-1].set_xlabel("week of measured period [week]")
    fig.suptitle(f"Hubs by week: {scenario}")
    footer(fig, f"{SOURCE_NOTE}. Weekly means per hub; units busy = unit-hours worked in all "
                 "the hub's areas / (installed units x hours).")
    return fig


def transit_times(transit: pd.DataFrame, scenario: str) -> Figure:
    """Door-to-door time distributions by corridor (box: quartiles, whiskers: 5th-95th
    percentile, dot: mean), weighted per load, on a log scale of days.

    ``transit`` is :func:`hubsim.analysis.series.transit_times` output.
    """
    order = transit.groupby("corridor")["days"].median().sort_values().index.tolist()
    fig, ax = plt.subplots(figsize=(9, 1.6 + 0.55 * max(1, len(order))), layout="constrained")
    data = [transit.loc[transit["corridor"] == c, "days"].to_numpy() for c in order]
    if order:
        box = ax.boxplot(data, orientation="horizontal", whis=(5, 95), showfliers=False,
                         patch_artist=True, widths=0.6, medianprops={"color": "black"})
        for patch, corridor in zip(box["boxes"], order, strict=True):
            patch.set_facecolor(corridor_colour(corridor))
            patch.set_alpha(0.75)
        ax.scatter([d.mean() for d in data], range(1, len(order) + 1), color="white",
                   edgecolor="black", zorder=3, s=18, label="mean")
        labels = [f"{c}\n(n={len(d):,})" for c, d in zip(order, data, strict=True)]
        ax.set_yticks(range(1, len(order) + 1), labels, fontsize=8)
        ax.set_xscale("log")
        lo, hi = ax.get_xlim()
        ticks = [v for v in (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200) if lo <= v <= hi]
        ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
        ax.set_xlim(lo, hi)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.legend(loc="lower right", frameon=False, fontsize=8)
    ax.set_xlabel("door-to-door time [days, log scale]")
    ax.set_ylabel("corridor (loads delivered)")
    ax.grid(axis="x", alpha=0.3, which="both")
    ax.set_title(f"Transit time distribution by corridor: {scenario}")
    footer(fig, f"{SOURCE_NOTE}. Creation to delivery of each load delivered in the measured "
                 "period; whiskers 5th-95th percentile.")
    return fig


def mode_split(kpis: pd.DataFrame, scenario: str) -> Figure:
    """Channel TEU and international tonnes by mode (horizontal bars)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), layout="constrained")
    for ax, kpi, unit, label in ((axes[0], "channel_teu", "TEU/yr", "channel throughput"),
                                 (axes[1], "international_tonnes", "t/yr",
                                  "international volume")):
        sel = kpis[(kpis["kpi"] == kpi) & (kpis["scope"] == "mode")].sort_values("value")
        total = sel["value"].sum()
        colours = [MODE_COLOURS.get(m, "0.5") for m in sel["key"]]
        ax.barh(sel["key"], sel["value"], color=colours)
        for y, v in enumerate(sel["value"]):
            share = v / total * 100 if total else 0.0
            ax.text(v, y, f" {si(v)} ({share:.0f}%)", va="center", fontsize=8)
        ax.set_xlabel(f"{label} [{unit}]")
        ax.set_ylabel("mode of the corridor link")
        ax.xaxis.set_major_formatter(FuncFormatter(si))
        ax.set_xlim(0, (sel["value"].max() if len(sel) else 1.0) * 1.35)
        ax.set_title(label.capitalize())
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Mode split at the region boundary: {scenario}")
    footer(fig, f"{SOURCE_NOTE}. Mode of the corridor link crossed.")
    return fig


def corridor_cost_co2(table: pd.DataFrame, scenario: str) -> Figure:
    """Transport cost and CO2 per TEU by corridor (bars), containers only.

    ``table`` is :func:`hubsim.analysis.series.corridor_cost_co2` output.
    """
    t = table.sort_values("cost_usd_per_teu")
    fig, axes = plt.subplots(1, 2, figsize=(10, 1.8 + 0.45 * max(1, len(t))),
                             layout="constrained")
    colours = [corridor_colour(c) for c in t["corridor"]]
    for ax, col, label, title in (
            (axes[0], "cost_usd_per_teu", "cost [USD/TEU]", "Cost per TEU delivered"),
            (axes[1], "co2_t_per_teu", "CO2 [t/TEU]", "CO2 per TEU delivered")):
        ax.barh(t["corridor"], t[col], color=colours)
        for y, v in enumerate(t[col]):
            ax.text(v, y, " " + format_number(v), va="center", fontsize=8)
        ax.set_xlim(0, (t[col].max() if len(t) else 1.0) * 1.25)
        ax.set_xlabel(label)
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_ylabel("corridor")
    fig.suptitle(f"Cost and CO2 per TEU by corridor: {scenario}")
    footer(fig, f"{SOURCE_NOTE}; link cost and CO2 factors from the scenario. All legs "
                 "(feeder, shuttle, corridor) of containers; air cargo excluded.")
    return fig
