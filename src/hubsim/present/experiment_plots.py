"""Figures of experiments: the what-if comparison and the parameter sweep.

Like :mod:`hubsim.present.plots`, each function takes tables and returns a matplotlib Figure
(the caller saves and closes it); :mod:`hubsim.present.experiment_output` writes them into an
experiment's folder. Labels come from the KPI catalogue (:mod:`hubsim.catalogue`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; no display is ever needed

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from hubsim.catalogue import CATALOGUE, label
from hubsim.present.plots import SOURCE_NOTE, footer

__all__ = ["PLOTTED", "comparison_plot", "sweep_plot"]

#: (kpi, scope) rows drawn in the comparison plot (targets are always drawn): the catalogue's
#: ``plotted`` scopes.
PLOTTED = frozenset((k.name, scope) for k in CATALOGUE.values() for scope in k.plotted)


def _name(kpi: str) -> str:
    return label(kpi) if kpi in CATALOGUE else kpi


def comparison_plot(table: pd.DataFrame, base: str, whatifs: Sequence[str], seed: int,
                    days: float) -> Figure:
    """Relative difference of each what-if from the base, for the targets and the plotted
    KPIs (horizontal bars, %).

    ``table`` is :attr:`hubsim.experiments.compare.Comparison.table` (columns ``kpi, scope,
    key, unit``, then ``<whatif> rel`` for each what-if, a fraction).
    """
    keep = [(r["scope"] == "target" or (r["kpi"], r["scope"]) in PLOTTED)
            for r in table.to_dict("records")]
    tab = table[keep].reset_index(drop=True)
    labels = [f"target {r['key']} ({_name(str(r['kpi']))})" if r["scope"] == "target" else
              _name(str(r["kpi"])) + (f" [{r['key']}]" if r["key"] else "")
              for r in tab.to_dict("records")]
    n, m = len(tab), max(len(whatifs), 1)
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.28 * n * max(1, m / 2)), layout="constrained")
    height = 0.8 / m
    y = np.arange(n)
    for j, w in enumerate(whatifs):
        vals = pd.to_numeric(tab[f"{w} rel"], errors="coerce").to_numpy(float) * 100.0
        ax.barh(y - 0.4 + height * (j + 0.5), np.nan_to_num(vals), height=height, label=w,
                color=f"C{j}")
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"difference from {base} [%]")
    ax.set_title(f"What-ifs against {base} (seed {seed}, {days:g} days)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    footer(fig, f"{SOURCE_NOTE}; common random numbers; blank = not defined (zero in the base "
                "or absent)")
    return fig


def axis_value(v: Any) -> float:
    """A sweep value on the x axis: ``x1.5`` (a scale) as 1.5, numbers as they are, else NaN."""
    if isinstance(v, str) and v.strip().startswith(("x", "*")):
        return float(v.strip()[1:])
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def sweep_plot(summary: pd.DataFrame, parameters: Sequence[str], kpi: str) -> Figure:
    """KPI mean against the first parameter, one line per combination of the other
    parameters, with the 95% CI as a band.

    ``summary`` holds the rows of one KPI, scope and key from
    :attr:`hubsim.experiments.replicate.Experiment.summary` (as ``Experiment.kpi(kpi, scope, key)``
    gives them): one column per parameter, ``mean, ci_low, ci_high, unit``.
    """
    fig, ax = plt.subplots(figsize=(8, 4.5))
    s = summary
    if s.empty or not parameters:
        ax.text(0.5, 0.5, f"no {kpi} values", ha="center", va="center", transform=ax.transAxes)
        return fig
    x_name, others = parameters[0], list(parameters[1:])
    groups = s.groupby(others, sort=False, dropna=False) if others else [((), s)]
    for key, grp in groups:
        xs = grp[x_name].map(axis_value).to_numpy(dtype=float)
        order = np.argsort(xs, kind="stable")
        x = xs[order]
        mean = grp["mean"].to_numpy(dtype=float)[order]
        lo = grp["ci_low"].to_numpy(dtype=float)[order]
        hi = grp["ci_high"].to_numpy(dtype=float)[order]
        values = key if isinstance(key, tuple) else (key,)
        name = ", ".join(f"{o}={v}" for o, v in zip(others, values, strict=True)) or kpi
        line, = ax.plot(x, mean, marker="o", label=name)
        ax.fill_between(x, np.where(np.isnan(lo), mean, lo), np.where(np.isnan(hi), mean, hi),
                        color=line.get_color(), alpha=0.2, linewidth=0)
    unit = str(s["unit"].iloc[0]) if "unit" in s else ""
    ax.set_xlabel(x_name + (" (scale)" if str(s[x_name].iloc[0]).startswith("x") else ""))
    ax.set_ylabel(f"{_name(kpi)} [{unit}]" if unit else _name(kpi))
    ax.set_title(f"{_name(kpi)} ({kpi}): mean and 95% CI over replications")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
