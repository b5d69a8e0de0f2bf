"""Every performance figure of issue 13 in one run, each with its target, must and verdict.

Usage (from the repository root; run on demand, never from pytest; best on a quiet machine)::

    python benchmarks/run_all.py                      # full: 7 to 20 minutes on 2 cores
    python benchmarks/run_all.py --quick              # a short trial (~2 minutes)
    python benchmarks/run_all.py --repeats 5 --json bench.json

Measured, every measurement in a fresh subprocess (the children of the ``bench_*.py``
scripts, run through :func:`benchlib.run_child`), ``--repeats`` times (default 3), figures
are medians. The repeats are the outer loop: repeat 1 of every benchmark, then repeat 2, ...,
so a burst of load from another user of the machine spoils one repeat of each, not every
repeat of one.

* ``hubsim --help`` and ``hubsim validate`` wall times (``bench_cli.py``; 5 samples a repeat)
* one year of the 2022 target scenario: ``simulate()`` against a bare SimPy loop of the same
  event count, and the peak RSS through ``simulate()`` (``bench_year.py``)
* demand x2 and x4 on the same scenario, the x1 point being the year above (``bench_demand.py``)
* ``hubsim run`` (default scenario, as a user runs it): max RSS (``bench_cli.py``)
* an M/M/10 hub at rho 0.95 over 1,100 days, hubsim against Ciw (``bench_mmc.py``)
* generated networks of 4, 12, 25 and 50 hubs: cost per SimPy event (``bench_scale.py``)
* replications serially, on a 2-process pool and on a 2-worker dask LocalCluster
  (``bench_replications.py``)

then prints the machine (cores, CPU, Python and package versions, commit, load average at
the start and the end), every figure with target, must and verdict (target: MET / MISSED;
must: PASS / FAIL) and the total time. ``--quick`` shortens every run (30-day years, an
M/M/10 of 110 days, 2 replications of 30 days, 1 repeat): its figures are not measured under
the table's conditions and its verdicts are only indicative. ``--json FILE`` saves everything.
"""

from __future__ import annotations

import argparse
import json
import operator
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import bench_cli
import bench_demand
import bench_mmc
import bench_replications
import bench_scale
import bench_year
from benchlib import DEFAULT_SCENARIO, ChildFailed, machine, median


@dataclass(frozen=True)
class Plan:
    """What each benchmark runs (full or quick)."""

    year_days: float | None  # None: the scenario's year
    startup_samples: int
    mmc_days: float
    scale_sizes: tuple[int, ...]
    scale_days: float | None
    replications: int
    replication_days: float | None


FULL = Plan(year_days=None, startup_samples=5, mmc_days=bench_mmc.DAYS,
            scale_sizes=bench_scale.SIZES, scale_days=None, replications=4,
            replication_days=None)
QUICK = Plan(year_days=30, startup_samples=2, mmc_days=110, scale_sizes=bench_scale.SIZES,
             scale_days=30, replications=2, replication_days=30)

OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, "<": operator.lt, ">=": operator.ge}


@dataclass
class Row:
    """One figure of the final table."""

    figure: str
    value: float
    shown: str
    target: tuple[str, float] | None = None  # (operator, threshold)
    must: tuple[str, float] | None = None
    unit: str = ""
    note: str = ""

    def check(self, which: tuple[str, float] | None, yes: str, no: str) -> str:
        if which is None:
            return "-"
        op, limit = which
        return yes if OPS[op](self.value, limit) else no

    @property
    def verdict(self) -> str:
        target = self.check(self.target, "MET", "MISSED")
        return f"{target} / {self.check(self.must, 'PASS', 'FAIL')}"

    def limit(self, which: tuple[str, float] | None) -> str:
        return "-" if which is None else f"{which[0]} {which[1]:g}{self.unit}"


