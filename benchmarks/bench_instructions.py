"""Benchmark: instructions per SimPy event, hubsim's engine against a bare SimPy loop (valgrind).

Usage (from the repository root; run on demand, never from pytest; needs valgrind)::

    python benchmarks/bench_instructions.py                  # 2022 target, days 30 and 90
    python benchmarks/bench_instructions.py --cache          # also L1 cache misses (slower)
    python benchmarks/bench_instructions.py --days 20 50 --json out.json

``bench_year.py`` times a year in seconds, on a shared machine whose speed moves by a fifth
within minutes. This script counts what a run executes instead: valgrind's cachegrind counts
the machine instructions of a process (``--cache-sim=no``), the same count on every run of the
same code and input (the children run with ``PYTHONHASHSEED=0``) whatever else the machine is
doing. Each side runs twice, each in a fresh
process under valgrind:

* hubsim: load the scenario and :func:`hubsim.simulate` it for the shorter and the longer
  number of measured days (the record tables are not built). The difference between the two
  is the cost of the extra days' simulation alone: imports, loading, building the engine and
  the warm-up are the same in both and cancel out.
* the bare loop of ``bench_year.py`` (a few SimPy processes doing ``yield env.timeout(...)``)
  for the same two event counts, hence the same difference in SimPy events.

Printed: instructions per SimPy event on each side and their ratio; with ``--cache``, the
first-level cache misses per event too (instructions and data, cachegrind's model of the
machine's caches). ``bench_year.py``'s wall-time ratio is higher than the instruction ratio
where the engine takes more time per instruction than the bare loop, as it does when it misses
the caches more often.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchlib import BENCH, DEFAULT_SCENARIO, ROOT, ChildFailed, child_env, machine

#: cachegrind's counters: instructions; with --cache, also first-level misses
COUNTERS = ("Ir",)
CACHE_COUNTERS = ("Ir", "I1mr", "D1mr", "D1mw")


# ------------------------------------------------------------------ children (under valgrind)
def child_sim(scenario: str, days: float) -> dict:
    """Load ``scenario`` and simulate ``days`` measured days (no tables, no KPIs)."""
    import hubsim

    res = hubsim.simulate(hubsim.load_scenario(scenario), days=days)
    return {"simpy_events": res.simpy_events, "records": res.counts["event_records"]}


def child_bare(n_events: int) -> dict:
    """``bench_year.child_bare``: the bare SimPy loop of ``n_events`` events."""
    from bench_year import child_bare as bare

    return bare(n_events)


# ------------------------------------------------------------------ parent
def counted(function: str, cache: bool, **kwargs: object) -> dict:
    """``function(**kwargs)`` of this module in a fresh process under cachegrind: its dict and
    cachegrind's totals (``Ir``; with ``cache`` the L1 misses too)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cachegrind.out"
        cmd = ["valgrind", "--tool=cachegrind", f"--cache-sim={'yes' if cache else 'no'}",
               f"--cachegrind-out-file={out}", sys.executable, str(BENCH / "benchlib.py"),
               "bench_instructions", function, json.dumps(kwargs)]
        # a fixed hash seed: string hashing, hence dict and set layouts, the same every run
        env = {**child_env(), "PYTHONHASHSEED": "0"}
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
        if proc.returncode != 0:
            raise ChildFailed(f"{function}({kwargs}) under valgrind failed (exit "
                              f"{proc.returncode}):\n{proc.stderr.strip()[-3000:]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result.update(totals(out.read_text()))
    return result


def totals(text: str) -> dict[str, int]:
    """cachegrind's ``events:`` and ``summary:`` lines as {counter: total}."""
    events: list[str] = []
    summary: list[int] = []
    for line in text.splitlines():
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("summary:"):
            summary = [int(x) for x in line.split()[1:]]
    if not events or len(events) != len(summary):
        raise ChildFailed("cachegrind wrote no summary")
    return dict(zip(events, summary, strict=True))


def measure(scenario: str, days: tuple[float, float], cache: bool, log) -> dict:
    counters = CACHE_COUNTERS if cache else COUNTERS
    hub = []
    for d in days:
        log(f"  hubsim, {d:g} measured days, under valgrind ...")
        hub.append(counted("child_sim", cache, scenario=scenario, days=d))
    bare = []
    for h in hub:
        log(f"  bare SimPy loop, {h['simpy_events']:,} events, under valgrind ...")
        bare.append(counted("child_bare", cache, n_events=h["simpy_events"]))
    events = hub[1]["simpy_events"] - hub[0]["simpy_events"]
    if events <= 0:
        raise ChildFailed(f"the longer run scheduled no more events ({days})")
    per_event = {side: {c: (runs[1][c] - runs[0][c]) / events for c in counters}
                 for side, runs in (("hubsim", hub), ("bare", bare))}
    return {"scenario": scenario, "days": list(days), "events": events,
            "records": hub[1]["records"] - hub[0]["records"], "hubsim_runs": hub,
            "bare_runs": bare, "per_event": per_event,
            "ratio": {c: per_event["hubsim"][c] / per_event["bare"][c] for c in counters
                      if per_event["bare"][c] > 0},
            "machine": machine()}


def table(r: dict) -> list[str]:
    names = {"Ir": "instructions", "I1mr": "L1 instruction-cache misses",
             "D1mr": "L1 data-cache read misses", "D1mw": "L1 data-cache write misses"}
    lines = [f"bench_instructions: {Path(r['scenario']).name}, measured days {r['days'][0]:g} "
             f"and {r['days'][1]:g}: the difference is {r['events']:,} SimPy events "
             f"({r['records']:,} event records)", "",
             f"{'per SimPy event':<30} {'hubsim':>10} {'bare SimPy':>10} {'ratio':>7}"]
    for c, ratio in r["ratio"].items():
        lines.append(f"{names[c]:<30} {r['per_event']['hubsim'][c]:>10,.1f} "
                     f"{r['per_event']['bare'][c]:>10,.1f} {ratio:>6.2f}x")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO),
                   help="scenario YAML (default: scenarios/chongqing_2022_target.yaml)")
    p.add_argument("--days", type=float, nargs=2, default=(30.0, 90.0), metavar=("D1", "D2"),
                   help="the two runs' measured days (default 30 90)")
    p.add_argument("--cache", action="store_true",
                   help="also count L1 cache misses (cachegrind's cache model; slower)")
    p.add_argument("--json", type=Path, metavar="FILE", help="also save the figures as JSON")
    args = p.parse_args(argv)
    if not 0 < args.days[0] < args.days[1]:
        p.error("--days needs 0 < D1 < D2")
    if shutil.which("valgrind") is None:
        sys.exit("bench_instructions: needs valgrind (Debian: apt-get install valgrind)")
    print(f"bench_instructions: {args.scenario}, each run in a fresh process under valgrind "
          f"(pid {os.getpid()})", flush=True)
    try:
        r = measure(args.scenario, tuple(args.days), args.cache,
                    lambda line: print(line, flush=True))
    except ChildFailed as exc:
        sys.exit(f"bench_instructions: {exc}")
    print("\n".join(["", *table(r)]))
    if args.json:
        args.json.write_text(json.dumps(r, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
