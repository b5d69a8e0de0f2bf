"""Compare what-if scenarios against a base, side by side, with common random numbers.

Every scenario runs with the same seed (the base's ``run.seed`` unless one is given). The
engine draws each random purpose from its own stream named after what it serves (arrivals and
batch sizes of demand row *i*, dwell at hub *h*, transit on link *i*), so a demand row that
sits at the same position in both scenarios gets exactly the same consignments (creation
times and sizes) and a what-if that only changes services, equipment or links is compared on
identical demand: the differences are the change's effect, not sampling noise. Overlays keep
the parent's rows in place and append added rows, so they keep this property; removing a
demand row shifts the rows after it onto other streams. A demand row whose volume is scaled
keeps its stream: its arrival gaps are the same draws, rescaled.

Common random numbers remove the noise of the demand the scenarios share, not the noise of
what the change itself touches: one draw each still cannot tell a small difference from
chance. With several replications (paired: replication *r* of every scenario runs on the same
seed) every difference gets the 95% confidence interval of the paired differences and is
*significant* when that interval excludes 0, and every target gets a :func:`verdict` from the
confidence interval of its mean: ``MET``, ``NOT MET`` or ``TOO CLOSE TO CALL`` when the
interval holds the threshold. A verdict that differs from the base's on a difference that is
not significant is a *verdict change not significant*. :func:`sweep_targets` judges the
points of a sweep the same way, each against the sweep's first point.

>>> import hubsim
>>> base = hubsim.load_scenario("tests/scenarios/tiny.yaml")
>>> faster = hubsim.apply_changes(base, {"services.cre.per_week": 8})
>>> cmp = hubsim.compare(base, [faster], days=20)      # doctest: +SKIP
>>> cmp.table.query("kpi == 'channel_teu' and scope == 'total'")  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hubsim.analysis.stats import t_half_width
from hubsim.api import Results, load_scenario, simulate
from hubsim.catalogue import CATALOGUE, info
from hubsim.errors import ExperimentError
from hubsim.experiments.defaults import COMPARE_REPLICATIONS
from hubsim.experiments.executors import Executor, SerialExecutor
from hubsim.scenario.schema import Scenario, Target

if TYPE_CHECKING:
    from hubsim.experiments.replicate import Experiment

__all__ = ["CHANGE_NOT_SIGNIFICANT", "CHANGE_ONE_DRAW", "CHANGE_SIGNIFICANT", "CLOSE",
           "DEFAULT_REPLICATIONS",
           "HEADLINE", "MET", "NOT_MET", "ONE_DRAW", "Comparison", "compare", "headline_kpis",
           "paired_difference", "sweep_targets", "verdict"]

#: Verdicts of a target (:func:`verdict`); a single draw's gets :data:`ONE_DRAW` appended.
MET, NOT_MET, CLOSE = "MET", "NOT MET", "TOO CLOSE TO CALL"
ONE_DRAW = " (one draw)"
#: Replications of ``hubsim compare`` unless told otherwise (see
#: :data:`hubsim.experiments.defaults.COMPARE_REPLICATIONS`).
DEFAULT_REPLICATIONS = COMPARE_REPLICATIONS
#: How a what-if's verdict that differs from the base's is judged (``Comparison.targets``,
#: column ``change``; empty when the verdicts agree).
CHANGE_SIGNIFICANT = "significant"
CHANGE_NOT_SIGNIFICANT = "not significant"
CHANGE_ONE_DRAW = "cannot tell (one draw each)"

#: Order of the scopes in the comparison table (inside a scope, the catalogue's order).
_SCOPE_ORDER = ("total", "corridor", "mode", "hub", "area")
#: (kpi, scope) pairs in the comparison table, from the catalogue's ``compared`` scopes;
#: every key of each scope is kept.
HEADLINE: tuple[tuple[str, str], ...] = tuple(
    (k.name, scope) for scope in _SCOPE_ORDER for k in CATALOGUE.values() if scope in k.compared)
_ID = ["kpi", "scope", "key", "unit"]
#: volumes per year: a key where one is zero or absent in every scenario is left out
_FLOWS = tuple(k.name for k in CATALOGUE.values() if k.flow)


def verdict(mean: float, low: float, high: float, threshold: float, sense: str) -> str:
    """A target's verdict from the 95% confidence interval ``[low, high]`` of its mean.

    ``MET`` when the whole interval meets the target (``value sense threshold``), ``NOT MET``
    when none of it does, ``TOO CLOSE TO CALL`` when the interval holds the threshold: the
    replications cannot tell on which side the mean lies. Without an interval (one draw:
    ``low`` and ``high`` NaN) ``MET (one draw)`` or ``NOT MET (one draw)``: a single draw
    says nothing about noise. ``no value`` when the mean is NaN. (The labels of the verdict
    ``hubsim run`` prints.)

    >>> verdict(105, 101, 109, 100, ">="), verdict(105, 95, 115, 100, ">=")
    ('MET', 'TOO CLOSE TO CALL')
    >>> verdict(5, 4, 6, 3, "<="), verdict(2, float("nan"), float("nan"), 3, "<=")
    ('NOT MET', 'MET (one draw)')
    """
    def meets(x: float) -> bool:
        return bool(x >= threshold) if sense == ">=" else bool(x <= threshold)

    if not np.isfinite(mean):
        return "no value"
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{MET if meets(mean) else NOT_MET}{ONE_DRAW}"
    lo_ok, hi_ok = meets(low), meets(high)
    return MET if lo_ok and hi_ok else NOT_MET if not (lo_ok or hi_ok) else CLOSE


def _significant(diff: np.ndarray, ci: np.ndarray) -> list[bool | None]:
    """True where the interval ``diff +- ci`` excludes 0, None where there is no interval."""
    return [bool(abs(d) > c) if np.isfinite(d) and np.isfinite(c) else None
            for d, c in zip(np.asarray(diff, float), np.asarray(ci, float), strict=True)]


def paired_difference(diffs: pd.Series, by: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean of paired differences (one per replication) with its 95% confidence interval.

    ``diffs`` holds ``b - a`` per replication (NaN pairs are left out), grouped by the index
    levels ``by`` (all in one group when None). Columns ``n, diff, ci95`` (the half-width,
    NaN when ``n < 2``) and ``significant`` (the interval excludes 0; NA without an
    interval).

    >>> paired_difference(pd.Series([1.0, 1.2, 0.8])).round(3).to_dict("records")
    [{'n': 3, 'diff': 1.0, 'ci95': 0.497, 'significant': True}]
    """
    g = diffs.groupby(level=list(by), sort=False) if by else diffs.groupby(
        np.zeros(len(diffs), dtype=int))
    out = pd.DataFrame({"n": g.count(), "diff": g.mean(), "sd": g.std(ddof=1)})
    out["ci95"] = t_half_width(out["sd"].to_numpy(float), out["n"].to_numpy(float))
    out["significant"] = pd.Series(
        _significant(out["diff"].to_numpy(float), out["ci95"].to_numpy(float)),
        index=out.index, dtype="boolean")
    out = out.drop(columns="sd")
    return out if by else out.reset_index(drop=True)


