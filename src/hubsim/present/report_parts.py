"""Pieces of the HTML report: the table layout, the services by direction, the scenario
summary and the manifest (with its provenance) as a planner reads them.

:func:`html_table` aligns each column by what it holds, the rule of
:func:`hubsim.present.text.table`: numbers to the right, text (names, ids, sentences) to the
left.
"""

from __future__ import annotations

import html

import pandas as pd

from hubsim.catalogue import label
from hubsim.present.text import format_number, format_value, looks_numeric
from hubsim.scenario.schema import Scenario

__all__ = ["html_table", "load_for_report", "manifest_table", "scenario_section",
           "services_table"]


def _short_number(cell: str) -> bool:
    """A number with at most a unit and a note (``2.55 h``, ``0.82 (2 of 2 runs)``), not a
    sentence that starts with one (``16% late (due 4.8 days); waits ...``)."""
    return looks_numeric(cell) and len(cell) <= 32 and ";" not in cell


def html_table(frame: pd.DataFrame, classes: dict[tuple[int, str], str] | None = None) -> str:
    """``frame`` as an HTML table (every cell escaped); a column whose cells all look like
    numbers is right-aligned (class ``num``), any other left-aligned; ``classes`` adds a
    class to single cells by ``(row, column)``."""
    text = frame.astype(str)
    numeric = {c: bool(len(text)) and all(_short_number(v) for v in text[c]) for c in frame}
    head = "".join(f'<th{" class=num" if numeric[c] else ""}>{html.escape(str(c))}</th>'
                   for c in frame.columns)
    rows = []
    for i, row in enumerate(text.itertuples(index=False)):
        cells = []
        for col, value in zip(frame.columns, row, strict=True):
            cls = " ".join(x for x in ("num" if numeric[col] else "",
                                       (classes or {}).get((i, col), "")) if x)
            attr = f' class="{cls}"' if cls else ""
            cells.append(f"<td{attr}>{html.escape(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _value(kpis: pd.DataFrame, kpi: str, scope: str) -> dict[str, float]:
    sel = kpis[(kpis["kpi"] == kpi) & (kpis["scope"] == scope)]
    return dict(zip(sel["key"].astype(str), sel["value"].astype(float), strict=True))


def services_table(kpis: pd.DataFrame, scenario: Scenario | None) -> str:
    """One row per service: departures, the load factor of each direction (the outbound one
    from the service's first node, and the return) beside both directions together, the load
    waiting for it at the end, and the mean departure delay. A service busy one way and
    nearly empty the other reads as such, not as their average."""
    lf_dir = _value(kpis, "direction_load_factor", "service_direction")
    waiting = _value(kpis, "service_backlog_end", "service_direction")
    sel = kpis[kpis["scope"] == "service"]
    services = list(dict.fromkeys(sel["key"].astype(str)))
    ends = {s.id: (s.from_, s.to, "t" if s.cargo == "air" else "TEU")
            for s in (scenario.services if scenario is not None else ())}
    rows = []
    for svc in services:
        a, b, unit = ends.get(svc, ("", "", "TEU"))
        out_key, back_key = f"{svc}:{a}>{b}", f"{svc}:{b}>{a}"
        rows.append({
            "service": svc, "outbound": f"{a}>{b}" if a else "",
            label("departures"): format_value(_value(kpis, "departures", "service").get(svc),
                                              "1/yr"),
            "load factor: out": format_value(lf_dir.get(out_key), "fraction"),
            "load factor: return": format_value(lf_dir.get(back_key), "fraction"),
            "load factor: both ways": format_value(_value(kpis, "load_factor", "service").get(svc),
                                            "fraction"),
            "waiting at end: out": format_value(waiting.get(out_key), unit),
            "waiting at end: return": format_value(waiting.get(back_key), unit),
            label("departure_delay_mean_h"): format_value(
                _value(kpis, "departure_delay_mean_h", "service").get(svc), "h")})
    if not rows:
        return "<p>none</p>"
    return (html_table(pd.DataFrame(rows)) +
            '<p class="meta">Out: from the service\'s first node to its second, as the '
            "scenario lists it. Both ways: the load carried over the capacity offered, "
            "the two directions together (a train full one way and a third full the other "
            "reads about 65%). n/a: no departure that way in the measured window.</p>")


def _hubs_table(nodes: pd.DataFrame) -> str:
    hubs = nodes[nodes["kind"] == "hub"]
    return "<h3>Hubs</h3>" + html_table(pd.DataFrame({
        "hub": hubs.index, "name": hubs["name"],
        "handling units": hubs["equipment"].map(lambda v: f"{v:g}"),
        "yard (TEU)": hubs["yard_teu"].map(format_number)}))


def _services_plan(scenario: Scenario) -> str:
    rows = []
    for svc in scenario.services:
        unit = "TEU" if svc.cargo == "container" else "t"
        rows.append({"service": svc.id, "link": f"{svc.from_}-{svc.to}", "mode": svc.mode,
                     "capacity per vehicle": f"{svc.capacity:g} {unit}",
                     "frequency": "on demand" if svc.on_demand
                     else f"{168.0 / float(svc.headway or 'nan'):.3g}/week",
                     "fleet": str(svc.fleet or "unlimited")})
    return f"<h3>Services ({len(rows)})</h3>" + html_table(pd.DataFrame(rows))


def _demand_sentence(scenario: Scenario, nodes: pd.DataFrame, kpis: pd.DataFrame | None
                     ) -> str:
    """The demand rows' totals, and why the channel the demand offers differs from them."""
    teu = sum(d.teu_per_year for d in scenario.demand)
    tonnes = sum(d.tonnes_per_year for d in scenario.demand)
    gws = nodes[nodes["kind"] == "gateway"]
    zones = len(nodes[nodes["kind"] == "zone"])
    text = (f"<p>Demand: {len(scenario.demand)} flows generating {format_value(teu, 'TEU/yr')} "
            f"and {format_value(tonnes, 't/yr')} (each load counted once); {zones} zones; "
            f"{len(gws)} gateways ("
            + html.escape(", ".join(f"{g} ({c})" for g, c in gws["corridor"].items()))
            + f"); {len(scenario.links)} links.</p>")
    offered = {} if kpis is None else _value(kpis, "channel_teu_offered", "total")
    if offered:
        text += ('<p class="meta">Channel throughput counts a load each time it crosses the '
                 "region's boundary on a corridor link, not once per load: a box from one "
                 "gateway to another (Chengdu to Shanghai through Guoyuan) crosses twice, a "
                 "box between two zones of the region never. So the demand rows' "
                 f"{format_value(teu, 'TEU/yr')} offer "
                 f"{format_value(next(iter(offered.values())), 'TEU/yr')} of channel "
                 "throughput in this draw (its measured window's consignments, seasonal "
                 "profile included, times the crossings of their planned routes): the "
                 "offer the verdict's 'demand offered' compares with what was carried.</p>")
    return text


def scenario_section(scenario: Scenario | None, note: str = "",
                     kpis: pd.DataFrame | None = None) -> str:
    """The scenario's summary: hubs, areas, services, demand (and what it offers the
    channel); ``note`` says why the scenario is missing or changed (see
    :func:`load_for_report`)."""
    if scenario is None:
        return f"<p>{html.escape(note)}</p>"
    from hubsim.sim.network import area_table, node_table

    out = [f"<p><b>{html.escape(scenario.name)}</b>: "
           f"{html.escape(scenario.description.strip() or '(no description)')}</p>"]
    if note:
        out.append(f'<p class="meta">{html.escape(note)}</p>')
    run = scenario.run
    out.append(f"<p>The scenario's own run settings: {run.horizon_days:g} days with "
               f"{run.warmup_days:g} warm-up days, seed {run.seed} (the run above may have "
               "set other days or seeds; the manifest has what it used).</p>")
    nodes = node_table(scenario)
    out += [_hubs_table(nodes), _areas_table(area_table(scenario)), _services_plan(scenario),
            _demand_sentence(scenario, nodes, kpis)]
    return "\n".join(out)


def _areas_table(areas: pd.DataFrame) -> str:
    """The hubs' handling areas: positions, units, rate and units per vehicle (intensity)."""
    def count(v: float, name: str) -> str:
        return "unlimited" if pd.isna(v) else f"{v:g} {name}"

    return "<h3>Hub areas</h3>" + html_table(pd.DataFrame({
        "area": areas.index,
        "handles": areas["modes"].str.replace(",", ", "),
        "positions": [count(v, n) for v, n in zip(areas["positions"], areas["position_name"],
                                                  strict=True)],
        "units": [count(v, n) for v, n in zip(areas["units"], areas["equipment_name"],
                                              strict=True)],
        "moves per hour per unit": areas["moves_per_hour"].map(lambda v: f"{v:g}"),
        "units per vehicle": [f"{a:g}" if a == b else f"{a:g}-{b:g}"
                              for a, b in zip(areas["min_units"], areas["max_units"],
                                              strict=True)]})) + \
        '<p class="meta">An area is a hub\'s quay, rail tracks, gate or stands (key hub:mode); ' \
        "hub:shared is the hub's shared pool, which handles every mode without an area of " \
        "its own (unlimited positions, one unit per vehicle).</p>"


def load_for_report(manifest: dict) -> tuple[Scenario | None, str]:
    """The run's scenario from its file, if it is still there and unchanged."""
    from hubsim.api import load_scenario
    from hubsim.errors import ScenarioError
    from hubsim.present.provenance import resolve_scenario_file

    recorded = manifest.get("scenario_file")
    path = resolve_scenario_file(str(recorded)) if recorded else None
    if path is None:
        return None, (f"The scenario file {recorded!r} is not found from here; the manifest "
                      "below has its name and sha256.")
    try:
        scn = load_scenario(path)
    except ScenarioError as exc:
        return None, f"The scenario file no longer loads: {exc}"
    if manifest.get("scenario_sha256") and scn.source_hash != manifest["scenario_sha256"]:
        return scn, (f"Note: {recorded} has changed since this run (sha256 differs from the "
                     "manifest); the summary shows the file as it is now.")
    return scn, ""


#: The manifest's fields as the report names them, in its order (others follow as named).
MANIFEST_LABELS = {
    "scenario": "scenario", "scenario_file": "scenario file (in its project)",
    "scenario_sha256": "scenario file sha256", "hubsim_version": "hubsim version",
    "git_commit": "hubsim git commit", "git_dirty": "uncommitted changes in hubsim's checkout",
    "created_utc": "written (UTC)", "python": "Python", "seed": "seed (this draw)",
    "verdict.seeds": "seeds of the replications", "verdict.replications": "replications",
    "verdict.failed_runs": "failed replications", "warmup_h": "warm-up",
    "horizon_h": "end of the run", "measured_days": "measured days",
    "wall_time_s": "wall time of this draw (s)", "event_records": "event records",
    "simpy_events": "SimPy events", "consignments": "consignments",
    "vehicle_departures": "vehicle departures",
}


def _manifest_label(key: str) -> str:
    if key in MANIFEST_LABELS:
        return MANIFEST_LABELS[key]
    for suffix, unit in (("_teu", " (TEU)"), ("_tonnes", " (t)")):
        if key.endswith(suffix):
            key = key[: -len(suffix)] + unit
    return key.replace("_", " ").replace(".", ": ")


def _manifest_value(key: str, value: object) -> str:
    if "seed" in key:  # an identifier, not a quantity: no thousands separators
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if key in ("warmup_h", "horizon_h") and isinstance(value, int | float):
        return f"{format_number(float(value) / 24.0)} days"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "n/a"}[value]
    if isinstance(value, int | float):
        return format_number(value)
    return str(value)


