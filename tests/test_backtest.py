"""The back-test (experiments/backtest.py): the published figures' file, the fit on hand-made
figures, the historical scenarios carrying the fitted demand, the measures over months, and
(slow) the whole back-test on a short horizon and its command."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import hubsim
from hubsim.errors import ScenarioError
from hubsim.experiments import backtest as B

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "backtest.csv"
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"
DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@pytest.fixture(scope="module")
def actual_2022() -> hubsim.Scenario:
    return hubsim.load_scenario(ROOT / "scenarios" / "chongqing_2022_actual.yaml")


def test_the_published_figures_hold_a_real_back_test():
    figs = B.load_figures()
    held = figs[figs["role"] == "held_out"]
    assert len(held) >= 8 and set(held["year"]) == {2022, 2023}
    fit = figs[figs["role"] == "fit"]
    assert fit["year"].max() <= 2021 and set(fit["group"]) == set(B.GROUPS)
    assert (figs["source"].str.len() > 10).all()
    # a figure that sets an input is never a test
    assert {"three_gorges_2022", "laos_trains_2022"} <= set(figs.loc[figs["role"] == "input",
                                                                     "id"])


@pytest.mark.parametrize(("column", "value", "message"), [
    ("months", "3-1", "months: must be M or M-N"),
    ("role", "judged", "role: must be one of fit, held_out"),
    ("year", "2022", "year: a fit row must be 2021 or earlier"),
    ("measure", "tonnes", "measure: must be one of"),
    ("select", "port=guoyuan", "select: 'port=guoyuan': must be key=value"),
    ("source", " ", "source: must not be empty"),
])
def test_a_bad_row_names_the_file_the_row_and_the_field(tmp_path, column, value, message):
    t = pd.read_csv(DATA, dtype=str, keep_default_na=False)
    t.loc[0, column] = value
    bad = tmp_path / "backtest.csv"
    t.to_csv(bad, index=False)
    with pytest.raises(ScenarioError, match=message) as err:
        B.load_figures(bad)
    assert str(bad) in str(err.value) and "row 2 (cre_2019)" in str(err.value)


def _figures(rows: list[tuple]) -> pd.DataFrame:
    t = pd.DataFrame(rows, columns=["id", "year", "months", "published", "group"])
    t["role"] = "fit"
    return t


def test_the_fit_is_least_squares_on_the_logarithms(actual_2022):
    figs = _figures([("a", 2019, (1, 12), 100.0, "cre"), ("b", 2020, (1, 12), 110.0, "cre"),
                     ("c", 2021, (1, 12), 121.0, "cre"), ("d", 2020, (1, 12), 50.0, "south"),
                     ("e", 2021, (1, 12), 200.0, "south"), ("f", 2021, (1, 12), 7.0, "yangtze"),
                     ("g", 2021, (1, 12), 9.0, "air")])
    fits = B.fit_growth(figs, actual_2022)
    assert fits["cre"].growth == pytest.approx(0.10)
    assert fits["cre"].level == pytest.approx(121.0)
    assert fits["cre"].at(2023) == pytest.approx(121 * 1.1**2)
    assert fits["south"].growth == pytest.approx(3.0)  # 50 -> 200: x4
    assert fits["yangtze"].growth is None and fits["yangtze"].at(2023) == pytest.approx(7.0)


def test_a_partial_year_is_turned_into_a_year_by_the_profiles(actual_2022):
    # the land-sea corridor's rows all follow the 'cny' profile: January-November holds
    # sum(f x days, Jan-Nov) / sum(f x days) of the year
    cny = actual_2022.seasonality["cny"]
    share = sum(f * d for f, d in zip(cny[:11], DAYS[:11], strict=True)) / \
        sum(f * d for f, d in zip(cny, DAYS, strict=True))
    assert B.season_share(actual_2022, "south", (1, 11)) == pytest.approx(share)
    fits = B.fit_growth(B.load_figures(), actual_2022)
    assert dict(fits["south"].points)[2020] == pytest.approx(64013 / share)


@pytest.mark.parametrize("year", [2021, 2022, 2023])
def test_each_historical_scenario_carries_the_fitted_demand(year, actual_2022):
    fits = B.fit_growth(B.load_figures(), actual_2022)
    scn = hubsim.load_scenario(ROOT / "scenarios" / B.SCENARIOS[year])
    for group, fit in fits.items():
        assert B.group_volume(scn, group) == pytest.approx(fit.at(year), rel=2e-4), group
    _, factors = B.demand_changes(scn, fits, year)
    assert factors == pytest.approx(dict.fromkeys(fits, 1.0), rel=2e-4)


def test_scaling_puts_each_group_at_its_fitted_volume():
    plan = hubsim.load_scenario(ROOT / "scenarios" / "chongqing_2022_target.yaml")
    fits = B.fit_growth(B.load_figures(), plan)
    changes, factors = B.demand_changes(plan, fits, 2023)
    scaled = hubsim.apply_changes(plan, changes)
    for group, fit in fits.items():
        assert B.group_volume(scaled, group) == pytest.approx(fit.at(2023), rel=1e-5)
    # the south: the plan's 148k on the Qinzhou trains plus 16k by the Laos railway and road
    # (a double count) becomes the fitted volume of all three modes together
    assert B.group_volume(plan, "south") == pytest.approx(164_000)
    assert factors["south"] == pytest.approx(fits["south"].at(2023) / 164_000)


def test_a_measure_counts_its_months_of_the_simulated_year():
    res = hubsim.simulate(hubsim.load_scenario(TINY), days=59)  # 1 January - 28 February
    start = res.window.start_h
    jan = (start, start + 31 * 24)
    row = {"measure": "crossing_teu", "select": {"corridor": ["west"]}, "months": (1, 1)}
    c = res.crossings
    hand = c.loc[(c["t_h"] >= jan[0]) & (c["t_h"] < jan[1]) & (c["corridor"] == "west"),
                 "teu"].sum()
    assert B.measure(res, row) == pytest.approx(hand) and hand > 0
    ev = res.events
    lifts = ev[(ev["t_h"] >= jan[0]) & (ev["t_h"] < jan[1]) & (ev["node"] == "port")
               & ev["event"].isin(["lift_on", "lift_off"])]
    area = {"measure": "area_lifts", "select": {"area": ["port:water"]}, "months": (1, 1)}
    water = lifts["link"].map(res.links["mode"]).astype(str) == "water"
    assert B.measure(res, area) == pytest.approx(lifts.loc[water.to_numpy(), "teu"].sum())
    trains = {"measure": "cre_trains", "select": {}, "months": (1, 2)}
    assert B.measure(res, trains) == pytest.approx(
        B.measure(res, {**row, "months": (1, 2)}) / 82)
    assert math.isnan(B.measure(res, {**row, "months": (1, 3)}))  # past the run's end


@pytest.mark.slow
def test_the_back_test_on_a_short_horizon(tmp_path):
    """One quarter of 2022 and 2023, 2 runs each, through the command as a user runs it: the
    Q1 figures are compared, each gap beyond 15% carries its reason, the files are written."""
    out, doc = tmp_path / "bt", tmp_path / "backtest.md"
    proc = subprocess.run([sys.executable, "-m", "hubsim", "backtest", "--replications", "2",
                           "--years", "2022,2023", "--days", "91", "--workers", "1", "--out",
                           str(out), "--doc", str(doc)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=900)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "backtest.csv")
    q1 = table.set_index("id")
    assert {"guoyuan_q1_2022", "trucks_q1_2023", "trucks_teu_q1_2023"} <= set(q1.index)
    assert (q1.loc[q1["role"] == "held_out", "n"] == 2).all()
    assert q1["explained"].all()
    assert q1.loc["guoyuan_q1_2022", "error_pct"] < -15  # growth held at zero: explained
    assert q1.loc["guoyuan_q1_2022", "role"] == "context"  # its gap is set by construction
    assert "Held-out figures: 2" in proc.stdout and "UNEXPLAINED" not in proc.stdout
    assert "Gaps beyond +-15%: 0; unexplained: 0." in proc.stdout
    assert doc.read_text().startswith("# Back-test")
    assert (out / "fit.csv").is_file() and (out / "factors.csv").is_file()
