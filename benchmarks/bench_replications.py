"""Benchmark: replications of a scenario on 2 workers (process pool, dask) against 1.

Usage (from the repository root; run on demand, never from pytest)::

    python benchmarks/bench_replications.py                        # 2022 target, 8 x 1 year
    python benchmarks/bench_replications.py --replications 4 --days 90 --json out.json
    python benchmarks/bench_replications.py --backends pool        # no dask

Runs :func:`hubsim.replicate` with ``--replications`` runs of the scenario (its full year by
default) serially (1 worker, :class:`~hubsim.experiments.executors.SerialExecutor`), on a
local pool of ``--workers`` processes (``ProcessExecutor``) and on a dask ``LocalCluster`` of
``--workers`` single-threaded worker processes (``DaskExecutor``, the executor of
``hubsim ... --dask``). Each runs in its own fresh Python process, in that order, ``--repeats``
times. The time of each is from creating the executor to having the tables (the pool's and
the cluster's start-up included, as a user waits for them; the cluster's start is also shown
on its own) and the speed-up is serial time / parallel time, the median over repeats (issue
13: >= 1.85x with 2 workers on 2 cores). All must produce identical tables (runs, KPIs,
summary, targets; compared exactly); the script checks it. On a machine shared with other
jobs the speed-up is lower than what two free cores give: the load average at the start and
the end is printed so a reader can judge. Every child first sets the allocator as the
command line does (:func:`hubsim.memory.return_freed_memory`: the workers of the pool and of
the cluster set it too), so all sides run with the same allocator, and asks for no helper
threads before numpy and pyarrow load, as the command line does
(:func:`hubsim.threads.no_helper_threads`), so that the pool forks its workers
from it.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import DEFAULT_SCENARIO, ChildFailed, median, run_child

SPEEDUP = 1.85  # issue 13: 2 workers on 2 cores
BACKENDS = ("pool", "dask")
TABLES = ("runs", "kpis", "summary", "targets")


# ------------------------------------------------------------------ child (fresh process)
def child_replicate(scenario: str, replications: int, days: float | None, backend: str,
                    workers: int, out: str) -> dict:
    """Time :func:`hubsim.replicate` on one backend (``serial``, ``pool`` or ``dask``) and
    pickle its tables to ``out``."""
    from hubsim.memory import return_freed_memory
    from hubsim.threads import no_helper_threads

    # the allocator settings of the command line (hubsim.memory), which the pool's and the
    # cluster's workers set too: the serial run gets them as well, so that the speed-up
    # measures the parallel runs and not a difference in allocators (without them the
    # serial run's KPI tables cost ~0.7-1 s less per replication, for ~90 MB more memory)
    return_freed_memory()
    # and its threads: one, so that the pool forks its workers, as `hubsim sweep`'s does
    # (executors.pool_context)
    no_helper_threads()
    import hubsim
    from hubsim.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor

    scn = hubsim.load_scenario(scenario)
    t0 = time.perf_counter()
    if backend == "serial":
        ex: Any = SerialExecutor()
    elif backend == "pool":
        ex = ProcessExecutor(workers)
    elif backend == "dask":
        ex = DaskExecutor(workers=workers)
    else:
        raise ValueError(f"unknown backend {backend!r}")
    startup = time.perf_counter() - t0
    with ex:
        exp = hubsim.replicate(scn, replications, days=days, executor=ex)
    wall = time.perf_counter() - t0
    if len(exp.failures):
        raise RuntimeError(f"{len(exp.failures)} runs failed, first: "
                           f"{exp.failures['error'].iloc[0]}")
    with open(out, "wb") as f:
        pickle.dump({name: getattr(exp, name) for name in TABLES}, f)
    return {"backend": backend, "workers": ex.workers, "wall_s": wall, "startup_s": startup,
            "replications": replications}


def identical(a: str, b: str) -> bool:
    """The pickled tables of two children are exactly equal."""
    import pandas as pd

    with open(a, "rb") as fa, open(b, "rb") as fb:
        ta, tb = pickle.load(fa), pickle.load(fb)
    try:
        for name in TABLES:
            pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True)
    except AssertionError:
        return False
    return True


# ------------------------------------------------------------------ parent
def run_once(scenario: str, replications: int, days: float | None, workers: int,
             backends: tuple[str, ...], tmp: str, tag: str = "") -> dict[str, dict]:
    """One repeat: serial, then each backend, each in a fresh process; every parallel
    backend's ``identical`` says whether its tables equal the serial run's exactly."""
    out: dict[str, dict] = {}
    for backend in ("serial", *backends):
        path = str(Path(tmp) / f"{backend}{tag}.pkl")
        r = run_child("bench_replications", "child_replicate", scenario=scenario,
                      replications=replications, days=days, backend=backend,
                      workers=1 if backend == "serial" else workers, out=path)
        out[backend] = r
    for backend in backends:
        out[backend]["identical"] = identical(str(Path(tmp) / f"serial{tag}.pkl"),
                                              str(Path(tmp) / f"{backend}{tag}.pkl"))
    return out


def log_line(i: int, one: dict[str, dict]) -> str:
    serial = one["serial"]["wall_s"]
    parts = [f"serial {serial:.1f} s"] + [
        f"{b} {r['wall_s']:.1f} s ({serial / r['wall_s']:.2f}x"
        f"{'' if r['identical'] else ', tables DIFFER'})"
        for b, r in one.items() if b != "serial"]
    return f"  replications repeat {i + 1}: " + ", ".join(parts)


def summarise(repeats: list[dict[str, dict]], scenario: str, replications: int,
              days: float | None, workers: int) -> dict[str, Any]:
    backends = [b for b in repeats[0] if b != "serial"]
    res: dict[str, Any] = {"scenario": scenario, "replications": replications, "days": days,
                           "workers": workers, "repeats": len(repeats), "runs": repeats,
                           "serial_s": median(r["serial"]["wall_s"] for r in repeats)}
    for b in backends:
        res[b] = {"wall_s": median(r[b]["wall_s"] for r in repeats),
                  "startup_s": median(r[b]["startup_s"] for r in repeats),
                  "speedup": median(r["serial"]["wall_s"] / r[b]["wall_s"] for r in repeats),
                  "identical": all(r[b]["identical"] for r in repeats)}
    return res


def measure(scenario: str = str(DEFAULT_SCENARIO), replications: int = 8,
            days: float | None = None, workers: int = 2, backends: tuple[str, ...] = BACKENDS,
            repeats: int = 1, log: Any = print) -> dict[str, Any]:
    load_start = os.getloadavg()[0]
    done: list[dict[str, dict]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            done.append(run_once(scenario, replications, days, workers, backends, tmp,
                                 tag=f"-{i}"))
            log(log_line(i, done[-1]))
    res = summarise(done, scenario, replications, days, workers)
    res["load"] = [load_start, os.getloadavg()[0]]
    res["cores"] = os.cpu_count()
    return res


def summary(res: dict[str, Any], backends: tuple[str, ...] = BACKENDS) -> list[str]:
    days = "the scenario's days" if res["days"] is None else f"{res['days']:g} days"
    lines = [f"{res['replications']} replications of {days}: 1 worker {res['serial_s']:.1f} s"]
    for b in backends:
        r = res[b]
        extra = f", of which {r['startup_s']:.1f} s starting the cluster" if b == "dask" else ""
        lines.append(f"  {b:>4}, {res['workers']} workers: {r['wall_s']:.1f} s{extra}; "
                     f"speed-up {r['speedup']:.2f}x (must >= {SPEEDUP:g}x: "
                     f"{'PASS' if r['speedup'] >= SPEEDUP else 'FAIL'}); tables identical to "
                     f"the serial run's: {'yes' if r['identical'] else 'NO'}")
    if "load" in res:
        lines.append(f"  load average {res['load'][0]:.2f} at the start, {res['load'][1]:.2f} "
                     f"at the end, on {res['cores']} cores")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", type=Path, default=DEFAULT_SCENARIO)
    ap.add_argument("--replications", type=int, default=8)
    ap.add_argument("--days", type=float, help="measured days per run (default: the "
                    "scenario's)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    backends = tuple(args.backends)
    try:
        res = measure(str(args.scenario), args.replications, args.days, args.workers,
                      backends, args.repeats, log=lambda s: print(s, flush=True))
    except ChildFailed as exc:
        print(f"bench_replications: {exc}", file=sys.stderr)
        return 1
    print("\n".join(["", *summary(res, backends)]))
    if args.json:
        args.json.write_text(json.dumps(res, indent=2) + "\n")
    ok = all(res[b]["identical"] for b in backends)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
