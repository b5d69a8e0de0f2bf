"""The verdict ``hubsim run`` gives: every target over replications, with its uncertainty.

One run is one draw of a year. :func:`run_verdict` simulates replication 0 (the scenario's own
seed) in this process with every record kept (the event log, tables and figures of the results
folder come from it) while replications ``1 .. n-1`` run on the executor's workers, keeping
only their KPIs; then :func:`verdict_table` judges each target from the ``n`` yearly values.

Why replications and not batch means within one run: the targets are yearly totals over a
seasonal year (monthly demand factors, a low-water season, the Chinese New Year dip), so
batches of one run are neither identically distributed nor independent of the season; whole
independent years are the unit the target is about, and they parallelise on all cores. The
default is :data:`DEFAULT_REPLICATIONS` whatever the number of cores, so the same scenario and
seed give the same verdict on every machine (``tests/test_verdict.py`` checks the interval's
coverage on a case whose true mean is known).

Per target (``verdict.csv``, one row each):

* ``mean``, ``ci_low``, ``ci_high``: the yearly mean and its 95% Student t interval over the
  replications;
* ``p_met``: the probability that one more year under the same conditions meets the target
  (Student t prediction, :func:`hubsim.analysis.stats.predictive_p`), with ``met_runs`` of
  ``replications`` runs that met it (``p_runs_low``, ``p_runs_high``: Wilson interval);
* ``verdict``: ``MET`` when the whole interval meets the threshold, ``NOT MET`` when none of
  it does, ``TOO CLOSE TO CALL`` when it straddles it; one replication gives ``MET (one draw)``
  or ``NOT MET (one draw)``;
* ``offered``, ``carried_share``, ``decided_by``: what the scenario's demand offered (the
  ``<kpi>_offered`` KPI, where the KPI has one) and the share of it carried: ``demand`` when the
  network carried at least :data:`CARRIED_ALL` of it (the verdict then restates the demand
  assumption), ``capacity`` when it carried less (the shortfall is the network's);
* a window shorter than a year: ``window_days``, ``lag_days`` (days from a consignment's
  creation to its crossing, measured on replication 0), ``season_factor`` (the mean demand rate
  of the window shifted back by that lag over the year's,
  :func:`hubsim.analysis.season.season_factor`), ``window_mean`` (the
  window's rate annualised pro rata) and ``mean`` / CI divided by the season factor, so the
  verdict is on the year the window implies, and labelled as such.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hubsim.analysis.season import crossing_lag_days, season_factor
from hubsim.analysis.stats import predictive_p, wilson
from hubsim.api import simulate
from hubsim.experiments.compare import verdict
from hubsim.experiments.defaults import RUN_REPLICATIONS
from hubsim.experiments.executors import Executor, SerialExecutor
from hubsim.experiments.params import run_id
from hubsim.experiments.replicate import (
    Experiment,
    base_seed,
    check_days,
    check_replications,
    tables,
)
from hubsim.experiments.store import RunCache, record
from hubsim.scenario.schema import HOURS_PER_YEAR, Scenario

if TYPE_CHECKING:
    from hubsim.api import Results

__all__ = ["CARRIED_ALL", "DEFAULT_REPLICATIONS", "PendingVerdict", "Verdict", "judge",
           "run_verdict", "start_verdict", "verdict_table"]

#: Replications of the default ``hubsim run`` (see
#: :data:`hubsim.experiments.defaults.RUN_REPLICATIONS`).
DEFAULT_REPLICATIONS = RUN_REPLICATIONS

#: A target is decided by demand when the network carried at least this share of the offer.
CARRIED_ALL = 0.99


@dataclass
class Verdict:
    """What :func:`run_verdict` returns."""

    results: Results  # replication 0, every record kept
    experiment: Experiment = field(repr=False)  # every replication's KPIs
    table: pd.DataFrame  # one row per target (see the module docstring)
    seeds: list[int]


def judge(mean: float, low: float, high: float, threshold: float, sense: str,
          replications: int) -> str:
    """``MET``, ``NOT MET`` or ``TOO CLOSE TO CALL`` from a mean and its interval; one
    replication: ``MET (one draw)`` / ``NOT MET (one draw)``. The rule of
    :func:`hubsim.experiments.compare.verdict`, so ``run``, ``compare`` and ``sweep`` label a
    target the same way."""
    if replications < 2:
        low = high = float("nan")
    return verdict(mean, low, high, threshold, sense)


def verdict_table(exp: Experiment, scenario: Scenario, draw: pd.DataFrame, days: float,
                  lag_days: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per target from an experiment's replications (see the module docstring).

    ``draw`` is replication 0's ``targets`` table (its value is shown beside the mean),
    ``days`` the measured days of every run and ``lag_days`` by KPI the days from a
    consignment's creation to its crossing (the window's demand is that much earlier)."""
    t = exp.targets
    kp = exp.kpis
    single = draw.set_index("target")["value"] if len(draw) else pd.Series(dtype=float)
    rows = []
    for d in t.to_dict("records"):
        kpi, n = str(d["kpi"]), int(d["n"])
        lag = (lag_days or {}).get(kpi, 0.0)
        factor = season_factor(scenario, kpi, days, start_day=-lag)
        values = exp.runs[kpi].to_numpy(float) if kpi in exp.runs else np.array([d["mean"]])
        threshold, sense = float(d["threshold"]), str(d["sense"])
        adjusted = values / factor  # the runs' years as the window implies them
        met_runs = int((adjusted >= threshold).sum() if sense == ">=" else
                       (adjusted <= threshold).sum())
        mean, low, high = (float(d[c]) / factor for c in ("mean", "ci_low", "ci_high"))
        sd = float(np.std(adjusted, ddof=1)) if n > 1 else float("nan")
        runs_low, runs_high = wilson(met_runs, n)
        offered = kp[(kp["kpi"] == f"{kpi}_offered") & (kp["scope"] == "total")]["value"]
        offered_mean = float(offered.mean()) / factor if len(offered) else float("nan")
        share = float(d["mean"]) / factor / offered_mean if offered_mean > 0 else float("nan")
        decided = "" if not np.isfinite(share) else \
            ("demand" if share >= CARRIED_ALL else "capacity")
        rows.append({
            "target": d["target"], "kpi": kpi, "sense": d["sense"],
            "threshold": threshold, "replications": n,
            "mean": mean, "sd": sd, "ci_low": low, "ci_high": high,
            "p_met": predictive_p(mean, sd, n, threshold, sense),
            "met_runs": met_runs, "p_runs_low": runs_low, "p_runs_high": runs_high,
            "verdict": judge(mean, low, high, threshold, sense, n),
            "draw": float(single.get(d["target"], np.nan)) / factor,
            "offered": offered_mean, "carried_share": share, "decided_by": decided,
            "window_days": float(days), "season_factor": factor, "lag_days": lag,
            "window_mean": float(d["mean"]),
        })
    return pd.DataFrame(rows)


