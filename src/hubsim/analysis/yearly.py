"""KPIs and target verdicts per simulated year, for runs longer than a year (growth and
investments): which year first meets the target?

Each measured year ``[warmup + n * 8760 h, warmup + (n + 1) * 8760 h)`` gets the full KPI table
of :func:`hubsim.analysis.kpis.kpi_table` over that window (a last partial year of at least one
day is
kept, its flows scaled to a year like any short run), with the end-of-period backlog taken at
the end of that year rather than at the end of the run. Years are labelled with
``growth.first_year`` + n when the scenario gives it, else 1, 2, ...
"""

from __future__ import annotations

import pandas as pd

from hubsim.analysis import kpis as K
from hubsim.scenario.schema import HOURS_PER_YEAR, Target

__all__ = ["first_year_met", "kpis_by_year", "targets_by_year", "year_windows"]


def year_windows(window: K.Window, first_year: int | None = None) -> list[tuple[int, K.Window]]:
    """``(label, window)`` per measured year; a trailing part shorter than a day is dropped.

    >>> [(y, w.start_h, w.end_h) for y, w in year_windows(K.Window(720.0, 720.0 + 2 * 8760))]
    [(1, 720.0, 9480.0), (2, 9480.0, 18240.0)]
    """
    out = []
    n, start = 0, window.start_h
    while window.end_h - start >= 24.0 - 1e-9:
        end = min(start + HOURS_PER_YEAR, window.end_h)
        out.append(((first_year + n) if first_year is not None else n + 1,
                    K.Window(start, end)))
        n, start = n + 1, end
    return out


def kpis_by_year(events: pd.DataFrame, consignments: pd.DataFrame, trips: pd.DataFrame,
                 links: pd.DataFrame, nodes: pd.DataFrame, window: K.Window,
                 first_year: int | None = None, *, handling: pd.DataFrame | None = None,
                 lock_passages: pd.DataFrame | None = None,
                 areas: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tidy KPI table with a leading ``year`` column.

    The arguments are those of :func:`hubsim.analysis.kpis.kpi_table` (``window`` the whole
    measured period) plus ``first_year``, the label of the first measured year
    (``growth.first_year``; None numbers the years 1, 2, ...); ``handling``,
    ``lock_passages`` and ``areas`` are passed on to it.
    """
    ev = events
    is_gen = (ev["event"] == "generated").to_numpy()
    is_dlv = (ev["event"] == "delivered").to_numpy()
    t = ev["t_h"].to_numpy()
    tables = []
    for year, w in year_windows(window, first_year):
        table = K.kpi_table(ev, consignments, trips, links, nodes, w, handling=handling,
                            lock_passages=lock_passages, areas=areas)
        before = t < w.end_h
        for unit, kpi in (("teu", "backlog_end_teu"), ("tonnes", "backlog_end_tonnes")):
            col = ev[unit].to_numpy()
            backlog = col[is_gen & before].sum() - col[is_dlv & before].sum()
            table.loc[table["kpi"] == kpi, "value"] = float(backlog)
        table.insert(0, "year", year)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def targets_by_year(by_year: pd.DataFrame, targets: tuple[Target, ...]) -> pd.DataFrame:
    """One row per year and target: value, threshold, ratio, ``met``.

    ``by_year`` is :func:`kpis_by_year` output, ``targets`` the scenario's targets.
    """
    rows = []
    for year, table in by_year.groupby("year", sort=True):
        v = K.verdict(table.drop(columns="year"), targets)
        v.insert(0, "year", year)
        rows.append(v)
    return pd.concat(rows, ignore_index=True)


def first_year_met(targets: pd.DataFrame, target: str) -> int | None:
    """The first year whose verdict meets ``target`` (a target id), or None."""
    met = targets[(targets["target"] == target) & targets["met"].astype(bool)]
    return int(met["year"].min()) if len(met) else None
