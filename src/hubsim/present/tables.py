"""The text tables the commands print: the run's verdict and summary, experiment targets,
the golden-file check and the what-if comparison.

Each function takes result tables (or a :class:`~hubsim.api.Results`) and returns text; the
commands in :mod:`hubsim.cli` print it. Every value goes through
:func:`hubsim.present.text.format_value` and every table through
:func:`hubsim.present.text.table`, and KPI labels come from :mod:`hubsim.catalogue`, so a
KPI prints the same way in ``run``, ``sweep``, ``compare``, ``check``, ``calibrate`` and the
HTML report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from hubsim.catalogue import CATALOGUE, label
from hubsim.present.text import format_column, format_interval, format_ratio, format_value, table
from hubsim.scenario.schema import HOURS_PER_YEAR
from hubsim.sim import compiled

if TYPE_CHECKING:
    from hubsim.api import Results

__all__ = ["bottleneck_text", "check_text", "experiment_targets_text", "hub_findings",
           "kpi_frame", "offered_text", "run_text", "targets_text", "unit_of"]

#: KPIs of the run summary, by scope, in the order printed.
RUN_SUMMARY: dict[str, tuple[str, ...]] = {
    "hub": ("hub_lifts_teu", "hub_lifts_tonnes_air", "equipment_utilisation",
            "equipment_wait_mean_h", "yard_mean_utilisation", "yard_wait_teu",
            "yard_wait_mean_h", "depot_teu", "hub_dwell_mean_h", "yard_end"),
    "area": ("area_utilisation", "berth_occupancy", "units_per_vehicle_mean",
             "position_wait_mean_h", "unit_wait_mean_h", "vehicle_handling_mean_h"),
    "mode": ("channel_teu", "international_tonnes", "co2_total"),
    "corridor": ("channel_teu", "international_tonnes", "door_to_door_mean_h"),
}


def unit_of(kpi: str, fallback: str = "") -> str:
    """The catalogue's unit of ``kpi`` (``fallback`` for a name not in it)."""
    entry = CATALOGUE.get(kpi)
    return entry.unit if entry is not None else fallback


#: What a TEU figure of the air mode or an air corridor prints as: air cargo is counted in
#: tonnes, so its "0 TEU" would read as no traffic beside its tonnes and CO2.
AIR_IN_TONNES = "n/a (air: t)"


def _air_teu(scope: str, key: object, unit: object, value: object) -> bool:
    """A TEU figure of the air mode or an air corridor (always 0: air cargo is in t)."""
    air = (scope == "mode" and key == "air") or \
        (scope == "corridor" and str(key).startswith("air"))
    return air and "TEU" in str(unit) and not value


def kpi_frame(kpis: pd.DataFrame, scope: str, names: Sequence[str] | None = None
              ) -> pd.DataFrame:
    """The KPIs of one scope as formatted text: one row per key, one column per KPI (its
    catalogue label), in the order of ``names`` (default: as they appear); ``""`` where a
    key has no value of that KPI, :data:`AIR_IN_TONNES` for a zero TEU figure of the air
    mode or an air corridor."""
    sel = kpis[kpis["scope"] == scope]
    if names is not None:
        sel = sel[sel["kpi"].isin(names)]
    order = list(names) if names is not None else list(dict.fromkeys(sel["kpi"]))
    order = [k for k in order if k in set(sel["kpi"])]
    cells: dict[object, str] = {}
    for _, group in sel.groupby("kpi", sort=False):  # one format per KPI: a column alike
        cells.update(zip(group.index, format_column(group["value"].tolist(),
                                                    group["unit"].iloc[0]), strict=True))
    text = [AIR_IN_TONNES if _air_teu(scope, k, u, v) else cells[i] for i, k, v, u in
            zip(sel.index, sel["key"], sel["value"], sel["unit"], strict=True)]
    wide = sel.assign(text=text).pivot_table(index="key", columns="kpi", values="text",
                                             aggfunc="first", sort=False)
    wide = wide.reindex(index=list(dict.fromkeys(sel["key"])), columns=order).fillna("")
    wide.columns = [label(k) if k in CATALOGUE else k for k in order]
    wide.index.name = scope
    return wide


def _frame_text(frame: pd.DataFrame, transpose: bool = False) -> str:
    if transpose:
        frame = frame.T
        return table([[i, *r] for i, r in zip(frame.index, frame.to_numpy().tolist(),
                                               strict=True)],
                     [f"KPI \\ {frame.columns.name or ''}".rstrip(), *map(str, frame.columns)])
    return table([[i, *r] for i, r in zip(frame.index, frame.to_numpy().tolist(), strict=True)],
                 [str(frame.index.name), *map(str, frame.columns)])


def targets_text(targets: pd.DataFrame) -> str:
    """One run's targets: ``target, value, threshold, ratio, verdict``."""
    rows = [[t.target, format_value(t.value, t.unit), f"{t.sense} "
             f"{format_value(t.threshold, t.unit)}", format_ratio(t.ratio, signed=False),
             "MET" if t.met else "NOT MET"] for t in targets.itertuples()]
    return table(rows, ["target", "value", "threshold", "ratio", "verdict"])


