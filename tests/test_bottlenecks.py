"""Where it jams: the bottleneck ranking names the resource and the flow that bind.

Small networks built to bind in one known place: a train too small for its demand (the
queue for it must grow at the demand rate minus the train's capacity), a terminal whose
cranes are too slow (tests/scenarios/crane_bound.yaml), and the same network with room
everywhere. Each runs a few simulated weeks in well under a second.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import hubsim
from hubsim.analysis.bottlenecks import BOTTLENECK_COLUMNS, fifo_waits, queue_stats, wait_growth
from hubsim.analysis.kpis import Window
from hubsim.present.output import write_results
from hubsim.present.report import render_report
from hubsim.present.tables import run_text

TESTS = Path(__file__).resolve().parent

TRAIN_PER_DAY = 40.0  # TEU: one 40-TEU train a day
SOUTH_TEU_PER_YEAR = 20000.0  # 54.8 TEU/day offered to it: 14.8 TEU/day more than it takes

#: A zone, a terminal with ample cranes and yard, and two gateways: park -> south goes by truck
#: to the terminal and on by a daily train; park -> east by truck straight to the gateway (no
#: hub, no timetable: nothing to wait for). Fixed times and batch sizes keep the noise to the
#: Poisson arrivals.
NETWORK: dict[str, Any] = {
    "name": "train_bound",
    "run": {"horizon_days": 35, "warmup_days": 5, "seed": 5},
    "hubs": {"terminal": {"lat": 29.6, "lon": 106.4, "equipment": 6, "moves_per_hour": 30,
                          "yard_teu": 50000, "dwell_h": 2}},
    "zones": {"park": {"lat": 29.5, "lon": 106.3}},
    "gateways": {"south": {"lat": 21.7, "lon": 108.6, "corridor": "south"},
                 "east": {"lat": 31.2, "lon": 121.5, "corridor": "east"}},
    "links": [
        {"from": "park", "to": "terminal", "mode": "road", "distance_km": 20,
         "speed_kmh": 40, "co2_g_per_tkm": 90, "cost_usd_per_teu": 50},
        {"from": "terminal", "to": "south", "mode": "rail", "distance_km": 1000,
         "transit_h": 24, "co2_g_per_tkm": 20, "cost_usd_per_teu": 500},
        {"from": "park", "to": "east", "mode": "road", "distance_km": 600, "speed_kmh": 50,
         "co2_g_per_tkm": 90, "cost_usd_per_teu": 900},
    ],
    "services": [
        {"id": "truck", "from": "park", "to": "terminal", "mode": "road", "capacity_teu": 2,
         "on_demand": True},
        {"id": "train", "from": "terminal", "to": "south", "mode": "rail",
         "capacity_teu": TRAIN_PER_DAY, "headway_h": 24},
        {"id": "haul", "from": "park", "to": "east", "mode": "road", "capacity_teu": 2,
         "on_demand": True},
    ],
    "demand": [
        {"origin": "park", "destination": "south", "teu_per_year": SOUTH_TEU_PER_YEAR,
         "tonnes_per_year": 200000, "batch_mean": 2, "batch_dist": "fixed"},
        {"origin": "park", "destination": "east", "teu_per_year": 3000,
         "tonnes_per_year": 30000, "batch_mean": 2, "batch_dist": "fixed"},
    ],
    "targets": [{"id": "channel", "kpi": "channel_teu", "threshold": 20000}],
}


def network(**changes: Any) -> dict[str, Any]:
    """:data:`NETWORK` with the train's capacity or other services changed."""
    data = copy.deepcopy(NETWORK)
    for key, value in changes.items():
        if key == "train_teu":
            data["services"][1]["capacity_teu"] = value
        else:
            data[key] = value
    return data


@pytest.fixture(scope="module")
def train_bound():
    from hubsim.scenario.build import build_scenario

    return hubsim.simulate(build_scenario(network()))