def headline_kpis(res: Results) -> pd.DataFrame:
    """The targets and headline KPIs of one run: ``kpi, scope, key, unit, value``.

    Targets come first (scope ``target``, key the target id, value the measured KPI).
    """
    t = res.targets
    rows = [{"kpi": kpi, "scope": "target", "key": target, "unit": unit, "value": float(value)}
            for kpi, target, unit, value in zip(t["kpi"], t["target"], t["unit"], t["value"],
                                                strict=True)]
    k = res.kpis
    order = {pair: i for i, pair in enumerate(HEADLINE)}
    sel = k[[(kpi, scope) in order for kpi, scope in zip(k["kpi"], k["scope"], strict=True)]]
    sel = sel.assign(_o=[order[(a, b)] for a, b in zip(sel["kpi"], sel["scope"], strict=True)])
    sel = sel.sort_values("_o", kind="stable")
    rows += [{"kpi": kpi, "scope": scope, "key": key, "unit": unit, "value": float(value)}
             for kpi, scope, key, unit, value in zip(sel["kpi"], sel["scope"], sel["key"],
                                                     sel["unit"], sel["value"], strict=True)]
    return pd.DataFrame(rows, columns=[*_ID, "value"])


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` returns.

    ``results`` maps each scenario's name to its :class:`~hubsim.api.Results` (the base
    first; with several replications, those of the first); ``table`` has one row per target
    and headline KPI: ``kpi, scope, key, unit``, the base's value under the base's name, then
    for each what-if its value, ``<name> diff`` (what-if minus base, in the KPI's unit),
    ``<name> rel`` (diff / base, a fraction), ``<name> ci95`` (half-width of the 95%
    confidence interval of the diff, from the paired differences of the replications; NaN
    with one replication) and ``<name> significant`` (the interval excludes 0; NA with one
    replication, where nothing can be judged). Values and diffs are means over the
    replications. ``runs`` holds every replication's values (``scenario, replication, seed,
    kpi, scope, key, unit, value``) and ``verdicts`` every replication's targets.

    Presentation is in :mod:`hubsim.present`: ``comparison_text``
    (:mod:`~hubsim.present.comparison_text`) prints it, ``comparison_figure`` and
    ``write_comparison``
    (:mod:`~hubsim.present.experiment_output`) draw it and write its results folder.
    """

    base: str
    seed: int
    days: float
    results: dict[str, Results] = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    replications: int = 1
    seeds: tuple[int, ...] = ()
    runs: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    verdicts: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def whatifs(self) -> list[str]:
        return [n for n in self.results if n != self.base]

    @property
    def targets(self) -> pd.DataFrame:
        """Every scenario's verdicts: ``scenario, target, kpi, sense, threshold, value, unit,
        met, met_share, n, ci_low, ci_high, verdict, change``.

        ``value`` is the mean over the replications, ``met`` True when every replication met
        the target and ``met_share`` the share that did; ``ci_low, ci_high`` the 95%
        confidence interval of the mean (NaN with one replication); ``verdict`` is
        :func:`verdict` of that interval (``MET``, ``NOT MET``, ``TOO CLOSE TO CALL``; with
        one replication ``MET (one draw)`` or ``NOT MET (one draw)``). ``change`` (what-ifs
        only) is empty when the verdict is the base's, else whether the difference from the
        base is ``significant``, ``not significant`` or, with one replication, ``cannot tell
        (one draw each)``."""
        v = self.verdicts
        cols = ["scenario", "target", "kpi", "sense", "threshold", "value", "unit", "met",
                "met_share", "n", "ci_low", "ci_high", "verdict", "change"]
        if v.empty:
            return pd.DataFrame(columns=cols)
        out = v.groupby(["scenario", "target"], sort=False, as_index=False).agg(
            kpi=("kpi", "first"), sense=("sense", "first"), threshold=("threshold", "first"),
            value=("value", "mean"), unit=("unit", "first"), met=("met", "all"),
            met_share=("met", "mean"), n=("value", "count"), sd=("value", "std"))
        half = t_half_width(out["sd"].to_numpy(float), out["n"].to_numpy(float))
        out["ci_low"] = out["value"] - half
        out["ci_high"] = out["value"] + half
        out["verdict"] = [verdict(*row) for row in zip(
            out["value"], out["ci_low"], out["ci_high"], out["threshold"], out["sense"],
            strict=True)]
        base = {t: vd for s, t, vd in zip(out["scenario"], out["target"], out["verdict"],
                                          strict=True) if s == self.base}
        out["change"] = [self._change(s, t, vd, base.get(t)) for s, t, vd in zip(
            out["scenario"], out["target"], out["verdict"], strict=True)]
        return out[cols]

    def _change(self, scenario: str, target: str, vd: str, base_vd: str | None) -> str:
        if scenario == self.base or base_vd is None or vd == base_vd:
            return ""
        if self.replications < 2:
            return CHANGE_ONE_DRAW
        t = self.table
        row = t[(t["scope"] == "target") & (t["key"] == target)]
        sig = row[f"{scenario} significant"].iloc[0] if len(row) else pd.NA
        return CHANGE_NOT_SIGNIFICANT if pd.isna(sig) or not sig else CHANGE_SIGNIFICANT


def compare(base: Scenario | str | Path, whatifs: Iterable[Scenario | str | Path],
            seed: int | None = None, days: float | None = None,
            replications: int = 1, *, executor: Executor | None = None,
            progress: Callable[[int, int], None] | None = None) -> Comparison:
    """Run ``base`` and each what-if with the same seed and tabulate the differences.

    Parameters
    ----------
    base : Scenario or path
        The reference scenario (a path is loaded with :func:`hubsim.load_scenario`).
    whatifs : iterable of Scenario or path
        The alternatives, typically overlay files that ``extends`` the base.
    seed : int, optional
        Seed for every run (default: the base's ``run.seed``), so shared demand gets the same
        draws in every scenario.
    days : float, optional
        Measured days after the warm-up (default: the base's horizon minus warm-up), the same
        for every scenario.
    replications : int
        Runs per scenario. With one, every scenario runs with ``seed`` (one draw each: no
        difference or verdict can be judged against noise); with more, replication *r* runs
        every scenario with the seed :func:`hubsim.experiments.params.replication_seed` gives
        ``(seed, r)``, and each difference is the mean of the paired differences with a 95%
        confidence interval and a ``significant`` flag.
    executor : Executor, optional
        Where replications ``1 .. n-1`` run (their headline tables only) while replication 0
        of every scenario runs here, keeping its full results; default: all in this process,
        one after the other. The numbers are the same whatever the executor.
    progress : callable, optional
        Called with (runs done, runs in all) as runs finish.

    Returns
    -------
    Comparison
        ``.table`` (targets and headline KPIs side by side, with differences) and ``.results``
        (name -> Results of replication 0).
    """
    scenarios = [_as_scenario(s) for s in (base, *whatifs)]
    if len(scenarios) < 2:
        raise ExperimentError("compare needs a base and at least one what-if scenario")
    if int(replications) < 1:
        raise ExperimentError(f"replications must be >= 1, got {replications}")
    first = scenarios[0]
    seed = first.run.seed if seed is None else int(seed)
    if days is None:
        days = first.run.horizon_days - first.run.warmup_days
    names = _unique_names([s.name for s in scenarios])
    if replications == 1:
        seeds = [seed]
    else:
        from hubsim.experiments.params import replication_seed

        seeds = [replication_seed(seed, r) for r in range(int(replications))]
    results, done = _run_all(scenarios, names, seeds, float(days), executor, progress)
    runs, verdicts = [], []
    for rep, rep_seed in enumerate(seeds):
        for i, name in enumerate(names):
            kpis, targets = done[(rep, i)]
            tag: dict[str, str | int] = {"scenario": name, "replication": rep, "seed": rep_seed}
            runs.append(kpis.assign(**tag))
            verdicts.append(targets.assign(**tag))
    runs_df = pd.concat(runs, ignore_index=True)
    runs_df = runs_df[["scenario", "replication", "seed", *_ID, "value"]]
    return Comparison(base=names[0], seed=seed, days=float(days), results=results,
                      table=_side_by_side(names, runs_df), replications=len(seeds),
                      seeds=tuple(seeds), runs=runs_df,
                      verdicts=pd.concat(verdicts, ignore_index=True))


_Tables = tuple[pd.DataFrame, pd.DataFrame]


def _run_all(scenarios: list[Scenario], names: list[str], seeds: list[int], days: float,
             executor: Executor | None, progress: Callable[[int, int], None] | None
             ) -> tuple[dict[str, Results], dict[tuple[int, int], _Tables]]:
    """Replication 0 of every scenario here (full results kept), the others on
    ``executor`` at the same time (headline tables only), or after it without one.
    Returns the results of replication 0 by name and every run's (headline KPIs, targets)
    by (replication, scenario index)."""
    results: dict[str, Results] = {}
    done: dict[tuple[int, int], _Tables] = {}
    later = [(rep, i) for rep in range(1, len(seeds)) for i in range(len(scenarios))]
    tasks = [(scenarios[i], seeds[rep], days) for rep, i in later]
    total = len(seeds) * len(scenarios)
    errors: list[BaseException] = []
    labels = [f"{names[i]}, replication {rep} (seed {seeds[rep]})" for rep, i in later]

    def tick() -> None:
        if progress:
            progress(len(done), total)

    parallel = executor is not None and not isinstance(executor, SerialExecutor) and later
    thread = threading.Thread(target=_run_on, args=(executor, tasks, later, labels, done,
                                                    errors),
                              daemon=True, name="hubsim-compare") if parallel else None
    try:
        if thread is not None:
            thread.start()
        for i, (name, scn) in enumerate(zip(names, scenarios, strict=True)):
            res = simulate(scn, seed=seeds[0], days=days)
            results[name] = res
            done[(0, i)] = (headline_kpis(res), res.targets)
            tick()
        while thread is not None and thread.is_alive():
            thread.join(0.25)
            tick()
    except BaseException:  # Ctrl-C: stop the workers now rather than wait for their runs
        if thread is not None and executor is not None:
            executor.abort()
        raise
    if thread is None:
        for (rep, i), task in zip(later, tasks, strict=True):
            done[(rep, i)] = _headline_run(task)
            tick()
    if errors:
        raise errors[0]
    return results, done


def _run_on(ex: Executor, tasks: list[tuple[Scenario, int, float]], keys: list[tuple[int, int]],
            labels: list[str], done: dict[tuple[int, int], _Tables],
            errors: list[BaseException]) -> None:
    """Run ``tasks`` on ``ex`` (in a thread of its own) and put each one's tables into
    ``done`` under its key; the first failure goes into ``errors`` for the calling thread."""
    try:
        for k, ok, value in ex.map_unordered(_headline_run, tasks):
            if not ok:
                raise ExperimentError(f"{labels[k]} failed: {value}")
            done[keys[k]] = value
    except BaseException as exc:  # handed to the calling thread, which raises it
        errors.append(exc)


def _headline_run(task: tuple[Scenario, int, float]) -> _Tables:
    """One run of a comparison on a worker: its headline KPIs and its targets (small,
    picklable tables; the run's records stay in the worker)."""
    scn, seed, days = task
    res = simulate(scn, seed=seed, days=days)
    return headline_kpis(res), res.targets


def _as_scenario(item: Scenario | str | Path) -> Scenario:
    return item if isinstance(item, Scenario) else load_scenario(item)


def _unique_names(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        name, k = n, 1
        while name in out:
            k += 1
            name = f"{n}#{k}"
        out.append(name)
    return out


def _side_by_side(names: list[str], runs: pd.DataFrame) -> pd.DataFrame:
    base_name = names[0]
    wide = runs.set_index([*_ID, "replication", "scenario"])["value"].unstack("scenario")
    wide = wide.reindex(columns=names)
    means = wide.groupby(level=_ID, sort=False).mean()
    # targets first, then the HEADLINE order; inside a group, the order rows first appear in
    # (base first, so a hub only a what-if has comes after the base's hubs)
    seen: dict[tuple, int] = {}
    for r in runs[_ID].itertuples(index=False):
        seen.setdefault(tuple(r), len(seen))
    group = {pair: i for i, pair in enumerate(HEADLINE)}
    order = sorted(means.index, key=lambda ix: (
        -1 if ix[1] == "target" else group[(ix[0], ix[1])], seen[tuple(ix)]))
    means = means.loc[order]
    # a volume that is zero or absent in every scenario is a flow that does not exist there
    # (air tonnes at a container hub, containers on the domestic air corridor): left out
    idx = means.index.to_frame(index=False)
    flow = idx["kpi"].isin(_FLOWS).to_numpy() & ~idx["scope"].isin(["target", "total"]).to_numpy()
    keep = ~flow | (means.fillna(0.0).to_numpy(float) != 0).any(axis=1)
    means = means.iloc[np.flatnonzero(keep)]
    cols: dict[str, object] = {c: means.index.get_level_values(c) for c in _ID}
    base = means[base_name].to_numpy(float)
    cols[base_name] = base
    for name in names[1:]:
        stats = paired_difference(wide[name] - wide[base_name], _ID).reindex(means.index)
        diff = stats["diff"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(base != 0, diff / np.abs(base), np.nan)
        cols[name] = means[name].to_numpy(float)
        cols[f"{name} diff"] = diff
        cols[f"{name} rel"] = rel
        cols[f"{name} ci95"] = stats["ci95"].to_numpy(float)
        cols[f"{name} significant"] = stats["significant"].array
    return pd.DataFrame(cols).reset_index(drop=True)


# --------------------------------------------------------------------------- sweeps
def point_differences(exp: Experiment, kpi: str, scope: str = "total",
                      key: str = "") -> pd.DataFrame:
    """Each point of a sweep against its first point, for one KPI: ``point, n, diff, ci95,
    significant``, one row per point of ``exp.targets`` / ``exp.summary``.

    Every point runs on the same replication seeds, so replication *r* of a point is paired
    with replication *r* of the first point (pairs where either run failed are left out);
    ``diff`` is the mean of the paired differences, ``ci95`` the half-width of its 95%
    interval and ``significant`` whether that interval excludes 0 (see
    :func:`paired_difference`). The first point's own row is 0 and not significant.
    """
    k = exp.kpis
    sel = k[(k["kpi"] == kpi) & (k["scope"] == scope) & (k["key"] == key)]
    points = sorted(int(p) for p in pd.unique(exp.runs["point"])) if len(exp.runs) else []
    wide = sel.pivot_table(index="replication", columns="point", values="value",
                           aggfunc="first", dropna=False)
    rows = []
    first = points[0] if points else None
    for p in points:
        if first in wide.columns and p in wide.columns:
            d = (wide[p] - wide[first]).dropna()
            stats = paired_difference(d).iloc[0].to_dict() if len(d) else {}
        else:
            stats = {}
        rows.append({"point": p, "n": int(stats.get("n", 0)),
                     "diff": float(stats.get("diff", np.nan)),
                     "ci95": float(stats.get("ci95", np.nan)),
                     "significant": stats.get("significant", pd.NA)})
    out = pd.DataFrame(rows, columns=["point", "n", "diff", "ci95", "significant"])
    out["significant"] = out["significant"].astype("boolean")
    return out


def _target_scope(target: Target) -> tuple[str, str]:
    """Scope and key of the KPI a target reads (the rule of
    :func:`hubsim.analysis.kpis.verdict`): a per-hub KPI at the target's hub, else the
    total."""
    if info(target.kpi).scopes == ("hub",):
        return "hub", target.hub or ""
    return "total", ""


def sweep_targets(exp: Experiment, targets: Sequence[Target]) -> pd.DataFrame:
    """The targets of a sweep judged against noise, one row per point and target.

    ``exp.targets`` (point, parameters, target, kpi, sense, threshold, n, mean, sd, ci_low,
    ci_high, half_width, p_met, p_met_low, p_met_high) gains ``verdict`` (:func:`verdict` of
    the mean's 95% interval: ``MET``, ``NOT MET``, ``TOO CLOSE TO CALL``; one replication:
    ``MET (one draw)``, ``NOT MET (one draw)``) and the point's
    difference from the sweep's first point, paired over the common replication seeds
    (:func:`point_differences`): ``n_paired, diff, ci95, significant``, and ``change``: empty
    when the verdict is the first point's, else whether the difference is ``significant``,
    ``not significant`` or, with one replication, ``cannot tell (one draw each)`` (as
    :attr:`Comparison.targets`). ``targets`` are the scenario's (they say at which hub a
    per-hub target is read).
    """
    t = exp.targets.copy()
    t["verdict"] = [verdict(*row) for row in zip(t["mean"], t["ci_low"], t["ci_high"],
                                                 t["threshold"], t["sense"], strict=True)]
    parts = []
    for tgt in targets:
        d = point_differences(exp, tgt.kpi, *_target_scope(tgt))
        parts.append(d.rename(columns={"n": "n_paired"}).assign(target=tgt.id))
    cols = ["point", "target", "n_paired", "diff", "ci95", "significant"]
    diffs = pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
    out = t.merge(diffs, on=["point", "target"], how="left")
    out["significant"] = out["significant"].astype("boolean")
    first = out[out["point"] == out["point"].min()].set_index("target")["verdict"] \
        if len(out) else pd.Series(dtype=str)
    out["change"] = [
        "" if g not in first.index or v == first[g] else _judge_change(v, sig)
        for g, v, sig in zip(out["target"], out["verdict"], out["significant"], strict=True)]
    return out


def _judge_change(verdict_: str, significant: Any) -> str:
    """How a verdict that differs from the reference's is judged, from the significance of
    the difference (NA: no interval)."""
    if verdict_.endswith(ONE_DRAW):
        return CHANGE_ONE_DRAW
    if significant is None or pd.isna(significant):
        return CHANGE_NOT_SIGNIFICANT
    return CHANGE_SIGNIFICANT if bool(significant) else CHANGE_NOT_SIGNIFICANT
