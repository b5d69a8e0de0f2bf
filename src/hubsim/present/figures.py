"""Figures of one run by name, for the Python API: ``hubsim.figure(res, "network_map.png")``.

The same figures, under the same names, that a results folder holds
(:data:`hubsim.present.output.FIGURES`); each is a matplotlib ``Figure`` the caller shows,
saves or closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt

from hubsim.errors import HubsimError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from hubsim.api import Results

__all__ = ["figure", "figure_names"]


def figure_names() -> list[str]:
    """The names of a run's standard figures, in the report's order."""
    from hubsim.present.output import FIGURES

    return list(FIGURES)


def figure(results: Results, name: str) -> Figure:
    """The standard figure ``name`` of ``results`` (a file name of :func:`figure_names`,
    with or without ``.png``); :class:`~hubsim.errors.HubsimError` naming the figures for
    another name."""
    from hubsim.present.output import figures

    key = name if name.endswith(".png") else f"{name}.png"
    if key not in figure_names():
        raise HubsimError(f"no figure {name!r}; the figures are: "
                          f"{', '.join(n.removesuffix('.png') for n in figure_names())}")
    out = figures(results)
    for other, fig in out.items():
        if other != key:
            plt.close(fig)
    return out[key]