def years_text(res: Results) -> str:
    """One row per target, one column per measured year, and the first year it is met."""
    from hubsim.analysis.yearly import first_year_met

    by_year = res.targets_by_year
    years = sorted(by_year["year"].unique())
    rows = []
    for t in res.targets.to_dict("records"):
        sel = by_year[by_year["target"] == t["target"]].set_index("year")
        first = first_year_met(by_year, str(t["target"]))
        rows.append([t["target"]] + [f"{format_value(sel.loc[y, 'value'], t['unit'])}"
                                  f"{'*' if sel.loc[y, 'met'] else ' '}" for y in years]
                    + ["never" if first is None else str(first)])
    return table(rows, ["target", *map(str, years), "first met"]) + "\n  (* met that year)"


def run_text(res: Results, verdict: str | None = None) -> str:
    """The compact verdict and summary printed by ``hubsim run``; ``verdict`` (the text of
    :func:`hubsim.present.verdict.verdict_text`, over replications) replaces the single
    draw's target table."""
    k = res.kpis
    out = []
    if verdict is not None:
        out += ["", verdict]
    elif len(res.targets):
        out += ["", "Targets (per year, measured after warm-up)", targets_text(res.targets)]
        out += offered_text(k, res.targets)
    out += bottleneck_text(res.bottlenecks, k)
    if len(res.targets) and res.window.hours > HOURS_PER_YEAR + 24.0:
        out += ["", "Targets by simulated year (hubsim.analysis.yearly)", years_text(res)]
    hubs = kpi_frame(k, "hub", RUN_SUMMARY["hub"]).reindex(list(res.scenario.hubs))
    out += ["", "By hub", _frame_text(hubs.fillna(""), transpose=True)]
    areas = kpi_frame(k, "area", RUN_SUMMARY["area"])
    if len(areas):
        out += ["", "By hub area (hub:mode; hub:shared is the hub's shared pool)",
                _frame_text(areas)]
    out += hub_findings(k)
    modes = kpi_frame(k, "mode", RUN_SUMMARY["mode"])
    flows = k[(k["kpi"] == "channel_teu") & (k["scope"] == "mode")].set_index("key")["value"]
    total = float(flows.sum())
    modes.insert(1, "share", [format_ratio(flows.get(m, float("nan")) / total, signed=False)
                              if total and m != "air" else "n/a" for m in modes.index])
    out += ["", "By mode (channel crossings)", _frame_text(modes)]
    out += ["", "By corridor", _frame_text(kpi_frame(k, "corridor", RUN_SUMMARY["corridor"]))]
    b = res.balance
    teu = [format_value(b[name], "TEU") for name in ("generated_teu", "delivered_teu",
                                                     "at_nodes_teu", "on_vehicles_teu")]
    out += ["", f"Conservation: generated {teu[0]} = delivered {teu[1]} + at nodes {teu[2]} "
                f"+ on vehicles {teu[3]} (checked)",
            f"Simulated in {res.wall_time_s:.1f} s ({'compiled' if compiled() else 'pure-Python'} "
            f"engine): {res.counts['consignments']:,} consignments, "
            f"{res.counts['event_records']:,} event records, {res.simpy_events:,} SimPy events"]
    return "\n".join(out)


def offered_text(kpis: pd.DataFrame, targets: pd.DataFrame) -> list[str]:
    """Lines under a single draw's targets: what the demand offered of each target KPI that
    has an ``<kpi>_offered`` KPI, and the share carried (empty when none has)."""
    out = []
    for t in targets.to_dict("records"):
        sel = kpis[(kpis["kpi"] == f"{t['kpi']}_offered") & (kpis["scope"] == "total")]
        if sel.empty:
            continue
        offered = float(sel["value"].iloc[0])
        share = float(t["value"]) / offered if offered else float("nan")
        out.append(f"  {t['target']}: the demand offered {format_value(offered, t['unit'])}, "
                   f"carried {format_ratio(share, signed=False)} of it")
    return out


def _days(hours: float) -> str:
    """A duration: in days from two days on, else as :func:`format_value` writes hours."""
    if pd.notna(hours) and abs(hours) >= 48.0:
        return f"{format_value(hours / 24.0)} days"
    return format_value(hours, "h")


#: Rows of each ranking ``hubsim run`` prints (all of them are in ``bottlenecks.csv``).
JAM_ROWS = 5


