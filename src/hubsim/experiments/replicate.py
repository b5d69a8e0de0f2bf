"""Replications and parameter sweeps with confidence intervals, on any executor.

Points, runs and seeds are defined in :mod:`hubsim.experiments.params`; runs are simulated and
kept by :mod:`hubsim.experiments.store`. Statistics per point and KPI over ``n`` replications:
mean, sample sd, and the 95% confidence interval ``mean +- t(0.975, n-1) * sd / sqrt(n)``; per
target, the fraction of replications meeting it (the probability met) with a 95% Wilson
interval.

Results folder (see the README, "Experiments")::

    experiment.json   what was asked: kind, scenario and its hash, base seed, days, points
    runs/<point>-r<replication>.json   one file per finished run, renamed into place atomically
    failed/<point>-r<replication>.json one per failed run: seed, parameters, error
    runs.csv          one row per point x replication: seed, parameters, total KPIs, met_<target>
    kpis.parquet      every KPI of every run (long form)
    summary.csv       per point and KPI: n, mean, sd, ci_low, ci_high, half_width
    targets.csv       per point and target: n, mean, CI, p_met and its interval
    sweep.png         sweeps: KPI against the first parameter with 95% CI bands (drawn by
                      ``hubsim sweep`` through :mod:`hubsim.present.experiment_output`)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubsim.analysis.stats import summarise, wilson
from hubsim.api import apply_changes
from hubsim.errors import ExperimentError
from hubsim.experiments.executors import Executor
from hubsim.experiments.params import Changes, grid, plain, run_id, scenario_digest
from hubsim.experiments.store import Progress, RunCache, RunStore
from hubsim.scenario import limits
from hubsim.scenario.schema import Scenario

__all__ = ["Experiment", "SearchFailed", "base_seed", "check_days", "check_replications",
           "identity", "replicate", "run_points", "sweep", "tables"]


class SearchFailed(ExperimentError):
    """A search (goal-seek, capacity) that cannot go on although its input was fine: every run
    at one point failed, or no point qualifies. The runs so far are kept for ``--resume``."""


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


# --------------------------------------------------------------------------- tables
def _records(cache: RunCache, points: Sequence[Changes], replications: Sequence[int],
             parameters: list[str]) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """Rows of the long KPI table, the target table, the run table and the failure table."""
    kp_rows: list[Any] = []
    tg_rows: list[Any] = []
    run_rows: list[Any] = []
    fail_rows: list[Any] = []
    for p, changes in enumerate(points):
        params = {name: None for name in parameters} | dict(changes)
        for rep in replications:
            rid = run_id(changes, rep)
            rec = cache.records.get(rid)
            if rec is None:
                fail = cache.failures.get(rid)
                if fail is not None:
                    fail_rows.append({"point": p, "replication": rep, "seed": fail["seed"],
                                      **params, "error": fail["error"]})
                continue
            row = {"point": p, "replication": rep, "seed": rec["seed"], **params}
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
    return kp_rows, tg_rows, run_rows, fail_rows


def tables(cache: RunCache, points: Sequence[Changes], replications: Sequence[int],
            parameters: list[str]) -> Experiment:
    """The experiment's tables from the runs of ``cache`` at ``points`` x ``replications``
    (a run neither finished nor failed is left out)."""
    kp_rows, tg_rows, run_rows, fail_rows = _records(cache, points, replications, parameters)
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


# --------------------------------------------------------------------------- checks
def identity(kind: str, scn: Scenario, base_seed: int, days: float | None,
             **extra: Any) -> dict[str, Any]:
    """What makes an experiment the same one (``experiment.json``; resume checks it)."""
    return {"kind": kind, "scenario": scn.name, "scenario_file": scn.source_path,
            "scenario_sha256": scenario_digest(scn), "base_seed": int(base_seed),
            "days": days, **extra}


def base_seed(scn: Scenario, seed: int | None) -> int:
    """``seed``, or the scenario's ``run.seed``; :class:`ScenarioError` unless a whole number
    in [0, 2**63 - 1] (:func:`hubsim.scenario.limits.check_seed`)."""
    limits.check_seed(seed)
    return scn.run.seed if seed is None else int(seed)


def check_days(days: float | None) -> None:
    """:class:`ScenarioError` unless ``days`` is None or in (0, 36500] (the rule of
    :func:`hubsim.scenario.limits.check_days`)."""
    limits.check_days(days)


def check_replications(replications: int) -> None:
    """:class:`ExperimentError` unless ``replications`` >= 1."""
    if replications < 1:
        raise ExperimentError(f"replications must be >= 1, got {replications}")


def _finish(cache: RunCache, exp: Experiment, store: RunStore | None) -> Experiment:
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
    exp.folder = store.folder
    return exp


# --------------------------------------------------------------------------- experiments
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

    Raises
    ------
    ScenarioError, ExperimentError, OutputError
        Bad seed or days; bad replications or precision; ``out`` exists (without ``resume``)
        or holds another experiment.
    """
    check_replications(replications)
    if precision is not None and not precision > 0:
        raise ExperimentError(f"precision must be > 0, got {precision}")
    check_days(days)
    base = base_seed(scenario, seed)
    cap = max(max_replications, replications)
    store = RunStore(out, identity("replicate", scenario, base, days), resume) \
        if out is not None else None
    cache = RunCache(scenario, base, days, executor, store, progress)
    points: list[Changes] = [()]
    n = replications
    while True:
        cache.run(points, range(n))
        exp = tables(cache, points, list(range(n)), [])
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
          resume: bool = False, progress: Progress | None = None) -> Experiment:
    """Run ``replications`` replications at every point of the grid of ``parameters``
    (``{path: [values]}``; values as :func:`hubsim.scenario.overlay.apply_changes` takes them,
    ``"x1.2"`` scales). Every point uses the same replication seeds.

    ``.runs`` has one row per point x replication with a column per parameter; ``.summary``
    and ``.targets`` one row per point (and KPI or target) with 95% CIs; with ``out``, the
    tables are written to that folder. The figure of a KPI against the first parameter is
    :func:`hubsim.present.experiment_output.write_sweep_figure` (``hubsim sweep`` draws it).
    """
    if not parameters:
        raise ExperimentError("a sweep needs at least one parameter (--set PATH=VALUES)")
    check_replications(replications)
    check_days(days)
    base = base_seed(scenario, seed)
    points = grid(parameters)
    names = list(parameters)
    for path in names:  # a bad path or value fails here, before any folder is made
        for value in dict.fromkeys(map(plain, parameters[path])):
            apply_changes(scenario, {path: value})
    store = RunStore(out, identity("sweep", scenario, base, days, replications=replications,
                                   parameters={k: list(map(plain, v))
                                               for k, v in parameters.items()}),
                     resume) if out is not None else None
    cache = RunCache(scenario, base, days, executor, store, progress)
    cache.run(points, range(replications))
    exp = tables(cache, points, list(range(replications)), names)
    return _finish(cache, exp, store)


def run_points(cache: RunCache, points: Sequence[Changes], replications: int,
               parameters: list[str]) -> Experiment:
    """Run (or reuse) ``replications`` replications of each point and tabulate them."""
    cache.run(points, range(replications))
    return tables(cache, points, list(range(replications)), parameters)
