"""Plots: each function takes result tables and returns a matplotlib Figure (never shows it).

Colours are fixed per mode and per hub so that every figure of a report agrees.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; no display is ever needed

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

__all__ = ["MODE_COLOURS", "throughput_vs_target", "hub_utilisation", "mode_split"]

MODE_COLOURS = {"rail": "#b2182b", "road": "#ef8a62", "water": "#2166ac", "air": "#7b3294"}
_HUB_CYCLE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"]
SOURCE_NOTE = "Source: hubsim simulation"


def _thousands(x: float, _pos: int) -> str:
    return f"{x / 1e6:.1f} M" if abs(x) >= 1e6 else f"{x / 1e3:.0f} k" if abs(x) >= 1e3 \
        else f"{x:.0f}"


def _footer(fig: Figure, text: str) -> None:
    fig.text(0.01, 0.01, text, fontsize=7, color="0.4", ha="left", va="bottom")


def throughput_vs_target(daily: pd.DataFrame, target_teu: float | None, scenario: str,
                         seed: int) -> Figure:
    """Cumulative channel TEU over the measured year against the target's pro-rata line.

    ``daily`` is :func:`hubsim.kpis.daily_channel_teu` output.
    """
    fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
    ax.plot(daily["day"], daily["cumulative_teu"], color="#2166ac", lw=2,
            label="simulated channel TEU (cumulative)")
    if target_teu:
        n = len(daily)
        ax.plot([0, n], [0, target_teu * n / 365.0], color="0.3", ls="--", lw=1.2,
                label=f"target pro rata ({target_teu / 1e6:g} M TEU/yr)")
        final = daily["cumulative_teu"].iloc[-1] if n else 0.0
        ax.annotate(f"{final / 1e6:.2f} M TEU in {n} days", xy=(n, final),
                    xytext=(-10, -18), textcoords="offset points", ha="right", fontsize=9)
    ax.set_xlabel("day of measured period [d]")
    ax.set_ylabel("channel throughput, cumulative [TEU]")
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.set_title(f"Channel throughput vs target: {scenario}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", frameon=False)
    _footer(fig, f"{SOURCE_NOTE}, seed {seed}. Channel TEU = boxes crossing the region "
                 "boundary on corridor links, once per crossing.")
    return fig


def hub_utilisation(weekly: pd.DataFrame, names: dict[str, str], scenario: str) -> Figure:
    """Handling-equipment utilisation per hub per week (lines), from
    :func:`hubsim.kpis.weekly_utilisation`."""
    fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
    for i, hub in enumerate(weekly.columns):
        ax.plot(weekly.index, weekly[hub] * 100.0, color=_HUB_CYCLE[i % len(_HUB_CYCLE)],
                lw=1.8, label=names.get(hub, hub))
    ax.axhline(85, color="0.5", ls=":", lw=1)
    ax.text(0.3, 86, "85%: queues grow fast above this", fontsize=8, color="0.4")
    ax.set_ylim(0, max(100.0, float(weekly.to_numpy().max() * 100.0) * 1.05 if weekly.size
                       else 100.0))
    ax.set_xlabel("week of measured period")
    ax.set_ylabel("handling equipment busy [% of time]")
    ax.set_title(f"Hub equipment utilisation by week: {scenario}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    _footer(fig, f"{SOURCE_NOTE}. Busy time of cranes and handling units / "
                 "(units x hours in the week).")
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
            ax.text(v, y, f" {_thousands(v, 0)} ({share:.0f}%)", va="center", fontsize=8)
        ax.set_xlabel(f"{label} [{unit}]")
        ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.set_xlim(0, (sel["value"].max() if len(sel) else 1.0) * 1.35)
        ax.set_title(label.capitalize())
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Mode split at the region boundary: {scenario}")
    _footer(fig, f"{SOURCE_NOTE}. Mode of the corridor link crossed.")
    return fig
