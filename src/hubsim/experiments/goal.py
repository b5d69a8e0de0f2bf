"""Goal-seeking: the smallest value of one parameter at which a target is met.

The search assumes the probability of meeting the target grows with the parameter (more cranes
or trains never hurt): from the current value it steps up, doubling the step, until the target
is met with the asked probability (or down, when it already is), then bisects on the grid
``low + k * step`` to the smallest value that meets it. Every value is evaluated with
replications through a :class:`~hubsim.experiments.capacity.ResourceCache` (and the results
folder), so the search never simulates a value twice and a resumed search skips what is done.

**Pilot.** When the target is not met at the current value, the search first tries a clearly
larger one (:data:`PILOT_FACTOR` times the current value, or ``high`` when that is smaller)
with the same replications, on common random numbers, and tests whether the target's KPI
responds: the paired difference over the replications must be significant at 95% (its t
interval excludes 0), go the way that helps, and be material: at least :data:`MATERIAL_SHARE`
of the KPI at the current value, or :data:`MATERIAL_GAP_SHARE` of the gap to the threshold
when that is smaller. When it does not respond (and the larger value does not meet the
target either), the search stops there: the pilot's runs are all it spends. The pilot names
what binds instead with the capacity search's resource judgement
(:func:`hubsim.experiments.capacity.binding_of`) on its runs: among the resources carrying
the target's unit on the routes that feed the target, one saturated at the larger value, or
else one whose queue grows there, or else the busiest. When the network keeps up there (the
load waiting at nodes grows by at most :data:`GROWTH_TOL` of the load offered a day) and the
queues of the resources that do not keep up grow by less a year than the KPI misses of its
threshold, no capacity can close the gap: the KPI is bounded by the scenario's demand.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubsim.errors import ExperimentError, ScenarioError
from hubsim.experiments.capacity import (
    BINDING_GROWTH,
    ResourceCache,
    binding_of,
    cargo_of,
    resource_map,
    resource_table,
    saturated,
)
from hubsim.experiments.executors import Executor
from hubsim.experiments.params import Changes
from hubsim.experiments.replicate import (
    Experiment,
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

__all__ = ["MATERIAL_GAP_SHARE", "MATERIAL_SHARE", "PILOT_FACTOR", "GoalResult", "Pilot",
           "goal_seek"]

#: the pilot's larger value: this many times the current one (or ``high`` when smaller)
PILOT_FACTOR = 4
#: a material response: at least this share of the KPI at the current value ...
MATERIAL_SHARE = 0.005
#: ... or of the gap to the threshold, when that is smaller
MATERIAL_GAP_SHARE = 0.1
#: a network keeps up when the load waiting at nodes grows by at most this share of the load
#: offered a day (capacity's default ``growth_tol``)
GROWTH_TOL = 0.03
#: identity of the search rules (a results folder of other rules is not resumed)
RULES = "goal-5"


@dataclass
class Pilot:
    """Whether the target's KPI responds to the varied field (see the module docstring).

    ``low`` and ``high``: the values tried; ``n``: replications paired; ``mean_low``,
    ``mean_high``: the KPI's means; ``diff`` and ``diff_ci``: the mean paired difference
    (high - low) and its 95% t interval; ``material``: the smallest difference that counts;
    ``significant``, ``responds``; ``binding`` and ``binding_why`` (``saturated``, ``queue
    grows``, ``busiest``): what binds instead, among the resources carrying the target's unit
    on the routes feeding it; ``binding_utilisation``: its utilisation at ``low`` and
    ``high``; ``backlog_share``: at ``high``, the growth of the load waiting at nodes as a
    share of the load offered a day, and ``keeps_up`` when it is at most
    :data:`GROWTH_TOL`; ``limiting``: the resources saturated or with a growing queue at
    ``high``, most held back first, and ``held_back``: the load a year their queues grow by
    (queue growth x 365, in ``unit``/yr); ``gap``: what the KPI misses of the threshold at
    ``high``; ``demand_bound``: the network keeps up and what it holds back is less than the
    gap (relieving capacity cannot meet the target: the KPI is bounded by the demand);
    ``varied``: the resource the field belongs to, when it is one of those, with
    ``varied_utilisation`` at ``low`` and ``high``; ``unit``: the target cargo's unit.
    """

    low: float
    high: float
    n: int
    mean_low: float
    mean_high: float
    diff: float
    diff_ci: tuple[float, float]
    material: float
    significant: bool
    responds: bool
    binding: str | None = None
    binding_why: str | None = None
    binding_utilisation: tuple[float, float] = (math.nan, math.nan)
    keeps_up: bool = False
    backlog_share: float = math.nan
    limiting: tuple[str, ...] = ()
    held_back: float = 0.0
    gap: float = math.nan
    demand_bound: bool = False
    varied: str | None = None
    varied_utilisation: tuple[float, float] = (math.nan, math.nan)
    unit: str = "TEU"
    resources: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


@dataclass
class GoalResult:
    """Outcome of :func:`goal_seek`: ``value`` (None when not reached up to ``high``, or when
    the search stopped after the pilot: ``stopped``) and one row per evaluated value in
    ``steps`` (phase: ``current``, ``pilot`` or ``search``; value, n, p_met, mean, ci_low,
    ci_high, met); ``pilot``: the pilot's test, when one was run."""

    value: float | None
    target: str
    vary: str
    probability: float
    steps: pd.DataFrame
    folder: Path | None = None
    simulated: int = 0
    reused: int = 0
    pilot: Pilot | None = None
    stopped: bool = False
    kpi: str = ""


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