class Runner:
    """Runs the benchmarks repeat by repeat and keeps every child's figures."""

    def __init__(self, plan: Plan, repeats: int, scenario: str, log: Callable[[str], None]):
        self.plan, self.repeats, self.scenario, self.log = plan, repeats, scenario, log
        self.startup: dict[str, list[float]] = {"help_s": [], "validate_s": []}
        self.year: list[dict] = []
        self.bare: list[dict] = []
        self.demand: dict[float, list[dict]] = {2.0: [], 4.0: []}
        self.cli_run: list[dict] = []
        self.mmc: tuple[list[dict], list[dict]] = ([], [])
        self.scale: dict[int, list[dict]] = {n: [] for n in plan.scale_sizes}
        self.reps: list[dict[str, dict]] = []
        self.seconds: dict[str, float] = {}

    def _timed(self, name: str, fn: Callable[[], None]) -> None:
        t0 = time.perf_counter()
        fn()
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0

    def repeat(self, i: int, tmp: str) -> None:
        p = self.plan
        self.log(f"--- repeat {i + 1} of {self.repeats} (load average "
                 f"{os.getloadavg()[0]:.2f})")
        self._timed("startup", lambda: self._startup(p.startup_samples))
        self._timed("year", self._year)
        self._timed("demand", self._demand)
        self._timed("hubsim run", self._cli_run)
        self._timed("M/M/10", self._mmc)
        self._timed("scale", self._scale)
        self._timed("replications", lambda: self._replications(i, tmp))

    def _startup(self, samples: int) -> None:
        s = bench_cli.startup(samples)
        for k, v in s.items():
            self.startup[k] += v
        self.log(f"  --help {median(s['help_s']):.2f} s, validate {median(s['validate_s']):.2f} s")

    def _year(self) -> None:
        h = bench_year.hubsim_run(self.scenario, days=self.plan.year_days)
        b = bench_year.bare_run(h["simpy_events"])
        if b["simpy_events"] != h["simpy_events"]:
            raise ChildFailed("the bare loop did not schedule the same number of events")
        self.year.append(h)
        self.bare.append(b)
        self.log(f"  year: simulate() {h['sim_s']:.2f} s, bare SimPy {b['bare_s']:.2f} s "
                 f"({h['simpy_events']:,} events), peak RSS {h['rss_sim_mb']:.0f} MB")

    def _demand(self) -> None:
        for k in self.demand:
            r = bench_year.hubsim_run(self.scenario, days=self.plan.year_days, demand=k,
                                      kpis=False)
            self.demand[k].append(r)
            self.log(f"  demand x{k:g}: {r['sim_s']:.2f} s, {r['simpy_events']:,} SimPy "
                     f"events, peak RSS {r['rss_sim_mb']:.0f} MB")

    def _cli_run(self) -> None:
        r = bench_cli.run_rss(self.plan.year_days)
        self.cli_run.append(r)
        self.log(f"  hubsim run: {r['run_s']:.1f} s, max RSS {r['max_rss_mb']:.0f} MB")

    def _mmc(self) -> None:
        h, c = bench_mmc.run_once(self.plan.mmc_days)
        self.mmc[0].append(h)
        self.mmc[1].append(c)
        self.log(bench_mmc.log_line(len(self.mmc[0]) - 1, h, c))

    def _scale(self) -> None:
        for n in self.plan.scale_sizes:
            r = bench_scale.run_once(n, days=self.plan.scale_days)
            self.scale[n].append(r)
            self.log(bench_scale.log_line(len(self.scale[n]) - 1, r))

    def _replications(self, i: int, tmp: str) -> None:
        one = bench_replications.run_once(self.scenario, self.plan.replications,
                                          self.plan.replication_days, 2,
                                          bench_replications.BACKENDS, tmp, tag=f"-{i}")
        self.reps.append(one)
        self.log(bench_replications.log_line(i, one))


def _year_figures(r: Runner) -> dict[str, Any]:
    ratios = bench_year.ratios(r.year, r.bare)
    return {"sim_s": median(h["sim_s"] for h in r.year),
            "bare_s": median(b["bare_s"] for b in r.bare),
            "simpy_events": r.year[0]["simpy_events"], "records": r.year[0]["records"],
            "channel_teu": r.year[0]["channel_teu"],
            "rss_loaded_mb": median(h["rss_loaded_mb"] for h in r.year),
            "rss_sim_mb": median(h["rss_sim_mb"] for h in r.year),
            "rss_end_mb": median(h["rss_end_mb"] for h in r.year), **ratios}