def test_a_train_too_small_for_its_demand_ranks_first_with_the_excess_as_queue_growth(
        train_bound):
    b = train_bound.bottlenecks
    assert list(b.columns) == BOTTLENECK_COLUMNS
    res = b[b["kind"] == "resource"].set_index("name")
    top = b[b["kind"] == "resource"].iloc[0]
    assert (top["type"], top["name"], top["rank"]) == ("service", "train:terminal>south", 1)
    assert bool(top["growing"])
    offered = SOUTH_TEU_PER_YEAR / 365.0
    excess = offered - TRAIN_PER_DAY  # 14.8 TEU/day the train cannot take
    assert top["queue_growth_teu_per_day"] == pytest.approx(excess, rel=0.2)
    assert top["utilisation"] == pytest.approx(1.0, abs=0.04)
    assert top["backlog_end"] > 10 * excess  # weeks of excess waiting at the end
    # nothing else grows: the terminal's cranes and yard and the trucks keep up
    assert not res.drop(index="train:terminal>south")["growing"].any()
    flows = b[b["kind"] == "flow"]
    assert flows.iloc[0]["name"] == "park>south:container"
    assert flows.iloc[0]["late_share"] > 0.5
    assert flows.iloc[0]["queue_growth_teu_per_day"] == pytest.approx(excess, rel=0.25)


def test_a_flow_that_never_waits_is_never_late(train_bound):
    b = train_bound.bottlenecks.set_index("name")
    east = b.loc["park>east:container"]
    assert east["late_share"] == pytest.approx(0.0, abs=1e-9)
    assert east["wait_mean_h"] == pytest.approx(0.0, abs=1e-6)
    assert east["rank"] == 2  # after the flow that waits
    k = train_bound.kpis.set_index(["kpi", "scope", "key"])["value"]
    assert k[("flow_on_time_share", "flow", "park>east:container")] == 1.0
    # its expected time is its transit (no hub, no timetable) and every load took exactly it
    assert k[("flow_expected_h", "flow", "park>east:container")] == pytest.approx(12.0)
    assert k[("flow_door_to_door_p95_h", "flow", "park>east:container")] == \
        pytest.approx(12.0)


def test_the_service_backlog_kpi_is_the_rankings_queue_at_the_end(train_bound):
    b = train_bound.bottlenecks.set_index("name")
    k = train_bound.kpis.set_index(["kpi", "scope", "key"])["value"]
    key = "train:terminal>south"
    assert k[("service_backlog_end", "service_direction", key)] == \
        pytest.approx(b.loc[key, "backlog_end"])
    assert k[("direction_load_factor", "service_direction", key)] == pytest.approx(1.0)
    # the queue at the end is what is ready at the terminal and not yet on a train: the
    # flow's load in the system minus what is on trucks, in the dwell or on trains
    assert b.loc[key, "backlog_end"] <= k[("flow_backlog_end", "flow", "park>south:container")]


def test_slow_cranes_rank_the_hub_area_first():
    res = hubsim.simulate(hubsim.load_scenario(TESTS / "scenarios" / "crane_bound.yaml"),
                          days=20)
    b = res.bottlenecks
    top = b[b["kind"] == "resource"].iloc[0]
    assert (top["type"], top["name"]) == ("area", "terminal:shared")
    assert top["utilisation"] > 0.95 and bool(top["growing"])
    assert top["wait_mean_h"] > 24
    train = b.set_index("name").loc["train:terminal>south"]
    assert train["utilisation"] < 0.5  # the trains have room: the cranes decide
    assert train["rank"] > 1


def test_with_room_everywhere_nothing_grows(make_scenario):
    res = hubsim.simulate(make_scenario(network(train_teu=100)))
    b = res.bottlenecks
    assert not b["growing"].any()
    assert b.loc[b["name"] == "park>south:container", "late_share"].iloc[0] < 0.05


