"""The sweep figure (moving to :mod:`hubsim.present`).

Replications and sweeps are in :mod:`hubsim.experiments.replicate`, points, seeds and ``--set``
in :mod:`hubsim.experiments.params`, runs and the results folder in
:mod:`hubsim.experiments.store`, the statistics in :mod:`hubsim.analysis.stats`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from hubsim.analysis.stats import t_quantile  # re-exported until compare.py imports it itself

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from hubsim.experiments.replicate import Experiment

__all__ = ["sweep_plot", "t_quantile"]


# --------------------------------------------------------------------------- plot
def sweep_plot(exp: Experiment, kpi: str, scope: str = "total",
               key: str = "") -> Figure:
    """KPI mean against the first parameter, one line per combination of the other
    parameters, with the 95% CI as a band. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    s = exp.kpi(kpi, scope, key)
    if s.empty or not exp.parameters:
        ax.text(0.5, 0.5, f"no {kpi} values", ha="center", va="center",
                transform=ax.transAxes)
        return fig
    x_name, others = exp.parameters[0], exp.parameters[1:]
    groups = s.groupby(others, sort=False, dropna=False) if others else [((), s)]
    for label, grp in groups:
        xs = grp[x_name].map(_axis_value).to_numpy(dtype=float)
        order = np.argsort(xs, kind="stable")
        x = xs[order]
        mean = grp["mean"].to_numpy(dtype=float)[order]
        lo = grp["ci_low"].to_numpy(dtype=float)[order]
        hi = grp["ci_high"].to_numpy(dtype=float)[order]
        label = label if isinstance(label, tuple) else (label,)
        name = ", ".join(f"{o}={v}" for o, v in zip(others, label, strict=True)) or kpi
        line, = ax.plot(x, mean, marker="o", label=name)
        ax.fill_between(x, np.where(np.isnan(lo), mean, lo), np.where(np.isnan(hi), mean, hi),
                        color=line.get_color(), alpha=0.2, linewidth=0)
    unit = str(s["unit"].iloc[0]) if "unit" in s else ""
    ax.set_xlabel(x_name + (" (scale)" if str(s[x_name].iloc[0]).startswith("x") else ""))
    ax.set_ylabel(f"{kpi} [{unit}]" if unit else kpi)
    ax.set_title(f"{kpi}: mean and 95% CI over replications")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _axis_value(v: Any) -> float:
    if isinstance(v, str) and v.strip().startswith(("x", "*")):
        return float(v.strip()[1:])
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")