def rows_and_details(r: Runner) -> tuple[list[Row], dict[str, Any], list[str]]:
    """The final table's rows, every summary (for JSON) and the detail lines."""
    year = _year_figures(r)
    demand = bench_demand.summarise({1.0: r.year, **r.demand})
    mmc = bench_mmc.summarise(*r.mmc, days=r.plan.mmc_days)
    scale = bench_scale.summarise(r.scale)
    reps = bench_replications.summarise(r.reps, r.scenario, r.plan.replications,
                                        r.plan.replication_days, 2)
    cli = {"help_s": median(r.startup["help_s"]), "validate_s": median(r.startup["validate_s"]),
           "run_s": median(x["run_s"] for x in r.cli_run),
           "max_rss_mb": median(x["max_rss_mb"] for x in r.cli_run)}
    trees = [x["tree_peak_mb"] for x in r.cli_run if x.get("tree_peak_mb") is not None]
    cli["tree_peak_mb"] = median(trees) if trees else None
    x4 = next(d for d in demand["rows"] if d["factor"] == 4.0)
    rows = [
        Row("one year 2022 target / bare SimPy loop (wall)", year["ratio"],
            f"{year['ratio']:.2f}x", ("<=", 2.5), ("<", 4.0), "x",
            f"simulate() {year['sim_s']:.2f} s, bare {year['bare_s']:.2f} s, "
            f"{year['simpy_events']:,} events; CPU-time ratio {year['cpu_ratio']:.2f}x"),
        Row("peak RSS through simulate()", year["rss_sim_mb"], f"{year['rss_sim_mb']:.0f} MB",
            ("<=", 150), ("<=", 200), " MB",
            f"{year['rss_loaded_mb']:.0f} MB after imports and loading"),
        Row("hubsim run max RSS (default scenario)", cli["max_rss_mb"],
            f"{cli['max_rss_mb']:.0f} MB", ("<=", 250), ("<=", 350), " MB",
            f"run {cli['run_s']:.1f} s" + (f"; whole tree summed, sampled: "
                                           f"{cli['tree_peak_mb']:.0f} MB" if trees else "")),
        Row("hubsim --help wall time", cli["help_s"], f"{cli['help_s']:.2f} s", ("<=", 0.3),
            ("<=", 0.6), " s"),
        Row("hubsim validate 2022 target wall time", cli["validate_s"],
            f"{cli['validate_s']:.2f} s", ("<=", 0.8), ("<=", 1.2), " s"),
        Row("M/M/10 rho 0.95: hubsim / Ciw customers/s", mmc["speedup"],
            f"{mmc['speedup']:.2f}x", (">=", 1.5), (">=", 1.0), "x",
            f"hubsim {mmc['hubsim_per_s']:,.0f}/s, Ciw {mmc['ciw_per_s']:,.0f}/s over "
            f"{mmc['days']:g} days"),
        Row("4. scale: cost/event largest / smallest", scale["flat_ratio"],
            f"{scale['flat_ratio']:.2f}x", ("<=", bench_scale.FLAT_AIM), None, "x",
            "target: this script's aim for 'flat'; "
            + ", ".join(f"{x['hubs']} hubs {x['us_per_event']:.2f} us" for x in scale["rows"])),
        Row("5. demand x4 / x1 simulate() time", x4["time_ratio"], f"{x4['time_ratio']:.2f}x",
            None, ("<=", bench_demand.TIME_MUST), "x",
            f"SimPy events x{x4['simpy_events'] / demand['rows'][0]['simpy_events']:.2f}, "
            f"records x{x4['records'] / demand['rows'][0]['records']:.2f}"),
        Row("5. memory slope, MB per million records", demand["mb_per_million_records"],
            f"{demand['mb_per_million_records']:.0f} MB/M", None, None, "",
            f"middle point {demand.get('middle_off_line_mb', float('nan')):+.0f} MB off the "
            "line through x1 and x4"),
    ]
    for b in bench_replications.BACKENDS:
        rows.append(Row(f"6. replications speed-up, 2 workers, {b}", reps[b]["speedup"],
                        f"{reps[b]['speedup']:.2f}x", None, (">=", bench_replications.SPEEDUP),
                        "x", f"serial {reps['serial_s']:.1f} s, {b} {reps[b]['wall_s']:.1f} s"
                        + (f" ({reps[b]['startup_s']:.1f} s cluster start)" if b == "dask"
                           else "")))
    same = all(reps[b]["identical"] for b in bench_replications.BACKENDS)
    rows.append(Row("6. tables identical (serial, pool, dask)", float(same),
                    "yes" if same else "NO", None, (">=", 1.0)))
    details = [
        "", "Demand (item 5; x1 is the one-year run above):", *bench_demand.table(demand),
        "", "Scale (item 4; generated networks, one year each):", *bench_scale.table(scale),
        "", "M/M/10 against Ciw:", *bench_mmc.summary(mmc),
        "", "Replications (item 6):",
        *bench_replications.summary(reps, bench_replications.BACKENDS),
        "", f"One year of the 2022 target: simulate() {year['sim_s']:.2f} s for "
            f"{year['simpy_events']:,} SimPy events ({year['simpy_events'] / year['sim_s']:,.0f}"
            f"/s), bare loop {year['simpy_events'] / year['bare_s']:,.0f}/s; "
            f"{year['records']:,} event records; peak RSS {year['rss_loaded_mb']:.0f} MB loaded,"
            f" {year['rss_sim_mb']:.0f} MB through simulate(), {year['rss_end_mb']:.0f} MB with "
            "the KPIs",
    ]
    summaries = {"year": year, "demand": demand, "mmc": mmc, "scale": scale,
                 "replications": reps, "cli": cli, "startup_samples": r.startup,
                 "cli_runs": r.cli_run}
    return rows, summaries, details


