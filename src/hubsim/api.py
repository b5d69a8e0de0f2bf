"""The public Python API: load a scenario, simulate it, read results as pandas objects.

>>> import hubsim
>>> scn = hubsim.load_scenario("scenarios/chongqing_2022_target.yaml")  # doctest: +SKIP
>>> res = hubsim.simulate(scn, seed=7, days=60)                          # doctest: +SKIP
>>> res.targets[["target", "value", "threshold", "met"]]                 # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hubsim.analysis.window import Window
from hubsim.memory import release_freed
from hubsim.scenario import loader, overlay
from hubsim.scenario.limits import check_days, check_seed
from hubsim.scenario.schema import Scenario
from hubsim.sim.engine import run_engine
from hubsim.sim.network import area_table, check_routes, link_table, node_table
from hubsim.sim.records import Recorder

if TYPE_CHECKING:
    # pandas and the analysis come in when a table is first asked for, not with simulate():
    # a run holds its records in compact form until then (memory; issue 13)
    import pandas as pd

    from hubsim.analysis.emissions import Emissions
    from hubsim.scenario.emission_factors import EmissionFactors

__all__ = ["Results", "apply_changes", "bundled_scenario", "load_scenario", "simulate"]


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and cross-check a scenario file, routes included.

    Parameters
    ----------
    path : str or Path
        A YAML scenario file, or an overlay file that ``extends`` another (resolved through
        the whole chain; see :mod:`hubsim.scenario.overlay`).

    Returns
    -------
    Scenario
        Immutable and fully checked: every reference resolves and every demand pair has a route.

    Raises
    ------
    ScenarioError
        With the file, field path and expectation in the message.
    """
    return loader.load_scenario(path, checks=(check_routes,))


def bundled_scenario(name: str) -> Path:
    """The file of a scenario that ships with hubsim (``"chongqing_2022_target"``, with or
    without ``.yaml``), found in the installed package from any working folder.

    >>> bundled_scenario("chongqing_2022_target").name
    'chongqing_2022_target.yaml'

    Raises
    ------
    ScenarioError
        No bundled scenario of that name (the message lists them).
    """
    from hubsim.errors import ScenarioError
    from hubsim.scenario.resources import bundled_scenarios

    files = {p.stem: p for p in bundled_scenarios()}
    stem = name.removesuffix(".yaml")
    if stem not in files:
        raise ScenarioError(f"{name}: no bundled scenario of that name; the bundled ones: "
                            f"{', '.join(files)}")
    return files[stem]


def apply_changes(scn: Scenario, changes: Mapping[str, Any], source: str | None = None) \
        -> Scenario:
    """A new validated scenario with fields set by dotted path (routes checked too).

    ``changes`` is ``{path: value}``, applied in order (see :mod:`hubsim.scenario.overlay` for
    the path syntax); a value ``"x1.2"`` scales the current number or distribution. Raises
    :class:`~hubsim.errors.ScenarioError` naming ``source`` and the path.

    >>> import hubsim
    >>> scn = hubsim.load_scenario("scenarios/chongqing_2022_target.yaml")  # doctest: +SKIP
    >>> quay = {"hubs.guoyuan.areas.water.equipment": 10}                     # doctest: +SKIP
    >>> more = hubsim.apply_changes(scn, quay)                                # doctest: +SKIP
    """
    return overlay.apply_changes(scn, changes, source, checks=(check_routes,))


#: The record tables of a run (:mod:`hubsim.sim.records`).
_RECORD_TABLES = ("events", "consignments", "trips", "handling", "lock_passages")
#: The large tables :class:`Results` computes from them and keeps.
_WORKING_TABLES = ("crossings", "departure_queues", "link_flows", "emission_tables")


