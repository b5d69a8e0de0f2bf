"""Shared helpers of the benchmark scripts: fresh-process children, peak memory, the machine.

A *child* is a function of a benchmark module (``bench_year.child_hubsim``, ...) that returns
a JSON-able dict. :func:`run_child` runs it in a fresh Python process::

    python benchmarks/benchlib.py MODULE FUNCTION '{"keyword": "arguments"}'

which prints the dict as JSON on its last line of output. The child's ``PYTHONPATH`` starts
with this repository's ``src/``, so the code measured is the code of the tree the benchmark
script belongs to (the same as a development install of it); ``MPLBACKEND=Agg``.

Not a benchmark itself, and never run from pytest.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
BENCH = Path(__file__).resolve().parent
DEFAULT_SCENARIO = ROOT / "scenarios" / "chongqing_2022_target.yaml"


class ChildFailed(RuntimeError):
    """A child process exited with an error; the message holds its standard error."""


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB: ``VmHWM`` of ``/proc/self/status``
    where there is one (Linux), else ``ru_maxrss``.

    On Linux ``ru_maxrss`` survives ``exec``: a child started by a parent of 115 MB reports at
    least 115 MB however little it uses itself (seen in run_all's later repeats). ``VmHWM``
    belongs to the process's own memory map, which ``exec`` replaces.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 if sys.platform != "darwin" else peak / 2**20  # KiB on Linux


def child_env() -> dict[str, str]:
    """The environment of every child: this tree's ``src/`` first on ``PYTHONPATH``."""
    env = dict(os.environ)
    paths = [str(SRC), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["MPLBACKEND"] = "Agg"
    return env


def run_child(module: str, function: str, timeout: float | None = None,
              **kwargs: Any) -> dict[str, Any]:
    """``module.function(**kwargs)`` in a fresh Python process; its dict, plus ``process_s``
    (wall time of the whole child process, interpreter start included)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), module, function, json.dumps(kwargs)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=child_env(),
                          timeout=timeout)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise ChildFailed(f"{module}.{function}({kwargs}) failed (exit {proc.returncode}):\n"
                          f"{proc.stderr.strip()[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = wall
    return out


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def versions() -> dict[str, str]:
    """Installed versions of the packages the benchmarks measure or compare with (read from
    the package metadata, without importing them)."""
    out = {"python": platform.python_version()}
    for name in ("simpy", "numpy", "pandas", "ciw", "dask", "distributed"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def commit() -> str:
    """The commit of this tree (``+dirty`` when files differ from it), or ``unknown``."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True, check=True).stdout
        return head + ("+dirty" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def measure_and_print(name: str, run: Callable[[Callable[[str], None]], dict],
                      table: Callable[[dict], list[str]], json_path: Path | None) -> int:
    """A script's ``main`` after its arguments: ``run(log)`` the measurements (printing each
    as it comes), then the table, and the figures as JSON to ``json_path`` when given; a
    failed child ends the script with its message."""
    try:
        result = run(lambda line: print(line, flush=True))
    except ChildFailed as exc:
        sys.exit(f"{name}: {exc}")
    print("\n".join(["", *table(result)]))
    if json_path:
        json_path.write_text(json.dumps(result, indent=2) + "\n")
    return 0


def engine() -> str:
    """Which engine the installed hubsim runs: its modules compiled at install (mypyc,
    ``setup.py``) or pure Python (``hubsim.sim.compiled``)."""
    from hubsim.sim import compiled

    names = compiled()
    return f"compiled ({len(names)} modules)" if names else "pure Python"


def machine() -> dict[str, Any]:
    """Cores, CPU model, OS, versions, the engine's build and the load average now."""
    return {"cores": os.cpu_count(), "cpu": cpu_model(),
            "os": f"{platform.system()} {platform.release()}", "commit": commit(),
            "versions": versions(), "engine": engine(), "load": list(os.getloadavg())}


def _main(argv: list[str]) -> int:
    if len(argv) != 3:
        sys.exit("usage: python benchmarks/benchlib.py MODULE FUNCTION JSON_KWARGS")
    module, function, kwargs = argv
    sys.path.insert(0, str(BENCH))
    fn = getattr(importlib.import_module(module), function)
    print(json.dumps(fn(**json.loads(kwargs))), flush=True)
    return 0


def timed_tables(res: Any) -> tuple[float, float]:
    """Build the record tables of ``res`` (:meth:`hubsim.api.Results.tables`); their wall and
    CPU time, s. pandas is imported first, outside the clock: an import is not simulation work
    (loading the scenario imported it before the tables became lazy)."""
    import pandas  # noqa: F401

    t0, c0 = time.perf_counter(), time.process_time()
    res.tables()
    return time.perf_counter() - t0, time.process_time() - c0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
