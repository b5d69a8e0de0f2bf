"""Benchmark: one simulated year of a scenario against a bare SimPy loop of the same event count.

Usage (from the repository root; run on demand, never from pytest)::

    python benchmarks/bench_year.py                              # 2022 target scenario, 5 repeats
    python benchmarks/bench_year.py scenarios/chongqing_2019.yaml --repeats 3 --json out.json

Every repeat runs in a fresh Python subprocess, so peak memory (``ru_maxrss``) is per run. The
hubsim child loads the scenario, runs :func:`hubsim.simulate` (engine + record tables), then
computes the KPI table and the verdict. The bare child runs a few SimPy processes doing
``yield env.timeout(...)`` until they have scheduled as many SimPy events as the hubsim run did
(the same counter the engine reports: events scheduled on the environment), with the same SimPy.
Runs alternate (hubsim, bare, hubsim, bare...) so that load on a shared machine hits both alike;
the summary quotes medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "chongqing_2022_target.yaml"

# targets for one simulated year at 2 M channel TEU (the performance targets in README "Benchmarks")
TARGET_SIM_S = 10.0
TARGET_RSS_MB = 150.0
TARGET_RATIO = 4.0
BARE_PROCESSES = 4


def _peak_rss_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 if sys.platform != "darwin" else peak / 2**20  # KiB on Linux


# ------------------------------------------------------------------ children (fresh processes)
def child_hubsim(scenario: str, seed: int | None, days: float | None) -> dict:
    import hubsim

    scn = hubsim.load_scenario(scenario)
    rss_loaded = _peak_rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    res = hubsim.simulate(scn, seed=seed, days=days)
    sim_s, sim_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    rss_sim = _peak_rss_mb()
    t1 = time.perf_counter()
    channel_teu = res.kpi("channel_teu")
    res.targets  # noqa: B018  the verdict is part of the job
    kpi_s = time.perf_counter() - t1
    return {"sim_s": sim_s, "sim_cpu_s": sim_cpu_s, "kpi_s": kpi_s,
            "simpy_events": res.simpy_events, "records": len(res.events),
            "consignments": len(res.consignments),
            "channel_teu": channel_teu, "rss_loaded_mb": rss_loaded, "rss_sim_mb": rss_sim,
            "rss_end_mb": _peak_rss_mb()}


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
            "rss_end_mb": _peak_rss_mb(), "simpy_version": simpy.__version__}


# ------------------------------------------------------------------ parent
def _spawn(args: list[str]) -> tuple[dict, float]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args],
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"bench_year: child {' '.join(args)} failed:\n{proc.stderr.strip()}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO),
                   help="scenario YAML (default: scenarios/chongqing_2022_target.yaml)")
    p.add_argument("--repeats", type=int, default=5, help="fresh-process repeats (default 5)")
    p.add_argument("--seed", type=int, help="seed (default: the scenario's run.seed)")
    p.add_argument("--days", type=float, help="measured days (default: the scenario's)")
    p.add_argument("--json", type=Path, metavar="FILE", help="also save the figures as JSON")
    p.add_argument("--child-hubsim", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--child-bare", type=int, metavar="N", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.child_hubsim:
        print(json.dumps(child_hubsim(args.scenario, args.seed, args.days)))
        return 0
    if args.child_bare is not None:
        print(json.dumps(child_bare(args.child_bare)))
        return 0
    if args.repeats < 1:
        p.error("--repeats must be >= 1")

    hub_args = ["--child-hubsim", args.scenario]
    hub_args += ["--seed", str(args.seed)] if args.seed is not None else []
    hub_args += ["--days", str(args.days)] if args.days is not None else []
    hub: list[dict] = []
    bare: list[dict] = []
    print(f"bench_year: {args.scenario}, {args.repeats} repeats, each in a fresh process",
          flush=True)
    for i in range(args.repeats):
        h, wall = _spawn(hub_args)
        h["process_s"] = wall
        hub.append(h)
        b, wall = _spawn(["--child-bare", str(h["simpy_events"])])
        b["process_s"] = wall
        bare.append(b)
        print(f"  repeat {i + 1}: hubsim {h['sim_s']:.2f} s, bare {b['bare_s']:.2f} s",
              flush=True)
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
                                         "rss_sim_mb", "rss_end_mb", "channel_teu")}
    med["simpy_events"] = hub[0]["simpy_events"]
    med["bare_s"] = _median(bare, "bare_s")
    med["bare_rss_mb"] = _median(bare, "rss_end_mb")
    med["ratio"] = statistics.median(h["sim_s"] / b["bare_s"] for h, b in zip(hub, bare,
                                                                              strict=True))
    med["sim_cpu_s"] = _median(hub, "sim_cpu_s")
    med["bare_cpu_s"] = _median(bare, "bare_cpu_s")
    med["cpu_ratio"] = statistics.median(h["sim_cpu_s"] / b["bare_cpu_s"]
                                         for h, b in zip(hub, bare, strict=True))
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
        f"simulate() adds {med['rss_sim_mb'] - med['rss_loaded_mb']:.0f} MB; the KPI table "
        f"and verdict take the peak to {med['rss_end_mb']:.0f} MB",
    ]
    scale = ("" if med["channel_teu"] >= 1.9e6 else
             f"  (note: this scenario simulates {med['channel_teu']:,.0f} channel TEU, not 2 M)")
    checks = [
        (f"simulate() wall time < {TARGET_SIM_S:g} s", f"{med['sim_s']:.2f} s",
         med["sim_s"] < TARGET_SIM_S),
        (f"peak RSS through simulate() < {TARGET_RSS_MB:g} MB", f"{med['rss_sim_mb']:.0f} MB",
         med["rss_sim_mb"] < TARGET_RSS_MB),
        (f"hubsim / bare SimPy time < {TARGET_RATIO:g}x", f"{med['ratio']:.1f}x",
         med["ratio"] < TARGET_RATIO),
    ]
    lines += ["", "Targets (one year at 2 M TEU; medians)" + scale]
    lines += [f"  {name:<40} {value:>10}  {_verdict(ok)}" for name, value, ok in checks]
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps({
            "scenario": args.scenario, "repeats": args.repeats, "hubsim": hub, "bare": bare,
            "median": med, "targets": [{"target": n, "value": v, "pass": ok}
                                       for n, v, ok in checks]}, indent=2) + "\n")
        print(f"\nSaved {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