def _others(cache: RunCache, reps: range, errors: list[BaseException]) -> None:
    try:
        cache.run([()], reps)
    except BaseException as exc:  # handed to the main thread, which re-raises it
        errors.append(exc)


def _stop(ex: Executor) -> None:
    """Stop the workers now (Ctrl-C): kill a local pool's processes rather than wait
    (:meth:`~hubsim.experiments.executors.Executor.abort`)."""
    ex.abort()


class PendingVerdict:
    """Replication 0 finished (:attr:`results`) while the others may still run on the
    workers: :meth:`finish` waits for them and judges the targets. In between the caller can
    use replication 0 (``hubsim run`` writes its results folder meanwhile)."""

    def __init__(self, scenario: Scenario, replications: int, base: int,
                 executor: Executor, cache: RunCache, results: Results,
                 thread: threading.Thread | None, errors: list[BaseException]):
        self.scenario = scenario
        self.replications = replications
        self.base = base
        self.executor = executor
        self.cache = cache
        self.results = results
        self._thread = thread
        self._errors = errors
        #: how many days each target's crossings lag its demand in replication 0, for a window
        #: shorter than a year (see :func:`verdict_table`); measured now, while its record
        #: tables are at hand (``hubsim run`` frees them before :meth:`finish`)
        self.lags = _crossing_lags(scenario, results)

    def record(self) -> None:
        """Record replication 0's KPIs and targets for the verdict (once; :meth:`finish`
        does it if not done). Not done when replication 0 ends: ``hubsim run`` computes them
        while it writes its results folder, in the order that takes least memory."""
        self.cache.records.setdefault(run_id((), 0), {
            "run": run_id((), 0), "replication": 0, "seed": self.base, "params": {},
            **record(self.results)})

    def abort(self) -> None:
        """Stop the other replications now (an error while replication 0 is used)."""
        _stop(self.executor)

    def finish(self, waiting: Callable[[int, int], None] | None = None) -> Verdict:
        """Wait for the other replications (``waiting`` gets (runs done, runs in all) meanwhile)
        and return the verdict; Ctrl-C kills the workers."""
        others = range(1, self.replications)
        try:
            if self._thread is not None:
                while self._thread.is_alive():
                    if waiting is not None:
                        waiting(self.cache.simulated, len(others))
                    self._thread.join(0.25)
            else:
                self.cache.run([()], others)
        except BaseException:
            _stop(self.executor)
            raise
        if self._errors:
            raise self._errors[0]
        res, scenario = self.results, self.scenario
        self.record()
        measured = res.window.hours / 24.0
        exp = tables(self.cache, [()], list(range(self.replications)), [])
        seeds = [int(s) for s in exp.runs["seed"]] if "seed" in exp.runs else [self.base]
        return Verdict(results=res, experiment=exp, seeds=seeds,
                       table=verdict_table(exp, scenario, res.targets, measured, self.lags))


