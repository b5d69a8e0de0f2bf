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

>>> import hubsim
>>> base = hubsim.load_scenario("tests/scenarios/tiny.yaml")
>>> faster = hubsim.apply_changes(base, {"services.cre.per_week": 8})
>>> cmp = hubsim.compare(base, [faster], days=20)      # doctest: +SKIP
>>> cmp.table.query("kpi == 'channel_teu' and scope == 'total'")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hubsim.analysis.stats import t_half_width
from hubsim.api import Results, load_scenario, simulate
from hubsim.catalogue import CATALOGUE
from hubsim.errors import ExperimentError
from hubsim.scenario.schema import Scenario

__all__ = ["HEADLINE", "Comparison", "compare", "headline_kpis"]

#: Order of the scopes in the comparison table (inside a scope, the catalogue's order).
_SCOPE_ORDER = ("total", "corridor", "mode", "hub", "area")
#: (kpi, scope) pairs in the comparison table, from the catalogue's ``compared`` scopes;
#: every key of each scope is kept.
HEADLINE: tuple[tuple[str, str], ...] = tuple(
    (k.name, scope) for scope in _SCOPE_ORDER for k in CATALOGUE.values() if scope in k.compared)
_ID = ["kpi", "scope", "key", "unit"]
#: volumes per year: a key where one is zero or absent in every scenario is left out
_FLOWS = tuple(k.name for k in CATALOGUE.values() if k.flow)


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
    ``<name> rel`` (diff / base, a fraction) and ``<name> ci95`` (half-width of the 95%
    confidence interval of the diff, from the paired differences of the replications; NaN
    with one replication). Values and diffs are means over the replications. ``runs`` holds
    every replication's values (``scenario, replication, seed, kpi, scope, key, unit, value``)
    and ``verdicts`` every replication's targets.

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
        met``, then the share of replications that met the target (``met`` is True when all
        did) and the mean value over them."""
        v = self.verdicts
        if v.empty:
            return pd.DataFrame(columns=["scenario", "target", "kpi", "sense", "threshold",
                                         "value", "unit", "met", "met_share"])
        out = v.groupby(["scenario", "target"], sort=False, as_index=False).agg(
            kpi=("kpi", "first"), sense=("sense", "first"), threshold=("threshold", "first"),
            value=("value", "mean"), unit=("unit", "first"), met=("met", "all"),
            met_share=("met", "mean"))
        return out


def compare(base: Scenario | str | Path, whatifs: Iterable[Scenario | str | Path],
            seed: int | None = None, days: float | None = None,
            replications: int = 1) -> Comparison:
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
        Runs per scenario. With one, every scenario runs with ``seed``; with more, replication
        *r* runs every scenario with the seed :func:`hubsim.experiments.params.replication_seed`
        gives ``(seed, r)``, and each difference is the mean of the paired differences with a
        95% confidence interval.

    Returns
    -------
    Comparison
        ``.table`` (targets and headline KPIs side by side, with differences) and ``.results``
        (name -> Results).
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
    results: dict[str, Results] = {}
    runs, verdicts = [], []
    for rep, rep_seed in enumerate(seeds):
        for name, scn in zip(names, scenarios, strict=True):
            res = simulate(scn, seed=rep_seed, days=days)
            if rep == 0:
                results[name] = res  # later replications keep only their tables
            tag: dict[str, str | int] = {"scenario": name, "replication": rep, "seed": rep_seed}
            runs.append(headline_kpis(res).assign(**tag))
            verdicts.append(res.targets.assign(**tag))
    runs_df = pd.concat(runs, ignore_index=True)
    runs_df = runs_df[["scenario", "replication", "seed", *_ID, "value"]]
    return Comparison(base=names[0], seed=seed, days=float(days), results=results,
                      table=_side_by_side(names, runs_df), replications=len(seeds),
                      seeds=tuple(seeds), runs=runs_df,
                      verdicts=pd.concat(verdicts, ignore_index=True))


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
        paired = (wide[name] - wide[base_name]).groupby(level=_ID, sort=False)
        stats = pd.DataFrame({"mean": paired.mean(), "sd": paired.std(ddof=1),
                              "n": paired.count()}).reindex(means.index)
        diff = stats["mean"].to_numpy(float)
        n = stats["n"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(base != 0, diff / np.abs(base), np.nan)
        ci = t_half_width(stats["sd"].to_numpy(float), n)
        cols[name] = means[name].to_numpy(float)
        cols[f"{name} diff"] = diff
        cols[f"{name} rel"] = rel
        cols[f"{name} ci95"] = ci
    return pd.DataFrame(cols).reset_index(drop=True)
