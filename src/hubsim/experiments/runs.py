"""Formerly replications, sweeps and the sweep figure; only the re-export of ``t_quantile``
is left (the sweep figure is :func:`hubsim.present.experiment_plots.sweep_plot`).

Replications and sweeps are in :mod:`hubsim.experiments.replicate`, points, seeds and ``--set``
in :mod:`hubsim.experiments.params`, runs and the results folder in
:mod:`hubsim.experiments.store`, the statistics in :mod:`hubsim.analysis.stats`.
"""

from __future__ import annotations

from hubsim.analysis.stats import t_quantile  # re-exported until compare.py imports it itself

__all__ = ["t_quantile"]
