"""Capacity: the demand a network sustains, the resource that binds first and what one more
unit of it adds.

A search over demand scales, each evaluated with replications
(:mod:`hubsim.experiments.replicate`); every point's runs are kept in a
:class:`~hubsim.experiments.store.RunCache` (and the results folder), so the search never
simulates a point twice and a resumed search skips what is done. (Goal-seeking, the other
search, is in :mod:`hubsim.experiments.goal`.)

**Capacity** scales every demand row (TEU and tonnes) by a factor ``s``. The network keeps up
at ``s`` when, in the mean over the replications, the TEU waiting at nodes (in yards, at gates
and zones; cargo on vehicles is left out) does not trend upward over the measured window (its
least-squares slope, in TEU per day, is at most ``growth_tol``, default 3%, of the TEU offered
per day) and no handling equipment, scheduled service or lock is saturated (utilisation below
:data:`SATURATED`: a resource busy all the time has no steady-state queue). The search
doubles ``s`` from 1 until the system stops keeping up (or halves it when it does not keep up
at 1), then bisects to a relative tolerance ``tol``. The sustainable
throughput is the channel TEU/yr measured at the largest sustainable scale.

Resources and their utilisation (:func:`hubsim.analysis.diagnostics.diagnostics`, computed in each
worker from its events):

* hub handling area (``area:<hub>:<mode>``; a hub's shared pool is ``area:<hub>:shared``):
  unit-hours worked / (installed units x hours); queue growth = slope of the wait of its lifts
  for a position and units (h/day);
* hub area positions (``berth:<hub>:<mode>``, areas with berths, tracks, lanes or stands):
  position-hours held / (positions x hours); growth as for the area;
* hub yard: mean occupancy / ``yard_teu``; growth = slope of the yard level (TEU/day);
* scheduled service: carried load / (capacity x departures its headway allows), busiest
  direction; growth = slope of the time loads wait at the departure node (h/day);
* lock: passages x mean hold / (capacity x hours); growth = slope of the vehicles' time on the
  link (h/day).

The binding resource is the one with the highest utilisation at the largest sustainable scale
among those saturated at the first unsustainable one (utilisation at least
:data:`SATURATED`); if none is saturated there, among those whose queue grows (growth above
:data:`BINDING_GROWTH` in its unit per day); failing that, among all. Its marginal
value is the capacity search repeated with one more unit of it (one more handling unit in the
area or the shared pool, one more position, one more departure a week, one more lock place
or line, 10% more yard): the change of the
sustainable channel TEU/yr. On-demand trucks and vehicle fleets are not judged as resources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubsim.errors import ExperimentError
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
from hubsim.scenario.schema import Scenario

__all__ = ["BINDING_GROWTH", "SATURATED", "CapacityResult", "capacity"]

#: a queue "grows" when its slope exceeds this (h/day for waits, TEU/day for yards)
BINDING_GROWTH = 0.25
#: a resource this busy (mean over replications) is saturated: its queue has no steady state
SATURATED = 0.98
#: resource kinds whose utilisation can reach saturation (a full yard makes loads wait instead)
SATURABLE = ("area", "berth", "service", "lock")


# --------------------------------------------------------------------------- capacity
@dataclass
class CapacityResult:
    """Outcome of :func:`capacity`.

    ``scale``: largest demand factor the network keeps up with; ``demand_teu``: the TEU/yr of
    demand at that scale; ``channel_teu`` (with ``channel_ci``): channel TEU/yr measured
    there; ``binding``: the resource that binds first (``area:<hub>:<mode>``,
    ``berth:<hub>:<mode>``, ``yard:<hub>``, ``service:<id>``, ``lock:<link>``);
    ``resources``: every resource's utilisation at the sustainable scale and at the first
    unsustainable one, with its queue growth there; ``marginal_teu``: channel TEU/yr gained
    by one more unit of the binding resource (``marginal_change`` says which); ``steps``:
    every scale evaluated.
    """

    scale: float
    demand_teu: float
    channel_teu: float
    channel_ci: tuple[float, float]
    binding: str | None
    resources: pd.DataFrame
    marginal_teu: float | None
    marginal_change: str | None
    steps: pd.DataFrame = field(repr=False)
    folder: Path | None = None
    simulated: int = 0
    reused: int = 0


_RESOURCES = {  # kind -> (utilisation kpi, growth kpi)
    "area": ("area_utilisation", "area_wait_growth"),
    "berth": ("berth_occupancy", "area_wait_growth"),
    "yard": ("yard_mean_utilisation", "yard_growth"),
    "service": ("service_utilisation", "service_wait_growth"),
    "lock": ("lock_utilisation", "lock_transit_growth"),
}


def _scale_changes(scale: float, extra: Changes = ()) -> Changes:
    s = f"x{scale:.6g}"
    return (("demand.*.teu_per_year", s), ("demand.*.tonnes_per_year", s), *extra)


class _Search:
    def __init__(self, cache: RunCache, replications: int, growth_tol: float):
        self.cache = cache
        self.replications = replications
        self.growth_tol = growth_tol
        self.rows: list[dict[str, Any]] = []
        self.exps: dict[tuple[float, Changes], Experiment] = {}

    def evaluate(self, scale: float, extra: Changes) -> tuple[bool, Experiment]:
        key = (round(scale, 6), extra)
        if key not in self.exps:
            exp = run_points(self.cache, [_scale_changes(scale, extra)], self.replications, [])
            k = exp.kpis
            if k.empty:
                raise SearchFailed(f"every run at demand x{scale:.6g} failed: "
                                   + "; ".join(exp.failures["error"].astype(str).head(3)))
            per_run = k[k["kpi"].isin(["node_backlog_growth", "offered_teu_per_day"])] \
                .pivot_table(index="replication", columns="kpi", values="value")
            growth = float((per_run["node_backlog_growth"]
                            / per_run["offered_teu_per_day"]).mean())
            s = exp.summary
            util = s.loc[s["kpi"].isin([_RESOURCES[k][0] for k in SATURABLE]), "mean"]
            peak = float(util.max()) if len(util) else 0.0
            ch = exp.kpi("channel_teu")
            self.exps[key] = exp
            self.rows.append({"change": "; ".join(f"{p}={v}" for p, v in extra),
                              "scale": round(scale, 6), "backlog_growth_share": growth,
                              "peak_utilisation": peak,
                              "sustainable": growth <= self.growth_tol and peak < SATURATED,
                              "channel_teu": float(ch["mean"].iloc[0]) if len(ch) else np.nan})
        exp = self.exps[key]
        row = next(r for r in self.rows if r["scale"] == key[0] and
                   r["change"] == "; ".join(f"{p}={v}" for p, v in extra))
        return bool(row["sustainable"]), exp

    def search(self, extra: Changes, start: float, tol: float, max_scale: float,
               known_fail: float | None = None) -> tuple[float | None, float | None]:
        """(largest sustainable scale, smallest unsustainable scale) within ``tol``."""
        lo: float | None
        hi: float | None
        ok, _ = self.evaluate(start, extra)
        if ok:
            lo, hi = start, known_fail
            if hi is not None and self.evaluate(hi, extra)[0]:
                lo, hi = hi, None
            while hi is None:
                nxt = lo * 2
                if nxt > max_scale:
                    return lo, None
                if self.evaluate(nxt, extra)[0]:
                    lo = nxt
                else:
                    hi = nxt
        else:
            hi, lo = start, None
            while lo is None:
                nxt = hi / 2
                if nxt < 1 / max_scale:
                    return None, hi
                if self.evaluate(nxt, extra)[0]:
                    lo = nxt
                else:
                    hi = nxt
        return self._bisect(extra, lo, hi, tol)

    def _bisect(self, extra: Changes, lo: float, hi: float, tol: float) -> tuple[float, float]:
        """Narrow a sustainable ``lo`` and an unsustainable ``hi`` to a relative ``tol``."""
        while (hi - lo) / lo > tol:
            mid = float(f"{(lo + hi) / 2:.6g}")
            if mid in (lo, hi):
                break
            if self.evaluate(mid, extra)[0]:
                lo = mid
            else:
                hi = mid
        return lo, hi


def _resources(ok: Experiment, fail: Experiment | None) -> pd.DataFrame:
    rows = []
    s_ok = ok.summary
    s_fail = fail.summary if fail is not None else None
    for kind, (ukpi, gkpi) in _RESOURCES.items():
        sel = s_ok[s_ok["kpi"] == ukpi]
        for key, mean in zip(sel["key"].astype(str), sel["mean"].astype(float), strict=True):
            rows.append({"resource": f"{kind}:{key}", "kind": kind, "name": key,
                         "utilisation": mean,
                         "utilisation_over": _mean_of(s_fail, ukpi, key),
                         "queue_growth_over": _mean_of(s_fail, gkpi, key),
                         "growth_unit": "TEU/day" if kind == "yard" else "h/day"})
    out = pd.DataFrame(rows, columns=["resource", "kind", "name", "utilisation",
                                      "utilisation_over", "queue_growth_over", "growth_unit"])
    return out.sort_values("utilisation", ascending=False, kind="stable") \
        .reset_index(drop=True)


def _mean_of(summary: pd.DataFrame | None, kpi: str, key: str) -> float:
    """The mean of one KPI in a summary table (NaN when absent)."""
    if summary is None:
        return float("nan")
    sel = summary[(summary["kpi"] == kpi) & (summary["key"] == key)]
    return float(sel["mean"].iloc[0]) if len(sel) else float("nan")


def _binding(resources: pd.DataFrame) -> str | None:
    if resources.empty:
        return None
    saturated = resources[resources["utilisation_over"] >= SATURATED]
    growing = resources[resources["queue_growth_over"] > BINDING_GROWTH]
    pick = saturated if len(saturated) else growing if len(growing) else resources
    return str(pick.sort_values("utilisation", ascending=False, kind="stable")
               .iloc[0]["resource"])


def _one_more(scn: Scenario, resource: str) -> tuple[Changes, str]:
    kind, _, name = resource.partition(":")
    if kind in ("area", "berth"):
        return _one_more_in_area(scn, kind, name)
    if kind == "yard":
        return ((f"hubs.{name}.yard_teu", "x1.1"),), f"hubs.{name}.yard_teu=x1.1"
    if kind == "service":
        svc = next(s for s in scn.services if s.id == name)
        if svc.per_week is not None:
            v = round(svc.per_week + 1, 6)
            return ((f"services.{name}.per_week", v),), f"services.{name}.per_week={v:g}"
        if svc.headway_h is None:  # on-demand services are never judged as resources
            raise ExperimentError(f"service {name}: not a scheduled service")
        v = round(168.0 / (168.0 / svc.headway_h + 1), 6)
        return ((f"services.{name}.headway_h", v),), f"services.{name}.headway_h={v:g}"
    lk = next(lk for lk in scn.links if f"{lk.from_}-{lk.to}:{lk.mode}" == name)
    if lk.lock is None:  # only links with a lock are judged as resources
        raise ExperimentError(f"link {name}: has no lock")
    if lk.lock.model == "lockage":
        path, n = f"links.{name}.lock.lines", lk.lock.lines + 1
    else:
        path, n = f"links.{name}.lock.capacity", (lk.lock.capacity or 0) + 1
    return ((path, n),), f"{path}={n}"


def _one_more_in_area(scn: Scenario, kind: str, name: str) -> tuple[Changes, str]:
    """One more unit (``area``) or position (``berth``) in area ``<hub>:<mode>`` (the hub's
    shared pool for ``<hub>:shared``)."""
    hub_id, _, mode = name.rpartition(":")
    hub = scn.hubs[hub_id]
    if mode == "shared":
        if kind == "berth" or hub.equipment is None:
            raise ExperimentError(f"hub {hub_id}: the shared pool has no positions")
        path, n = f"hubs.{hub_id}.equipment", hub.equipment + 1
    else:
        area = next(a for m, a in hub.areas.items() if m == mode)
        if kind == "berth":
            if area.positions is None:
                raise ExperimentError(f"area {name}: unlimited positions")
            path, n = f"hubs.{hub_id}.areas.{mode}.positions", area.positions + 1
        else:
            path, n = f"hubs.{hub_id}.areas.{mode}.equipment", area.equipment + 1
    return ((path, n),), f"{path}={n}"


def capacity(scenario: Scenario, replications: int = 3, *, seed: int | None = None,
             days: float | None = None, tol: float = 0.02, growth_tol: float = 0.03,
             max_scale: float = 64.0, marginal: bool = True,
             executor: Executor | None = None, out: str | Path | None = None,
             resume: bool = False, progress: Progress | None = None) -> CapacityResult:
    """Scale demand until the network stops keeping up; name the binding resource and the
    channel TEU/yr one more unit of it adds (see the module docstring for the rules)."""
    check_replications(replications)
    if not 0 < tol < 1:
        raise ExperimentError(f"tol must be in (0, 1), got {tol}")
    check_days(days)
    base = base_seed(scenario, seed)
    store = RunStore(out, identity("capacity", scenario, base, days), resume) \
        if out is not None else None
    cache = RunCache(scenario, base, days, executor, store, progress, diagnostics=True)
    search = _Search(cache, replications, growth_tol)
    lo, hi = search.search((), 1.0, tol, max_scale)
    if lo is None:
        raise SearchFailed(f"{scenario.name}: does not keep up even at 1/{max_scale:g} of "
                           "its demand")
    ok = search.evaluate(lo, ())[1]
    fail = search.evaluate(hi, ())[1] if hi is not None else None
    resources = _resources(ok, fail)
    binding = _binding(resources) if hi is not None else None
    ch = ok.kpi("channel_teu").iloc[0]
    demand_teu = sum(d.teu_per_year for d in scenario.demand) * lo
    marginal_teu = change_text = None
    if marginal and binding is not None:
        extra, change_text = _one_more(scenario, binding)
        lo2, _ = search.search(extra, lo, tol, max_scale, known_fail=hi)
        if lo2 is not None:
            ch2 = search.evaluate(lo2, extra)[1].kpi("channel_teu")["mean"].iloc[0]
            marginal_teu = float(ch2 - ch["mean"])
    steps = pd.DataFrame(search.rows)
    result = CapacityResult(
        scale=lo, demand_teu=demand_teu, channel_teu=float(ch["mean"]),
        channel_ci=(float(ch["ci_low"]), float(ch["ci_high"])), binding=binding,
        resources=resources, marginal_teu=marginal_teu, marginal_change=change_text,
        steps=steps, folder=store.folder if store else None, simulated=cache.simulated,
        reused=cache.reused)
    if store is not None:
        store.write_table("capacity_steps.csv", steps)
        store.write_table("resources.csv", resources)
        store.write_json(store.folder / "capacity.json", {
            "scale": lo, "first_unsustainable_scale": hi, "demand_teu": demand_teu,
            "channel_teu": result.channel_teu, "channel_ci": list(result.channel_ci),
            "binding": binding, "marginal_teu": marginal_teu,
            "marginal_change": change_text, "replications": replications, "tol": tol,
            "growth_tol": growth_tol})
    return result

