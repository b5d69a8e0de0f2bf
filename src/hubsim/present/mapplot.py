"""The network map: nodes at their coordinates, links coloured by mode, width by simulated flow.

A projected map (Albers equal-area for Europe and Asia, :func:`hubsim.present.geography.project`)
over coastlines, national borders and rivers that ship with hubsim (Natural Earth; nothing is
downloaded). Links are straight lines between their end points: a schematic of the corridors,
not their tracks. The main panel shows the corridors leaving the region toward their gateways,
each gateway labelled with its flows per direction (and the load factor of its scheduled
departures when given); an inset, north up, zooms on the region's hubs and zones over the
Yangtze and the Jialing, with the feeder links and arrows pointing toward the gateways.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import ConnectionPatch, Rectangle
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

from hubsim.present import geography as geo
from hubsim.present.plots import MODE_COLOURS, SOURCE_NOTE, footer, hub_colour, si

__all__ = ["network_map"]

_MAX_LW = 9.0
_COAST, _BORDER, _RIVER = "#8c8c8c", "#b0b0b0", "#9ecae1"
_YANGTZE = {"Yangtze", "Chang Jiang"}
_OFFSETS = [(dx * r, dy * r) for r in (1.0, 1.7, 2.6, 3.6, 5.0, 7.0)
            for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))]


def _width(flow: float, peak: float) -> float:
    return 0.5 + _MAX_LW * math.sqrt(max(flow, 0.0) / peak) if peak > 0 else 1.0


def _flow(row: pd.Series) -> float:
    """Flow in TEU/yr; air cargo links count 10 t as one TEU-equivalent for the width."""
    return float(row["teu_per_year"]) + float(row["air_t_per_year"]) / 10.0


@dataclass
class _Label:
    """A label to place near ``anchor`` (data coordinates of ``ax``) without overlaps."""

    ax: Axes
    anchor: tuple[float, float]
    text: str
    size: float
    colour: str = "black"
    weight: str = "normal"
    style: str = "normal"
    base: float = 16.0  # points to the nearest candidate position
    leader: bool = False


def network_map(nodes: pd.DataFrame, flows: pd.DataFrame, scenario: str,
                directions: pd.DataFrame | None = None) -> Figure:
    """Map of hubs, zones and gateways with links coloured by mode and sized by flow.

    ``nodes`` is the node table (``kind, name, lat, lon, corridor``), ``flows``
    :func:`hubsim.analysis.series.link_flows` output (``from, to, mode, gateway, corridor,
    teu_per_year, air_t_per_year``); ``directions``, when given,
    :func:`hubsim.analysis.series.link_directions` output: the gateway labels then give each
    link's flow out of and into the region and the load factor of its scheduled departures.
    """
    fig, ax = plt.subplots(figsize=(12, 7.8), layout="constrained")
    xy = _projected(nodes)
    peak = max((_flow(r) for _, r in flows.iterrows()), default=0.0)
    region = nodes[nodes["kind"] != "gateway"]
    _frame(ax, xy)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    fig.set_figheight(min(max(11.4 * (y1 - y0) / (x1 - x0) + 1.1, 5.0), 9.0))  # fit the map
    _basemap(ax, nodes)
    corridor_links = flows[flows["gateway"] != ""].assign(_f=lambda f: f.apply(_flow, axis=1))
    for _, row in corridor_links.sort_values("_f", ascending=False).iterrows():
        (xa, ya), (xb, yb) = xy[row["from"]], xy[row["to"]]
        ax.plot([xa, xb], [ya, yb], color=MODE_COLOURS.get(row["mode"], "0.5"),
                lw=_width(row["_f"], peak), alpha=0.85, solid_capstyle="round",
                ls="--" if row["mode"] == "air" else "-", zorder=3)
    for gw in nodes.index[nodes["kind"] == "gateway"]:
        ax.plot(*xy[gw], marker="s", ms=7, color="black", zorder=5)
    ax.plot([xy[n][0] for n in region.index], [xy[n][1] for n in region.index], "o",
            color="black", ms=3, zorder=5)
    ax.set_title(f"Network and simulated flows: {scenario}")
    _scale_bar(ax, 1000.0)
    _legend(ax, flows, peak, directions is not None)
    ins = _inset(ax, nodes, flows, peak) if len(region) else None
    footer(fig, f"{SOURCE_NOTE}. Links straight between the scenario's coordinates "
                "(schematic); width by flow, both directions added (air: 10 t = 1 TEU-eq.). "
                "Albers equal-area; Natural Earth coasts, borders, rivers.")
    fig.canvas.draw()  # fix the layout, then place labels where they do not overlap
    fig.set_layout_engine("none")
    labels = [_Label(ax, xy[str(gw)], _gateway_text(str(gw), info, corridor_links, directions),
                     7.5, base=14.0, leader=True)
              for gw, info in nodes[nodes["kind"] == "gateway"].iterrows()]
    legend = ax.get_legend()
    taken = [legend.get_window_extent()] if legend is not None else []
    if ins is not None:
        taken.append(ins.get_window_extent())
    _place(fig, labels, taken + _marker_boxes(ax, xy.values()))
    if ins is not None:
        _place(fig, _inset_labels(ins, nodes, flows),
               _marker_boxes(ins, _local(region).values()), inside=ins)
    return fig


def _local(region: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """The region's nodes in the inset's km, centred on their mean position."""
    lon0, lat0 = float(region["lon"].mean()), float(region["lat"].mean())
    x, y = geo.project_local(region["lon"].to_numpy(float), region["lat"].to_numpy(float),
                             lon0, lat0)
    return {str(n): (float(a), float(b)) for n, a, b in zip(region.index, x, y, strict=True)}


def _projected(nodes: pd.DataFrame) -> dict[str, tuple[float, float]]:
    x, y = geo.project(nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float))
    return {str(n): (float(a), float(b)) for n, a, b in zip(nodes.index, x, y, strict=True)}


def _frame(ax: Axes, xy: dict[str, tuple[float, float]]) -> None:
    """Limits that fit the nodes with room for labels, equal scales, no km ticks."""
    xs = np.array([p[0] for p in xy.values()])
    ys = np.array([p[1] for p in xy.values()])
    span = max(float(np.ptp(xs)), float(np.ptp(ys)), 500.0)
    ax.set_xlim(xs.min() - 0.2 * span, xs.max() + 0.12 * span)
    ax.set_ylim(ys.min() - 0.14 * span, ys.max() + 0.14 * span)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#fdfdfb")


def _basemap(ax: Axes, nodes: pd.DataFrame) -> None:
    """Coastlines, borders, rivers (the Yangtze stronger) and a 10-degree graticule."""
    lon, lat = nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float)
    box = (max(lon.min() - 40.0, geo.DATA_BOX[0]), min(lon.max() + 40.0, geo.DATA_BOX[1]),
           max(lat.min() - 25.0, geo.DATA_BOX[2]), min(lat.max() + 20.0, geo.DATA_BOX[3]))
    styles = {"coast": (_COAST, 0.7, "-"), "border": (_BORDER, 0.6, "--"),
              "river": (_RIVER, 0.5, "-"), "yangtze": ("#6baed6", 1.4, "-")}
    lines: dict[str, list[np.ndarray]] = {k: [] for k in styles}
    for f in geo.basemap_features(*box):
        x, y = geo.project(f.lon, f.lat)
        lines["yangtze" if f.name in _YANGTZE else f.kind].append(np.column_stack((x, y)))
    for kind, (colour, lw, ls) in styles.items():  # one collection per style: fast to draw
        ax.add_collection(LineCollection(lines[kind], colors=colour, linewidths=lw,
                                         linestyles=ls, zorder=1, label=f"_{kind}"),
                          autolim=False)
    for g in range(-180, 181, 20):  # meridians
        la = np.linspace(box[2], box[3], 60)
        ax.plot(*geo.project(np.full_like(la, g), la), color="0.9", lw=0.5, zorder=0)
    for g in range(-10, 81, 10):  # parallels
        lo = np.linspace(box[0], box[1], 120)
        ax.plot(*geo.project(lo, np.full_like(lo, g)), color="0.9", lw=0.5, zorder=0)
    if box[0] <= 114.5 <= box[1] and box[2] <= 29.0 <= box[3]:
        x, y = geo.project(114.5, 29.0)  # below the river, clear of the barge line above it
        ax.text(float(x), float(y), "Yangtze", color="#4292c6", fontsize=7.5, style="italic",
                ha="center", va="top", zorder=2)


def _scale_bar(ax: Axes, km: float) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x1 - 0.03 * (x1 - x0) - km, y0 + 0.04 * (y1 - y0)
    ax.plot([x, x + km], [y, y], color="0.2", lw=2.5, solid_capstyle="butt", zorder=6)
    ax.text(x + km / 2, y + 0.012 * (y1 - y0), f"{km:,.0f} km", ha="center", va="bottom",
            fontsize=8, zorder=6)


def _gateway_text(gw: str, info: pd.Series, links: pd.DataFrame,
                  directions: pd.DataFrame | None) -> str:
    """The gateway's name, its corridor and one line per link reaching it."""
    lines = [f"{info['name']} [{info['corridor']}]"]
    for link, row in links[links["gateway"] == gw].iterrows():
        inner = row["from"] if row["to"] == gw else row["to"]
        lines.append(f"{row['mode']} {inner}: " + _link_text(str(link), row, directions))
    if len(lines) == 1:
        lines.append("no link")
    return "\n".join(lines)