def bottleneck_text(b: pd.DataFrame, kpis: pd.DataFrame | None = None,
                    rows: int = JAM_ROWS) -> list[str]:
    """The "Where it jams" section: the first ``rows`` resources and flows of
    :func:`hubsim.analysis.bottlenecks.bottlenecks`, each with why; ``kpis`` adds the flows'
    95th percentile door-to-door time."""
    if b.empty:
        return []
    res = b[b["kind"] == "resource"].head(rows)
    flows = b[b["kind"] == "flow"].head(rows)
    p95 = pd.Series(dtype=float)
    if kpis is not None:
        sel = kpis[(kpis["kpi"] == "flow_door_to_door_p95_h") & (kpis["scope"] == "flow")]
        p95 = pd.Series(sel["value"].to_numpy(float), index=sel["key"].astype(str))
    out = ["", "Where it jams (first the resources whose queue grows, then those holding the "
               "most load beyond", "their planned wait; flows by late share; every resource "
               "and flow is in bottlenecks.csv)"]
    rrows = [[str(r["rank"]), f"{r['type']} {r['name']}",
              format_value(r["utilisation"], "fraction"),
              format_value(r["queue_growth_teu_per_day"], f"{r['unit']}/day", signed=True),
              _days(r["wait_mean_h"]), format_value(r["backlog_end"], r["unit"])]
             for r in res.to_dict("records")]
    out.append(table(rrows, ["rank", "resource", "use", "queue growth", "wait",
                             "waiting at end"], align="llrrrr"))
    frows = [[str(r["rank"]), str(r["name"]), format_value(r["late_share"], "fraction"),
              _days(r["wait_mean_h"]), _days(p95.get(str(r["name"]), float("nan"))),
              format_value(r["backlog_end"], r["unit"])] for r in flows.to_dict("records")]
    out.append(table(frows, ["rank", "flow", "late", "wait", "p95 door-to-door",
                             "in system at end"], align="llrrrr"))
    for r in (*res.head(1).to_dict("records"), *flows.head(1).to_dict("records")):
        out.append(f"  {r['kind']} 1, {r['name']}: {r['why']}")
    return out


def hub_findings(kpis: pd.DataFrame) -> list[str]:
    """Lines naming the busiest hub area (highest ``area_utilisation``, with its berth
    occupancy where it has positions) and every hub where loads waited for yard room or went
    to the depot (``Yard waits: none`` when nowhere)."""
    def values(kpi: str, scope: str) -> pd.Series:
        sel = kpis[(kpis["kpi"] == kpi) & (kpis["scope"] == scope)]
        return pd.Series(sel["value"].to_numpy(float), index=sel["key"].astype(str))

    out = []
    util = values("area_utilisation", "area").dropna()
    if len(util):
        key = str(util.idxmax())
        berth = values("berth_occupancy", "area").get(key)
        text = f"Busiest area: {key}, {format_value(util[key], 'fraction')} of its unit-hours"
        if berth is not None:
            text += f", {format_value(berth, 'fraction')} berth occupancy"
        out.append(text)
    waited, mean, depot = (values(n, "hub") for n in ("yard_wait_teu", "yard_wait_mean_h",
                                                       "depot_teu"))
    parts = []
    for hub in waited.index:
        if waited[hub] > 0:
            parts.append(f"{hub} {format_value(waited[hub], 'TEU/yr')} waited "
                         f"{format_value(mean.get(hub), 'h')} on average")
        if depot.get(hub, 0.0) > 0:
            parts.append(f"{hub} {format_value(depot[hub], 'TEU/yr')} to the depot")
    out.append("Yard waits: " + ("; ".join(parts) if parts else "none"))
    return ["", *out] if out else []


def experiment_targets_text(targets: pd.DataFrame, params: Sequence[str]) -> str:
    """Targets over replications (one row per point and target): threshold, mean, 95% CI,
    number of runs and the probability the target is met with its interval."""
    rows = []
    for d in targets.to_dict("records"):
        unit = unit_of(str(d.get("kpi", "")))
        rows.append([*[str(d[p]) for p in params], d["target"],
                     f"{d['sense']} {format_value(d['threshold'], unit)}",
                     format_value(d["mean"], unit),
                     format_interval(d["ci_low"], d["ci_high"], unit),
                     str(d["n"]),
                     f"{d['p_met'] * 100:.0f}% [{d['p_met_low'] * 100:.0f}-"
                     f"{d['p_met_high'] * 100:.0f}%]"])
    return table(rows, [*params, "target", "threshold", "mean", "95% CI", "n", "P(met)"])


def check_text(diff: pd.DataFrame) -> str:
    """Rows of :func:`hubsim.experiments.golden.compare` as the table ``hubsim check``
    prints: golden and current mean, change (absolute and relative), tolerance, status."""
    rows = []
    for r in diff.to_dict("records"):
        unit, change, golden = r["unit"], float(r["change"]), float(r["golden"])
        pct = format_ratio(change / abs(golden)) if not pd.isna(change) and golden else "-"
        rows.append([r["kpi"], r["scope"], r["key"] or "-", format_value(golden, unit),
                     format_value(r["now"], unit),
                     "-" if pd.isna(change) else format_value(change, unit, signed=True), pct,
                     format_value(r["tol"], unit), r["status"]])
    return table(rows, ["kpi", "scope", "key", "golden", "now", "change", "change %", "tol",
                        "status"], align="lllrrrrrl")
