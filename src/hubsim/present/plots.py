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
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine, TightLayoutEngine
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

from hubsim.analysis import season
from hubsim.analysis.stats import mean_ci
from hubsim.catalogue import label as kpi_label
from hubsim.present.text import format_number
from hubsim.scenario.schema import Scenario

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
    "month_axis",
    "si",
    "target_profile",
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


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_THROUGHPUT = (("teu", "channel_teu", "channel throughput", "TEU", "#2166ac"),
               ("intl_tonnes", "international_tonnes", "international volume", "t", "#b2182b"))


def target_profile(scn: Scenario, n_days: int) -> pd.DataFrame:
    """Share of a year's demand expected on each day of the measured period, from the
    scenario's monthly profiles (day 0 = 1 January): columns ``day`` and, for
    ``channel_teu`` and ``international_tonnes``, the day's share (a year of days sums to 1).

    The rows and weights are those of :func:`hubsim.analysis.season.weights`, so the sum over
    the first ``d`` days is ``d / 365 * season_factor(scn, kpi, d)``.
    """
    month = np.repeat(np.arange(12), _MONTH_DAYS)[np.arange(n_days) % 365]
    out = pd.DataFrame({"day": np.arange(n_days)})
    for _, kpi, *_ in _THROUGHPUT:
        rows = season.weights(scn, kpi)
        total = sum(w for _, w in rows)
        f = sum((w * np.asarray(scn.monthly_factors(d)) for d, w in rows), np.zeros(12)) / total \
            if total > 0 else np.ones(12)
        out[kpi] = f[month] / 365.0
    return out


def month_axis(ax: Axes, n_days: float) -> None:
    """Day numbers of the measured period (day 0 = 1 January) shown as months: a tick at each
    month start, labelled every month up to a year and every quarter beyond."""
    starts = np.cumsum((0, *_MONTH_DAYS[:-1]))
    years = int(np.ceil(max(n_days, 1.0) / 365.0))
    step = 1 if years <= 1 else 3
    ticks, labels = [], []
    for y in range(years):
        for m in range(0, 12, step):
            day = y * 365 + int(starts[m])
            if day <= n_days:
                ticks.append(day)
                labels.append(_MONTHS[m] + (f"\nyear {y + 1}" if years > 1 and m == 0 else ""))
    ax.set_xticks(ticks, labels)
    ax.set_xlim(0, max(n_days, 1.0))


def throughput_vs_target(daily: pd.DataFrame, targets: dict[str, float], scenario: str,
                         seed: int | str, profile: pd.DataFrame | None = None) -> Figure:
    """Channel TEU and international tonnes over the measured period against the targets:
    cumulative (top) and the weekly rate (bottom), with months on the time axis.

    ``daily`` is :func:`hubsim.analysis.series.daily_channel` output (columns ``day,
    cumulative_teu, cumulative_intl_tonnes``); with a ``replication`` column (one block of days
    per run) the lines are the mean over replications with a 95% confidence band. ``targets``
    maps ``channel_teu`` and ``international_tonnes`` to their yearly thresholds (either may be
    missing). ``profile`` (:func:`target_profile`) makes the target path follow the demand's
    seasons; without it the path is pro rata (flat).
    """
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.8), layout="constrained", sharex="col",
                             height_ratios=(3, 2))
    reps = daily["replication"].nunique() if "replication" in daily else 1
    for k, (col, kpi, what, unit, colour) in enumerate(_THROUGHPUT):
        per_day = _per_day(daily, f"cumulative_{col}")
        n = int(per_day["day"].max()) + 1 if len(per_day) else 0
        share = _share_per_day(profile, kpi, n)
        threshold = targets.get(kpi)
        _cumulative_panel(axes[0, k], per_day, share, threshold, unit, colour, reps)
        _weekly_panel(axes[1, k], per_day, share, threshold, unit, colour)
        axes[0, k].set_ylabel(f"{what}, cumulative [{unit}]")
        axes[1, k].set_ylabel(f"{what} [{unit}/week]")
        axes[0, k].set_title(kpi_label(kpi) + (f" ({si(threshold)} {unit}/yr target)"
                                               if threshold else ""))
        month_axis(axes[1, k], n)
        axes[1, k].set_xlabel("month of the measured period [from 1 January]")
    fig.suptitle(f"Throughput vs target: {scenario}")
    path = "following the demand's monthly profile" if profile is not None else "pro rata"
    footer(fig, f"{SOURCE_NOTE}, seed {seed}. Boxes and tonnes crossing the region boundary on "
                f"corridor links, once per crossing; target path {path}.")
    return fig