@dataclass(frozen=True)
class Results:
    """What one simulation run produced.

    The run's records stay in the engine's compact form (``recorder``) until a table is first
    asked for: ``events``, ``consignments``, ``trips``, ``handling`` and ``lock_passages`` are
    built then (pandas is imported then too), and every other table is computed from them on
    first access. Building ``events`` hands the records over to it (the compact copy is freed).
    """

    scenario: Scenario
    seed: int
    window: Window
    #: The run's records as the engine wrote them (:class:`hubsim.sim.records.Recorder`).
    recorder: Recorder = field(repr=False)
    balance: dict[str, float] = field(repr=False)
    simpy_events: int = 0
    #: Time of the engine's run, s (the tables are built later, when first asked for).
    wall_time_s: float = 0.0
    #: Rows of the record tables: ``event_records``, ``consignments`` (parts split off
    #: included), ``vehicle_departures`` (known without building the tables, and after
    #: :meth:`free_records`).
    counts: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.counts:  # built by hand: the recorder's rows, before any is handed over
            self.counts.update(self.recorder.counts())

    # ---- the record tables (hubsim.sim.records), built on first access
    @cached_property
    def events(self) -> pd.DataFrame:
        """One row per thing that happened to a consignment (see :mod:`hubsim.sim.records`)."""
        return self.recorder.events_frame(release=True)

    @cached_property
    def consignments(self) -> pd.DataFrame:
        """One row per consignment, parts split off included."""
        return self.recorder.consignments_frame(release=True)

    @cached_property
    def trips(self) -> pd.DataFrame:
        """One row per vehicle departure."""
        return self.recorder.trips_frame(release=True)

    @cached_property
    def handling(self) -> pd.DataFrame:
        """One row per vehicle loaded or discharged at a hub."""
        return self.recorder.handling_frame(release=True)

    @cached_property
    def lock_passages(self) -> pd.DataFrame:
        """One row per ship through a lockage-model lock."""
        return self.recorder.lock_passages_frame(release=True)

    def tables(self) -> None:
        """Build the five record tables now (they are otherwise built on first access)."""
        for name in _RECORD_TABLES:
            getattr(self, name)

    def free_records(self) -> None:
        """Free the record tables and the working tables computed from them
        (:meth:`free_working_tables`): a year of the 2022 scenario holds about 150 MB in
        them. Every other table already computed (``kpis``, ``targets``, ``bottlenecks``,
        ...) stays; asking afterwards for a freed one, or for one computed from the records,
        raises ``RuntimeError``. ``hubsim run`` frees them once its results folder holds them
        and its figures' data is drawn from them."""
        self.recorder.free()
        for name in _RECORD_TABLES:
            self.__dict__.pop(name, None)
        self.free_working_tables()

    def free_working_tables(self, *names: str) -> None:
        """Free the named large tables computed from the records and kept (``crossings``,
        ``departure_queues``, ``link_flows``, ``emission_tables``; no name: all), as
        :meth:`free_records` does; asked for again, they are computed again (while the
        records are there). The emission KPIs are kept."""
        unknown = set(names) - set(_WORKING_TABLES)
        if unknown:
            raise ValueError(f"not a working table: {', '.join(sorted(unknown))}; "
                             f"expected one of {', '.join(_WORKING_TABLES)}")
        if "emission_tables" in self.__dict__ and (not names or "emission_tables" in names):
            self._emission_kpi_rows  # noqa: B018  (kept: the KPIs may be computed later)
        for name in names or _WORKING_TABLES:
            self.__dict__.pop(name, None)
        release_freed()

    @cached_property
    def links(self) -> pd.DataFrame:
        """The scenario's links with mode, gateway, corridor, cost and CO2 factor."""
        return link_table(self.scenario)

    @cached_property
    def nodes(self) -> pd.DataFrame:
        """The scenario's nodes with kind, coordinates, equipment and yard size."""
        return node_table(self.scenario)

    @cached_property
    def areas(self) -> pd.DataFrame:
        """The hubs' handling areas (and shared pools): positions, units, rate, intensity
        (see :func:`hubsim.sim.network.area_table`)."""
        return area_table(self.scenario)

    @cached_property
    def flows(self) -> pd.DataFrame:
        """One row per demand row: its key, planned route, expected door-to-door time and
        boundary crossings (see :func:`hubsim.analysis.flows.planned_flows`)."""
        from hubsim.analysis.flows import planned_flows

        return planned_flows(self.scenario)

    @cached_property
    def link_flows(self) -> pd.DataFrame:
        """Flow on every link over the measured window, both directions added, per year
        (``teu_per_year``, ``air_t_per_year``; see :func:`hubsim.analysis.series.link_flows`)."""
        from hubsim.analysis.series import link_flows

        return link_flows(self.events, self.links, self.window)

    @cached_property
    def departure_queues(self) -> pd.DataFrame:
        """Changes of the load waiting for a vehicle at each node and link (see
        :func:`hubsim.analysis.flows.departure_queues`)."""
        from hubsim.analysis.flows import departure_queues

        return departure_queues(self.events, self.consignments, self.flows, self.nodes,
                                self.handling)

    @cached_property
    def kpis(self) -> pd.DataFrame:
        """Tidy KPI table: ``kpi, scope, key, value, unit`` (see :mod:`hubsim.analysis.kpis`),
        with the service levels per flow and the offered channel
        (:mod:`hubsim.analysis.flows`)."""
        from hubsim.analysis.kpis import kpi_table

        return kpi_table(self.events, self.consignments, self.trips, self.links, self.nodes,
                         self.window, handling=self.handling,
                         lock_passages=self.lock_passages, areas=self.areas,
                         flows=self.flows, queues=self.departure_queues,
                         emission_rows=self._emission_kpi_rows)

    @cached_property
    def _emission_kpi_rows(self) -> list[dict]:
        """The emission KPIs (:func:`hubsim.analysis.emissions.emission_rows`): from
        :attr:`emission_tables` when at hand, else from tables computed and not kept (a run
        that asks only for its KPIs does not hold the per-consignment tables; asking for
        :attr:`emission_tables` after :attr:`kpis` computes them again, about a second for a
        year of the 2022 scenario)."""
        from hubsim.analysis.emissions import emission_rows

        tables = self.__dict__.get("emission_tables") or self._emissions()
        return emission_rows(tables, self.window)

    @cached_property
    def bottlenecks(self) -> pd.DataFrame:
        """Where it jams: resources and flows ranked (see
        :func:`hubsim.analysis.bottlenecks.bottlenecks`)."""
        from hubsim.analysis.bottlenecks import bottlenecks

        return bottlenecks(self.events, self.consignments, self.trips, self.nodes, self.links,
                           self.areas, self.scenario, self.window, self.kpis,
                           flows=self.flows, handling=self.handling,
                           lock_passages=self.lock_passages, queues=self.departure_queues)

    @cached_property
    def targets(self) -> pd.DataFrame:
        """One row per target: value, threshold, ratio and ``met``."""
        from hubsim.analysis.kpis import verdict

        return verdict(self.kpis, self.scenario.targets)

    @cached_property
    def kpis_by_year(self) -> pd.DataFrame:
        """The KPI table per measured year (column ``year``), for multi-year runs (see
        :mod:`hubsim.analysis.yearly`)."""
        from hubsim.analysis.yearly import kpis_by_year

        return kpis_by_year(self.events, self.consignments, self.trips, self.links, self.nodes,
                            self.window, self.scenario.growth.first_year,
                            handling=self.handling, lock_passages=self.lock_passages,
                            areas=self.areas)

    @cached_property
    def targets_by_year(self) -> pd.DataFrame:
        """The verdict per measured year and target (column ``year``)."""
        from hubsim.analysis.yearly import targets_by_year

        return targets_by_year(self.kpis_by_year, self.scenario.targets)

    @cached_property
    def crossings(self) -> pd.DataFrame:
        """Every boundary crossing of loaded cargo (the events behind channel TEU and
        international tonnes; empty boxes, in runs that track them, are left out as the
        KPIs leave them out: :mod:`hubsim.analysis.empties`)."""
        from hubsim.analysis.empties import split_empties
        from hubsim.analysis.kpis import crossings

        events, consignments, _ = split_empties(self.events, self.consignments)
        return crossings(events, self.links, consignments)

    @cached_property
    def empties(self) -> pd.DataFrame:
        """Empty containers per corridor: empty TEU moved, empty share, the model's return
        share beside the published one (empty for a run without an ``empties`` section; see
        :func:`hubsim.analysis.empties.empties_table`)."""
        from hubsim.analysis.empties import empties_table

        emp = self.scenario.empties
        if emp is None or not emp.enabled:
            return empties_table(self.kpis.iloc[0:0], {})
        return empties_table(self.kpis, {k: (v.share, v.source)
                                         for k, v in emp.return_share.items()})

    # ---- emissions per ISO 14083 (hubsim.analysis.emissions, docs/emissions.md)
    @cached_property
    def emission_factors(self) -> EmissionFactors:
        """The factors of the emission tables: the bundled ``data/emission_factors.csv``."""
        from hubsim.scenario.emission_factors import load_emission_factors

        return load_emission_factors()

    @cached_property
    def emission_tables(self) -> Emissions:
        """Every emission table of the run (see :func:`hubsim.analysis.emissions.emissions`)."""
        return self._emissions()

    def _emissions(self) -> Emissions:
        from hubsim.analysis.emissions import emissions, service_table

        services = service_table(self.scenario, self.emission_factors)
        return emissions(self.events, self.consignments, self.trips, self.handling,
                         self.links, services, self.emission_factors, self.window)

    def emissions(self, by: str = "corridor") -> pd.DataFrame:
        """CO2e per ISO 14083:2023 (GLEC logic, well-to-wheel) as a table.

        ``by``: ``"corridor"`` (CO2e per TEU, air cargo per t, by corridor), ``"consignment"``
        (transport and hub CO2e of each consignment in the window), ``"toc"`` (each service's
        vehicle-km loaded and empty, energy and intensity) or ``"hoc"`` (each hub area's
        operations). ``res.emissions()["wtw_kg_per_unit"]`` is kg CO2e per TEU (or t).
        """
        tables = {"corridor": "corridors", "consignment": "consignments", "toc": "toc",
                  "hoc": "hoc"}
        if by not in tables:
            raise ValueError(f"by: must be one of {', '.join(tables)}, got {by!r}")
        return getattr(self.emission_tables, tables[by]).copy()

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
        included) and at the end, e.g. :func:`hubsim.present.progress.day_progress`; it does not
        change the results.

    Returns
    -------
    Results

    Raises
    ------
    ScenarioError
        ``seed`` not a whole number in [0, 2**63 - 1], or ``days`` not a finite number in
        (0, 36500] (:func:`hubsim.scenario.limits.check_days`).
    """
    run = scenario.run
    check_seed(seed)
    check_days(days)
    seed = run.seed if seed is None else int(seed)
    warmup_h = run.warmup_days * 24.0
    measured_h = (run.horizon_days - run.warmup_days) * 24.0 if days is None else days * 24.0
    start = time.perf_counter()
    out = run_engine(scenario, seed, warmup_h + measured_h, warmup_h, progress=progress)
    # the records stay compact until a table is asked for (Results.events and the others)
    return Results(scenario=scenario, seed=seed, window=Window(warmup_h, warmup_h + measured_h),
                   recorder=out.recorder, balance=out.balance, simpy_events=out.simpy_events,
                   wall_time_s=time.perf_counter() - start, counts=out.recorder.counts())
