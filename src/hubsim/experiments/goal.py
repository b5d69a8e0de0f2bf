"""Goal-seeking: the smallest value of one parameter at which a target is met.

The search assumes the probability of meeting the target grows with the parameter (more cranes
or trains never hurt): from the current value it steps up, doubling the step, until the target
is met with the asked probability (or down, when it already is), then bisects on the grid
``low + k * step`` to the smallest value that meets it. Every value is evaluated with
replications through a :class:`~hubsim.experiments.store.RunCache` (and the results folder),
so the search never simulates a value twice and a resumed search skips what is done.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hubsim.errors import ExperimentError, ScenarioError
from hubsim.experiments.executors import Executor
from hubsim.experiments.replicate import (
    SearchFailed,
    base_seed,
    check_days,
    check_replications,
    identity,
    run_points,
)
from hubsim.experiments.store import Progress, RunCache, RunStore
from hubsim.scenario.paths import path_targets, scenario_data
from hubsim.scenario.schema import Scenario, Target

__all__ = ["GoalResult", "goal_seek"]


@dataclass
class GoalResult:
    """Outcome of :func:`goal_seek`: ``value`` (None when not reached up to ``high``) and one
    row per evaluated value in ``steps`` (value, n, p_met, mean, ci_low, ci_high, met)."""

    value: float | None
    target: str
    vary: str
    probability: float
    steps: pd.DataFrame
    folder: Path | None = None
    simulated: int = 0
    reused: int = 0


def _current(scn: Scenario, path: str) -> int | float:
    source = scn.source_path or "<scenario>"
    try:
        found = path_targets(scenario_data(scn), path)
    except (LookupError, ValueError) as exc:
        raise ScenarioError(f"{source}: {path}: {exc}") from None
    if len(found) != 1:
        raise ScenarioError(f"{source}: {path}: --vary needs a path naming one field, "
                            f"this one names {len(found)}")
    container, key = found[0]
    value = container[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{source}: {path}: --vary needs a number field, got {value!r}")
    return value


def _target(scn: Scenario, target: str) -> Target:
    hits = [t for t in scn.targets if t.id == target] or \
        [t for t in scn.targets if t.kpi == target]
    if len(hits) != 1:
        known = ", ".join(f"{t.id} ({t.kpi})" for t in scn.targets) or "none"
        what = "no" if not hits else "several"
        raise ScenarioError(f"--target {target!r}: {what} target with that id or KPI in "
                            f"{scn.name} (targets: {known})")
    return hits[0]


@dataclass(frozen=True)
class _Grid:
    """The values ``low + k * step`` for ``k = 0 .. k_max``; whole numbers stay whole."""

    low: float
    step: float
    k_max: int
    whole: bool

    @classmethod
    def make(cls, current: int | float, low: float | None, high: float | None,
             step: float | None) -> _Grid:
        step = float(step if step is not None else 1.0)
        if not step > 0:
            raise ExperimentError(f"step must be > 0, got {step}")
        low = float(low if low is not None else step)
        high = float(high if high is not None else max(64 * float(current), low + 64 * step))
        if high < low:
            raise ExperimentError(f"high ({high:g}) must be >= low ({low:g})")
        return cls(low, step, math.floor((high - low) / step + 1e-9),
                   isinstance(current, int))

    def value(self, k: int) -> float | int:
        v = round(self.low + k * self.step, 12)
        return round(v) if self.whole and float(v).is_integer() else v

    def nearest(self, current: float) -> int:
        return min(max(0, round((float(current) - self.low) / self.step)), self.k_max)


def _smallest(met: Callable[[int], bool], k0: int, k_max: int) -> int | None:
    """The smallest ``k`` in ``0..k_max`` with ``met(k)`` (assumed monotone), starting at
    ``k0``: step up doubling the step (or take ``k0`` as the upper end), then bisect."""
    hi_k: int | None
    if met(k0):
        lo_k, hi_k = -1, k0  # -1: below the grid, taken as not met
    else:
        lo_k, jump = k0, 1
        while True:
            k = min(k_max, lo_k + jump)
            if met(k):
                hi_k = k
                break
            if k == k_max:
                return None
            lo_k, jump = k, jump * 2
    while hi_k - lo_k > 1:
        mid = (lo_k + hi_k) // 2
        if met(mid):
            hi_k = mid
        else:
            lo_k = mid
    return hi_k


def goal_seek(scenario: Scenario, target: str, vary: str, probability: float = 0.9,
              replications: int = 10, *, low: float | None = None, high: float | None = None,
              step: float | None = None, seed: int | None = None, days: float | None = None,
              executor: Executor | None = None, out: str | Path | None = None,
              resume: bool = False, progress: Progress | None = None) -> GoalResult:
    """The smallest value of the field ``vary`` at which ``target`` (a target id, or the KPI
    of exactly one target) is met in at least ``probability`` of ``replications`` runs.

    Values are searched on the grid ``low + k * step`` (default step 1, low = step, high =
    64 x the current value); a whole-number field stays whole. Every evaluated value and its
    probability is in ``steps``.

    Raises :class:`~hubsim.errors.ScenarioError` for a ``vary`` path or ``target`` the
    scenario does not have, :class:`~hubsim.errors.ExperimentError` for a bad probability,
    grid or replication count; :class:`~hubsim.experiments.replicate.SearchFailed` when
    every run at one value fails.
    """
    if not 0 < probability <= 1:
        raise ExperimentError(f"probability must be in (0, 1], got {probability}")
    check_replications(replications)
    check_days(days)
    tgt = _target(scenario, target)
    current = _current(scenario, vary)
    grid = _Grid.make(current, low, high, step)
    base = base_seed(scenario, seed)
    store = RunStore(out, identity("goal", scenario, base, days), resume) \
        if out is not None else None
    cache = RunCache(scenario, base, days, executor, store, progress)
    results: dict[int, dict[str, Any]] = {}

    def met(k: int) -> bool:
        if k not in results:
            results[k] = _evaluate(cache, tgt, vary, grid.value(k), replications, probability)
        return bool(results[k]["met"])

    answer = _smallest(met, grid.nearest(current), grid.k_max)
    value = None if answer is None else grid.value(answer)
    steps = pd.DataFrame([results[k] for k in sorted(results)])
    if store is not None:
        store.write_table("goal_steps.csv", steps)
        store.write_json(store.folder / "goal.json", {
            "target": tgt.id, "kpi": tgt.kpi, "vary": vary, "probability": probability,
            "replications": replications, "value": value})
    return GoalResult(value=value, target=tgt.id, vary=vary, probability=probability,
                      steps=steps, folder=store.folder if store else None,
                      simulated=cache.simulated, reused=cache.reused)


def _evaluate(cache: RunCache, tgt: Target, vary: str, value: float | int, replications: int,
              probability: float) -> dict[str, Any]:
    """One row of ``steps``: the target at ``vary = value`` over the replications."""
    exp = run_points(cache, [((vary, value),)], replications, [vary])
    row = exp.targets[exp.targets["target"] == tgt.id]
    if row.empty:
        raise SearchFailed(f"every run at {vary}={value} failed: "
                           + "; ".join(exp.failures["error"].astype(str).head(3)))
    r = row.iloc[0]
    return {"value": value, "n": int(r["n"]), "p_met": float(r["p_met"]),
            "mean": float(r["mean"]), "ci_low": float(r["ci_low"]),
            "ci_high": float(r["ci_high"]), "met": bool(r["p_met"] >= probability - 1e-12)}
