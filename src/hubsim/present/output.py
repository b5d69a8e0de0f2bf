"""Write a results folder: tables, event log, plots and a manifest, all or nothing.

Everything is written into a hidden temporary folder next to the destination
(``.hubsim-tmp-<name>-<pid>-...``) and published under its final name at the end without
replacing anything (:func:`hubsim.atomic.publish`), so an interrupted or failed run never
leaves a partial results folder, and a folder another process created meanwhile is never
replaced. A run killed outright (``SIGKILL``) leaves its temporary folder; the next write into
the same parent folder removes it (:func:`hubsim.atomic.clean_stale`).
"""

from __future__ import annotations

import gc
import json
import platform
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hubsim.analysis import emissions as EM
from hubsim.analysis import series as S
from hubsim.analysis.window import Window
from hubsim.api import Results
from hubsim.atomic import check_output_place, clean_stale, publish, temp_path
from hubsim.errors import OutputExistsError
from hubsim.memory import release_freed
from hubsim.present.interactive_map import MAP_LINKS, MAP_NODES, map_tables
from hubsim.present.provenance import provenance
from hubsim.present.report import FIGURE_CAPTIONS, write_report
from hubsim.scenario.schema import HOURS_PER_YEAR, Scenario
from hubsim.version import __version__

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["OutputExistsError", "default_folder", "write_results"]


def default_folder(results: Results, stamp: str, base: Path = Path("results")) -> Path:
    return base / f"{results.scenario.name}-{stamp}"


def manifest(results: Results, extra: dict | None = None) -> dict:
    """What a results folder records about its run: the scenario (its file as the project
    names it and its sha256), hubsim's version and git commit, when, the seed, the window, the
    counts and the conservation balance (see :mod:`hubsim.present.provenance`)."""
    scn = results.scenario
    where = provenance(scn.source_path)
    return {
        "scenario": scn.name,
        "scenario_file": where.pop("scenario_file"),
        "scenario_sha256": scn.source_hash,
        "hubsim_version": __version__,
        **where,
        "python": platform.python_version(),
        "seed": results.seed,
        "warmup_h": results.window.start_h,
        "horizon_h": results.window.end_h,
        "measured_days": results.window.hours / 24.0,
        "wall_time_s": round(results.wall_time_s, 3),
        "event_records": results.counts["event_records"],
        "simpy_events": results.simpy_events,
        "consignments": results.counts["consignments"],
        "vehicle_departures": results.counts["vehicle_departures"],
        "conservation": results.balance,
        **(extra or {}),
    }


