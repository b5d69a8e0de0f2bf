"""Benchmark: the default ``hubsim run`` (the verdict over 4 replications) against one draw.

Usage (from the repository root; run on demand, never from pytest)::

    python benchmarks/bench_verdict.py                   # 2022 target, a full year, 3 repeats
    python benchmarks/bench_verdict.py --repeats 1 --days 90 --json out.json

Runs ``hubsim run SCENARIO --replications 1`` (one draw: simulate, write the results folder)
and ``hubsim run SCENARIO`` (the default: replication 0 here with its results folder, three
more on worker processes) as a user does, each in a fresh process, alternately, ``--repeats``
times, and prints the median wall times and their ratio. The aim (issue 15): the default run
takes at most 2x one draw on two cores. On a machine shared with other jobs the ratio is
worse than on two free cores: the load average at the start and the end is printed so a
reader can judge.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "chongqing_2022_target.yaml"
TARGET_RATIO = 2.0


def _time(args: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "MPLBACKEND": "Agg"}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "hubsim", "run", *args, "--quiet", "--out",
                        str(Path(tmp) / "r")], check=True, env=env, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", type=Path, default=DEFAULT_SCENARIO)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--days", type=float, help="measured days (default: the scenario's)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    common = [str(args.scenario)] + (["--days", f"{args.days:g}"] if args.days else [])
    load_start = os.getloadavg()[0]
    one, default = [], []
    for i in range(args.repeats):
        one.append(_time([*common, "--replications", "1"]))
        default.append(_time(common))
        print(f"repeat {i + 1}: one draw {one[-1]:.1f} s, default (4 replications) "
              f"{default[-1]:.1f} s", flush=True)
    load_end = os.getloadavg()[0]
    m1, m4 = statistics.median(one), statistics.median(default)
    ratio = m4 / m1
    print(f"median: one draw {m1:.1f} s, default {m4:.1f} s, ratio {ratio:.2f} "
          f"({'PASS' if ratio <= TARGET_RATIO else 'FAIL'}: target <= {TARGET_RATIO:g}x); "
          f"{os.cpu_count()} cores, load average {load_start:.2f} at the start, "
          f"{load_end:.2f} at the end")
    if args.json:
        args.json.write_text(json.dumps({"one_draw_s": one, "default_s": default,
                                         "median_one_draw_s": m1, "median_default_s": m4,
                                         "ratio": ratio, "cores": os.cpu_count(),
                                         "load": [load_start, load_end]}, indent=2) + "\n")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