def _link_text(link: str, row: pd.Series, directions: pd.DataFrame | None) -> str:
    unit = "t/yr" if row["mode"] == "air" else "TEU/yr"
    col = "air_t_per_year" if row["mode"] == "air" else "teu_per_year"
    if directions is None or not (directions["link"] == link).any():
        return f"{si(row[col])} {unit} (both directions)"
    d = directions[directions["link"] == link].set_index("direction")
    flow = d[col].astype(float).to_dict()
    text = f"out {si(flow.get('out', 0.0))} | in {si(flow.get('in', 0.0))} {unit}"
    lf = d["load_factor"]
    if lf.notna().any():
        text += "; loaded " + " | ".join("-" if pd.isna(lf[k]) else f"{lf[k]:.0%}"
                                         for k in ("out", "in"))
    return text


def _legend(ax: Axes, flows: pd.DataFrame, peak: float, directions: bool) -> None:
    """Modes present, reference line widths, node symbols and what the labels say."""
    handles = [Line2D([], [], color=c, lw=3, label=m, ls="--" if m == "air" else "-")
               for m, c in MODE_COLOURS.items() if m in set(flows["mode"])]
    for ref in (1e5, 1e6):
        if peak >= ref / 4:
            handles.append(Line2D([], [], color="0.4", lw=_width(ref, peak),
                                  label=f"{si(ref)} TEU/yr"))
    handles += [Line2D([], [], marker="s", color="black", ls="", label="gateway"),
                Line2D([], [], color="#6baed6", lw=1.4, label="Yangtze"),
                Line2D([], [], color=_BORDER, lw=0.8, ls="--", label="border")]
    title = ("labels: mode, hub: flow out of | into the region; loaded: load factor of the "
             "scheduled departures, out | in" if directions else None)
    ax.legend(handles=handles, loc="upper center", ncols=len(handles), fontsize=7.5,
              frameon=True, title=title, title_fontsize=7.5)


