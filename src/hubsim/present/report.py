"""The HTML report: one self-contained ``report.html`` built from a results folder.

It reads what :func:`hubsim.present.output.write_results` wrote (``manifest.json``,
``targets.csv``, ``kpis.csv``, ``bottlenecks.csv``, ``verdict.csv`` when ``hubsim run`` judged
the targets over replications, and the PNG figures) and puts, in this order: the verdict
against each target (over replications from ``verdict.csv``, else the single draw's), where the
network jams (the ranked resources and flows of ``bottlenecks.csv``), the key figures, the
service levels of the flows that wait longest, the KPI tables by hub and corridor, the
emissions per ISO 14083 (``emissions_corridor.csv``, ``emissions_toc.csv``), the KPI tables by
mode and service, the scenario summary and the manifest. Figures are embedded as base64 data,
so the file opens anywhere without a network or the folder beside it. The file is written under a
temporary name and renamed into place, so a reader never sees half a report.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from hubsim.atomic import atomic_write, check_output_place
from hubsim.catalogue import CATALOGUE, label
from hubsim.errors import ReportError
from hubsim.present.interactive_map import MAP_LINKS, MAP_NODES, map_html
from hubsim.present.report_parts import (
    emissions_section,
    html_table,
    load_for_report,
    manifest_table,
    scenario_section,
    services_table,
)
from hubsim.present.tables import kpi_frame
from hubsim.present.text import format_column, format_ratio, format_value
from hubsim.scenario.schema import Scenario

__all__ = ["FIGURE_CAPTIONS", "ReportError", "render_report", "write_report"]

REPORT_NAME = "report.html"
#: Rows of each ranking in "Where it jams" and of the flows' service levels.
JAM_ROWS = 10
FLOW_ROWS = 15

FIGURE_CAPTIONS = {
    "throughput_vs_target.png": "Cumulative channel TEU and international tonnes against the "
                                "targets' seasonal path, with the weekly rate",
    "network_map.png": "Network map: links coloured by mode, line width by simulated flow",
    "hub_utilisation.png": "Hub equipment utilisation and yard occupancy over the year",
    "hub_heatmap.png": "Hubs by week: utilisation, wait for equipment, yard occupancy",
    "transit_times.png": "Door-to-door transit times by corridor",
    "mode_split.png": "Channel TEU and international tonnes by mode",
    "corridor_cost_co2.png": "Cost and CO2e per TEU by corridor (CO2e per ISO 14083, WTW)",
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:1180px;padding:1.2em 2em;color:#222;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;
margin-top:1.8em}
.verdict{padding:.8em 1.2em;border-radius:6px;font-size:1.25em;font-weight:600;margin:1em 0}
.met{background:#e3f4e5;border:2px solid #2e7d32;color:#1b5e20}
.notmet{background:#fde8e6;border:2px solid #c62828;color:#8e1b1b}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}th.num{text-align:right}td.num{text-align:right;white-space:nowrap}
td.ok{color:#1b5e20;font-weight:600}td.no{color:#b71c1c;font-weight:600}
figure{margin:1.2em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#555}
.meta{color:#666;font-size:.9em}.grid{display:flex;flex-wrap:wrap;gap:1.5em}
.netmap{border:1px solid #eee;margin:.6em 0}
"""




def _read(folder: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    if not folder.is_dir():
        raise ReportError(f"{folder}: not a folder; give a results folder written by "
                          "'hubsim run'")
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except FileNotFoundError:
        raise ReportError(f"{folder}: no manifest.json; not a results folder written by "
                          "'hubsim run'") from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"{folder / 'manifest.json'}: not valid JSON ({exc.msg} at line "
                          f"{exc.lineno})") from None
    tables = []
    for name in ("targets.csv", "kpis.csv"):
        try:
            tables.append(pd.read_csv(folder / name, keep_default_na=False,
                                      na_values=["", "nan", "NaN"]))
        except FileNotFoundError:
            raise ReportError(f"{folder}: {name} missing; the results folder is "
                              "incomplete") from None
    return manifest, tables[0], tables[1]