def _smallest(met: Callable[[int], bool], k0: int, k_max: int,
              k_up: int | None = None) -> int | None:
    """The smallest ``k`` in ``0..k_max`` with ``met(k)`` (assumed monotone), starting at
    ``k0``: step up doubling the step (or take ``k0`` as the upper end), then bisect.
    ``k_up``: a value above ``k0`` already evaluated (the pilot's), bisected to when met and
    stepped up from when not."""
    hi_k: int | None
    if met(k0):
        lo_k, hi_k = -1, k0  # -1: below the grid, taken as not met
    elif k_up is not None and k_up > k0 and met(k_up):
        lo_k, hi_k = k0, k_up
    else:
        lo_k, jump = k0, 1
        if k_up is not None and k_up > k0:
            if k_up >= k_max:
                return None
            lo_k, jump = k_up, max(1, k_up - k0)
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
              pilot: bool = True, executor: Executor | None = None,
              out: str | Path | None = None, resume: bool = False,
              progress: Progress | None = None) -> GoalResult:
    """The smallest value of the field ``vary`` at which ``target`` (a target id, or the KPI
    of exactly one target) is met in at least ``probability`` of ``replications`` runs.

    Values are searched on the grid ``low + k * step`` (default step 1, low = step, high =
    64 x the current value); a whole-number field stays whole. Unless ``pilot`` is false, a
    target not met at the current value is first tried at a clearly larger value, and the
    search stops there (``stopped``, ``value`` None) when the KPI does not respond (see the
    module docstring). Every evaluated value and its probability is in ``steps``.

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
    store = RunStore(out, identity("goal", scenario, base, days, rules=RULES), resume) \
        if out is not None else None
    cache = ResourceCache(scenario, base, days, executor, store, progress)
    results: dict[int, dict[str, Any]] = {}
    phase = "current"

    def met(k: int) -> bool:
        if k not in results:
            results[k] = {"phase": phase, **_evaluate(cache, tgt, vary, grid.value(k),
                                                       replications, probability)}
        return bool(results[k]["met"])

    k0 = grid.nearest(current)
    k_up: int | None = None
    test: Pilot | None = None
    if pilot and not met(k0) and k0 < grid.k_max:
        phase = "pilot"
        k_up = _pilot_k(grid, k0)
        up_met = met(k_up)
        test = _pilot(cache, scenario, tgt, vary, grid.value(k0), grid.value(k_up),
                      replications)
        if not test.responds and not up_met:
            return _finish(store, cache, tgt, vary, probability, replications, results,
                           None, test, stopped=True)
    phase = "search"
    answer = _smallest(met, k0, grid.k_max, k_up)
    value = None if answer is None else grid.value(answer)
    return _finish(store, cache, tgt, vary, probability, replications, results, value, test)


def _finish(store: RunStore | None, cache: RunCache, tgt: Target, vary: str,
            probability: float, replications: int, results: dict[int, dict[str, Any]],
            value: float | None, test: Pilot | None, stopped: bool = False) -> GoalResult:
    steps = pd.DataFrame([results[k] for k in sorted(results)])
    if store is not None:
        store.write_table("goal_steps.csv", steps)
        store.write_json(store.folder / "goal.json", {
            "target": tgt.id, "kpi": tgt.kpi, "vary": vary, "probability": probability,
            "replications": replications, "value": value, "stopped_after_pilot": stopped,
            "pilot": _plain(test)})
    return GoalResult(value=value, target=tgt.id, vary=vary, probability=probability,
                      steps=steps, folder=store.folder if store else None,
                      simulated=cache.simulated, reused=cache.reused, pilot=test,
                      stopped=stopped, kpi=tgt.kpi)


def _plain(test: Pilot | None) -> dict[str, Any] | None:
    """The pilot as JSON-able data (its resource table left out; NaN as None)."""
    if test is None:
        return None
    d = asdict(test)
    d.pop("resources", None)

    def clean(v: Any) -> Any:
        if isinstance(v, tuple | list):
            return [clean(x) for x in v]
        if isinstance(v, float | np.floating):
            return None if math.isnan(v) else float(v)
        if isinstance(v, np.bool_):
            return bool(v)
        return v

    return {k: clean(v) for k, v in d.items()}


def _pilot_k(grid: _Grid, k0: int) -> int:
    """The pilot's larger value: :data:`PILOT_FACTOR` x the current one, on the grid, at
    least one step up and at most the grid's top."""
    v0 = float(grid.value(k0))
    want = PILOT_FACTOR * v0 if v0 > 0 else v0 + PILOT_FACTOR * grid.step
    return min(grid.k_max, max(k0 + 1, grid.nearest(want)))