def _per_day(daily: pd.DataFrame, cumulative: str) -> pd.DataFrame:
    """``day, value`` (the day's amount, from the running total) per replication."""
    reps = daily["replication"] if "replication" in daily else pd.Series(0, index=daily.index)
    d = daily.assign(replication=reps).sort_values(["replication", "day"])
    value = d.groupby("replication")[cumulative].diff().fillna(d[cumulative])
    return pd.DataFrame({"replication": d["replication"].to_numpy(),
                         "day": d["day"].to_numpy(), "value": value.to_numpy(float)})


def _share_per_day(profile: pd.DataFrame | None, kpi: str, n: int) -> np.ndarray:
    if profile is not None and kpi in profile and len(profile) >= n:
        return profile[kpi].to_numpy(float)[:n]
    return np.full(n, 1.0 / 365.0)


def _cumulative_panel(ax: Axes, per_day: pd.DataFrame, share: np.ndarray,
                      threshold: float | None, unit: str, colour: str, reps: int) -> None:
    cum = per_day.assign(value=per_day.groupby("replication")["value"].cumsum())
    days, line = _mean_band(ax, cum, colour, reps)
    ax.plot(days + 1, line, color=colour, lw=2, label="simulated (cumulative)")
    if threshold and len(days):
        path = threshold * np.cumsum(share)
        ax.plot(np.arange(len(path) + 1), np.concatenate(([0.0], path)), color="0.3", ls="--",
                lw=1.2, label=f"target path ({si(threshold)} {unit}/yr)")
        ax.text(0.98, 0.04, f"{si(line[-1])} {unit} in {len(days)} days\n"
                f"= {line[-1] / path[-1] * 100:.1f}% of the target path", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=9)
    ax.yaxis.set_major_formatter(FuncFormatter(si))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", frameon=False, fontsize=8)