def _verdict(targets: pd.DataFrame) -> tuple[str, str]:
    """Headline and table of the targets (HTML)."""
    if targets.empty:
        return '<div class="verdict met">No targets set in this scenario</div>', ""
    met = targets["met"].astype(str).str.lower().isin(["true", "1"])
    n_met = int(met.sum())
    if n_met == len(targets):
        head = f"VERDICT: all {len(targets)} targets met"
    else:
        missed = ", ".join(targets.loc[~met, "target"].astype(str))
        head = f"VERDICT: {len(targets) - n_met} of {len(targets)} targets NOT MET ({missed})"
    rows, classes = [], {}
    for i, t in enumerate(targets.to_dict("records")):
        unit = t.get("unit", "")
        row = {"target": t["target"], "KPI": t["kpi"], "value": format_value(t["value"], unit),
               "threshold": f"{t['sense']} {format_value(t['threshold'], unit)}",
               "ratio": format_ratio(t["ratio"], signed=False)}
        for extra in ("ci_low", "ci_high", "probability_met"):
            if extra in targets.columns:
                value = t[extra]
                row[extra.replace("_", " ")] = format_value(value, "fraction"
                                                    if extra == "probability_met" else unit)
        row["verdict"] = "MET" if met.iloc[i] else "NOT MET"
        classes[(i, "verdict")] = "ok" if met.iloc[i] else "no"
        rows.append(row)
    cls = "met" if n_met == len(targets) else "notmet"
    return (f'<div class="verdict {cls}" id="verdict">{html.escape(head)}</div>',
            html_table(pd.DataFrame(rows), classes))


def _kpi_pivot(kpis: pd.DataFrame, scope: str) -> str:
    """KPIs of one scope as a table (labels from the KPI catalogue): one column per key (hub,
    corridor...) when there are few keys, else one row per key."""
    wide = kpi_frame(kpis, scope)
    if wide.empty:
        return "<p>none</p>"
    if len(wide) <= 8:
        wide = wide.T
        wide.index.name = f"KPI \\ {scope}"
    return html_table(wide.reset_index())


def _read_optional(path: Path) -> pd.DataFrame | None:
    """A CSV table of the results folder, or None when it is not there (an older folder)."""
    if not path.is_file():
        return None
    return pd.read_csv(path, keep_default_na=False, na_values=["", "nan", "NaN"])


def _days(hours: pd.Series) -> list[str]:
    """A column of durations written alike: all in days when one reaches two days, else all
    in the hours, minutes or seconds the largest suits."""
    values = pd.to_numeric(hours, errors="coerce")
    if values.abs().max() >= 48.0:
        return format_column((values / 24.0).tolist(), "days")
    return format_column(values.tolist(), "h")


def _jams_section(b: pd.DataFrame | None) -> str:
    """"Where it jams": the first resources and flows of ``bottlenecks.csv``, with why."""
    if b is None:
        return ""
    res = b[b["kind"] == "resource"].head(JAM_ROWS)
    flows = b[b["kind"] == "flow"].head(JAM_ROWS)
    resources = pd.DataFrame({
        "rank": res["rank"], "type": res["type"], "resource": res["name"],
        "use": [format_value(v, "fraction") for v in res["utilisation"]],
        "queue growth": [format_value(v, f"{u}/day", signed=True)
                         for v, u in zip(res["queue_growth_teu_per_day"], res["unit"],
                                         strict=True)],
        "wait": _days(res["wait_mean_h"]),
        "waiting at end": [format_value(v, u) for v, u in zip(res["backlog_end"], res["unit"],
                                                              strict=True)],
        "why": res["why"]})
    flow_table = pd.DataFrame({
        "rank": flows["rank"], "flow": flows["name"],
        "late": [format_value(v, "fraction") for v in flows["late_share"]],
        "wait": _days(flows["wait_mean_h"]),
        "in system at end": [format_value(v, u) for v, u in
                             zip(flows["backlog_end"], flows["unit"], strict=True)],
        "why": flows["why"]})
    return ('<h2 id="jams">Where it jams</h2>'
            "<p>Resources whose queue grows over the measured window come first (demand "
            "above what they can do); then those holding the most load beyond their planned "
            "wait (half the headway of a service, half the lockage cycle of a lock, none at "
            "cranes and yards). Use is the busier of units and positions for a hub area, the "
            "timetable's capacity carried for a service, lockages used for a lock, the mean "
            "occupancy for a yard. Flows are ranked by the share of their load delivered "
            "late, then by their mean wait. Every resource and flow is in "
            "<code>bottlenecks.csv</code>.</p>"
            f"<h3>Resources</h3>{html_table(resources)}<h3>Flows</h3>{html_table(flow_table)}")


