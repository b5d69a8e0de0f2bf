"""The public Python API: load a scenario, simulate it, read results as pandas objects.

>>> import hubsim
>>> scn = hubsim.load_scenario("scenarios/chongqing_2022_target.yaml")  # doctest: +SKIP
>>> res = hubsim.simulate(scn, seed=7, days=60)                          # doctest: +SKIP
>>> res.targets[["target", "value", "threshold", "met"]]                 # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from hubsim import kpis as K
from hubsim.engine import run_engine
from hubsim.network import link_table, node_table
from hubsim.scenario import Scenario

__all__ = ["Results", "simulate"]


@dataclass(frozen=True)
class Results:
    """What one simulation run produced. Tables are computed from the events on first access."""

    scenario: Scenario
    seed: int
    window: K.Window
    events: pd.DataFrame = field(repr=False)
    consignments: pd.DataFrame = field(repr=False)
    trips: pd.DataFrame = field(repr=False)
    balance: dict[str, float] = field(repr=False)
    simpy_events: int = 0
    wall_time_s: float = 0.0

    @cached_property
    def links(self) -> pd.DataFrame:
        """The scenario's links with mode, gateway, corridor, cost and CO2 factor."""
        return link_table(self.scenario)

    @cached_property
    def nodes(self) -> pd.DataFrame:
        """The scenario's nodes with kind, coordinates, equipment and yard size."""
        return node_table(self.scenario)

    @cached_property
    def kpis(self) -> pd.DataFrame:
        """Tidy KPI table: ``kpi, scope, key, value, unit`` (see :mod:`hubsim.kpis`)."""
        return K.kpi_table(self.events, self.consignments, self.trips, self.links, self.nodes,
                           self.window)

    @cached_property
    def targets(self) -> pd.DataFrame:
        """One row per target: value, threshold, ratio and ``met``."""
        return K.verdict(self.kpis, self.scenario.targets)

    @cached_property
    def kpis_by_year(self) -> pd.DataFrame:
        """The KPI table per measured year (column ``year``), for multi-year runs (see
        :mod:`hubsim.yearly`)."""
        from hubsim.yearly import kpis_by_year

        return kpis_by_year(self)

    @cached_property
    def targets_by_year(self) -> pd.DataFrame:
        """The verdict per measured year and target (column ``year``)."""
        from hubsim.yearly import targets_by_year

        return targets_by_year(self, self.kpis_by_year)

    @cached_property
    def crossings(self) -> pd.DataFrame:
        """Every boundary crossing (the events behind channel TEU and international tonnes)."""
        return K.crossings(self.events, self.links, self.consignments)

    def kpi(self, name: str, scope: str = "total", key: str = "") -> float:
        """One KPI value, e.g. ``res.kpi("channel_teu")`` or
        ``res.kpi("hub_lifts_teu", "hub", "guoyuan")``."""
        k = self.kpis
        sel = k[(k["kpi"] == name) & (k["scope"] == scope) & (k["key"] == key)]
        if sel.empty:
            raise KeyError(f"no KPI {name!r} with scope {scope!r} and key {key!r}")
        return float(sel["value"].iloc[0])


def simulate(scenario: Scenario, seed: int | None = None, days: float | None = None,
             progress: Callable[[float, float], None] | None = None) -> Results:
    """Run one replication of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        From :func:`hubsim.load_scenario`.
    seed : int, optional
        Overrides ``run.seed``. Same scenario and seed give identical results.
    days : float, optional
        Length of the measured period in days (after the warm-up); default
        ``run.horizon_days - run.warmup_days``.
    progress : callable, optional
        ``progress(sim_day, total_days)``, called after every simulated day (warm-up
        included) and at the end, e.g. :func:`hubsim.progress.day_progress`; it does not
        change the results.

    Returns
    -------
    Results
    """
    run = scenario.run
    seed = run.seed if seed is None else int(seed)
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    warmup_h = run.warmup_days * 24.0
    measured_h = (run.horizon_days - run.warmup_days) * 24.0 if days is None else days * 24.0
    if measured_h <= 0:
        raise ValueError(f"days must be > 0, got {days}")
    start = time.perf_counter()
    out = run_engine(scenario, seed, warmup_h + measured_h, warmup_h, progress=progress)
    rec = out.recorder
    results = Results(
        scenario=scenario, seed=seed, window=K.Window(warmup_h, warmup_h + measured_h),
        events=rec.events_frame(release=True), consignments=rec.consignments_frame(),
        trips=rec.trips_frame(), balance=out.balance, simpy_events=out.simpy_events,
        wall_time_s=time.perf_counter() - start)
    return results