def _mean_band(ax: Axes, table: pd.DataFrame, colour: str,
               reps: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean line over replications (with its 95% CI band when there are several)."""
    if reps > 1:
        stats = mean_ci(table, "day", "value")
        ax.fill_between(stats["day"].to_numpy() + 1, stats["lo"], stats["hi"], color=colour,
                        alpha=0.25, lw=0, label=f"95% CI of the mean ({reps} replications)")
        return stats["day"].to_numpy(), stats["mean"].to_numpy()
    return table["day"].to_numpy(), table["value"].to_numpy(float)


def _weekly_panel(ax: Axes, per_day: pd.DataFrame, share: np.ndarray, threshold: float | None,
                  unit: str, colour: str) -> None:
    """Weekly amounts (a partial last week scaled to seven days, drawn hollow) against the
    target's weekly amount."""
    week = per_day.assign(week=per_day["day"] // 7)
    sums = week.groupby(["replication", "week"])["value"].sum().reset_index()
    mean = sums.groupby("week")["value"].mean()
    n = len(share)
    days_in = np.array([min(7, n - 7 * w) for w in mean.index], dtype=float)
    rate = mean.to_numpy(float) * 7.0 / np.maximum(days_in, 1.0)
    full = days_in == 7
    x = mean.index.to_numpy() * 7 + days_in / 2.0
    ax.bar(x[full], rate[full], width=6.2, color=colour, alpha=0.7, label="simulated")
    if (~full).any():
        short = int(days_in[~full][0])
        ax.bar(x[~full], rate[~full], width=days_in[~full] * 0.9, fc="none", ec=colour,
               hatch="///", label=f"last {short} day{'s' if short > 1 else ''} x 7/{short}")
    if threshold:
        target = np.array([share[7 * w:7 * w + 7].sum() for w in mean.index]) * threshold
        target = target * 7.0 / np.maximum(days_in, 1.0)
        ax.step(np.append(mean.index.to_numpy() * 7, n), np.append(target, target[-1:]),
                where="post", color="0.3", ls="--", lw=1.2, label="target")
    ax.yaxis.set_major_formatter(FuncFormatter(si))
    ax.set_ylim(0, max(float(rate.max()) if len(rate) else 1.0, 1.0) * 1.3)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(loc="upper left", frameon=False, fontsize=7.5, ncols=3)


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
    month_axis(bottom, float(yard["day"].max()) + 1.0 if len(yard) else 7.0)
    bottom.set_xlabel("month of the measured period [from 1 January]")
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


#: Heatmap panels: column, title, scale to the unit shown, colour map, fixed range or the
#: smallest top of the colour scale (a floor: a few minutes of wait never looks like a hotspot).
_HEAT_PANELS: tuple[tuple[str, str, float, str, tuple[float, float] | float], ...] = (
    ("utilisation", "handling units busy [% of installed unit-hours]", 100.0, "YlOrRd",
     (0.0, 100.0)),
    ("wait_h", "mean wait for a position and units [min]; scale at least 0-60 min", 60.0,
     "Purples", 60.0),
    ("yard_fraction", "yard occupancy [% of yard TEU]", 100.0, "Blues", (0.0, 100.0)),
    ("yard_wait_h", "mean wait for yard room, loads that waited [h]; scale at least 0-24 h",
     1.0, "Oranges", 24.0),
)


def hub_heatmap(weekly: pd.DataFrame, nodes: pd.DataFrame, scenario: str,
                days: float | None = None) -> Figure:
    """Heatmaps by hub x week: equipment utilisation (all installed units), mean wait for
    handling (a position and units), yard occupancy and the mean wait for yard room (when any
    load waited).

    Waits are coloured on a scale that reaches at least an hour (a day for yard room), so
    minutes read as minutes; a partial last week (``days`` not a multiple of 7) is hatched
    and its tick says how many days it holds. ``weekly`` is
    :func:`hubsim.analysis.series.weekly_hub_table` output; ``days`` the measured period's
    length (default: whole weeks).
    """
    hubs = list(nodes.index[nodes["kind"] == "hub"])
    panels = [p for p in _HEAT_PANELS if p[0] != "yard_wait_h"
              or ("yard_wait_h" in weekly and bool((weekly["yard_wait_h"] > 0).any()))]
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, 1.6 + 0.45 * max(1, len(hubs)) * 3),
                             sharex=True, layout="constrained", squeeze=False)
    n_weeks = int(weekly["week"].max()) + 1 if len(weekly) else 1
    last_days = (days - 7 * (n_weeks - 1)) if days is not None else 7.0
    for ax, (col, label, scale, cmap, limits) in zip(axes[:, 0], panels, strict=True):
        grid = weekly.pivot(index="hub", columns="week", values=col).reindex(hubs) * scale
        top = float(np.nanmax(grid.to_numpy())) if grid.size else 0.0
        vmin, vmax = limits if isinstance(limits, tuple) else (0.0, max(limits, top))
        img = ax.imshow(grid.to_numpy(), aspect="auto", cmap=cmap, vmin=vmin,
                        vmax=max(vmax, top), interpolation="nearest",
                        extent=(-0.5, grid.shape[1] - 0.5, len(hubs) - 0.5, -0.5))
        if last_days < 7:
            ax.add_patch(Rectangle((grid.shape[1] - 1.5, -0.5), 1.0, len(hubs), fill=False,
                                   hatch="xxx", ec="0.45", lw=0))
        ax.set_yticks(range(len(hubs)), [_short(nodes, h) for h in hubs], fontsize=8)
        ax.set_title(label, fontsize=10)
        fig.colorbar(img, ax=ax, label="[" + label.split(" [")[-1].split("]")[0] + "]",
                     pad=0.01)
    _week_ticks(axes[-1, 0], n_weeks, last_days)
    axes[-1, 0].set_xlabel("week of measured period [week]")
    fig.suptitle(f"Hubs by week: {scenario}")
    note = (f" Hatched: the last week holds {last_days:g} day"
            f"{'s' if last_days != 1 else ''}." if last_days < 7 else "")
    footer(fig, f"{SOURCE_NOTE}. Weekly means per hub; units busy = unit-hours worked in all "
                f"the hub's areas / (installed units x hours).{note}")
    return fig