def _crossing_lags(scenario: Scenario, res: Results) -> dict[str, float]:
    """Per target KPI, the days its crossings lag its demand in ``res`` (a window shorter
    than a year only: a year's are not needed)."""
    lags: dict[str, float] = {}
    if res.window.hours / 24.0 < HOURS_PER_YEAR / 24.0 - 1e-9:  # a window: crossings lag
        for kpi in {t.kpi for t in scenario.targets}:
            weight = "teu" if kpi in ("channel_teu", "hub_lifts_teu") else "tonnes"
            lags[kpi] = crossing_lag_days(res.crossings, res.consignments,
                                          res.window.start_h, res.window.end_h, weight)
        res.free_working_tables("crossings")  # not kept through the KPIs (computed again)
    return lags


def start_verdict(scenario: Scenario, replications: int = DEFAULT_REPLICATIONS, *,
                  seed: int | None = None, days: float | None = None,
                  executor: Executor | None = None,
                  progress: Callable[[float, float], None] | None = None) -> PendingVerdict:
    """Start replications ``1..n-1`` on ``executor``'s workers (a process pool or dask: at
    once, beside this process; serial: later, in :meth:`PendingVerdict.finish`) and simulate
    replication 0 here with every record kept; return when replication 0 is done."""
    check_replications(replications)
    check_days(days)
    base = base_seed(scenario, seed)
    ex = executor or SerialExecutor()
    cache = RunCache(scenario, base, days, ex)
    others = range(1, replications)
    errors: list[BaseException] = []
    thread = None
    parallel = ex.workers > 1 and len(others) > 0 and not isinstance(ex, SerialExecutor)
    try:
        if parallel:
            thread = threading.Thread(target=_others, args=(cache, others, errors),
                                      name="hubsim-replications", daemon=True)
            thread.start()
        res = simulate(scenario, seed=base, days=days, progress=progress)
        return PendingVerdict(scenario, replications, base, ex, cache, res, thread, errors)
    except BaseException:
        _stop(ex)
        raise


def run_verdict(scenario: Scenario, replications: int = DEFAULT_REPLICATIONS, *,
                seed: int | None = None, days: float | None = None,
                executor: Executor | None = None,
                progress: Callable[[float, float], None] | None = None,
                waiting: Callable[[int, int], None] | None = None) -> Verdict:
    """Simulate ``replications`` years of ``scenario`` and judge its targets.

    Replication 0 runs here with ``seed`` (default ``run.seed``) and keeps every record;
    replications ``1..n-1`` (seeds :func:`hubsim.experiments.params.replication_seed`) run on
    ``executor`` (default: serial, after replication 0) at the same time. ``progress`` gets
    replication 0's simulated days (as :func:`hubsim.simulate`); ``waiting`` gets (runs done,
    runs in all) while the workers finish. Results are the same whatever the executor.
    """
    pending = start_verdict(scenario, replications, seed=seed, days=days, executor=executor,
                            progress=progress)
    try:
        pending.record()  # while the other replications run
    except BaseException:
        pending.abort()
        raise
    return pending.finish(waiting)


def describe_window(days: float) -> str:
    """``"365 days"`` or, shorter than a year, the calendar span it covers."""
    if days >= HOURS_PER_YEAR / 24.0 - 1e-9:
        return f"{days:g} days"
    start = pd.Timestamp("2001-01-01")
    end = start + pd.Timedelta(days=float(days))
    return f"{days:g} days ({start:%d %b} - {end:%d %b})"


def summary(v: Verdict) -> dict[str, Any]:
    """Facts of a verdict for the results folder's manifest."""
    return {"replications": len(v.seeds), "seeds": v.seeds,
            "failed_runs": len(v.experiment.failures)}