def _kpi_of(cache: RunCache, changes: Changes, rep: int, target: str) -> float:
    rec = cache.get(changes, rep)
    if rec is None:
        return math.nan
    for row in rec["targets"]:
        if row[0] == target:
            return math.nan if row[2] is None else float(row[2])
    return math.nan


def _pilot(cache: RunCache, scn: Scenario, tgt: Target, vary: str, low: float | int,
           high: float | int, replications: int) -> Pilot:
    """Does the target's KPI respond between ``low`` and ``high``? And what binds."""
    from hubsim.analysis.stats import t_quantile

    a = np.array([_kpi_of(cache, ((vary, low),), r, tgt.id) for r in range(replications)])
    b = np.array([_kpi_of(cache, ((vary, high),), r, tgt.id) for r in range(replications)])
    both = ~(np.isnan(a) | np.isnan(b))
    d = b[both] - a[both]
    n = int(both.sum())
    mean_low, mean_high = float(np.mean(a[both])), float(np.mean(b[both]))
    diff = float(d.mean())
    if n >= 2:
        half = t_quantile(n - 1) * float(d.std(ddof=1)) / math.sqrt(n)
        ci = (diff - half, diff + half)
        significant = bool(ci[0] > 0 or ci[1] < 0)
    else:
        ci, significant = (math.nan, math.nan), diff != 0
    sign = 1.0 if tgt.sense == ">=" else -1.0
    gap = sign * (tgt.threshold - mean_low)
    material = MATERIAL_SHARE * abs(mean_low)
    if gap > 0:
        material = min(material, MATERIAL_GAP_SHARE * gap) if material > 0 \
            else MATERIAL_GAP_SHARE * gap
    responds = significant and sign * diff > 0 and abs(diff) >= material
    test = Pilot(low=float(low), high=float(high), n=n, mean_low=mean_low,
                 mean_high=mean_high, diff=diff, diff_ci=ci, material=material,
                 significant=significant, responds=bool(responds))
    _what_binds(test, cache, scn, tgt, vary, low, high, replications)
    return test


