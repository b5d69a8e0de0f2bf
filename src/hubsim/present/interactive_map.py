"""The report's interactive network map: pan, zoom and hover, with no network needed.

Two steps, so the report stays a function of its results folder:

- :func:`map_tables` turns one run into two small tables, written as ``map_nodes.csv`` and
  ``map_links.csv``: every node with its coordinates and, for a hub, its lifts, handling
  use and waits; every link with its ends, its flow in each direction and the services on it
  with their load factor per direction and the load waiting for them at the end.
- :func:`map_html` draws those tables with Bokeh into an HTML fragment whose JavaScript is
  inlined (Bokeh's core bundle only, about 1.3 MB): the page loads nothing from anywhere.
  Links are coloured by mode and as wide as their flow; hovering a link or a node shows its
  figures (Bokeh escapes them: the text is shown as text, never run as HTML). Coastlines,
  borders and rivers from :mod:`hubsim.present.geography` (shipped data) are drawn
  underneath, in its projection (km).

Why Bokeh: a well-kept library whose inline resources are a third of plotly.js's size, and
whose plots need no tile server (folium and leaflet fetch their map tiles at view time).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hubsim.present import geography
from hubsim.present.text import format_value

if TYPE_CHECKING:
    from hubsim.api import Results

__all__ = ["HOVER_FIELD", "MAP_LINKS", "MAP_NODES", "map_html", "map_tables"]

MAP_NODES = "map_nodes.csv"
MAP_LINKS = "map_links.csv"
#: The id of the map's element in the report.
MAP_ID = "hubsim-network-map"
#: The column of both glyphs' data that the hover tooltip shows.
HOVER_FIELD = "hover"

MODE_COLOURS = {"rail": "#b2182b", "road": "#ef8a62", "water": "#2166ac", "air": "#7b3294"}
KIND_STYLE = {"hub": ("circle", 13, "#222222"), "gateway": ("square", 10, "#000000"),
              "zone": ("triangle", 10, "#777777")}
BASEMAP_STYLE = {"coast": ("#9fb3c8", 1.0), "border": ("#c9c9c9", 0.8),
                 "river": ("#9ecae1", 1.0)}
_HUB_KPIS = ("hub_lifts_teu", "hub_lifts_tonnes_air", "equipment_utilisation",
             "equipment_wait_mean_h", "yard_mean_utilisation", "hub_dwell_mean_h")


def _hub_hover(hub: str, kpis: pd.DataFrame) -> str:
    from hubsim.catalogue import label

    sel = kpis[(kpis["scope"] == "hub") & (kpis["key"] == hub) & kpis["kpi"].isin(_HUB_KPIS)]
    return "; ".join(f"{label(k)} {format_value(v, u)}"
                     for k, v, u in zip(sel["kpi"], sel["value"], sel["unit"], strict=True))


def map_tables(res: Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(nodes, links)`` of one run for :func:`map_html` (pure tables, no drawing).

    ``nodes``: ``node, kind, name, lon, lat, detail`` (a hub's lifts, handling use, wait for
    handling, yard use and dwell; a gateway's corridor). ``links``: ``link, from, to, mode,
    lon0, lat0, lon1, lat1, out, back, unit, detail``: ``out`` is the flow from ``from`` to
    ``to`` and ``back`` the other way, per year (TEU; air cargo in t), over the measured
    window; ``detail`` lists the services on the link with their load factor and the load
    waiting for them at the end, per direction.
    """
    nodes = res.nodes
    kpis = res.kpis
    node_rows = []
    for nid, n in nodes.iterrows():
        detail = _hub_hover(str(nid), kpis) if n["kind"] == "hub" else \
            (f"corridor {n['corridor']}" if n["kind"] == "gateway" else "")
        node_rows.append({"node": nid, "kind": n["kind"], "name": n["name"], "lon": n["lon"],
                          "lat": n["lat"], "detail": detail})
    flows = _directional_flows(res)
    services = _services_by_link(res, kpis)
    link_rows = []
    for name, link in res.links.iterrows():
        a, b = str(link["from"]), str(link["to"])
        out, back = flows.get((str(name), a), 0.0), flows.get((str(name), b), 0.0)
        air = link["mode"] == "air"
        link_rows.append({
            "link": name, "from": a, "to": b, "mode": link["mode"],
            "lon0": nodes.at[a, "lon"], "lat0": nodes.at[a, "lat"],
            "lon1": nodes.at[b, "lon"], "lat1": nodes.at[b, "lat"],
            "out": out, "back": back, "unit": "t/yr" if air else "TEU/yr",
            "detail": services.get((a, b, str(link["mode"])), "no scheduled service")})
    return pd.DataFrame(node_rows), pd.DataFrame(link_rows)


