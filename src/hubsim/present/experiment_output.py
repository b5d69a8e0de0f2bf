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
from matplotlib.figure import Figure

from hubsim.atomic import atomic_write
from hubsim.errors import OutputError
from hubsim.present.experiment_plots import comparison_plot, sweep_plot
from hubsim.present.output import new_folder
from hubsim.version import __version__

if TYPE_CHECKING:
    from hubsim.experiments.compare import Comparison
    from hubsim.experiments.replicate import Experiment

__all__ = ["comparison_figure", "sweep_figure", "write_comparison", "write_sweep_figure"]


def comparison_figure(cmp: Comparison) -> Figure:
    """The comparison's relative differences as bars (see
    :func:`hubsim.present.experiment_plots.comparison_plot`). The caller closes it."""
    return comparison_plot(cmp.table, cmp.base, cmp.whatifs, cmp.seed, cmp.days)


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
    return sweep_plot(exp.kpi(kpi, scope, key), exp.parameters, kpi)


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
