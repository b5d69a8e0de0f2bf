"""Benchmark: replications of a scenario on 2 worker processes against 1.

Usage (from the repository root; run on demand, never from pytest)::

    python benchmarks/bench_replications.py                        # 2022 target, 8 x 1 year
    python benchmarks/bench_replications.py --replications 4 --days 90 --json out.json

Runs :func:`hubsim.replicate` with ``--replications`` runs of the scenario (its full year by
default) first serially in this process (1 worker), then on a local pool of 2 worker processes,
and prints the wall times and the speed-up (aim: >= 1.8x on two free cores). The pool's time
includes starting its workers. Both must produce identical tables; the script checks it. On a
machine shared with other jobs the speed-up is lower than what two free cores give: the load
average at the start and the end is printed so a reader can judge.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "chongqing_2022_target.yaml"
TARGET_SPEEDUP = 1.8


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", type=Path, default=DEFAULT_SCENARIO)
    ap.add_argument("--replications", type=int, default=8)
    ap.add_argument("--days", type=float, help="measured days per run (default: the "
                    "scenario's)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)

    import hubsim
    from hubsim.experiments.executors import ProcessExecutor, SerialExecutor

    scn = hubsim.load_scenario(args.scenario)
    load_start = os.getloadavg()
    times = {}
    tables = {}
    for label, make in (("1 worker", SerialExecutor),
                        (f"{args.workers} workers", lambda: ProcessExecutor(args.workers))):
        t0 = time.perf_counter()
        with make() as ex:
            exp = hubsim.replicate(scn, args.replications, days=args.days, executor=ex)
        times[label] = time.perf_counter() - t0
        if len(exp.failures):
            print(f"{label}: {len(exp.failures)} runs failed, first: "
                  f"{exp.failures['error'].iloc[0]}", file=sys.stderr)
            return 1
        tables[label] = exp.runs
        print(f"{label:>10}: {times[label]:7.1f} s for {args.replications} replications "
              f"({times[label] / args.replications:.2f} s per run)", flush=True)
    serial, pool = tables.values()
    pd.testing.assert_frame_equal(serial, pool)
    t1, t2 = times.values()
    speedup = t1 / t2
    load_end = os.getloadavg()
    print(f"speed-up {speedup:.2f}x (aim >= {TARGET_SPEEDUP}x); identical tables: yes; "
          f"load average {load_start[0]:.1f} at start, {load_end[0]:.1f} at end on "
          f"{os.cpu_count()} cores")
    if args.json:
        args.json.write_text(json.dumps({
            "scenario": str(args.scenario), "replications": args.replications,
            "days": args.days, "workers": args.workers, "serial_s": t1, "pool_s": t2,
            "speedup": speedup, "load_start": load_start[0], "load_end": load_end[0],
            "cores": os.cpu_count()}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
