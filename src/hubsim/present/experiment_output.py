"""Files of experiments: the what-if comparison folder and the sweep figure.

The experiments layer computes tables and writes its own run store; figures and the
comparison's results folder are presentation and live here, so ``hubsim.experiments`` never
imports matplotlib or :mod:`hubsim.present`. The commands call these after the experiment:

>>> cmp = hubsim.compare(base, [faster], days=20)               # doctest: +SKIP
>>> write_comparison(cmp, "results/cmp")                        # doctest: +SKIP
>>> exp = hubsim.sweep(scn, {"hubs.guoyuan.areas.water.equipment": [6, 8]}, out="results/sw")
...                                                             # doctest: +SKIP
>>> write_sweep_figure(exp, "channel_teu")                      # doctest: +SKIP
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from hubsim.atomic import atomic_write
from hubsim.errors import OutputError
from hubsim.present.experiment_plots import PLOTTED, comparison_plot, sweep_plot
from hubsim.present.output import new_folder
from hubsim.version import __version__

if TYPE_CHECKING:
    from hubsim.experiments.compare import Comparison
    from hubsim.experiments.replicate import Experiment

__all__ = ["comparison_figure", "sweep_figure", "write_comparison", "write_sweep_figure"]

#: Fill of a bar whose difference is not significant.
_NS_GREY = "0.82"


def comparison_figure(cmp: Comparison) -> Figure:
    """The comparison's relative differences as bars (see
    :func:`hubsim.present.experiment_plots.comparison_plot`). The caller closes it.

    With replications each bar gets its 95% confidence interval as an error bar, and a
    difference that is not significant (the interval holds 0) is drawn grey, edged in its
    what-if's colour; with one replication the title says it is one draw each."""
    fig = comparison_plot(cmp.table, cmp.base, cmp.whatifs, cmp.seed, cmp.days)
    ax = fig.axes[0]
    if cmp.replications < 2:
        ax.set_title(f"What-ifs against {cmp.base} (seed {cmp.seed}, {cmp.days:g} days)\n"
                     "one draw each: no intervals, differences not judged against noise",
                     fontsize=10)
        return fig
    _mark_noise(ax, cmp)
    ax.set_title(f"What-ifs against {cmp.base} ({cmp.days:g} days)\nmeans of "
                 f"{cmp.replications} paired replications (seeds from {cmp.seed}), 95% CI",
                 fontsize=10)
    return fig


def _mark_noise(ax: Axes, cmp: Comparison) -> None:
    """Error bars (95% CI of each relative difference) on the bars ``comparison_plot`` drew,
    and grey bars where the difference is not significant."""
    t = cmp.table
    rows = t[[r["scope"] == "target" or (r["kpi"], r["scope"]) in PLOTTED
              for r in t.to_dict("records")]].reset_index(drop=True)  # comparison_plot's rows
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    if len(bars) != len(cmp.whatifs) or any(len(b.patches) != len(rows) for b in bars):
        raise RuntimeError("comparison_plot drew other bars than the comparison's rows")
    base = rows[cmp.base].to_numpy(float)
    for j, (w, container) in enumerate(zip(cmp.whatifs, bars, strict=True)):
        with np.errstate(divide="ignore", invalid="ignore"):
            ci = np.where(base != 0, rows[f"{w} ci95"].to_numpy(float) / np.abs(base), np.nan)
        sig = rows[f"{w} significant"]
        ys, xs = [], []
        for patch, significant in zip(container.patches, sig, strict=True):
            if not pd.isna(significant) and not significant:
                patch.set_facecolor(_NS_GREY)
                patch.set_edgecolor(f"C{j}")
                patch.set_linewidth(0.8)
            ys.append(patch.get_y() + patch.get_height() / 2)
            xs.append(patch.get_width())
        half = np.nan_to_num(ci * 100.0)
        # the targets and plotted KPIs are never negative: no value lies below -100%
        low = np.minimum(half, np.asarray(xs, dtype=float) + 100.0)
        ax.errorbar(xs, ys, xerr=(np.maximum(low, 0.0), half), fmt="none", ecolor="0.2",
                    elinewidth=0.8, capsize=2)
    handles = [Patch(facecolor=f"C{j}") for j in range(len(cmp.whatifs))]
    handles.append(Patch(facecolor=_NS_GREY, edgecolor="0.4", linewidth=0.8))
    labels = [*cmp.whatifs, "not significant (95% CI holds 0)"]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              frameon=False)


def write_comparison(cmp: Comparison, folder: str | Path) -> Path:
    """Write ``comparison.csv`` (the table), ``targets.csv``, ``comparison.png``,
    ``manifest.json`` and, with several replications, ``runs.csv`` into the new folder
    ``folder``, all or nothing (see :func:`hubsim.present.output.new_folder`)."""
    with new_folder(folder) as tmp:
        cmp.table.to_csv(tmp / "comparison.csv", index=False)
        cmp.targets.to_csv(tmp / "targets.csv", index=False)
        if cmp.replications > 1:
            cmp.runs.to_csv(tmp / "runs.csv", index=False)
        fig = comparison_figure(cmp)
        try:
            fig.savefig(tmp / "comparison.png", dpi=120)
        finally:
            plt.close(fig)
        meta = {"hubsim_version": __version__, "base": cmp.base, "seed": cmp.seed,
                "replications": cmp.replications, "seeds": list(cmp.seeds),
                "measured_days": cmp.days,
                "scenarios": {name: {"file": r.scenario.source_path,
                                     "sha256": r.scenario.source_hash,
                                     "wall_time_s": round(r.wall_time_s, 3)}
                              for name, r in cmp.results.items()}}
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=2) + "\n")
    return Path(folder)


def sweep_figure(exp: Experiment, kpi: str, scope: str = "total", key: str = "") -> Figure:
    """``kpi`` against the sweep's first parameter with CI bands (see
    :func:`hubsim.present.experiment_plots.sweep_plot`). The caller closes it."""
    t = exp.targets
    threshold = None
    if scope == "total" and not key and "kpi" in t and (t["kpi"] == kpi).any():
        threshold = float(t.loc[t["kpi"] == kpi, "threshold"].iloc[0])
    return sweep_plot(exp.kpi(kpi, scope, key), exp.parameters, kpi, threshold)


def write_sweep_figure(exp: Experiment, kpi: str, scope: str = "total", key: str = "",
                       folder: str | Path | None = None) -> Path:
    """Write ``sweep.png`` (:func:`sweep_figure`) into ``folder`` (default: the experiment's
    results folder), replacing it atomically."""
    target = Path(folder) if folder is not None else exp.folder
    if target is None:
        raise OutputError("the sweep has no results folder (run it with out=...) and no "
                         "folder was given")
    fig = sweep_figure(exp, kpi, scope, key)
    try:
        return atomic_write(target / "sweep.png",
                            lambda tmp: fig.savefig(tmp, dpi=120, format="png"), replace=True)
    finally:
        plt.close(fig)
