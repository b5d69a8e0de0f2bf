"""The network map: nodes at their coordinates, links coloured by mode, width by simulated flow.

A schematic in longitude and latitude (straight lines, no basemap: nothing is downloaded). The
main panel shows the corridors leaving the region toward their gateways; an inset zooms on the
region's hubs and zones with the feeder links and the corridors leaving each hub, as arrows
pointing toward their gateways.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import OffsetFrom

from hubsim.present.plots import MODE_COLOURS, SOURCE_NOTE, footer, hub_colour, si

__all__ = ["network_map"]

_MAX_LW = 9.0


def _width(flow: float, peak: float) -> float:
    return 0.5 + _MAX_LW * math.sqrt(max(flow, 0.0) / peak) if peak > 0 else 1.0


def _flow(row: pd.Series) -> float:
    """Flow in TEU/yr; air cargo links count 10 t as one TEU-equivalent for the width."""
    return float(row["teu_per_year"]) + float(row["air_t_per_year"]) / 10.0


def _label(row: pd.Series) -> str:
    if row["mode"] == "air":
        return f"{si(row['air_t_per_year'])} t/yr"
    return f"{si(row['teu_per_year'])} TEU/yr"


def _clusters(points: pd.DataFrame, within_deg: float) -> list[list[str]]:
    """Group nodes closer than ``within_deg`` to any member (single link), in table order."""
    groups: list[list[str]] = []
    for node, p in points.iterrows():
        near = [g for g in groups
                if any(math.hypot(p["lon"] - points.loc[m, "lon"], p["lat"] - points.loc[m, "lat"])
                       < within_deg for m in g)]
        merged = [str(node)]
        for g in near:
            merged = g + merged
            groups.remove(g)
        groups.append(merged)
    return groups


def network_map(nodes: pd.DataFrame, flows: pd.DataFrame, scenario: str) -> Figure:
    """Map of hubs, zones and gateways with links coloured by mode and sized by flow.

    ``nodes`` is the node table (``kind, name, lat, lon, corridor``), ``flows``
    :func:`hubsim.analysis.series.link_flows` output (``from, to, mode, gateway, corridor,
    teu_per_year, air_t_per_year``).
    """
    fig, ax = plt.subplots(figsize=(11, 7), layout="constrained")
    peak = max((_flow(r) for _, r in flows.iterrows()), default=0.0)
    region = nodes[nodes["kind"] != "gateway"]
    gateways = nodes[nodes["kind"] == "gateway"]
    hubs = list(nodes.index[nodes["kind"] == "hub"])
    lat0 = float(region["lat"].mean()) if len(region) else 30.0

    # main panel: corridors to the gateways, thickest first so thin lines stay visible
    corridor_links = flows[flows["gateway"] != ""].assign(_f=lambda f: f.apply(_flow, axis=1))
    for _, row in corridor_links.sort_values("_f", ascending=False).iterrows():
        a, b = nodes.loc[row["from"]], nodes.loc[row["to"]]
        ax.plot([a["lon"], b["lon"]], [a["lat"], b["lat"]],
                color=MODE_COLOURS.get(row["mode"], "0.5"), lw=_width(row["_f"], peak),
                alpha=0.8, solid_capstyle="round", ls="--" if row["mode"] == "air" else "-",
                zorder=2)
    lons = nodes["lon"].to_numpy(float)
    lats = nodes["lat"].to_numpy(float)
    span = max(np.ptp(lons), np.ptp(lats), 1.0)
    ax.set_xlim(lons.min() - 0.08 * span, lons.max() + 0.18 * span)
    ax.set_ylim(lats.min() - 0.25 * span, lats.max() + 0.1 * span)
    _label_gateways(ax, gateways, corridor_links,
                    float(region["lon"].mean()) if len(region) else 0.0)
    ax.plot(region["lon"], region["lat"], "o", color="black", ms=4, zorder=3)
    ax.set_aspect(1.0 / math.cos(math.radians(lat0)))
    ax.set_xlabel("longitude [degrees east]")
    ax.set_ylabel("latitude [degrees north]")
    ax.grid(alpha=0.25)
    ax.set_title(f"Network and simulated flows: {scenario}")

    if len(region):
        _inset(ax, nodes, flows, region, hubs, peak, lat0)
    _legend(ax, flows, peak)
    footer(fig, f"{SOURCE_NOTE}; coordinates from the scenario (schematic, straight lines). "
                "Width by flow, both directions added (air: 10 t = 1 TEU-equivalent).")
    return fig


def _label_gateways(ax: Axes, gateways: pd.DataFrame, corridor_links: pd.DataFrame,
                    centre_lon: float) -> None:
    """Gateway squares with one label box per cluster of nearby gateways, naming the corridor
    and the flows on its links."""
    xlim = ax.get_xlim()
    by_gateway = corridor_links.groupby("gateway")
    for cluster in _clusters(gateways, 6.0):
        members = gateways.loc[cluster].sort_values("lat", ascending=False)
        side = 1 if members["lon"].mean() >= centre_lon else -1
        lift = 1.5 if len(members) > 1 else 0.0
        if side < 0 and members["lon"].min() - xlim[0] < 0.3 * (xlim[1] - xlim[0]):
            side, lift = 1, lift + 6.0  # at the map's west edge: labels inside, above the line
        anchor = (members["lon"].max() + 1.5 if side > 0 else members["lon"].min() - 1.5,
                  members["lat"].max() + lift)
        for k, (gw, info) in enumerate(members.iterrows()):
            ax.plot(info["lon"], info["lat"], marker="s", ms=8, color="black", zorder=4)
            carried = by_gateway.get_group(gw) if gw in by_gateway.groups else None
            flow_text = ", ".join(_label(r) for _, r in carried.iterrows()) \
                if carried is not None else "no link"
            ax.annotate(f"{gw} ({info['corridor']})\n{flow_text}", (info["lon"], info["lat"]),
                        xytext=(0, -27 * k), textcoords=OffsetFrom(ax.transData, anchor),
                        ha="left" if side > 0 else "right", va="center", fontsize=8, zorder=5,
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.8",
                              "alpha": 0.9},
                        arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.6,
                                    "shrinkA": 0, "shrinkB": 3})


def _legend(ax: Axes, flows: pd.DataFrame, peak: float) -> None:
    """Modes present, reference line widths and node symbols."""
    handles = [Line2D([], [], color=c, lw=3, label=m) for m, c in MODE_COLOURS.items()
               if m in set(flows["mode"])]
    for ref in (1e5, 1e6):
        if peak >= ref / 4:
            handles.append(Line2D([], [], color="0.4", lw=_width(ref, peak),
                                  label=f"{si(ref)} TEU/yr"))
    handles += [Line2D([], [], marker="s", color="black", ls="", label="gateway"),
                Line2D([], [], marker="o", color="0.3", ls="", ms=9, label="hub"),
                Line2D([], [], marker="^", color="0.55", ls="", label="zone")]
    ax.legend(handles=handles, loc="upper center", ncols=5, fontsize=8, frameon=True)


def _inset(ax: Axes, nodes: pd.DataFrame, flows: pd.DataFrame, region: pd.DataFrame,
           hubs: list[str], peak: float, lat0: float) -> None:
    """Zoom on the region: hubs, zones, feeder links, and corridor stubs toward the gateways."""
    lo_lon, hi_lon = float(region["lon"].min()), float(region["lon"].max())
    lo_lat, hi_lat = float(region["lat"].min()), float(region["lat"].max())
    pad = 0.25 * max(hi_lon - lo_lon, hi_lat - lo_lat, 0.2)
    x0, x1, y0, y1 = lo_lon - pad, hi_lon + pad, lo_lat - pad, hi_lat + pad
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    ins = ax.inset_axes((0.06, 0.035, 0.5, 0.53))
    ins.set_xlim(x0, x1)
    ins.set_ylim(y0, y1)
    ins.set_aspect(1.0 / math.cos(math.radians(lat0)))
    ins.set_facecolor("#fbfbf7")
    ends = _inset_links(ins, nodes, flows, peak, lat0, 0.2 * max(x1 - x0, y1 - y0))
    _inset_nodes(ins, nodes, region, hubs)
    if ends:
        ex, ey = zip(*ends, strict=True)
        margin = 0.06 * (x1 - x0)
        x0, x1 = min(x0, min(ex) - margin), max(x1, max(ex) + margin)
        y0, y1 = min(y0, min(ey) - margin), max(y1, max(ey) + margin)
    ins.set_xlim(x0, x1)
    ins.set_ylim(y0, y1)
    ins.tick_params(labelsize=6)
    ins.set_title("region: hubs, zones, feeders; arrows point to gateways", fontsize=8)
    ax.indicate_inset_zoom(ins, edgecolor="0.3")
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)


def _inset_links(ins: Axes, nodes: pd.DataFrame, flows: pd.DataFrame, peak: float, lat0: float,
                 stub: float) -> list[tuple[float, float]]:
    """Feeder links as lines and corridor links as arrows of length ``stub`` toward their
    gateway, one label per hub, corridor and mode; returns the arrow ends."""
    ends: list[tuple[float, float]] = []
    seen: set[tuple[str, str, str]] = set()  # one label per hub, corridor and mode
    for _, row in flows.sort_values("teu_per_year", ascending=False).iterrows():
        a, b = nodes.loc[row["from"]], nodes.loc[row["to"]]
        colour = MODE_COLOURS.get(row["mode"], "0.5")
        lw = _width(_flow(row), peak)
        ls = "--" if row["mode"] == "air" else "-"
        if row["gateway"] == "":
            ins.plot([a["lon"], b["lon"]], [a["lat"], b["lat"]], color=colour, lw=lw,
                     alpha=0.75, solid_capstyle="round", ls=ls, zorder=2)
            continue
        inner, outer = (a, b) if row["to"] == row["gateway"] else (b, a)
        dx = outer["lon"] - inner["lon"]
        dy = (outer["lat"] - inner["lat"]) / math.cos(math.radians(lat0))
        norm = math.hypot(dx, dy) or 1.0
        end = (inner["lon"] + stub * dx / norm,
               inner["lat"] + stub * dy / norm * math.cos(math.radians(lat0)))
        ends.append(end)
        first = (inner.name, row["corridor"], row["mode"]) not in seen
        seen.add((inner.name, row["corridor"], row["mode"]))
        ins.annotate("", xy=end, xytext=(inner["lon"], inner["lat"]), zorder=2,
                     arrowprops={"arrowstyle": "-|>", "color": colour, "lw": lw,
                                 "alpha": 0.75, "ls": ls, "mutation_scale": 8 + lw})
        if first:
            ins.annotate(f"{row['corridor']} {row['mode']}", end, fontsize=6.5,
                         color=colour, ha="center", va="center", annotation_clip=False,
                         bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                               "alpha": 0.7})
    return ends


def _inset_nodes(ins: Axes, nodes: pd.DataFrame, region: pd.DataFrame, hubs: list[str]) -> None:
    """Zones as triangles and hubs as coloured circles, with their ids."""
    zones = region[region["kind"] == "zone"]
    ins.plot(zones["lon"], zones["lat"], "^", color="0.55", ms=7, zorder=3)
    for z, info in zones.iterrows():
        ins.annotate(str(z), (info["lon"], info["lat"]), xytext=(4, -9), textcoords="offset points",
                     fontsize=6.5, color="0.35")
    for hub in hubs:
        at = nodes.loc[hub]
        ins.plot(at["lon"], at["lat"], "o", ms=11, color=hub_colour(hub, hubs),
                 markeredgecolor="black", zorder=4)
        ins.annotate(hub, (at["lon"], at["lat"]), xytext=(7, 5), textcoords="offset points",
                     fontsize=8, fontweight="bold", zorder=5)