def _week_ticks(ax: Axes, n_weeks: int, last_days: float) -> None:
    step = 1 if n_weeks <= 12 else 4 if n_weeks <= 60 else 13
    ticks = list(range(0, n_weeks, step))
    labels = [str(t) for t in ticks]
    if last_days < 7:
        if ticks and n_weeks - 1 - ticks[-1] < step / 2:
            ticks, labels = ticks[:-1], labels[:-1]
        ticks.append(n_weeks - 1)
        labels.append(f"{n_weeks - 1}\n({last_days:g} d)")
    ax.set_xticks(ticks, labels)


def transit_times(transit: pd.DataFrame, scenario: str) -> Figure:
    """Door-to-door time distributions by corridor (box: quartiles, whiskers: 5th-95th
    percentile, dot: mean, bar: 99th percentile, cross: the longest, labelled in days), per
    load, on a log scale of days: the tail of a corridor whose loads wait for weeks shows.

    ``transit`` is :func:`hubsim.analysis.series.transit_times` output.
    """
    order = transit.groupby("corridor")["days"].median().sort_values().index.tolist()
    fig, ax = plt.subplots(figsize=(9.5, 1.6 + 0.6 * max(1, len(order))), layout="constrained")
    data = [transit.loc[transit["corridor"] == c, "days"].to_numpy() for c in order]
    if order:
        box = ax.boxplot(data, orientation="horizontal", whis=(5, 95), showfliers=False,
                         patch_artist=True, widths=0.6, medianprops={"color": "black"})
        for patch, corridor in zip(box["boxes"], order, strict=True):
            patch.set_facecolor(corridor_colour(corridor))
            patch.set_alpha(0.75)
        _tails(ax, data)
        labels = [f"{c}\n(n={len(d):,})" for c, d in zip(order, data, strict=True)]
        ax.set_yticks(range(1, len(order) + 1), labels, fontsize=8)
        _log_days_axis(ax, max(float(d.max()) for d in data if len(d)) * 1.6)
        ax.legend(loc="lower right", frameon=True, fontsize=8, framealpha=0.9)
    ax.set_xlabel("door-to-door time [days, log scale]")
    ax.set_ylabel("corridor (loads delivered)")
    ax.grid(axis="x", alpha=0.3, which="both")
    ax.set_title(f"Transit time distribution by corridor: {scenario}")
    footer(fig, f"{SOURCE_NOTE}. Creation to delivery of each load delivered in the measured "
                "period; box: quartiles; whiskers: 5th-95th percentile; 99th percentile and the "
                "longest marked.")
    return fig


def _tails(ax: Axes, data: list[np.ndarray]) -> None:
    """Mean, 99th percentile and maximum of each row; the maximum written in days."""
    ys = np.arange(1, len(data) + 1)
    full = [d for d in data if len(d)]
    keep = np.array([len(d) > 0 for d in data])
    ax.scatter([d.mean() for d in full], ys[keep], color="white", edgecolor="black", zorder=3,
               s=18, label="mean")
    p99 = [np.percentile(d, 99) for d in full]
    top = [d.max() for d in full]
    ax.scatter(p99, ys[keep], marker="|", color="black", s=120, lw=1.6, zorder=3,
               label="99th percentile")
    ax.scatter(top, ys[keep], marker="x", color="#b2182b", s=30, zorder=3, label="longest")
    for y, value in zip(ys[keep], top, strict=True):
        ax.annotate(f"{value:.3g} d", (value, y), xytext=(5, 3), textcoords="offset points",
                    fontsize=7.5, color="#b2182b", va="bottom")


def _log_days_axis(ax: Axes, right: float) -> None:
    ax.set_xscale("log")
    lo = ax.get_xlim()[0]
    ax.set_xlim(lo, max(right, ax.get_xlim()[1]))
    ticks = [v for v in (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)
             if lo <= v <= ax.get_xlim()[1]]
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())


_MODE_ORDER = ("water", "rail", "road", "air")


def _share_text(share: float) -> str:
    """A share in percent that never reads 0 for a non-zero flow: ``71%``, ``0.4%``,
    ``<0.1%``."""
    if share <= 0:
        return "0%"
    if share < 0.1:
        return "<0.1%"
    return f"{share:.1f}%" if share < 9.95 else f"{share:.0f}%"


