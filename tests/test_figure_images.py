"""Figure regressions fail a test: every standard figure, drawn from small fixed tables, is
compared pixel by pixel with its reviewed image in ``tests/baseline/``.

The comparison is matplotlib's own (:func:`matplotlib.testing.compare.compare_images`: RMS of
the pixel differences, here at most ``TOL``), with matplotlib's test font settings (DejaVu Sans,
which ships with matplotlib, hinting fixed) so the images do not depend on the fonts of the
machine. A failed comparison leaves the new image and a diff image beside it in pytest's
temporary folder and names them. After a deliberate change to a figure, regenerate the
baselines, look at every changed PNG, and commit them with the change::

    HUBSIM_UPDATE_BASELINES=1 python -m pytest tests/test_figure_images.py
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.testing import set_font_settings_for_testing, set_reproducibility_for_testing
from matplotlib.testing.compare import compare_images
from test_plots import CONSIGNMENTS, EVENTS, LINKS, NODES, WINDOW

from hubsim.analysis import series as S
from hubsim.present import experiment_plots, mapplot, plots

BASELINE = Path(__file__).parent / "baseline"
TOL = 3.0  # RMS of pixel differences (0-255) a figure may move before the test fails
DPI = 60


@pytest.fixture(autouse=True)
def _fixed_style() -> Iterator[None]:
    with mpl.rc_context():
        mpl.style.use("default")
        set_font_settings_for_testing()
        set_reproducibility_for_testing()
        yield
    plt.close("all")


def _kpis() -> pd.DataFrame:
    return pd.DataFrame({
        "kpi": ["channel_teu"] * 3 + ["international_tonnes"] * 4, "scope": "mode",
        "key": ["rail", "water", "road", "air", "rail", "water", "road"],
        "value": [575e3, 1.43e6, 8.53e3, 226e3, 4.95e6, 7.51e6, 68.2e3],
        "unit": ["TEU/yr"] * 3 + ["t/yr"] * 4})


def _daily() -> pd.DataFrame:
    days = np.arange(60)
    rate = 5000.0 * (1 + 0.3 * np.sin(days / 9.0))
    return pd.DataFrame({"day": days, "cumulative_teu": np.cumsum(rate),
                         "cumulative_intl_tonnes": np.cumsum(rate * 6.0)})


def _profile() -> pd.DataFrame:
    share = np.where(np.arange(60) < 31, 0.9, 0.75) / 365.0
    return pd.DataFrame({"day": np.arange(60), "channel_teu": share,
                         "international_tonnes": share})


def _transit() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({
        "corridor": ["west"] * 200 + ["south"] * 200 + ["east"] * 200,
        "days": np.concatenate([rng.lognormal(2.9, 0.15, 200),
                                np.append(rng.lognormal(1.3, 0.3, 195), [40, 55, 60, 70, 80]),
                                rng.lognormal(2.4, 0.2, 200)])})


def _weekly() -> pd.DataFrame:
    w = S.weekly_hub_table(EVENTS, NODES, WINDOW)
    return w.assign(wait_h=np.where(w["hub"] == "port", 0.006, 0.4))


def _directions() -> pd.DataFrame:
    return pd.DataFrame({
        "link": ["rail-west:rail", "rail-west:rail", "port-east:water", "port-east:water"],
        "direction": ["out", "in", "out", "in"],
        "teu_per_year": [216000.0, 25400.0, 104.0, 0.0], "air_t_per_year": [0.0] * 4,
        "load_factor": [1.0, 0.34, np.nan, np.nan]})


def _comparison() -> Figure:
    table = pd.DataFrame({
        "kpi": ["channel_teu", "channel_teu", "equipment_utilisation", "equipment_utilisation"],
        "scope": ["target", "total", "hub", "hub"], "key": ["channel_2m_teu", "", "rail", "port"],
        "unit": ["TEU/yr", "TEU/yr", "fraction", "fraction"],
        "base": [1.0, 1.0, 0.5, 0.4], "more": [1.1, 1.1, 0.55, 0.38],
        "more rel": [0.1, 0.1, 0.1, -0.05]})
    return experiment_plots.comparison_plot(table, "base", ["more"], 7, 30.0)


def _sweep() -> Figure:
    summary = pd.DataFrame({
        "services.barge.per_week": ["x0.8", "x1", "x1.2"] * 2,
        "hubs.port.areas.water.equipment": [4, 4, 4, 8, 8, 8],
        "mean": [1.7e6, 1.9e6, 2.05e6, 1.7e6, 1.92e6, 2.1e6],
        "ci_low": [1.65e6, 1.85e6, 2.0e6, 1.66e6, 1.88e6, 2.04e6],
        "ci_high": [1.75e6, 1.95e6, 2.1e6, 1.74e6, 1.96e6, 2.16e6], "unit": "TEU/yr"})
    return experiment_plots.sweep_plot(
        summary, ["services.barge.per_week", "hubs.port.areas.water.equipment"],
        "channel_teu", 2e6)


FIGURES: dict[str, Callable[[], Figure]] = {
    "network_map": lambda: mapplot.network_map(NODES, S.link_flows(EVENTS, LINKS, WINDOW),
                                               "demo", _directions()),
    "throughput_vs_target": lambda: plots.throughput_vs_target(
        _daily(), {"channel_teu": 2e6, "international_tonnes": 12e6}, "demo", 1, _profile()),
    "hub_utilisation": lambda: plots.hub_utilisation(
        S.weekly_hub_table(EVENTS, NODES, WINDOW), S.yard_daily(EVENTS, NODES, WINDOW), NODES,
        "demo"),
    "hub_heatmap": lambda: plots.hub_heatmap(_weekly(), NODES, "demo", days=10.0),
    "transit_times": lambda: plots.transit_times(_transit(), "demo"),
    "mode_split": lambda: plots.mode_split(_kpis(), "demo"),
    "corridor_cost_co2": lambda: plots.corridor_cost_co2(
        S.corridor_cost_co2(EVENTS, CONSIGNMENTS, LINKS, WINDOW), "demo"),
    # the results folder's version: CO2e per ISO 14083 (hubsim.analysis.emissions.with_co2e)
    "corridor_cost_co2e": lambda: plots.corridor_cost_co2(
        S.corridor_cost_co2(EVENTS, CONSIGNMENTS, LINKS, WINDOW)
        .pipe(lambda t: t.assign(co2e_kg_per_teu=t["co2_t_per_teu"] * 1e3 * 1.4)), "demo"),
    "comparison": _comparison,
    "sweep": _sweep,
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_matches_its_baseline(name: str, tmp_path: Path) -> None:
    fig = FIGURES[name]()
    actual = tmp_path / f"{name}.png"
    fig.savefig(actual, dpi=DPI)
    expected = BASELINE / f"{name}.png"
    if os.environ.get("HUBSIM_UPDATE_BASELINES"):
        shutil.copyfile(actual, expected)
    assert expected.exists(), f"no baseline {expected}: run with HUBSIM_UPDATE_BASELINES=1"
    diff = compare_images(str(expected), str(actual), tol=TOL)
    assert diff is None, diff


def test_a_changed_figure_fails_the_comparison(tmp_path: Path) -> None:
    # the check has teeth: the mode split with one bar changed does not pass
    kpis = _kpis()
    kpis.loc[kpis["key"] == "road", "value"] *= 40
    plots.mode_split(kpis, "demo").savefig(tmp_path / "mode_split.png", dpi=DPI)
    diff = compare_images(str(BASELINE / "mode_split.png"), str(tmp_path / "mode_split.png"),
                          tol=TOL)
    assert diff is not None