#: Flow KPIs in the service-level table, in its column order.
_FLOW_KPIS = ("flow_expected_h", "flow_on_time_share", "flow_door_to_door_p50_h",
              "flow_door_to_door_p95_h", "flow_wait_mean_h", "flow_offered",
              "flow_delivered", "flow_backlog_end")


def _flows_section(kpis: pd.DataFrame) -> str:
    """Service levels of the flows that wait longest (the ``flow`` scope of ``kpis.csv``)."""
    sel = kpis[(kpis["scope"] == "flow") & kpis["kpi"].isin(_FLOW_KPIS)]
    if sel.empty:
        return ""
    wide = sel.pivot_table(index="key", columns="kpi", values="value", aggfunc="first")
    wide = wide.reindex(columns=list(_FLOW_KPIS))
    top = wide.sort_values("flow_wait_mean_h", ascending=False, na_position="last")
    top = top.head(FLOW_ROWS)
    air = [str(k).endswith(":air") or ":air#" in str(k) for k in top.index]
    load = ["t" if a else "TEU" for a in air]
    frame = pd.DataFrame({
        "flow": top.index,
        label("flow_expected_h"): _days(top["flow_expected_h"]),
        label("flow_on_time_share"): [format_value(v, "fraction")
                                      for v in top["flow_on_time_share"]],
        "door-to-door p50": _days(top["flow_door_to_door_p50_h"]),
        "p95": _days(top["flow_door_to_door_p95_h"]),
        "wait (mean)": _days(top["flow_wait_mean_h"]),
        "offered": [format_value(v, f"{u}/yr") for v, u in zip(top["flow_offered"], load,
                                                                 strict=True)],
        "delivered": [format_value(v, f"{u}/yr") for v, u in zip(top["flow_delivered"], load,
                                                                   strict=True)],
        "in system at end": [format_value(v, u) for v, u in zip(top["flow_backlog_end"], load,
                                                                 strict=True)]})
    return (f"<h2 id=\"flows\">Service levels by flow ({min(FLOW_ROWS, len(wide))} of "
            f"{len(wide)} flows, longest mean wait first)</h2>"
            "<p>A flow is one demand row. On time: delivered within the expected door-to-door "
            "time of its planned route plus 25% (at least 24 h); the expected time counts "
            "the mean transit, half the headway of the services, the lock passage and the "
            "dwell and clearance at the hubs, but no handling or queues. Wait: door-to-door "
            "time minus the time aboard vehicles (see docs/kpis.md).</p>" + html_table(frame))


def _figure(path: Path, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure id="fig-{html.escape(path.stem)}"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(caption)}"><figcaption>{html.escape(caption)} '
            f"({html.escape(path.name)})</figcaption></figure>")


def _totals_section(kpis: pd.DataFrame, draw: str) -> str:
    """Every total KPI of this draw, by its catalogue label (its name in kpis.csv after)."""
    total = kpis[kpis["scope"] == "total"]
    rows = [{"KPI": label(k), "value": format_value(v, u),
             "in kpis.csv": k if k in CATALOGUE else ""}
            for k, v, u in zip(total["kpi"], total["value"], total["unit"], strict=True)]
    if not rows:
        return ""
    return (f"<h2>Totals ({html.escape(draw)})</h2><p class=\"meta\">Per-year figures are "
            "this draw's measured window scaled to 365 days, without the seasonal adjustment "
            "or the averaging over replications of the verdict above.</p>"
            + html_table(pd.DataFrame(rows)))


#: The official counting definitions beside the model's channel throughput: (kpi, scope, key,
#: how it differs from channel throughput)
DEFINITIONS = (
    ("channel_teu", "total", "", "the model's own count: every boundary crossing of every box "
     "(domestic Yangtze boxes, both crossings of a transit box); no published figure counts "
     "this"),
    ("foreign_trade_teu", "total", "", "international boxes only, each once (a transit box "
     "crossing in and out counts once): the measure of the published 666.4k TEU of 2018"),
    ("cre_train_equivalents", "total", "", "the CRE's TEU both ways / 82, as Chongqing counts "
     "its China-Europe trains (41 loaded 40-ft boxes a train)"),
    ("ilstc_teu", "total", "", "the land-sea corridor over rail-sea via Qinzhou, international "
     "rail and cross-border road together, as the published figure counts it"),
    ("area_lifts_teu", "area", "guoyuan:water", "boxes over Guoyuan's quay, each once: one "
     "terminal's throughput (the port's published totals cover all its areas)"),
)