def manifest_table(manifest: dict) -> str:
    """The manifest as a two-column table with readable field names (provenance first)."""
    flat: dict[str, object] = {}
    for key, value in manifest.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{sub}": v for sub, v in value.items()})
        else:
            flat[key] = value
    order = [k for k in MANIFEST_LABELS if k in flat] + \
        [k for k in flat if k not in MANIFEST_LABELS]
    rows = [{"field": _manifest_label(k),
             "value": _manifest_value(k, flat[k])} for k in order]
    if "git_commit" not in flat:
        rows.insert(3, {"field": "hubsim git commit",
                        "value": "not recorded (hubsim did not run from a git checkout)"})
    return html_table(pd.DataFrame(rows))


#: How the report names the emission method (docs/emissions.md).
EMISSIONS_METHOD = (
    "ISO 14083:2023 (GLEC Framework logic), well-to-wheel (WTW = tank-to-wheel + "
    "well-to-tank). Transport: per service (transport operation category) every vehicle run "
    "in the window, loaded and empty (empty returns of one-way trucks added), energy per "
    "vehicle-km linear in payload between empty and full, x the energy carrier's factor; "
    "allocated to consignments by tonne-km. Hubs: moves (air cargo: tonnes) x energy per move "
    "of each area, allocated by TEU (t) lifted. Factors: data/emission_factors.csv, each with "
    "its source; most vehicle and hub figures are estimates, not GLEC default values. Not "
    "covered: refrigeration, empty container repositioning, vehicle and infrastructure "
    "manufacture.")