def write_results(results: Results, folder: Path, extra_manifest: dict | None = None,
                  report: bool = False, tables: Mapping[str, pd.DataFrame] | None = None,
                  late: Callable[[], tuple[Mapping[str, pd.DataFrame], dict]] | None = None,
                  free_records: bool = False) -> Path:
    """Write ``kpis.csv``, ``targets.csv``, ``bottlenecks.csv`` (where it jams:
    :func:`hubsim.analysis.bottlenecks.bottlenecks`), ``empties.csv`` (runs with an
    ``empties`` section: :attr:`hubsim.api.Results.empties`), ``events.parquet``,
    ``consignments.parquet``, ``trips.parquet``, ``handling.parquet``
    (``lock_passages.parquet`` with a lockage lock), the ISO 14083 emission tables
    (``emissions_corridor.csv``, ``emissions_toc.csv``, ``emissions_hoc.csv``,
    ``emissions_consignments.parquet``), ``map_nodes.csv`` and ``map_links.csv``
    (the report's interactive map), ``manifest.json`` and PNG plots into the
    new folder ``folder`` (and ``kpis_by_year.csv``, ``targets_by_year.csv`` for runs longer
    than a year); with
    ``report``, also the self-contained ``report.html`` (see :mod:`hubsim.present.report`).
    ``tables`` adds CSV files by name (``{"verdict.csv": frame}``: the verdict over
    replications that ``hubsim run`` computes), written before the report reads them.
    ``late`` is called once the event log, tables and figures are written and returns more
    tables and manifest entries (``hubsim run`` waits there for its other replications, so
    the writing overlaps with them). With ``free_records`` the run's record tables are freed
    (:meth:`hubsim.api.Results.free_records`) once written and the figures' data drawn from
    them, before the figures are drawn: ``hubsim run`` does so, to draw them in less
    memory; ``late`` then runs with the records freed (the KPI, target and bottleneck tables
    are kept)."""
    with new_folder(folder) as tmp:
        for name, frame in (tables or {}).items():
            frame.to_csv(tmp / name, index=False)
        if free_records:  # the KPIs' largest working table first, while memory is lowest
            results.departure_queues  # noqa: B018
        _write_emissions(results, tmp)
        corridors = results.emission_tables.corridors  # the figures' share of them
        if free_records:  # written: the KPIs below are computed without them in memory
            results.free_working_tables("emission_tables")
        results.kpis.to_csv(tmp / "kpis.csv", index=False)
        results.targets.to_csv(tmp / "targets.csv", index=False)
        results.bottlenecks.to_csv(tmp / "bottlenecks.csv", index=False)
        if results.scenario.empties is not None and results.scenario.empties.enabled:
            # empty containers per corridor (runs with an empties section only)
            results.empties.to_csv(tmp / "empties.csv", index=False)
        if results.window.hours > HOURS_PER_YEAR + 24.0:  # several years: also per year
            results.kpis_by_year.to_csv(tmp / "kpis_by_year.csv", index=False)
            results.targets_by_year.to_csv(tmp / "targets_by_year.csv", index=False)
        map_nodes, map_links = map_tables(results)  # the report's interactive map
        map_nodes.to_csv(tmp / MAP_NODES, index=False)
        map_links.to_csv(tmp / MAP_LINKS, index=False)
        if results.scenario.routing.choice == "logit":  # route choice (issue 14 part 1)
            _write_choice(results, tmp)
        _write_records_and_figures(results, tmp, corridors, free_records)
        if late is not None:
            more, extra = late()
            for name, frame in more.items():
                frame.to_csv(tmp / name, index=False)
            extra_manifest = {**(extra_manifest or {}), **extra}
        meta = manifest(results, extra_manifest)
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=2) + "\n")
        if report:
            write_report(tmp, results.scenario)
    return Path(folder)


