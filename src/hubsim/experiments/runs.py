"""Experiments: replications and parameter sweeps with confidence intervals, on any executor.

A *point* is a set of parameter changes (``{path: value}``, applied with
:func:`hubsim.scenario.overlay.apply_changes`); a *run* is one replication of one point. Replication
``i`` gets the seed ``replication_seed(base_seed, i)``, derived from
``SeedSequence(base_seed).spawn(...)[i]``, so it depends neither on the executor nor on the
order runs finish in, and every point uses the same replication seeds (common random numbers:
a difference between points is not drowned by different random draws). Workers return the
KPI table and the targets of their run, never the event log.

Statistics per point and KPI over ``n`` replications: mean, sample sd, and the 95% confidence
interval ``mean +- t(0.975, n-1) * sd / sqrt(n)``; per target, the fraction of replications
meeting it (the probability met) with a 95% Wilson interval.

Results folder (see the README, "Experiments")::

    experiment.json   what was asked: kind, scenario and its hash, base seed, days, points
    runs/<point>-r<replication>.json   one file per finished run, renamed into place atomically
    failed/<point>-r<replication>.json one per failed run: seed, parameters, error
    runs.csv          one row per point x replication: seed, parameters, total KPIs, met_<target>
    kpis.parquet      every KPI of every run (long form)
    summary.csv       per point and KPI: n, mean, sd, ci_low, ci_high, half_width
    targets.csv       per point and target: n, mean, CI, p_met and its interval
    sweep.png         sweeps: KPI against the first parameter with 95% CI bands

>>> replication_seed(7, 0) == replication_seed(7, 0) != replication_seed(7, 1)
True
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubsim.api import apply_changes
from hubsim.experiments.executors import Executor, SerialExecutor
from hubsim.scenario.overlay import scenario_data
from hubsim.scenario.schema import Scenario

__all__ = ["Experiment", "RunStore", "parse_set", "replicate", "replication_seed", "run_points",
           "summarise", "sweep", "sweep_plot", "t_quantile"]

Changes = tuple[tuple[str, Any], ...]
Progress = Callable[[int, int, int], None]  # (runs done, runs in all, runs running)

# t(0.975, df) for df = 1..30
_T975 = (12.7062047, 4.3026527, 3.1824463, 2.7764451, 2.5705818, 2.4469119, 2.3646243,
         2.3060041, 2.2621572, 2.2281389, 2.2009852, 2.1788128, 2.1603687, 2.1447867,
         2.1314495, 2.1199053, 2.1098156, 2.1009220, 2.0930241, 2.0859634, 2.0796138,
         2.0738731, 2.0686576, 2.0638986, 2.0595386, 2.0555294, 2.0518311, 2.0484071,
         2.0452296, 2.0422725)
_Z975 = 1.959963984540054


def t_quantile(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (two-sided 95%).

    Exact table up to 30, then the Cornish-Fisher expansion (error below 1e-6).

    >>> round(t_quantile(9), 4), round(t_quantile(1000), 4)
    (2.2622, 1.9623)
    """
    if df < 1:
        return float("nan")
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


def replication_seed(base_seed: int, replication: int) -> int:
    """Seed of replication ``replication``: ``SeedSequence(base_seed).spawn(n)[replication]``
    reduced to one 32-bit integer (the same whatever ``n``, executor or finishing order)."""
    ss = np.random.SeedSequence(int(base_seed), spawn_key=(int(replication),))
    return int(ss.generate_state(1, dtype=np.uint32)[0])


# --------------------------------------------------------------------------- runs
@dataclass(frozen=True)
class RunTask:
    """One run for a worker: the scenario with the point's changes already applied."""

    scenario: Scenario
    replication: int
    seed: int
    days: float | None
    diagnostics: bool = False


def run_task(task: RunTask) -> dict[str, Any]:
    """Simulate one run and return its compact result (picklable, JSON-able):
    ``kpis`` as rows ``[kpi, scope, key, value, unit]`` and ``targets`` as rows
    ``[target, kpi, value, threshold, sense, met]``."""
    from hubsim.api import simulate

    res = simulate(task.scenario, seed=task.seed, days=task.days)
    k = res.kpis
    if task.diagnostics:
        from hubsim.analysis.diagnostics import diagnostics

        k = pd.concat([k, diagnostics(res.events, res.trips, res.nodes, res.scenario,
                                          res.window)], ignore_index=True)
    t = res.targets
    return {
        "kpis": [[r.kpi, r.scope, r.key, _num(r.value), r.unit] for r in k.itertuples()],
        "targets": [[r.target, r.kpi, _num(r.value), float(r.threshold), r.sense, bool(r.met)]
                    for r in t.itertuples()],
        "wall_time_s": round(res.wall_time_s, 3),
    }