def mode_split(kpis: pd.DataFrame, scenario: str) -> Figure:
    """Channel TEU and international tonnes by mode (horizontal bars, the same mode order in
    both panels; air cargo, counted in tonnes only, appears in the tonnes panel)."""
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4), layout="constrained")
    sel = kpis[kpis["scope"] == "mode"]
    present = set(sel.loc[sel["value"] > 0, "key"])
    order = [m for m in _MODE_ORDER if m in present] + \
        sorted(present - set(_MODE_ORDER))
    for ax, kpi, unit, label in ((axes[0], "channel_teu", "TEU/yr", "channel throughput"),
                                 (axes[1], "international_tonnes", "t/yr",
                                  "international volume")):
        values = sel[sel["kpi"] == kpi].set_index("key")["value"].reindex(order).fillna(0.0)
        total = float(values.sum())
        y = np.arange(len(order))
        ax.barh(y, values.to_numpy(), color=[MODE_COLOURS.get(m, "0.5") for m in order])
        for k, (mode, v) in enumerate(values.items()):
            text = f" {si(v)} ({_share_text(v / total * 100 if total else 0.0)})"
            if kpi == "channel_teu" and mode == "air" and v == 0:
                text = " n/a: air cargo is counted in tonnes"
            ax.text(v, k, text, va="center", fontsize=8)
        ax.set_yticks(y, order)
        ax.invert_yaxis()
        ax.set_xlabel(f"{label} [{unit}]")
        ax.xaxis.set_major_formatter(FuncFormatter(si))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.set_xlim(0, (float(values.max()) if len(values) else 1.0) * 1.4 or 1.0)
        ax.set_title(label.capitalize())
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_ylabel("mode of the corridor link")
    fig.suptitle(f"Mode split at the region boundary: {scenario}")
    footer(fig, f"{SOURCE_NOTE}. Mode of the corridor link crossed; shares of each panel's "
                "total.")
    return fig


def corridor_cost_co2(table: pd.DataFrame, scenario: str) -> Figure:
    """Transport cost and CO2 per TEU by corridor (bars), containers only; each corridor names
    the modes its loads' legs ran on (the ``legs`` column), so a corridor whose boxes also ride
    a Yangtze barge says so.

    ``table`` is :func:`hubsim.analysis.series.corridor_cost_co2` output. With a
    ``co2e_kg_per_teu`` column (:func:`hubsim.analysis.emissions.with_co2e`) the right panel
    shows that: CO2e per ISO 14083 (well-to-wheel, empty runs and hub moves included), in kg;
    without it the links' CO2 factors per tonne-km, in t.
    """
    t = table.sort_values("cost_usd_per_teu", ignore_index=True)
    iso = "co2e_kg_per_teu" in t.columns
    right = (("co2e_kg_per_teu", "CO2e [kg/TEU], ISO 14083 WTW", "CO2e per TEU delivered")
             if iso else ("co2_t_per_teu", "CO2 [t/TEU]", "CO2 per TEU delivered"))
    fig, axes = plt.subplots(1, 2, figsize=(10, 1.8 + 0.55 * max(1, len(t))),
                             layout="constrained")
    colours = [corridor_colour(c) for c in t["corridor"]]
    names = [f"{c}\n({legs})" if "legs" in t and legs else str(c)
             for c, legs in zip(t["corridor"], t.get("legs", [""] * len(t)), strict=True)]
    for ax, col, label, title in (
            (axes[0], "cost_usd_per_teu", "cost [USD/TEU]", "Cost per TEU delivered"),
            (axes[1], *right)):
        ax.barh(names, t[col], color=colours)
        for y, v in enumerate(t[col]):
            ax.text(v, y, " " + format_number(v), va="center", fontsize=8)
        ax.set_xlim(0, (t[col].max() if len(t) else 1.0) * 1.25)
        ax.set_xlabel(label)
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_ylabel("corridor (modes of its legs, share of tonne-km)")
    axes[1].set_yticks(range(len(t)), [""] * len(t))
    if iso:
        fig.suptitle(f"Cost and CO2e per TEU by corridor: {scenario}")
        footer(fig, f"{SOURCE_NOTE}; cost of the links; CO2e per ISO 14083 (runs loaded and "
                    "empty, hub moves; data/emission_factors.csv). All container legs.")
    else:
        fig.suptitle(f"Cost and CO2 per TEU by corridor: {scenario}")
        footer(fig, f"{SOURCE_NOTE}; cost and CO2 factors of the links. Every leg of the "
                    "containers (feeders, shuttles, corridor and any other leg); no air cargo.")
    return fig