def test_queue_stats_growth_mean_and_end():
    w = Window(0.0, 96.0)
    # +5 at noon each day: sampled at the day ends 0, 5, 10, 15, 20; 10 on average
    growth, mean, end = queue_stats(np.array([12.0, 36.0, 60.0, 84.0]), np.full(4, 5.0), w)
    assert (growth, mean, end) == (pytest.approx(5.0), pytest.approx(10.0), 20.0)
    # changes before the window set its starting level; none inside: flat
    growth, mean, end = queue_stats(np.array([-10.0]), np.array([7.0]), w)
    assert (growth, mean, end) == (0.0, 7.0, 7.0)
    assert queue_stats(np.zeros(0), np.zeros(0), w) == (0.0, 0.0, 0.0)


def test_growth_from_waits_needs_only_the_loads_that_left():
    w = Window(0.0, 240.0)
    # one TEU a day joins a queue served every other day: waits grow 12 h a day, so a queue
    # of (1 TEU/day / 24) x wait grows 0.5 TEU a day
    join = np.arange(0.0, 240.0, 24.0)
    assert wait_growth(join, join / 2.0, np.ones(10), 1.0, w) == pytest.approx(0.5)
    # the last loads, still waiting at the end, missing from the records: the same slope
    assert wait_growth(join[:6], join[:6] / 2.0, np.ones(6), 1.0, w) == pytest.approx(0.5)
    # FIFO waits from the arrivals and departures alone
    t_join, wait, size = fifo_waits(np.array([0.0, 10.0]), np.array([3.0, 1.0]),
                                    np.array([5.0, 20.0]), np.array([2.0, 2.0]))
    assert t_join.tolist() == [0.0, 0.0, 0.0, 10.0]
    assert wait.tolist() == [5.0, 5.0, 20.0, 10.0] and size.tolist() == [1.0] * 4


@pytest.fixture(scope="module")
def folder(train_bound, tmp_path_factory):
    """The train-bound run's results folder, without its figures (they take seconds and are
    tested in tests/test_plots.py and tests/test_report.py)."""
    import hubsim.present.output as output

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(output, "_write_plots", lambda results, folder: None)
        return write_results(train_bound, tmp_path_factory.mktemp("jam") / "out")


def test_results_folder_console_and_report_show_where_it_jams(train_bound, folder):
    table = pd.read_csv(folder / "bottlenecks.csv")
    assert list(table.columns) == BOTTLENECK_COLUMNS
    assert table.iloc[0]["name"] == "train:terminal>south"
    text = run_text(train_bound)
    jams = text.index("Where it jams")
    assert text.index("Targets") < jams < text.index("By hub")
    assert "service train:terminal>south" in text[jams:text.index("By hub")]
    assert "park>south:container" in text[jams:text.index("By hub")]
    page = render_report(folder, train_bound.scenario)
    assert page.index('id="verdict"') < page.index('id="jams"') < page.index("Key figures")
    assert "train:terminal&gt;south" in page and 'id="flows"' in page


def test_the_report_puts_the_verdict_over_replications_first(train_bound, folder, tmp_path):
    from hubsim.present.verdict import verdict_headline

    for name in ("manifest.json", "targets.csv", "kpis.csv", "bottlenecks.csv"):
        shutil.copy(folder / name, tmp_path / name)
    verdict = pd.DataFrame([{
        "target": "channel", "kpi": "channel_teu", "sense": ">=", "threshold": 20000.0,
        "replications": 4, "mean": 14000.0, "sd": 500.0, "ci_low": 13000.0,
        "ci_high": 15000.0, "p_met": 0.01, "met_runs": 0, "p_runs_low": 0.0,
        "p_runs_high": 0.5, "verdict": "NOT MET", "draw": 14100.0, "offered": 20000.0,
        "carried_share": 0.7, "decided_by": "capacity", "window_days": 30.0,
        "season_factor": 1.0, "window_mean": 14000.0}])
    verdict.to_csv(tmp_path / "verdict.csv", index=False)
    page = render_report(tmp_path, train_bound.scenario)
    head = verdict_headline(verdict)
    assert head in page
    assert page.index(head) < page.index('id="jams"')
    assert "VERDICT: " not in page  # the single draw's headline is replaced