def _definitions_section(kpis: pd.DataFrame, draw: str) -> str:
    """The official counting definitions beside the model's channel throughput, each with
    how it differs (README "Counting rules")."""
    rows = []
    for kpi, scope, key, how in DEFINITIONS:
        keys = kpis["key"].fillna("").astype(str)  # a total's empty key reads back as NaN
        sel = kpis[(kpis["kpi"] == kpi) & (kpis["scope"] == scope) & (keys == key)]
        if sel.empty:
            continue
        r = sel.iloc[0]
        rows.append({"KPI": label(kpi) + (f" ({key})" if key else ""),
                     "value": format_value(float(r["value"]), str(r["unit"])),
                     "how it differs from channel throughput": how})
    if len(rows) < 2:
        return ""
    return (f"<h2>Under the official definitions ({html.escape(draw)})</h2><p class=\"meta\">"
            "Published figures count differently from the model's channel throughput; "
            "these are the same run counted as they do (docs/kpis.md). hubsim backtest sets "
            "them against what was published for 2022 and 2023.</p>"
            + html_table(pd.DataFrame(rows)))


def _empties_section(table: pd.DataFrame | None, draw: str) -> str:
    """Empty containers per corridor (``empties.csv``; runs with an ``empties`` section)."""
    if table is None or table.empty:
        return ""
    frame = pd.DataFrame({
        "corridor": table["corridor"],
        label("empty_teu_moved"): [format_value(v, "TEU/yr")
                                   for v in table["empty_teu_moved"]],
        label("empty_share"): [format_value(v, "fraction") for v in table["empty_share"]],
        "return share (model)": [format_value(v, "fraction") for v in table["return_share"]],
        "return share (published)": [format_value(v, "fraction")
                                     for v in table["return_share_published"]],
        "source": ["" if pd.isna(v) else str(v) for v in table["return_share_source"]]})
    if "co2e_t_per_year" in table:  # folders written before it was added lack it
        frame.insert(5, "CO2e of repositioning", [format_value(v, "t CO2e/yr")
                                                   for v in table["co2e_t_per_year"]])
    return (f"<h2 id=\"empties\">Empty containers ({html.escape(draw)})</h2><p>Boxes are "
            "tracked in pools per node; empties are repositioned to short nodes on the room "
            "loaded cargo leaves. Hub throughput counts them, channel throughput and "
            "international tonnes do not (docs/empties.md). Return share: loaded TEU in / "
            "loaded TEU out, from the demand; the published figure is for reference.</p>"
            + html_table(frame))


def _map_section(folder: Path, title: str) -> tuple[str, str]:
    """``(head, body)`` of the interactive map, or ``("", "")`` for a folder without the map
    tables (written by an older hubsim)."""
    nodes, links = _read_optional(folder / MAP_NODES), _read_optional(folder / MAP_LINKS)
    if nodes is None or links is None:
        return "", ""
    head, body = map_html(nodes, links, title)
    return head, ('<h2 id="map">Network map (interactive)</h2><p>Drag to pan, scroll to zoom, '
                  "hover a link for its flow each way and its services' load factor and "
                  "waiting load, a hub for its lifts, handling use and waits. Links are "
                  "coloured by mode (click a legend entry to hide it) and as wide as their "
                  "flow (air cargo: 10 t drawn as one TEU). Everything it needs is in this "
                  "file.</p>" + body)