def emissions_section(corridors: pd.DataFrame | None, toc: pd.DataFrame | None) -> str:
    """The emissions section: CO2e per TEU (air cargo: per t) by corridor and each service's
    intensity, from ``emissions_corridor.csv`` and ``emissions_toc.csv``; a note when the
    folder has no such tables (written by an older hubsim)."""
    if corridors is None or corridors.empty:
        return "<p>No emission tables in this results folder.</p>"
    rows = []
    for r in corridors.to_dict("records"):
        u = str(r["unit"])
        rows.append({
            "corridor": r["corridor"], "cargo": r["cargo"],
            "delivered": format_value(r["delivered_per_year"], f"{u}/yr"),
            "CO2e WTW per TEU (t)": format_value(r["wtw_kg_per_unit"], f"kg/{u}"),
            "of which TTW": format_value(r["ttw_kg_per_unit"], f"kg/{u}"),
            "of which hub operations": format_value(r["hub_wtw_kg_per_unit"], f"kg/{u}"),
            "CO2e WTW": format_value(r["wtw_t_per_year"], "t CO2e/yr")})
    out = [f'<p class="meta">Method: {html.escape(EMISSIONS_METHOD)}</p>',
           html_table(pd.DataFrame(rows)),
           '<p class="meta">Per TEU (air cargo: per tonne) delivered in the window: the CO2e '
           "of the legs run and the lifts made in the window by the corridor's consignments, "
           "over the TEU (t) of them delivered in it.</p>"]
    if toc is not None and not toc.empty:
        trows = [{"service": r["service"], "vehicle type": r["vehicle_type"],
                  "vehicle-km": format_value(r["vehicle_km"], "km"),
                  "empty share of vehicle-km": format_value(r["empty_share"], "fraction"),
                  "mass load factor": format_value(r["mass_load_factor"], "fraction"),
                  "intensity WTW": format_value(r["wtw_g_per_tkm"], "g CO2e/tkm"),
                  "CO2e WTW (window)": format_value(r["wtw_kg"] / 1e3, "t CO2e")}
                 for r in toc.to_dict("records")]
        out += ["<h3>Transport operation categories (services)</h3>",
                html_table(pd.DataFrame(trows)),
                '<p class="meta">Mass load factor: tonne-km carried over vehicle-km x the '
                "vehicle type's reference payload, empty runs included.</p>"]
    return "".join(out)