def _marker_boxes(ax: Axes, points: Iterable[tuple[float, float]]) -> list[Bbox]:
    boxes = []
    for x, y in points:
        px, py = ax.transData.transform((x, y))
        boxes.append(Bbox.from_extents(px - 5, py - 5, px + 5, py + 5))
    return boxes


def _place(fig: Figure, labels: list[_Label], taken: list[Bbox],
           inside: Axes | None = None) -> None:
    """Put each label at the candidate offset, nearest first, that overlaps the least of what
    was placed before, staying inside its axes when it can."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for lab in labels:
        frame = (inside or lab.ax).get_window_extent()
        best: tuple[float, float, float] | None = None
        for k, (dx, dy) in enumerate(_OFFSETS):
            ann = _annotate(lab, dx * lab.base, dy * lab.base)
            box = _extent(ann, renderer)
            ann.remove()
            cost = sum(_overlap(box, t) for t in taken) + (0.0 if _fits(box, frame)
                                                           else 1e6) + k
            if best is None or cost < best[0]:
                best = (cost, dx, dy)
            if cost == k:
                break
        if best is not None:
            ann = _annotate(lab, best[1] * lab.base, best[2] * lab.base)
            taken.append(_extent(ann, renderer))


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _annotate(lab: _Label, dx: float, dy: float) -> Annotation:
    ha = "left" if dx > 0 else "right" if dx < 0 else "center"
    va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
    arrow = {"arrowstyle": "-", "color": "0.55", "lw": 0.6, "shrinkA": 0, "shrinkB": 3} \
        if lab.leader else None
    return lab.ax.annotate(
        lab.text, lab.anchor, xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
        fontsize=lab.size, color=lab.colour, fontweight=lab.weight, style=lab.style, zorder=7,
        annotation_clip=False, arrowprops=arrow,
        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.8" if lab.leader else "none",
              "alpha": 0.9})


def _extent(ann: Annotation, renderer: RendererBase) -> Bbox:
    """The label's box on the canvas: its text and the rounded box around it, without the
    leader line (the box patch is only laid out when drawn)."""
    ann.update_positions(renderer)
    box = Text.get_window_extent(ann, renderer)
    size = ann.get_fontsize()
    dpi = ann.figure.dpi if ann.figure is not None else 72.0
    pad = (0.3 * (size if isinstance(size, float | int) else 10.0) + 1.0) * dpi / 72.0
    return box.padded(pad)


def _fits(box: Bbox, frame: Bbox) -> bool:
    return bool(box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0
                and box.y1 <= frame.y1)


def _inset(ax: Axes, nodes: pd.DataFrame, flows: pd.DataFrame, peak: float) -> Axes:
    """Zoom on the region, north up: rivers, hubs, zones, feeder links and corridor arrows."""
    region = nodes[nodes["kind"] != "gateway"]
    lon0, lat0 = float(region["lon"].mean()), float(region["lat"].mean())
    x, y = geo.project_local(region["lon"].to_numpy(float), region["lat"].to_numpy(float),
                             lon0, lat0)
    half = 0.5 * max(float(np.ptp(x)), float(np.ptp(y)), 20.0) * 1.55
    ins = ax.inset_axes((0.01, 0.02, 0.4, 0.52))
    ins.set_xlim(float(x.mean()) - half, float(x.mean()) + half)
    ins.set_ylim(float(y.mean()) - half * 0.8, float(y.mean()) + half * 0.8)
    ins.set_aspect("equal", adjustable="box")
    ins.set_xticks([])
    ins.set_yticks([])
    ins.set_facecolor("#fbfbf7")
    _inset_rivers(ins, lon0, lat0, half)
    _inset_links(ins, nodes, flows, peak, lon0, lat0, 0.28 * half)
    _inset_nodes(ins, nodes, region, lon0, lat0)
    _scale_bar(ins, 10.0)
    ins.set_title("the region, north up: hubs, zones, feeders; arrows point to the gateways",
                  fontsize=8)
    _zoom_box(ax, ins, region)
    return ins


def _zoom_box(ax: Axes, ins: Axes, region: pd.DataFrame) -> None:
    x, y = geo.project(region["lon"].to_numpy(float), region["lat"].to_numpy(float))
    pad = 60.0
    rect = Rectangle((x.min() - pad, y.min() - pad), np.ptp(x) + 2 * pad, np.ptp(y) + 2 * pad,
                     fill=False, ec="0.3", lw=0.8, zorder=6)
    ax.add_patch(rect)
    ax.add_artist(ConnectionPatch((x.min() - pad, y.min() - pad), (1.0, 1.0), "data",
                                  "axes fraction", axesA=ax, axesB=ins, color="0.5", lw=0.6))


def _inset_rivers(ins: Axes, lon0: float, lat0: float, half_km: float) -> None:
    deg = half_km * 1.6 / 111.0
    named: set[str] = set()
    for f in geo.basemap_features(lon0 - deg / math.cos(math.radians(lat0)),
                                  lon0 + deg / math.cos(math.radians(lat0)),
                                  lat0 - deg, lat0 + deg):
        x, y = geo.project_local(f.lon, f.lat, lon0, lat0)
        ins.plot(x, y, color="#6baed6" if f.name in _YANGTZE else _RIVER,
                 lw=3.0 if f.name in _YANGTZE else 1.6, zorder=1, solid_capstyle="round")
        name = "Yangtze" if f.name in _YANGTZE else f.name
        if f.kind == "river" and name and name not in named and len(x) > 3:
            named.add(name)
            k = len(x) // 3
            ins.text(x[k], y[k], name, color="#4292c6", fontsize=7, style="italic",
                     ha="center", va="bottom", zorder=1, clip_on=True)


def _inset_links(ins: Axes, nodes: pd.DataFrame, flows: pd.DataFrame, peak: float,
                 lon0: float, lat0: float, stub: float) -> None:
    """Feeder links as lines and corridor links as arrows of length ``stub`` (km) toward
    their gateway."""
    for _, row in flows.sort_values("teu_per_year", ascending=False).iterrows():
        a, b = nodes.loc[row["from"]], nodes.loc[row["to"]]
        (xa, xb), (ya, yb) = geo.project_local([a["lon"], b["lon"]], [a["lat"], b["lat"]],
                                               lon0, lat0)
        colour = MODE_COLOURS.get(row["mode"], "0.5")
        lw = _width(_flow(row), peak)
        ls = "--" if row["mode"] == "air" else "-"
        if row["gateway"] == "":
            ins.plot([xa, xb], [ya, yb], color=colour, lw=lw, alpha=0.75,
                     solid_capstyle="round", ls=ls, zorder=2)
            continue
        if row["to"] != row["gateway"]:
            xa, xb, ya, yb = xb, xa, yb, ya
        norm = math.hypot(xb - xa, yb - ya) or 1.0
        end = (xa + stub * (xb - xa) / norm, ya + stub * (yb - ya) / norm)
        ins.annotate("", xy=end, xytext=(xa, ya), zorder=2,
                     arrowprops={"arrowstyle": "-|>", "color": colour, "lw": lw, "alpha": 0.75,
                                 "ls": ls, "mutation_scale": 8 + lw})


def _inset_nodes(ins: Axes, nodes: pd.DataFrame, region: pd.DataFrame, lon0: float,
                 lat0: float) -> None:
    hubs = list(nodes.index[nodes["kind"] == "hub"])
    for node, info in region.iterrows():
        x, y = geo.project_local(info["lon"], info["lat"], lon0, lat0)
        if info["kind"] == "hub":
            ins.plot(x, y, "o", ms=11, color=hub_colour(str(node), hubs),
                     markeredgecolor="black", zorder=4)
        else:
            ins.plot(x, y, "^", color="0.45", ms=7, zorder=3)


def _inset_labels(ins: Axes, nodes: pd.DataFrame, flows: pd.DataFrame) -> list[_Label]:
    """Hub names first, then zones, then one label per arrow (the gateway it points to)."""
    region = nodes[nodes["kind"] != "gateway"]
    lon0, lat0 = float(region["lon"].mean()), float(region["lat"].mean())
    half = 0.5 * (ins.get_xlim()[1] - ins.get_xlim()[0])
    labels: list[_Label] = []
    for kind, size, weight in (("hub", 8.5, "bold"), ("zone", 7.0, "normal")):
        for node, info in region[region["kind"] == kind].iterrows():
            x, y = geo.project_local(info["lon"], info["lat"], lon0, lat0)
            labels.append(_Label(ins, (float(x), float(y)), str(node), size,
                                 "black" if kind == "hub" else "0.35", weight, base=9.0))
    seen: set[tuple[str, str]] = set()
    for _, row in flows[flows["gateway"] != ""].iterrows():
        inner = row["from"] if row["to"] == row["gateway"] else row["to"]
        if (inner, row["gateway"]) in seen:
            continue
        seen.add((inner, row["gateway"]))
        a, b = nodes.loc[inner], nodes.loc[row["gateway"]]
        (xa, xb), (ya, yb) = geo.project_local([a["lon"], b["lon"]], [a["lat"], b["lat"]],
                                               lon0, lat0)
        norm = math.hypot(xb - xa, yb - ya) or 1.0
        stub = 0.28 * half
        end = (xa + stub * (xb - xa) / norm, ya + stub * (yb - ya) / norm)
        labels.append(_Label(ins, end, str(row["gateway"]), 6.5,
                             MODE_COLOURS.get(row["mode"], "0.3"), base=5.0))
    return labels