def _header(manifest: dict, folder: Path) -> tuple[str, str]:
    """The title and the line under it: the run's seeds, window, version and commit."""
    title = f"hubsim report: {manifest.get('scenario', folder.name)}"
    seeds = manifest.get("verdict", {}).get("seeds") or [manifest.get("seed")]
    commit = manifest.get("git_commit")
    dirty = ", with uncommitted changes" if manifest.get("git_dirty") else ""
    meta = (f"{len(seeds)} replication{'s' if len(seeds) > 1 else ''} (seed"
            f"{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}); "
            f"{float(manifest.get('measured_days', 'nan')):g} measured days after "
            f"{float(manifest.get('warmup_h', 0.0)) / 24.0:g} warm-up days; hubsim "
            f"{manifest.get('hubsim_version', '?')}"
            + (f" (commit {str(commit)[:10]}{dirty})" if commit else "")
            + (f"; written {manifest['created_utc']}" if manifest.get("created_utc") else "")
            + ". Per-year figures are measured after the warm-up and scaled to 365 days.")
    return title, f'<p class="meta">{html.escape(meta)}</p>'


def render_report(folder: Path, scenario: Scenario | None = None) -> str:
    """The report of the results folder ``folder`` as one HTML document (a string).

    ``scenario`` is used for the summary when given; otherwise the manifest's scenario file is
    loaded if it is still there.
    """
    folder = Path(folder)
    manifest, targets, kpis = _read(folder)
    title, meta = _header(manifest, folder)
    headline, target_table = _verdict(targets)
    verdicts = _read_optional(folder / "verdict.csv")
    if verdicts is not None:  # the verdict over replications replaces the single draw's
        from hubsim.present.verdict import verdict_html

        headline, target_table = verdict_html(verdicts), ""
    figures = [folder / n for n in FIGURE_CAPTIONS if (folder / n).is_file()]
    figures += sorted(p for p in folder.glob("*.png") if p.name not in FIGURE_CAPTIONS)
    map_head, map_body = _map_section(folder, str(manifest.get("scenario", "")))
    draw = f"this draw: seed {manifest.get('seed')}"
    note = ""
    if scenario is None:
        scenario, note = load_for_report(manifest)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>{map_head}</head><body>",
        f"<h1>{html.escape(title)}</h1>", meta,
        headline, target_table,
        _jams_section(_read_optional(folder / "bottlenecks.csv")),
        map_body,
        "<h2>Key figures</h2>",
        "".join(_figure(p, FIGURE_CAPTIONS.get(p.name, p.stem.replace("_", " ")))
                for p in figures[:2]),
        _flows_section(kpis),
        _totals_section(kpis, draw),
        _definitions_section(kpis, draw),
        _empties_section(_read_optional(folder / "empties.csv"), draw),
        f"<h2>By hub ({html.escape(draw)})</h2>", _kpi_pivot(kpis, "hub"),
        "<h2>By hub area</h2>", _kpi_pivot(kpis, "area"),
        "<h2>Locks</h2>" + _kpi_pivot(kpis, "link") if (kpis["scope"] == "link").any() else "",
        "<h2>By corridor</h2>", _kpi_pivot(kpis, "corridor"),
        '<h2 id="emissions">Emissions (ISO 14083)</h2>',
        emissions_section(_read_optional(folder / "emissions_corridor.csv"),
                          _read_optional(folder / "emissions_toc.csv")),
        "<h2>By mode</h2>", _kpi_pivot(kpis, "mode"),
        "<h2>By service</h2>", services_table(kpis, scenario),
        "<h2>More figures</h2>",
        "".join(_figure(p, FIGURE_CAPTIONS.get(p.name, p.stem.replace("_", " ")))
                for p in figures[2:]),
        "<h2>Scenario</h2>", scenario_section(scenario, note, kpis),
        "<h2>Manifest</h2>", manifest_table(manifest),
        '<p class="meta">Written by hubsim from the files of this results folder: '
        "targets.csv (or verdict.csv), kpis.csv, bottlenecks.csv, emissions_corridor.csv, "
        "emissions_toc.csv, empties.csv (with empty containers), map_nodes.csv, "
        "map_links.csv, manifest.json and the PNG figures.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(folder: Path, scenario: Scenario | None = None) -> Path:
    """Write ``folder/report.html`` atomically (temporary file, then rename, replacing an
    earlier report) and return it. A folder hubsim cannot write into is refused before the
    report is built (:class:`~hubsim.errors.OutputError` naming it)."""
    folder = Path(folder)
    if folder.is_dir():
        check_output_place(folder, exist_ok=True)
    text = render_report(folder, scenario)

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return atomic_write(folder / REPORT_NAME, write, replace=True)
