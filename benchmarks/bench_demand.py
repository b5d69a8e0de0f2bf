"""Benchmark: cost against demand, 1x, 2x and 4x the 2022 target scenario's demand.

Usage (from the repository root; run on demand, never from pytest)::

    python benchmarks/bench_demand.py                          # 1x 2x 4x, a year each, 3 repeats
    python benchmarks/bench_demand.py --factors 1 4 --repeats 1 --days 60 --json out.json

Demand is scaled as an overlay does it (``scenarios/whatif_demand_plus20.yaml``): every demand
row's ``teu_per_year`` and ``tonnes_per_year`` times the factor (``set: {demand.*.teu_per_year:
x4, demand.*.tonnes_per_year: x4}``, through :func:`hubsim.apply_changes`); the network and
its services stay as they are. Each run is :func:`bench_year.child_hubsim` in a fresh process
(one simulated year, the KPIs left out), factors interleaved within a repeat.

Printed per factor: ``simulate()`` wall time and its ratio to 1x (issue 13: 4x demand must take
<= 4.4x the time), SimPy events, event records (the ``event_records`` of a results folder's
manifest: ``len(Results.events)``), consignments generated and delivered, microseconds per SimPy
event, and peak RSS through ``simulate()``. Memory: the least-squares slope of that peak RSS
against the event records, in MB per million records, and how far the middle point lies off
the straight line through the first and the last (linear growth: close to 0).

Reading it: the 2022 network runs near its limits at 1x, so at 2x and 4x much of the extra
demand cannot move; it waits (in yards, at gates, in the departure queues) to the end of the
year. Events and records then grow less than demand, and memory grows with the cargo waiting,
not only with the records written. The events, records and delivered columns show how much of
the demand was actually moved.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bench_year import hubsim_run
from benchlib import DEFAULT_SCENARIO, measure_and_print, median

FACTORS = (1.0, 2.0, 4.0)
TIME_MUST = 4.4  # 4x demand: at most 4.4x the time of 1x


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares slope and intercept of ys on xs."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return slope, my - slope * mx


def summarise(runs: dict[float, list[dict]]) -> dict[str, Any]:
    """Medians per factor, time ratios to the smallest factor (paired by repeat), the memory
    slope per million records and the middle point's distance from the end points' line."""
    factors = sorted(runs)
    base = factors[0]
    rows = []
    for k in factors:
        rs = runs[k]
        row: dict[str, Any] = {"factor": k}
        row |= {key: rs[0][key] for key in ("simpy_events", "records", "consignments",
                                            "delivered")}
        row |= {key: median(r[key] for r in rs) for key in ("sim_s", "sim_cpu_s", "rss_sim_mb",
                                                            "rss_loaded_mb")}
        row["time_ratio"] = median(a["sim_s"] / b["sim_s"]
                                   for a, b in zip(rs, runs[base], strict=False))
        row["us_per_event"] = 1e6 * row["sim_s"] / row["simpy_events"]
        rows.append(row)
    xs = [r["records"] / 1e6 for r in rows]
    ys = [r["rss_sim_mb"] for r in rows]
    slope, intercept = fit(xs, ys)
    out: dict[str, Any] = {"rows": rows, "mb_per_million_records": slope,
                           "intercept_mb": intercept, "runs": {str(k): v
                                                               for k, v in runs.items()}}
    if len(rows) >= 3:
        (x0, y0), (x1, y1), (x2, y2) = (xs[0], ys[0]), (xs[len(xs) // 2], ys[len(ys) // 2]), \
            (xs[-1], ys[-1])
        line = y0 + (y2 - y0) * (x1 - x0) / (x2 - x0) if x2 != x0 else y0
        out["middle_off_line_mb"] = y1 - line
    top = [r for r in rows if r["factor"] == 4.0]
    out["time_ratio_4x"] = top[0]["time_ratio"] if top and base == 1.0 else None
    return out


def measure(scenario: str = str(DEFAULT_SCENARIO), factors: tuple[float, ...] = FACTORS,
            repeats: int = 3, days: float | None = None, log: Any = print,
            given: dict[float, list[dict]] | None = None) -> dict[str, Any]:
    """Run each factor ``repeats`` times in fresh processes; ``given`` supplies runs already
    made (run_all passes the 1x runs of the one-year benchmark: the same child, same
    arguments)."""
    runs: dict[float, list[dict]] = {k: list((given or {}).get(k, [])) for k in factors}
    for i in range(repeats):
        for k in factors:
            if len(runs[k]) > i:
                continue
            r = hubsim_run(scenario, days=days, demand=k, kpis=False)
            runs[k].append(r)
            log(f"  demand x{k:g}, repeat {i + 1}: {r['sim_s']:.2f} s, "
                f"{r['simpy_events']:,} SimPy events, peak RSS {r['rss_sim_mb']:.0f} MB")
    return summarise(runs)


def table(result: dict[str, Any]) -> list[str]:
    lines = [f"{'demand':>6} {'sim s':>7} {'x time':>6} {'SimPy events':>12} {'records':>10} "
             f"{'consignments':>12} {'delivered':>10} {'us/event':>8} {'RSS sim MB':>10}"]
    for r in result["rows"]:
        lines.append(f"{'x' + format(r['factor'], 'g'):>6} {r['sim_s']:>7.2f} "
                     f"{r['time_ratio']:>6.2f} {r['simpy_events']:>12,} {r['records']:>10,} "
                     f"{r['consignments']:>12,} {r['delivered']:>10,} "
                     f"{r['us_per_event']:>8.2f} {r['rss_sim_mb']:>10.0f}")
    mem = (f"memory: {result['mb_per_million_records']:.0f} MB per million event records "
           f"(least squares over the factors, intercept {result['intercept_mb']:.0f} MB)")
    if "middle_off_line_mb" in result:
        mem += (f"; the middle point is {result['middle_off_line_mb']:+.0f} MB off the line "
                "through the end points")
    lines.append(mem)
    if result["time_ratio_4x"] is not None:
        ok = result["time_ratio_4x"] <= TIME_MUST
        lines.append(f"4x demand takes {result['time_ratio_4x']:.2f}x the time of 1x "
                     f"(must <= {TIME_MUST:g}x: {'PASS' if ok else 'FAIL'})")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO))
    ap.add_argument("--factors", type=float, nargs="+", default=list(FACTORS))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--days", type=float, help="measured days (default: the scenario's)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    print(f"bench_demand: {args.scenario}, demand x{', x'.join(f'{k:g}' for k in args.factors)}"
          f", {args.repeats} repeats, each run in a fresh process", flush=True)
    return measure_and_print(
        "bench_demand", lambda log: measure(args.scenario, tuple(args.factors), args.repeats,
                                            args.days, log=log), table, args.json)


if __name__ == "__main__":
    sys.exit(main())