def _num(v: Any) -> float | None:
    v = float(v)
    return None if math.isnan(v) else v


def point_key(changes: Changes) -> str:
    """A short stable name for a point: ``base`` for no change, else a hash of the changes."""
    if not changes:
        return "base"
    text = json.dumps([[p, v] for p, v in changes], sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def run_id(changes: Changes, replication: int) -> str:
    return f"{point_key(changes)}-r{replication:04d}"


def scenario_digest(scn: Scenario) -> str:
    """sha256 of the scenario's content (not its file), so in-memory scenarios work too."""
    text = json.dumps(scenario_data(scn), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class RunStore:
    """The runs of one experiment on disk: one JSON file per finished run, written atomically.

    ``experiment.json`` records the experiment's identity (kind, scenario content hash, base
    seed, days); resuming with a different identity is refused.
    """

    def __init__(self, folder: str | Path, identity: dict[str, Any], resume: bool = False):
        self.folder = Path(folder)
        self.identity = identity
        meta = self.folder / "experiment.json"
        if self.folder.exists() and not resume:
            raise FileExistsError(f"{self.folder}: already exists; add --resume to continue "
                                  "the experiment in it, or choose another --out")
        if resume and meta.exists():
            old = json.loads(meta.read_text())
            diff = [k for k in identity if old.get(k) != identity[k]]
            if diff:
                raise ValueError(f"{self.folder}: cannot resume: "
                                 + ", ".join(f"{k} was {old.get(k)!r}, now {identity[k]!r}"
                                             for k in diff))
        elif resume and self.folder.exists() and any(self.folder.iterdir()):
            raise ValueError(f"{self.folder}: cannot resume: no experiment.json in it")
        (self.folder / "runs").mkdir(parents=True, exist_ok=True)
        (self.folder / "failed").mkdir(exist_ok=True)
        if not meta.exists():
            from hubsim.version import __version__

            self.write_json(meta, {**identity, "hubsim_version": __version__})

    @staticmethod
    def write_json(path: Path, data: Any) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh, indent=1)
                fh.write("\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self, rid: str) -> dict[str, Any] | None:
        path = self.folder / "runs" / f"{rid}.json"
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError:  # cannot happen with atomic writes; rerun it anyway
            return None

    def save(self, rid: str, record: dict[str, Any]) -> None:
        self.write_json(self.folder / "runs" / f"{rid}.json", record)
        (self.folder / "failed" / f"{rid}.json").unlink(missing_ok=True)

    def save_failure(self, rid: str, record: dict[str, Any]) -> None:
        self.write_json(self.folder / "failed" / f"{rid}.json", record)

    def write_table(self, name: str, table: pd.DataFrame) -> None:
        path = self.folder / name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=self.folder)
        os.close(fd)
        try:
            if name.endswith(".parquet"):
                table.to_parquet(tmp, index=False)
            else:
                table.to_csv(tmp, index=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class RunCache:
    """Finished runs of an experiment, in memory and (with a store) on disk: every search step
    asks it first, so no run is simulated twice."""

    def __init__(self, scenario: Scenario, base_seed: int, days: float | None,
                 executor: Executor | None = None, store: RunStore | None = None,
                 progress: Progress | None = None, diagnostics: bool = False):
        self.scenario = scenario
        self.base_seed = int(base_seed)
        self.days = days
        self.executor = executor or SerialExecutor()
        self.store = store
        self.progress = progress
        self.diagnostics = diagnostics
        self.records: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, dict[str, Any]] = {}
        self.points: dict[str, Changes] = {}
        self.simulated = 0
        self.reused = 0

    def run(self, points: Sequence[Changes], replications: Sequence[int]) -> None:
        """Make sure every (point, replication) has a finished run or a recorded failure."""
        todo: list[tuple[str, RunTask, Changes]] = []
        scenarios: dict[Changes, Scenario] = {}
        for changes in points:
            self.points.setdefault(point_key(changes), changes)
            if changes not in scenarios:  # bad paths and values fail here, before any run
                scenarios[changes] = apply_changes(self.scenario, dict(changes)) \
                    if changes else self.scenario
            for rep in replications:
                rid = run_id(changes, rep)
                if rid in self.records:
                    continue
                rec = self.store.load(rid) if self.store else None
                if rec is not None:
                    self.records[rid] = rec
                    self.reused += 1
                    continue
                task = RunTask(scenarios[changes], rep,
                               replication_seed(self.base_seed, rep), self.days,
                               self.diagnostics)
                todo.append((rid, task, changes))
        total = len(todo)
        if self.progress:
            self.progress(0, total, 0)
        if not todo:
            return
        done = 0
        for i, ok, value in self.executor.map_unordered(run_task, [t for _, t, _ in todo]):
            rid, task, changes = todo[i]
            params = {p: v for p, v in changes}
            if ok:
                rec = {"run": rid, "replication": task.replication, "seed": task.seed,
                       "params": params, **value}
                self.records[rid] = rec
                self.failures.pop(rid, None)
                if self.store:
                    self.store.save(rid, rec)
                self.simulated += 1
            else:
                fail = {"run": rid, "replication": task.replication, "seed": task.seed,
                        "params": params, "error": value}
                self.failures[rid] = fail
                if self.store:
                    self.store.save_failure(rid, fail)
            done += 1
            if self.progress:
                self.progress(done, total, self.executor.running if done < total else 0)

    def get(self, changes: Changes, rep: int) -> dict[str, Any] | None:
        return self.records.get(run_id(changes, rep))


# --------------------------------------------------------------------------- tables
@dataclass
class Experiment:
    """What an experiment produced, as pandas tables (see the module docstring)."""

    runs: pd.DataFrame
    kpis: pd.DataFrame = field(repr=False)
    summary: pd.DataFrame = field(repr=False)
    targets: pd.DataFrame
    failures: pd.DataFrame
    parameters: list[str]
    folder: Path | None = None
    simulated: int = 0
    reused: int = 0

    def kpi(self, name: str, scope: str = "total", key: str = "") -> pd.DataFrame:
        """Summary rows of one KPI, one per point."""
        s = self.summary
        return s[(s["kpi"] == name) & (s["scope"] == scope) & (s["key"] == key)] \
            .reset_index(drop=True)


def _tables(cache: RunCache, points: Sequence[Changes], replications: Sequence[int],
            parameters: list[str]) -> Experiment:
    kp_rows, tg_rows, run_rows, fail_rows = [], [], [], []
    for p, changes in enumerate(points):
        params = {name: None for name in parameters} | {k: v for k, v in changes}
        for rep in replications:
            rid = run_id(changes, rep)
            rec = cache.records.get(rid)
            if rec is None:
                fail = cache.failures.get(rid)
                if fail is not None:
                    fail_rows.append({"point": p, "replication": rep, "seed": fail["seed"],
                                      **params, "error": fail["error"]})
                continue
            head = {"point": p, "replication": rep, "seed": rec["seed"], **params}
            row = dict(head)
            for kpi, scope, key, value, unit in rec["kpis"]:
                kp_rows.append((p, rep, kpi, scope, key,
                                np.nan if value is None else value, unit))
                if scope == "total":
                    row[kpi] = np.nan if value is None else value
            for target, kpi, value, threshold, sense, met in rec["targets"]:
                tg_rows.append((p, rep, target, kpi, np.nan if value is None else value,
                                threshold, sense, met))
                row[f"met_{target}"] = met
            run_rows.append(row)
    pcols = ["point", *parameters]
    point_params = pd.DataFrame(
        [{"point": p, **({n: None for n in parameters} | dict(ch))}
         for p, ch in enumerate(points)], columns=pcols)
    kpis = pd.DataFrame(kp_rows, columns=["point", "replication", "kpi", "scope", "key",
                                          "value", "unit"])
    tg = pd.DataFrame(tg_rows, columns=["point", "replication", "target", "kpi", "value",
                                        "threshold", "sense", "met"])
    summary = point_params.merge(summarise(kpis, ["point", "kpi", "scope", "key", "unit"]),
                                 on="point")
    targets = point_params.merge(_target_summary(tg), on="point")
    runs = pd.DataFrame(run_rows)
    if runs.empty:
        runs = pd.DataFrame(columns=["point", "replication", "seed", *parameters])
    failures = pd.DataFrame(fail_rows, columns=["point", "replication", "seed", *parameters,
                                                "error"])
    long = point_params.merge(kpis, on="point")
    return Experiment(runs=runs, kpis=long, summary=summary, targets=targets,
                      failures=failures, parameters=parameters, folder=None,
                      simulated=cache.simulated, reused=cache.reused)


def summarise(table: pd.DataFrame, by: list[str], value: str = "value") -> pd.DataFrame:
    """Mean, sd and 95% t confidence interval of ``value`` per group of ``by``.

    Columns: ``*by, n, mean, sd, ci_low, ci_high, half_width`` (``sd`` and the interval are
    NaN with one value; NaN values are left out of ``n``).
    """
    g = table.groupby(by, sort=False, dropna=False, observed=True)[value]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    t = out["n"].map(lambda n: t_quantile(int(n) - 1)).astype(float)
    half = t * out["sd"] / np.sqrt(out["n"].where(out["n"] > 0))
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    out["half_width"] = half
    return out


def wilson(k: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval of a proportion ``k / n``."""
    if n == 0:
        return float("nan"), float("nan")
    z = _Z975
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _target_summary(tg: pd.DataFrame) -> pd.DataFrame:
    cols = ["point", "target", "kpi", "sense", "threshold"]
    if tg.empty:
        return pd.DataFrame(columns=[*cols, "n", "mean", "sd", "ci_low", "ci_high",
                                     "half_width", "p_met", "p_met_low", "p_met_high"])
    out = summarise(tg, cols)
    met = tg.groupby(cols, sort=False, observed=True)["met"].agg(["sum", "count"]) \
        .reset_index()
    out = out.merge(met, on=cols)
    out["p_met"] = out["sum"] / out["count"]
    bounds = [wilson(int(k), int(n)) for k, n in zip(out["sum"], out["count"], strict=True)]
    out["p_met_low"] = [b[0] for b in bounds]
    out["p_met_high"] = [b[1] for b in bounds]
    return out.drop(columns=["sum", "count"])


# --------------------------------------------------------------------------- parameters
_RANGE = re.compile(r"^(x?)(-?[0-9.eE+-]+):(-?[0-9.eE+-]+)(?::([0-9.eE+-]+))?$")


def _value(text: str) -> Any:
    text = text.strip()
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def parse_set(spec: str) -> tuple[str, list[Any]]:
    """``PATH=VALUES`` of ``--set``: a list ``2,3,4``, a range ``2:6`` (step 1) or
    ``10:20:2`` (both ends included when the step lands on them), scales ``x0.8,x1.2`` or a
    scale range ``x0.8:1.2:0.1``.

    >>> parse_set("hubs.port.equipment=2:4")
    ('hubs.port.equipment', [2, 3, 4])
    >>> parse_set("services.cre.per_week=x0.5:1:0.25")
    ('services.cre.per_week', ['x0.5', 'x0.75', 'x1'])
    """
    path, sep, values = spec.partition("=")
    path = path.strip()
    if not sep or not path or not values.strip():
        raise ValueError(f"--set {spec!r}: write PATH=VALUES, e.g. hubs.guoyuan.equipment=4,6,8")
    m = _RANGE.match(values.strip())
    if m:
        scale, lo_t, hi_t, step_t = m.groups()
        try:
            lo, hi = float(lo_t), float(hi_t)
            step = float(step_t) if step_t else 1.0
        except ValueError:
            raise ValueError(f"--set {spec!r}: bad range (write LOW:HIGH or "
                             "LOW:HIGH:STEP)") from None
        if step <= 0 or hi < lo:
            raise ValueError(f"--set {spec!r}: a range needs LOW <= HIGH and STEP > 0")
        n = int(math.floor((hi - lo) / step + 1e-9)) + 1
        if n > 10_000:
            raise ValueError(f"--set {spec!r}: {n} values; at most 10000")
        nums = [round(lo + i * step, 12) for i in range(n)]
        whole = all(float(x).is_integer() for x in (lo, step))
        if scale:
            return path, [f"x{x:g}" for x in nums]
        return path, [int(x) if whole else x for x in nums]
    out = [_value(v) for v in values.split(",") if v.strip()]
    if not out:
        raise ValueError(f"--set {spec!r}: no values")
    return path, out


def grid(parameters: Mapping[str, Sequence[Any]]) -> list[Changes]:
    """Every combination of the parameters' values (the first parameter varies slowest)."""
    names = list(parameters)
    return [tuple(zip(names, combo, strict=True))
            for combo in itertools.product(*(list(parameters[n]) for n in names))]


# --------------------------------------------------------------------------- experiments
def _identity(kind: str, scn: Scenario, base_seed: int, days: float | None,
              **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "scenario": scn.name, "scenario_file": scn.source_path,
            "scenario_sha256": scenario_digest(scn), "base_seed": int(base_seed),
            "days": days, **extra}


def _base_seed(scn: Scenario, seed: int | None) -> int:
    seed = scn.run.seed if seed is None else int(seed)
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return seed


def _check_days(days: float | None) -> None:
    if days is not None and not days > 0:
        raise ValueError(f"days must be > 0, got {days}")


def _finish(cache: RunCache, exp: Experiment, store: RunStore | None,
            plot: Callable[[Experiment], Any] | None = None) -> Experiment:
    if store is None:
        return exp
    store.write_table("runs.csv", exp.runs)
    long = exp.kpis.copy()
    for name in exp.parameters:  # parquet columns have one type: 2 and "x1.5" become text
        if long[name].map(type).nunique() > 1:
            long[name] = long[name].astype(str)
    store.write_table("kpis.parquet", long)
    store.write_table("summary.csv", exp.summary)
    store.write_table("targets.csv", exp.targets)
    if len(exp.failures):
        store.write_table("failures.csv", exp.failures)
    else:
        (store.folder / "failures.csv").unlink(missing_ok=True)
    if plot is not None:
        import matplotlib.pyplot as plt

        fig = plot(exp)
        fd, tmp = tempfile.mkstemp(prefix=".sweep.", suffix=".png", dir=store.folder)
        os.close(fd)
        fig.savefig(tmp, dpi=120)
        plt.close(fig)
        os.replace(tmp, store.folder / "sweep.png")
    exp.folder = store.folder
    return exp


def replicate(scenario: Scenario, replications: int = 10, *, seed: int | None = None,
              days: float | None = None, precision: float | None = None,
              max_replications: int = 100, executor: Executor | None = None,
              out: str | Path | None = None, resume: bool = False,
              progress: Progress | None = None) -> Experiment:
    """Run ``replications`` independent replications of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
    replications : int
        Number of replications (the first batch when ``precision`` is given).
    seed : int, optional
        Base seed (default ``run.seed``); replication ``i`` runs with
        ``replication_seed(seed, i)``.
    days : float, optional
        Measured days per run (default: the scenario's).
    precision : float, optional
        Keep adding batches of ``replications`` runs until the 95% CI half-width of every
        target's KPI is at most ``precision`` times its mean (e.g. 0.01 for 1%), or
        ``max_replications`` is reached. Batches are fixed in size, so the stopping point does
        not depend on the executor.
    executor : Executor, optional
        Default: serial, in this process.
    out : path, optional
        Results folder (see the module docstring); default: nothing written.
    resume : bool
        Continue in an existing ``out``, skipping the runs already in it.
    progress : callable, optional
        Called with (runs done, runs to do, runs running) as runs finish.

    Returns
    -------
    Experiment
        ``.targets`` has the mean, 95% CI and probability met of every target, ``.summary``
        the mean and CI of every KPI, ``.runs`` one row per replication.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if precision is not None and not precision > 0:
        raise ValueError(f"precision must be > 0, got {precision}")
    _check_days(days)
    base = _base_seed(scenario, seed)
    cap = max(max_replications, replications)
    store = RunStore(out, _identity("replicate", scenario, base, days), resume) \
        if out is not None else None
    cache = RunCache(scenario, base, days, executor, store, progress)
    points: list[Changes] = [()]
    n = replications
    while True:
        cache.run(points, range(n))
        exp = _tables(cache, points, list(range(n)), [])
        if precision is None or n >= cap or _precise(exp.targets, precision):
            break
        n = min(cap, n + replications)
    if store is not None:
        store.write_json(store.folder / "replications.json",
                         {"replications": n, "precision": precision,
                          "max_replications": cap})
    return _finish(cache, exp, store)


def _precise(targets: pd.DataFrame, precision: float) -> bool:
    if targets.empty:
        return True
    rel = targets["half_width"] / targets["mean"].abs()
    return bool((rel <= precision).all())


def sweep(scenario: Scenario, parameters: Mapping[str, Sequence[Any]],
          replications: int = 5, *, seed: int | None = None, days: float | None = None,
          executor: Executor | None = None, out: str | Path | None = None,
          resume: bool = False, progress: Progress | None = None,
          plot_kpi: str | None = None) -> Experiment:
    """Run ``replications`` replications at every point of the grid of ``parameters``
    (``{path: [values]}``; values as :func:`hubsim.scenario.overlay.apply_changes` takes them,
    ``"x1.2"`` scales). Every point uses the same replication seeds.

    ``.runs`` has one row per point x replication with a column per parameter; ``.summary``
    and ``.targets`` one row per point (and KPI or target) with 95% CIs. With ``out``, the
    folder also gets ``sweep.png``: ``plot_kpi`` (default: the first target's KPI) against
    the first parameter, one line per combination of the others, with CI bands.
    """
    if not parameters:
        raise ValueError("a sweep needs at least one parameter (--set PATH=VALUES)")
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    _check_days(days)
    base = _base_seed(scenario, seed)
    points = grid(parameters)
    names = list(parameters)
    for path in names:  # a bad path or value fails here, before any folder is made
        for value in dict.fromkeys(map(_plain, parameters[path])):
            apply_changes(scenario, {path: value})
    store = RunStore(out, _identity("sweep", scenario, base, days, replications=replications,
                                    parameters={k: list(map(_plain, v))
                                                for k, v in parameters.items()}),
                     resume) if out is not None else None
    cache = RunCache(scenario, base, days, executor, store, progress)
    cache.run(points, range(replications))
    exp = _tables(cache, points, list(range(replications)), names)
    kpi = plot_kpi or (scenario.targets[0].kpi if scenario.targets else "channel_teu")
    return _finish(cache, exp, store, lambda e: sweep_plot(e, kpi))


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def run_points(cache: RunCache, points: Sequence[Changes], replications: int,
               parameters: list[str]) -> Experiment:
    """Run (or reuse) ``replications`` replications of each point and tabulate them."""
    cache.run(points, range(replications))
    return _tables(cache, points, list(range(replications)), parameters)


# --------------------------------------------------------------------------- plot
def sweep_plot(exp: Experiment, kpi: str, scope: str = "total", key: str = ""):
    """KPI mean against the first parameter, one line per combination of the other
    parameters, with the 95% CI as a band. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    s = exp.kpi(kpi, scope, key)
    if s.empty or not exp.parameters:
        ax.text(0.5, 0.5, f"no {kpi} values", ha="center", va="center",
                transform=ax.transAxes)
        return fig
    x_name, others = exp.parameters[0], exp.parameters[1:]
    groups = s.groupby(others, sort=False, dropna=False) if others else [((), s)]
    for label, grp in groups:
        xs = grp[x_name].map(_axis_value).to_numpy(dtype=float)
        order = np.argsort(xs, kind="stable")
        x = xs[order]
        mean = grp["mean"].to_numpy(dtype=float)[order]
        lo = grp["ci_low"].to_numpy(dtype=float)[order]
        hi = grp["ci_high"].to_numpy(dtype=float)[order]
        label = label if isinstance(label, tuple) else (label,)
        name = ", ".join(f"{o}={v}" for o, v in zip(others, label, strict=True)) or kpi
        line, = ax.plot(x, mean, marker="o", label=name)
        ax.fill_between(x, np.where(np.isnan(lo), mean, lo), np.where(np.isnan(hi), mean, hi),
                        color=line.get_color(), alpha=0.2, linewidth=0)
    unit = str(s["unit"].iloc[0]) if "unit" in s else ""
    ax.set_xlabel(x_name + (" (scale)" if str(s[x_name].iloc[0]).startswith("x") else ""))
    ax.set_ylabel(f"{kpi} [{unit}]" if unit else kpi)
    ax.set_title(f"{kpi}: mean and 95% CI over replications")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _axis_value(v: Any) -> float:
    if isinstance(v, str) and v.strip().startswith(("x", "*")):
        return float(v.strip()[1:])
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")