@contextmanager
def new_folder(folder: str | Path) -> Iterator[Path]:
    """All-or-nothing results folder: yield a hidden temporary folder beside ``folder`` and
    publish it as ``folder`` when the block succeeds; on any error (or Ctrl-C) remove it, so no
    partial folder is ever left.

    Guarantee: ``folder`` never replaces anything. An existing ``folder`` is refused before the
    block runs (:class:`OutputExistsError`), and one created by another process while the block
    ran is refused at the end (the same error; the temporary folder is removed). On Linux the
    folder appears in one atomic ``renameat2(RENAME_NOREPLACE)``, whole; elsewhere its name is
    claimed first (see :func:`hubsim.atomic.publish`). Leftover temporary folders of dead
    processes in the parent folder are removed first.

    Raises
    ------
    OutputExistsError
        ``folder`` exists.
    OutputError
        ``folder`` cannot be created (a file in the way, a read-only or pseudo-file system).
    """
    folder = Path(folder)
    check_output_place(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(folder.parent)
    tmp = temp_path(folder)
    tmp.mkdir()
    try:
        yield tmp
        publish(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


#: The record tables of a results folder: table -> file (``lock_passages`` only with a lock
#: passage).
RECORD_FILES = {"events": "events.parquet", "consignments": "consignments.parquet",
                "trips": "trips.parquet", "handling": "handling.parquet",
                "lock_passages": "lock_passages.parquet"}

#: Every standard figure of a run: file name -> caption, in the report's order (the report's
#: captions: one table for both).
FIGURES = FIGURE_CAPTIONS


def figures(results: Results) -> dict[str, Figure]:
    """Every standard figure of one run, by file name (see :data:`FIGURES`)."""
    return {name: make() for name, make in _figure_makers(figure_data(results)).items()}


@dataclass(frozen=True)
class FigureData:
    """What the standard figures draw, computed from a run's records, so the figures can be
    drawn after the records are freed: tables of a row per day, week, hub, link or corridor,
    and the door-to-door time of each load delivered (``transit_times``, about 8 MB for a year
    of the 2022 scenario)."""

    scenario: Scenario
    seed: int
    window: Window
    nodes: pd.DataFrame
    kpis: pd.DataFrame
    yard: pd.DataFrame
    weekly: pd.DataFrame
    link_flows: pd.DataFrame
    link_directions: pd.DataFrame
    daily_channel: pd.DataFrame
    transit_times: pd.DataFrame
    corridor_cost_co2: pd.DataFrame


def figure_data(results: Results, corridors: pd.DataFrame | None = None) -> FigureData:
    """The tables the standard figures of ``results`` draw (see :class:`FigureData`);
    ``corridors``: the CO2e per corridor (``results.emission_tables.corridors``) when at
    hand."""
    w = results.window
    if corridors is None:
        corridors = results.emission_tables.corridors
    yard = S.yard_daily(results.events, results.nodes, w)
    return FigureData(
        scenario=results.scenario, seed=results.seed, window=w, nodes=results.nodes,
        kpis=results.kpis, yard=yard,
        weekly=S.weekly_hub_table(results.events, results.nodes, w, yard),
        link_flows=S.link_flows(results.events, results.links, w),
        link_directions=S.link_directions(results.events, results.trips, results.links, w),
        daily_channel=S.daily_channel(_crossings(results), w),
        transit_times=S.transit_times(results.events, results.consignments, results.links, w),
        corridor_cost_co2=EM.with_co2e(
            S.corridor_cost_co2(results.events, results.consignments, results.links, w),
            corridors))


def _crossings(results: Results) -> pd.DataFrame:
    """:attr:`hubsim.api.Results.crossings`, with categories for names (a working copy)."""
    from hubsim.analysis.empties import split_empties
    from hubsim.analysis.kpis import crossings

    events, consignments, _ = split_empties(results.events, results.consignments)
    return crossings(events, results.links, consignments, categorical=True)


def _figure_makers(data: FigureData) -> dict[str, Callable[[], Figure]]:
    """Each standard figure as a function that draws it, by file name: drawn one at a time,
    a figure's artists are freed before the next is drawn."""
    # matplotlib only now: a run's records and KPI tables are computed without it in memory
    from hubsim.present import mapplot, plots

    d, scn, w = data, data.scenario, data.window
    targets = {t.kpi: t.threshold for t in scn.targets if t.hub is None}
    return {
        "network_map.png": lambda: mapplot.network_map(d.nodes, d.link_flows, scn.name,
                                                       d.link_directions),
        "throughput_vs_target.png": lambda: plots.throughput_vs_target(
            d.daily_channel, targets, scn.name, d.seed,
            plots.target_profile(scn, int(np.ceil(w.hours / 24)))),
        "hub_utilisation.png": lambda: plots.hub_utilisation(d.weekly, d.yard, d.nodes,
                                                             scn.name),
        "hub_heatmap.png": lambda: plots.hub_heatmap(d.weekly, d.nodes, scn.name,
                                                     w.hours / 24),
        "transit_times.png": lambda: plots.transit_times(d.transit_times, scn.name),
        "mode_split.png": lambda: plots.mode_split(d.kpis, scn.name),
        "corridor_cost_co2.png": lambda: plots.corridor_cost_co2(d.corridor_cost_co2,
                                                                 scn.name),
    }


def _write_records_and_figures(results: Results, folder: Path, corridors: pd.DataFrame,
                               free: bool) -> None:
    """The record tables (Parquet) and the standard figures (``corridors``: the CO2e per
    corridor). With ``free`` the working tables are freed before the figures' data is
    computed, and each record table once written."""
    if free:
        results.free_working_tables()
    data = figure_data(results, corridors)
    records = {name: getattr(results, name) for name in RECORD_FILES}
    if free:  # the events first
        results.free_records()
    for name, file in RECORD_FILES.items():
        frame = records.pop(name)
        if name != "lock_passages" or len(frame):
            _write_parquet(frame, folder / file)
        del frame
    if free:
        release_freed()
    _write_plots(data, folder)


def _write_choice(results: Results, folder: Path) -> None:
    """With logit route choice: ``route_choice_weekly.csv`` (TEU created per week by the route
    drawn), ``channel_shares_weekly.csv`` (channel TEU per week by corridor and by mode) and
    their figures ``route_choice.png`` and ``corridor_shares.png``."""
    from hubsim.analysis.choice import weekly_choice_shares, weekly_crossing_shares
    from hubsim.present.choice_plots import choice_shares, crossing_shares

    w, name = results.window, results.scenario.name
    chosen = weekly_choice_shares(results.events, results.links, w)
    chosen.to_csv(folder / "route_choice_weekly.csv", index=False)
    by_corridor = weekly_crossing_shares(results.crossings, w, "corridor")
    parts = [by_corridor.rename(columns={"corridor": "key"}).assign(by="corridor"),
             weekly_crossing_shares(results.crossings, w, "mode")
             .rename(columns={"mode": "key"}).assign(by="mode")]
    pd.concat(parts)[["week", "by", "key", "teu", "share"]].to_csv(
        folder / "channel_shares_weekly.csv", index=False)
    _save_figure(crossing_shares(by_corridor, "corridor", name), folder / "corridor_shares.png")
    _save_figure(choice_shares(chosen, name), folder / "route_choice.png")


def _write_plots(data: FigureData, folder: Path) -> None:
    for name, make in _figure_makers(data).items():
        _save_figure(make(), folder / name)


#: Rows per row group of a Parquet file of the folder. Parquet encodes a row group whole in
#: memory (pyarrow's default is a million rows); a year's event log written in groups of
#: 65,536 rows took 1-6 MB more memory while written instead of 35-45 MB, in the same time,
#: for a file 4% larger. Readers see the same table.
PARQUET_ROW_GROUP = 65536


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False, row_group_size=PARQUET_ROW_GROUP)


def _write_parquet_parts(parts: Iterator[pd.DataFrame], path: Path) -> None:
    """One Parquet file of the tables ``parts`` (at least one; the same columns), each
    built and converted only when written: the file :meth:`pandas.DataFrame.to_parquet`
    writes of them concatenated (``index=False``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for part in parts:
            table = pa.Table.from_pandas(part, preserve_index=False)
            del part
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="snappy")
            writer.write_table(table, row_group_size=PARQUET_ROW_GROUP)
            del table
    finally:
        if writer is not None:
            writer.close()


def _save_figure(fig: Figure, path: Path) -> None:
    """Write ``fig`` as a PNG and free it."""
    import matplotlib.pyplot as plt

    # zlib level 1: faster than the default level 6 for a few percent more bytes
    fig.savefig(path, dpi=110, pil_kwargs={"compress_level": 1})
    plt.close(fig)
    # a figure and its artists refer to each other: free them now, not at the next
    # collection (the network map's are tens of MB)
    del fig
    gc.collect()


#: The emission tables of a results folder (:mod:`hubsim.analysis.emissions`): file -> table.
EMISSION_FILES = {"emissions_corridor.csv": "corridors", "emissions_toc.csv": "toc",
                  "emissions_hoc.csv": "hoc", "emissions_consignments.parquet": "consignments"}


def _write_emissions(results: Results, folder: Path) -> None:
    """The ISO 14083 tables: CO2e per corridor, per transport and hub operation category and
    per consignment (docs/emissions.md)."""
    em = results.emission_tables
    for name, attr in EMISSION_FILES.items():
        if attr == "consignments":  # a row group at a time: no whole labelled copy
            n = em.n_consignments
            _write_parquet_parts((em.consignment_rows(a, a + PARQUET_ROW_GROUP)
                                  for a in range(0, max(n, 1), PARQUET_ROW_GROUP)),
                                 folder / name)
        else:
            getattr(em, attr).to_csv(folder / name, index=False)
