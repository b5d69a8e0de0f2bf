"""Benchmark: one simulated year of a scenario against a bare SimPy loop of the same event count.

Usage (from the repository root; run on demand, never from pytest)::

    python benchmarks/bench_year.py                              # 2022 target scenario, 5 repeats
    python benchmarks/bench_year.py scenarios/chongqing_2019.yaml --repeats 3 --json out.json

Every repeat runs in a fresh Python subprocess, so peak memory (``ru_maxrss``) is per run. The
hubsim child loads the scenario, runs :func:`hubsim.simulate` and builds the record tables
(``Results.tables()``; simulate() returns the records in compact form and builds the tables on
first access), then computes the KPI table and the verdict. The time of the run is simulate()
plus the tables (what simulate() alone did before the tables became lazy; pandas is imported
between the two, off the clock, as loading the scenario imported it before:
:func:`benchlib.timed_tables`); "peak RSS through
simulate()" is read when simulate() returns, and the peak once the tables are built is printed
beside it. The bare child runs a few SimPy processes doing
``yield env.timeout(...)`` until they have scheduled as many SimPy events as the hubsim run did
(the same counter the engine reports: events scheduled on the environment), with the same SimPy.
Runs alternate (hubsim, bare, hubsim, bare...) so that load on a shared machine hits both alike;
the summary quotes medians.

The children (:func:`child_hubsim`, :func:`child_bare`) are reused by ``run_all.py`` and
``bench_demand.py`` through :func:`benchlib.run_child`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from benchlib import DEFAULT_SCENARIO, ChildFailed, peak_rss_mb, run_child, timed_tables

# issue 13 ("Performance"), one year of the 2022 target scenario (~2 M channel TEU):
# (target, must) for each figure
SIM_S = 10.0  # simulate() wall time, the README's aim
RSS_MB = (150.0, 200.0)  # peak RSS through simulate()
RATIO = (2.5, 4.0)  # simulate() time / bare SimPy loop time, same event count
BARE_PROCESSES = 4


# ------------------------------------------------------------------ children (fresh processes)
def child_hubsim(scenario: str, seed: int | None = None, days: float | None = None,
                 demand: float = 1.0, kpis: bool = True) -> dict:
    """Load ``scenario`` (every demand row's TEU and tonnes times ``demand``, as the overlay
    ``set: {demand.*.teu_per_year: xK, demand.*.tonnes_per_year: xK}`` does), simulate it and,
    with ``kpis``, compute the KPI table and the verdict."""
    import hubsim

    scn = hubsim.load_scenario(scenario)
    if demand != 1.0:
        scn = hubsim.apply_changes(scn, {"demand.*.teu_per_year": f"x{demand:g}",
                                         "demand.*.tonnes_per_year": f"x{demand:g}"},
                                   source=f"demand x{demand:g}")
    rss_loaded = peak_rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    res = hubsim.simulate(scn, seed=seed, days=days)
    sim_s, sim_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    # peak through simulate(): the engine and its compact records (the tables come later)
    rss_sim = peak_rss_mb()
    add_s, add_cpu_s = timed_tables(res)
    sim_s, sim_cpu_s = sim_s + add_s, sim_cpu_s + add_cpu_s
    rss_tables = peak_rss_mb()
    t1 = time.perf_counter()
    channel_teu = None
    if kpis:
        channel_teu = res.kpi("channel_teu")
        res.targets  # noqa: B018  the verdict is part of the job
    kpi_s = time.perf_counter() - t1
    return {"sim_s": sim_s, "sim_cpu_s": sim_cpu_s, "kpi_s": kpi_s, "demand": demand,
            "simpy_events": res.simpy_events, "records": len(res.events),
            "consignments": len(res.consignments),
            "delivered": int((res.events["event"] == "delivered").sum()),
            "channel_teu": channel_teu, "rss_loaded_mb": rss_loaded, "rss_sim_mb": rss_sim,
            "rss_tables_mb": rss_tables, "rss_end_mb": peak_rss_mb()}


def _ticker(env, delay: float, n: int):
    for _ in range(n):
        yield env.timeout(delay)


def child_bare(n_events: int) -> dict:
    import simpy

    env = simpy.Environment()
    # each process schedules its Initialize event, one Timeout per loop and, when it ends,
    # the Process event itself
    per_proc, extra = divmod(n_events - 2 * BARE_PROCESSES, BARE_PROCESSES)
    for i in range(BARE_PROCESSES):
        # distinct, incommensurate delays keep the event heap interleaved
        env.process(_ticker(env, 0.37 * (i + 1) + 0.011 * i, per_proc + (1 if i < extra else 0)))
    t0, c0 = time.perf_counter(), time.process_time()
    env.run()
    bare_s, bare_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return {"bare_s": bare_s, "bare_cpu_s": bare_cpu_s, "simpy_events": next(env._eid),
            "rss_end_mb": peak_rss_mb(), "simpy_version": simpy.__version__}


# ------------------------------------------------------------------ parent
def hubsim_run(scenario: str, seed: int | None = None, days: float | None = None,
               demand: float = 1.0, kpis: bool = True) -> dict:
    """:func:`child_hubsim` in a fresh process."""
    return run_child("bench_year", "child_hubsim", scenario=str(scenario), seed=seed, days=days,
                     demand=demand, kpis=kpis)


def bare_run(n_events: int) -> dict:
    """:func:`child_bare` in a fresh process."""
    return run_child("bench_year", "child_bare", n_events=n_events)


def ratios(hub: list[dict], bare: list[dict]) -> dict[str, float]:
    """Median wall-time and CPU-time ratios of paired (hubsim, bare) repeats."""
    pairs = list(zip(hub, bare, strict=True))
    return {"ratio": statistics.median(h["sim_s"] / b["bare_s"] for h, b in pairs),
            "cpu_ratio": statistics.median(h["sim_cpu_s"] / b["bare_cpu_s"] for h, b in pairs)}


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def _verdict(value: float, limits: tuple[float, float]) -> str:
    target, must = limits
    return (f"target <= {target:g}: {'MET' if value <= target else 'MISSED'}; "
            f"must <= {must:g}: {'PASS' if value <= must else 'FAIL'}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO),
                   help="scenario YAML (default: scenarios/chongqing_2022_target.yaml)")
    p.add_argument("--repeats", type=int, default=5, help="fresh-process repeats (default 5)")
    p.add_argument("--seed", type=int, help="seed (default: the scenario's run.seed)")
    p.add_argument("--days", type=float, help="measured days (default: the scenario's)")
    p.add_argument("--json", type=Path, metavar="FILE", help="also save the figures as JSON")
    args = p.parse_args(argv)
    if args.repeats < 1:
        p.error("--repeats must be >= 1")

    hub: list[dict] = []
    bare: list[dict] = []
    print(f"bench_year: {args.scenario}, {args.repeats} repeats, each in a fresh process",
          flush=True)
    try:
        for i in range(args.repeats):
            h = hubsim_run(args.scenario, args.seed, args.days)
            hub.append(h)
            b = bare_run(h["simpy_events"])
            bare.append(b)
            print(f"  repeat {i + 1}: hubsim {h['sim_s']:.2f} s, bare {b['bare_s']:.2f} s",
                  flush=True)
    except ChildFailed as exc:
        sys.exit(f"bench_year: {exc}")
    if any(b["simpy_events"] != h["simpy_events"] for h, b in zip(hub, bare, strict=True)):
        sys.exit("bench_year: the bare loop did not schedule the same number of events")

    lines = ["", f"{'repeat':>6} {'sim s':>7} {'KPI s':>6} {'process s':>9} "
             f"{'RSS load MB':>11} {'RSS sim MB':>10} {'RSS end MB':>10} {'SimPy events':>12} "
             f"{'channel TEU':>11} | {'bare s':>6} {'bare RSS MB':>11} {'ratio':>5}"]
    for i, (h, b) in enumerate(zip(hub, bare, strict=True), 1):
        lines.append(
            f"{i:>6} {h['sim_s']:>7.2f} {h['kpi_s']:>6.2f} {h['process_s']:>9.2f} "
            f"{h['rss_loaded_mb']:>11.0f} {h['rss_sim_mb']:>10.0f} {h['rss_end_mb']:>10.0f} "
            f"{h['simpy_events']:>12,} {h['channel_teu']:>11,.0f} | {b['bare_s']:>6.2f} "
            f"{b['rss_end_mb']:>11.0f} {h['sim_s'] / b['bare_s']:>5.1f}")
    med = {k: _median(hub, k) for k in ("sim_s", "kpi_s", "process_s", "rss_loaded_mb",
                                         "rss_sim_mb", "rss_tables_mb", "rss_end_mb",
                                         "channel_teu")}
    med["simpy_events"] = hub[0]["simpy_events"]
    med["bare_s"] = _median(bare, "bare_s")
    med["bare_rss_mb"] = _median(bare, "rss_end_mb")
    med["sim_cpu_s"] = _median(hub, "sim_cpu_s")
    med["bare_cpu_s"] = _median(bare, "bare_cpu_s")
    med |= ratios(hub, bare)
    lines.append(
        f"{'median':>6} {med['sim_s']:>7.2f} {med['kpi_s']:>6.2f} {med['process_s']:>9.2f} "
        f"{med['rss_loaded_mb']:>11.0f} {med['rss_sim_mb']:>10.0f} {med['rss_end_mb']:>10.0f} "
        f"{med['simpy_events']:>12,} {med['channel_teu']:>11,.0f} | {med['bare_s']:>6.2f} "
        f"{med['bare_rss_mb']:>11.0f} {med['ratio']:>5.1f}")
    ev = med["simpy_events"]
    lines += [
        "",
        f"events/s: hubsim {ev / med['sim_s']:,.0f}, bare SimPy {ev / med['bare_s']:,.0f} "
        f"(SimPy {bare[0]['simpy_version']}, {BARE_PROCESSES} processes)",
        f"CPU time (less sensitive to other load on the machine): hubsim {med['sim_cpu_s']:.2f} s,"
        f" bare {med['bare_cpu_s']:.2f} s, ratio {med['cpu_ratio']:.1f}x (median of repeats)",
        f"memory: {med['rss_loaded_mb']:.0f} MB after imports and loading the scenario; "
        f"simulate() (the engine and its compact records) adds "
        f"{med['rss_sim_mb'] - med['rss_loaded_mb']:.0f} MB; building the record tables takes "
        f"the peak to {med['rss_tables_mb']:.0f} MB, the KPI table and verdict to "
        f"{med['rss_end_mb']:.0f} MB",
    ]
    scale = ("" if med["channel_teu"] >= 1.9e6 else
             f"  (note: this scenario simulates {med['channel_teu']:,.0f} channel TEU, not 2 M)")
    checks = [
        (f"simulate() wall time <= {SIM_S:g} s", f"{med['sim_s']:.2f} s",
         f"aim <= {SIM_S:g}: {'MET' if med['sim_s'] <= SIM_S else 'MISSED'}"),
        ("peak RSS through simulate(), MB", f"{med['rss_sim_mb']:.0f} MB",
         _verdict(med["rss_sim_mb"], RSS_MB)),
        ("hubsim / bare SimPy time", f"{med['ratio']:.2f}x", _verdict(med["ratio"], RATIO)),
    ]
    lines += ["", "Targets (issue 13, one year at 2 M TEU; medians)" + scale]
    lines += [f"  {name:<34} {value:>9}  {verdict}" for name, value, verdict in checks]
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps({
            "scenario": args.scenario, "repeats": args.repeats, "hubsim": hub, "bare": bare,
            "median": med, "targets": [{"figure": n, "value": v, "verdict": ok}
                                       for n, v, ok in checks]}, indent=2) + "\n")
        print(f"\nSaved {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