def _what_binds(test: Pilot, cache: RunCache, scn: Scenario, tgt: Target, vary: str,
                low: float | int, high: float | int, replications: int) -> None:
    """Fill in the pilot's resource judgement from its runs."""
    cargo = cargo_of(tgt.kpi)
    rmap = resource_map(scn)
    feeds = _feeding_rows(scn, tgt, cargo)
    judged = rmap[[any(c in str(x).split("+") for c in cargo) and bool(set(r) & feeds)
                   for x, r in zip(rmap["cargo"], rmap["rows"], strict=True)]]
    test.unit = "+".join(sorted({u for u in judged["unit"]})) or "TEU"
    exp_low = run_points(cache, [((vary, low),)], replications, [vary])
    exp_high = run_points(cache, [((vary, high),)], replications, [vary])
    table = resource_table(exp_low, exp_high, judged)
    test.resources = table
    if table["utilisation"].isna().all():  # runs of an older folder: no resource rows
        return
    b, why = binding_of(table)
    test.binding, test.binding_why = b, why
    util: dict[str, tuple[float, float]] = {
        str(r): (float(u), float(o)) for r, u, o in zip(
            table["resource"], table["utilisation"], table["utilisation_over"], strict=True)}
    if b is not None:
        test.binding_utilisation = util[b]
    varied = _varied_resource(vary)
    if varied is not None and varied in util:
        test.varied, test.varied_utilisation = varied, util[varied]
    test.backlog_share = _backlog_share(exp_high, cargo)
    test.keeps_up = test.backlog_share <= GROWTH_TOL
    growth = table["queue_growth_over"].fillna(0.0).clip(lower=0.0)
    short = table[saturated(table)
                  | (growth > BINDING_GROWTH * table["throughput_over"].fillna(0.0))
                  & (growth > 0)]
    held = (growth[short.index] * 365.0).sort_values(ascending=False, kind="stable")
    test.limiting = tuple(str(table.at[i, "resource"]) for i in held.index)
    test.held_back = float(held.sum())
    sign = 1.0 if tgt.sense == ">=" else -1.0
    test.gap = sign * (tgt.threshold - test.mean_high)
    test.demand_bound = test.keeps_up and test.held_back < test.gap


def _feeding_rows(scn: Scenario, tgt: Target, cargo: tuple[str, ...]) -> set[int]:
    """The demand rows whose load the target's KPI counts: of its cargo, crossing a gateway
    (through the target's hub for a per-hub target)."""
    if tgt.hub is not None:
        from hubsim.sim.network import build_network, route_table

        routes = route_table(build_network(scn), scn)
        return {i for i, d in enumerate(scn.demand) if d.cargo in cargo and any(
            tgt.hub in (leg.u, leg.v) for leg in routes[(d.origin, d.destination, d.cargo)])}
    return {i for i, d in enumerate(scn.demand) if d.cargo in cargo
            and any(n in scn.gateways or n in scn.markets for n in (d.origin, d.destination))}


def _backlog_share(exp: Experiment, cargo: tuple[str, ...]) -> float:
    """The growth of the target cargo's load waiting at nodes as a share of the load offered a
    day (mean over the replications; the largest over the cargo classes)."""
    s = exp.summary
    shares = [0.0]
    for c in cargo:
        g = s[(s["kpi"] == "backlog_growth") & (s["scope"] == "cargo") & (s["key"] == c)]
        o = s[(s["kpi"] == "offered_per_day") & (s["scope"] == "cargo") & (s["key"] == c)]
        if len(g) and len(o) and float(o["mean"].iloc[0]) > 0:
            shares.append(float(g["mean"].iloc[0]) / float(o["mean"].iloc[0]))
    return max(shares)


def _varied_resource(vary: str) -> str | None:
    """The resource a path belongs to: ``services.<id>.*`` a service, ``hubs.<h>.areas.<m>.
    equipment`` an area (``.positions`` its positions), ``hubs.<h>.equipment`` the shared
    pool, ``hubs.<h>.yard_teu`` the yard, ``links.<link>.lock.*`` the lock."""
    parts = vary.split(".")
    if parts[0] == "services" and len(parts) >= 3:
        return f"service:{parts[1]}"
    if parts[0] == "hubs" and len(parts) >= 3:
        if parts[2] == "areas" and len(parts) >= 5:
            kind = "berth" if parts[4] == "positions" else "area"
            return f"{kind}:{parts[1]}:{parts[3]}"
        if parts[2] in ("equipment", "moves_per_hour"):
            return f"area:{parts[1]}:shared"
        if parts[2] == "yard_teu":
            return f"yard:{parts[1]}"
    if parts[0] == "links" and "lock" in parts:
        return f"lock:{'.'.join(parts[1:parts.index('lock')])}"
    return None


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