def _directional_flows(res: Results) -> dict[tuple[str, str], float]:
    """Per (link, departure node): TEU per year left that way (air cargo: tonnes)."""
    w = res.window
    ev = res.events
    dep = ev.loc[w.mask(ev["t_h"]) & (ev["event"] == "depart"), ["link", "node", "teu", "tonnes"]]
    load = np.where(dep["teu"].to_numpy(float) > 0, dep["teu"].to_numpy(float),
                    dep["tonnes"].to_numpy(float))
    # grouped by the categorical columns themselves (their codes), not by a string per row
    grouped = pd.Series(load, index=dep.index).groupby([dep["link"], dep["node"]],
                                                       observed=True).sum()
    return {(str(a), str(b)): float(v) * w.per_year
            for (a, b), v in zip(grouped.index.tolist(), grouped.to_numpy(), strict=True)}


def _services_by_link(res: Results, kpis: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    """Per link (from, to, mode): each service's load factor and waiting load per direction."""
    sel = kpis[kpis["scope"] == "service_direction"]
    value = {(str(k), str(n)): (float(v), str(u)) for k, n, v, u in
             zip(sel["kpi"], sel["key"], sel["value"], sel["unit"], strict=True)}
    out: dict[tuple[str, str, str], list[str]] = {}
    for svc in res.scenario.services:
        parts = []
        for a, b in ((svc.from_, svc.to), (svc.to, svc.from_)):
            key = f"{svc.id}:{a}>{b}"
            lf = value.get(("direction_load_factor", key))
            if lf is None:
                continue
            wait = value.get(("service_backlog_end", key))
            waiting = f", {format_value(*wait)} waiting at the end" if wait else ""
            parts.append(f"{a}>{b} load factor {format_value(lf[0], lf[1])}{waiting}")
        text = f"{svc.id}: " + ("; ".join(parts) if parts else "no departures")
        out.setdefault((svc.from_, svc.to, svc.mode), []).append(text)
        out.setdefault((svc.to, svc.from_, svc.mode), []).append(text)
    return {k: " | ".join(v) for k, v in out.items()}


def _width(flow: float, peak: float) -> float:
    return 1.0 + 11.0 * math.sqrt(max(flow, 0.0) / peak) if peak > 0 else 1.5


def _link_source(links: pd.DataFrame, project: Callable[..., Any]) -> dict[str, Any]:
    flow = (links["out"] + links["back"]).where(links["unit"] != "t/yr",
                                                (links["out"] + links["back"]) / 10.0)
    peak = float(flow.max()) if len(flow) else 0.0
    data: dict[str, Any] = {"xs": [], "ys": [], "colour": [], "width": [],
                                  "mode": [], HOVER_FIELD: []}
    for r, f in zip(links.to_dict("records"), flow, strict=True):
        x, y = project([r["lon0"], r["lon1"]], [r["lat0"], r["lat1"]])
        data["xs"].append([float(v) for v in x])
        data["ys"].append([float(v) for v in y])
        data["colour"].append(MODE_COLOURS.get(str(r["mode"]), "#666666"))
        data["width"].append(_width(float(f), peak))
        data["mode"].append(str(r["mode"]))
        data[HOVER_FIELD].append(
            f"{r['link']} ({r['mode']}): {r['from']}>{r['to']} "
            f"{format_value(r['out'], r['unit'])}, {r['to']}>{r['from']} "
            f"{format_value(r['back'], r['unit'])}. {r['detail']}")
    return data


def _node_source(nodes: pd.DataFrame, project: Callable[..., Any], kind: str
                 ) -> dict[str, Any]:
    sel = nodes[nodes["kind"] == kind]
    x, y = project(sel["lon"].to_numpy(float), sel["lat"].to_numpy(float))
    hover = [f"{n} ({kind}, {name})" + (f": {d}" if d else "")
             for n, name, d in zip(sel["node"], sel["name"], sel["detail"].fillna(""),
                                   strict=True)]
    return {"x": [float(v) for v in x], "y": [float(v) for v in y], HOVER_FIELD: hover,
            "label": [str(n) for n in sel["node"]]}


def _basemap(fig: Any, box: tuple[float, float, float, float]) -> None:
    """Coast, border and river lines of ``box`` (lon_min, lon_max, lat_min, lat_max) under
    the network, in light colours and without hover."""
    by_kind: dict[str, tuple[list[list[float]], list[list[float]]]] = {}
    for kind, lons, lats in geography.basemap_lines(*box):
        x, y = geography.project(lons, lats)
        xs, ys = by_kind.setdefault(str(kind), ([], []))
        xs.append(np.round(x, 1).tolist())
        ys.append(np.round(y, 1).tolist())
    for kind, (xs, ys) in sorted(by_kind.items()):
        colour, width = BASEMAP_STYLE.get(kind, ("#cccccc", 0.8))
        fig.multi_line(xs, ys, line_color=colour, line_width=width, legend_label=kind)


def _lonlat_box(nodes: pd.DataFrame, pad: float) -> tuple[float, float, float, float]:
    return (float(nodes["lon"].min()) - pad, float(nodes["lon"].max()) + pad,
            float(nodes["lat"].min()) - pad, float(nodes["lat"].max()) + pad)


def _figure(title: str, box: tuple[float, float, float, float], width: int) -> Any:
    """An empty map figure over ``box`` (x0, x1, y0, y1 in km), true to scale."""
    from bokeh.models import Range1d
    from bokeh.plotting import figure

    x0, x1, y0, y1 = box
    height = int(min(max(width * (y1 - y0) / max(x1 - x0, 1e-9), 260), 700))
    return figure(title=title, frame_width=width, frame_height=height,
                  x_range=Range1d(start=x0, end=x1), y_range=Range1d(start=y0, end=y1),
                  match_aspect=True,
                  tools="pan,wheel_zoom,box_zoom,reset", active_scroll="wheel_zoom",
                  x_axis_label="km east (map projection)",
                  y_axis_label="km north (map projection)")


def _box(x: np.ndarray, y: np.ndarray, pad: float) -> tuple[float, float, float, float]:
    dx, dy = float(np.ptp(x)) or 1.0, float(np.ptp(y)) or 1.0
    return (float(x.min()) - pad * dx, float(x.max()) + pad * dx,
            float(y.min()) - pad * dy, float(y.max()) + pad * dy)


def _draw(fig: Any, nodes: pd.DataFrame, links: pd.DataFrame,
          box: tuple[float, float, float, float]) -> None:
    """Basemap of ``box`` (degrees), links and nodes on ``fig``, with one hover tool for
    links and nodes."""
    from bokeh.models import ColumnDataSource, HoverTool

    project = geography.project
    _basemap(fig, box)
    lines = fig.multi_line("xs", "ys", source=ColumnDataSource(data=_link_source(links, project)),
                           line_color="colour", line_width="width", line_alpha=0.8,
                           hover_line_alpha=1.0, legend_field="mode")
    glyphs: list[Any] = [lines]
    for kind, (marker, size, colour) in KIND_STYLE.items():
        data = _node_source(nodes, project, kind)
        if data["x"]:
            source = ColumnDataSource(data=data)
            glyphs.append(fig.scatter("x", "y", source=source, marker=marker, size=size,
                                      fill_color=colour, line_color="white",
                                      legend_label=kind))
            fig.text("x", "y", text="label", source=source, x_offset=7, y_offset=-3,
                     text_font_size="9pt", text_color="#333333", legend_label=kind)
    fig.add_tools(HoverTool(renderers=glyphs, tooltips=f"@{HOVER_FIELD}",
                            line_policy="interp"))
    fig.legend.click_policy = "hide"
    fig.add_layout(fig.legend[0], "right")  # beside the map: it hides no node


def map_html(nodes: pd.DataFrame, links: pd.DataFrame, title: str = "") -> tuple[str, str]:
    """``(head, body)``: the inline Bokeh JavaScript for the page's head, and two maps with
    the scripts that draw them (the whole network, then the region's hubs and zones close
    up), all HTML and nothing fetched."""
    from bokeh.core.types import ID
    from bokeh.embed import json_item
    from bokeh.layouts import column
    from bokeh.resources import Resources

    x, y = geography.project(nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float))
    x, y = np.asarray(x, float), np.asarray(y, float)
    local = (nodes["kind"] != "gateway").to_numpy()
    network = _figure(f"{title}: the network", _box(x, y, 0.06), 900)
    _draw(network, nodes, links, _lonlat_box(nodes, 5.0))
    figs = [network]
    if local.any() and local.sum() < len(nodes):
        region = _figure(f"{title}: the region's hubs and zones",
                         _box(x[local], y[local], 0.25), 900)
        _draw(region, nodes, links, _lonlat_box(nodes[local], 0.5))
        figs.append(region)
    # keys in Bokeh's order: a model is defined where it first appears, referenced after
    item = _stable_ids(json.dumps(json_item(column(*figs), ID(MAP_ID))))
    item = item.replace("</", "<\\/")  # no "</script>" inside the JSON's script element
    head = Resources(mode="inline", components=["bokeh"]).render_js()
    return head, (f'<div class="netmap" id="{MAP_ID}"></div>'
                  f'<script type="application/json" id="{MAP_ID}-data">'
                  f'{item}</script>'
                  f'<script>Bokeh.embed.embed_item(JSON.parse(document.getElementById('
                  f'"{MAP_ID}-data").textContent), "{MAP_ID}");</script>')


def _stable_ids(text: str) -> str:
    """Bokeh's model ids (``"p1234"``, a counter of the process) renumbered in order of first
    appearance, so the same run gives the same report bytes."""
    order: dict[str, str] = {}
    for old in re.findall(r'"id": "(p\d+)"', text):
        order.setdefault(old, f"p{len(order) + 1}")
    return re.sub(r'"(p\d+)"', lambda m: f'"{order.get(m.group(1), m.group(1))}"', text)