def render(rows: list[Row]) -> list[str]:
    w = max(len(x.figure) for x in rows)
    head = (f"{'figure':<{w}}  {'measured':>11}  {'target':>9}  {'must':>9}  "
            f"{'target / must':<15}")
    out = [head, "-" * len(head)]
    for x in rows:
        out.append(f"{x.figure:<{w}}  {x.shown:>11}  {x.limit(x.target):>9}  "
                   f"{x.limit(x.must):>9}  {x.verdict:<15}")
    out += ["", "Notes:"] + [f"  {x.figure}: {x.note}" for x in rows if x.note]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short trial runs, 1 repeat by "
                    "default (figures not under the table's conditions)")
    ap.add_argument("--repeats", type=int, help="repeats of every measurement (default 3; "
                    "1 with --quick)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also save every figure as JSON")
    args = ap.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 3)
    if repeats < 1:
        ap.error("--repeats must be >= 1")
    plan = QUICK if args.quick else FULL
    scenario = str(DEFAULT_SCENARIO)
    start = time.time()
    m0 = machine()

    def log(s: str) -> None:
        print(f"[{time.time() - start:6.0f} s] {s}", flush=True)

    print(f"run_all: {'QUICK trial' if args.quick else 'full run'}, {repeats} repeat(s), "
          f"started {time.strftime('%Y-%m-%d %H:%M:%S %Z', time.localtime(start))}")
    v = m0["versions"]
    print(f"machine: {m0['cores']} cores, {m0['cpu']}, {m0['os']}; Python {v['python']}, "
          f"SimPy {v['simpy']}, numpy {v['numpy']}, pandas {v['pandas']}, Ciw {v['ciw']}, "
          f"dask {v['dask']}; hubsim commit {m0['commit']}, {m0['engine']} engine")
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in m0['load'])}", flush=True)
    runner = Runner(plan, repeats, scenario, log)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(repeats):
                runner.repeat(i, tmp)
    except ChildFailed as exc:
        print(f"run_all: {exc}", file=sys.stderr)
        return 1
    rows, summaries, details = rows_and_details(runner)
    load_end = os.getloadavg()
    elapsed = time.time() - start
    print("\n" + "=" * 100)
    if args.quick:
        print("QUICK trial: shortened runs; the figures are NOT measured under the table's "
              "conditions and the verdicts are only indicative.")
    print(f"Issue 13 performance figures, medians of {repeats} repeat(s), each measurement in a "
          "fresh process\n")
    print("\n".join(render(rows)))
    print("\n".join(details))
    print(f"\nload average at the start {m0['load'][0]:.2f}, at the end {load_end[0]:.2f} "
          f"(1-minute) on {m0['cores']} cores")
    print("time per benchmark: " + ", ".join(f"{k} {v / 60:.1f} min"
                                            for k, v in runner.seconds.items()))
    print(f"run_all took {elapsed / 60:.1f} min")
    if args.json:
        args.json.write_text(json.dumps({
            "quick": args.quick, "repeats": repeats, "plan": asdict(plan), "machine": m0,
            "load_end": list(load_end), "elapsed_s": elapsed, "seconds": runner.seconds,
            "table": [asdict(x) | {"verdict": x.verdict} for x in rows],
            **summaries, "raw": {"year": runner.year, "bare": runner.bare,
                                 "demand": {str(k): v for k, v in runner.demand.items()}}},
            indent=2, default=str) + "\n")
        print(f"saved {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
