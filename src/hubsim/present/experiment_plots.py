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
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from hubsim.catalogue import CATALOGUE, label
from hubsim.present.plots import SOURCE_NOTE, footer, si

__all__ = ["PLOTTED", "comparison_plot", "parameter_label", "sweep_plot"]

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
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
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


def parameter_label(path: str) -> str:
    """A scenario path in words: ``services.barge_shanghai.per_week`` ->
    ``barge_shanghai service: per week``; ``hubs.guoyuan.areas.water.equipment`` ->
    ``guoyuan hub, water area: equipment``."""
    parts = path.split(".")
    kinds = {"services": "service", "hubs": "hub", "links": "link", "areas": "area",
             "zones": "zone", "gateways": "gateway", "demand": "demand row", "locks": "lock"}
    words: list[str] = []
    k = 0
    while k + 1 < len(parts) and parts[k] in kinds:
        words.append(f"{parts[k + 1]} {kinds[parts[k]]}")
        k += 2
    field = " ".join(parts[k:]).replace("_", " ")
    return (", ".join(words) + ": " + field) if words and field else ", ".join(words) or path


def sweep_plot(summary: pd.DataFrame, parameters: Sequence[str], kpi: str,
               target: float | None = None) -> Figure:
    """KPI mean against the first parameter, one line per combination of the other
    parameters, with the 95% CI (a band for one line; error bars, shifted sideways so they do
    not hide each other, for several) and the target as a horizontal line.

    ``summary`` holds the rows of one KPI, scope and key from
    :attr:`hubsim.experiments.replicate.Experiment.summary` (as ``Experiment.kpi(kpi, scope, key)``
    gives them): one column per parameter, ``mean, ci_low, ci_high, unit``. ``target`` is the
    scenario's threshold for ``kpi``, if it has one.
    """
    fig, ax = plt.subplots(figsize=(8.5, 4.8), layout="constrained")
    s = summary
    if s.empty or not parameters:
        ax.text(0.5, 0.5, f"no {kpi} values", ha="center", va="center", transform=ax.transAxes)
        return fig
    x_name, others = parameters[0], list(parameters[1:])
    groups = list(s.groupby(others, sort=False, dropna=False)) if others else [((), s)]
    xs_all = np.unique(s[x_name].map(axis_value).to_numpy(dtype=float))
    step = float(np.min(np.diff(xs_all))) if len(xs_all) > 1 else 1.0
    unit = str(s["unit"].iloc[0]) if "unit" in s else ""
    for g, (key, grp) in enumerate(groups):
        values = key if isinstance(key, tuple) else (key,)
        name = "; ".join(f"{parameter_label(o)} = {v}"
                         for o, v in zip(others, values, strict=True)) or _name(kpi)
        shift = (g - (len(groups) - 1) / 2) * 0.06 * step if len(groups) > 1 else 0.0
        _sweep_line(ax, grp, x_name, name, g, shift, len(groups) > 1)
    if target:
        ax.axhline(target, color="0.25", ls="--", lw=1.2, zorder=1)
        ax.annotate(f"target {si(target)} {unit}", (1.0, target), xycoords=("axes fraction",
                    "data"), xytext=(-4, 3), textcoords="offset points", ha="right",
                    va="bottom", fontsize=8, color="0.25")
    scale = str(s[x_name].iloc[0]).startswith("x")
    ax.set_xlabel(parameter_label(x_name) + (" [x the scenario's value]" if scale else ""))
    ax.set_xticks(xs_all, [f"{v:g}" for v in xs_all])
    ax.set_ylabel(f"{_name(kpi)} [{unit}]" if unit else _name(kpi))
    ax.yaxis.set_major_formatter(FuncFormatter(si))
    ax.set_title(f"{_name(kpi)}: mean and 95% CI over replications")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    footer(fig, f"{SOURCE_NOTE}; sweep of {x_name}" + (f" x {', '.join(others)}" if others
                                                       else "")
           + ("; points shifted sideways for legibility" if len(groups) > 1 else ""))
    return fig


def _sweep_line(ax: Axes, grp: pd.DataFrame, x_name: str, name: str, g: int, shift: float,
                bars: bool) -> None:
    xs = grp[x_name].map(axis_value).to_numpy(dtype=float)
    order = np.argsort(xs, kind="stable")
    x = xs[order] + shift
    mean = grp["mean"].to_numpy(dtype=float)[order]
    lo = grp["ci_low"].to_numpy(dtype=float)[order]
    hi = grp["ci_high"].to_numpy(dtype=float)[order]
    lo, hi = np.where(np.isnan(lo), mean, lo), np.where(np.isnan(hi), mean, hi)
    marker = "osD^v<>"[g % 7]
    ls = ("-", "--", "-.", ":")[g % 4]
    if bars:
        ax.errorbar(x, mean, yerr=(mean - lo, hi - mean), color=f"C{g}", marker=marker, ls=ls,
                    capsize=3, label=name)
    else:
        line, = ax.plot(x, mean, marker=marker, label=name, color=f"C{g}")
        ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0,
                        label="95% CI")
