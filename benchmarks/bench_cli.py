"""Benchmark: the command line as a user meets it: start-up times and ``hubsim run``'s memory.

Usage (from the repository root; run on demand, never from pytest)::

    python benchmarks/bench_cli.py                  # 3 repeats
    python benchmarks/bench_cli.py --repeats 5 --json out.json

* ``hubsim --help`` and ``hubsim validate scenarios/chongqing_2022_target.yaml``: wall time of
  the whole command, interpreter start included, each sample a fresh process (5 samples per
  repeat: they are short and noisy). Targets (issue 13): --help <= 0.3 s (must 0.6 s),
  validate <= 0.8 s (must 1.2 s).
* ``hubsim run`` with no argument (the bundled default scenario, the default 4 replications:
  replication 0 in the command's process with its results folder, three more on worker
  processes), run from an empty temporary folder so its results folder lands there. A fresh
  child process starts the command and reads ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` when it
  has finished: the peak resident memory of the largest process of the command that was
  waited for (what ``/usr/bin/time -v`` reports as "Maximum resident set size"). The child
  also samples the whole process tree ten times a second (psutil), for the peak of the sum
  over all its processes (workers included); that figure is for information. Target <= 250
  MB, must <= 350 MB.

The command is the ``hubsim`` script next to this Python (else ``python -m hubsim``), with
this tree's ``src/`` first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import ROOT, ChildFailed, child_env, median, run_child

SCENARIO = "scenarios/chongqing_2022_target.yaml"
SAMPLES = 5  # start-up samples per repeat
# issue 13: (target, must)
HELP_S = (0.3, 0.6)
VALIDATE_S = (0.8, 1.2)
RUN_RSS_MB = (250.0, 350.0)


def hubsim_command() -> list[str]:
    script = Path(sys.executable).parent / "hubsim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "hubsim"]


def time_command(args: list[str]) -> float:
    """Wall time of ``hubsim ARGS`` in a fresh process, from the repository root."""
    t0 = time.perf_counter()
    subprocess.run([*hubsim_command(), *args], cwd=ROOT, env=child_env(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def startup(samples: int = SAMPLES) -> dict[str, list[float]]:
    """``samples`` wall times each of ``hubsim --help`` and ``hubsim validate``, alternated."""
    out: dict[str, list[float]] = {"help_s": [], "validate_s": []}
    for _ in range(samples):
        out["help_s"].append(time_command(["--help"]))
        out["validate_s"].append(time_command(["validate", SCENARIO]))
    return out


# ------------------------------------------------------------------ child (fresh process)
def _tree_rss_mb(proc: Any) -> float:
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


def child_run_rss(days: float | None = None) -> dict:
    """``hubsim run`` (default scenario) from an empty folder; ``ru_maxrss`` of its processes
    and the sampled peak of the tree's summed RSS."""
    import resource

    try:
        import psutil
    except ImportError:  # the sampled tree figure is optional
        psutil = None
    args = ["run", "--quiet"] + (["--days", f"{days:g}"] if days else [])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proc = subprocess.Popen([*hubsim_command(), *args], cwd=tmp, env=child_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        tree_peak = 0.0
        ps = psutil.Process(proc.pid) if psutil is not None else None
        while proc.poll() is None:
            if ps is not None:
                tree_peak = max(tree_peak, _tree_rss_mb(ps))
            time.sleep(0.1)
        out, err = proc.communicate()
        wall = time.perf_counter() - t0
        folder = out.strip().splitlines()[-1] if out.strip() else ""
        wrote = bool(folder) and (Path(tmp) / folder).is_dir()
    if proc.returncode != 0:
        raise RuntimeError(f"hubsim run exited {proc.returncode}: {err.strip()[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return {"run_s": wall, "max_rss_mb": peak, "tree_peak_mb": tree_peak if ps else None,
            "results_folder": wrote}


def run_rss(days: float | None = None) -> dict:
    """:func:`child_run_rss` in a fresh process."""
    return run_child("bench_cli", "child_run_rss", days=days)


def _verdict(value: float, limits: tuple[float, float]) -> str:
    target, must = limits
    return (f"target <= {target:g}: {'MET' if value <= target else 'MISSED'}; "
            f"must <= {must:g}: {'PASS' if value <= must else 'FAIL'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--days", type=float, help="measured days of hubsim run (default: the "
                    "scenario's)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    help_s: list[float] = []
    validate_s: list[float] = []
    runs: list[dict] = []
    try:
        for i in range(args.repeats):
            s = startup()
            help_s += s["help_s"]
            validate_s += s["validate_s"]
            runs.append(run_rss(args.days))
            print(f"repeat {i + 1}: --help {median(s['help_s']):.2f} s, validate "
                  f"{median(s['validate_s']):.2f} s, run {runs[-1]['run_s']:.1f} s, max RSS "
                  f"{runs[-1]['max_rss_mb']:.0f} MB", flush=True)
    except (ChildFailed, subprocess.CalledProcessError) as exc:
        sys.exit(f"bench_cli: {exc}")
    med = {"help_s": median(help_s), "validate_s": median(validate_s),
           "run_s": median(r["run_s"] for r in runs),
           "max_rss_mb": median(r["max_rss_mb"] for r in runs)}
    trees = [r["tree_peak_mb"] for r in runs if r["tree_peak_mb"] is not None]
    med["tree_peak_mb"] = median(trees) if trees else None
    print(f"\nhubsim --help         {med['help_s']:.2f} s  {_verdict(med['help_s'], HELP_S)}")
    print(f"hubsim validate       {med['validate_s']:.2f} s  "
          f"{_verdict(med['validate_s'], VALIDATE_S)}")
    print(f"hubsim run max RSS    {med['max_rss_mb']:.0f} MB  "
          f"{_verdict(med['max_rss_mb'], RUN_RSS_MB)}  (run {med['run_s']:.1f} s"
          + (f"; sampled peak of the whole tree, workers included: {med['tree_peak_mb']:.0f} MB"
             if trees else "") + ")")
    if args.json:
        args.json.write_text(json.dumps({"help_s": help_s, "validate_s": validate_s,
                                         "runs": runs, "median": med}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
