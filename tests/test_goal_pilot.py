"""The goal search's pilot: it stops, naming what binds, when the target's KPI does not respond
to the varied field, and spends only the pilot's runs.

Known answers on ``tests/scenarios/crane_bound.yaml``: with 2 cranes the hub hands on at most
35,040 TEU/yr, so the 56,000 TEU/yr target is out of reach whatever the trains carry (the
cranes bind); with 8 cranes the network carries its whole 60,000 TEU/yr, so an 80,000 TEU/yr
target is out of reach whatever anything else does (demand binds).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import hubsim
from hubsim.experiments.goal import PILOT_FACTOR, _smallest, goal_seek

CRANE = Path(__file__).resolve().parent / "scenarios" / "crane_bound.yaml"
REPS, DAYS = 3, 10
#: the searches that go on past the pilot measure a little longer, to tell 3 cranes from 4
LONGER = 20


@pytest.fixture(scope="module")
def crane():
    return hubsim.load_scenario(CRANE)


def test_the_pilot_stops_when_the_kpi_does_not_respond(crane, tmp_path):
    """Four times the train's capacity leaves the channel TEU where it was: the search stops
    after the pilot's runs and names the cranes."""
    res = goal_seek(crane, "channel", "services.train.capacity_teu", 0.9, REPS, days=DAYS,
                    out=tmp_path / "goal")
    assert res.stopped and res.value is None
    p = res.pilot
    assert (p.low, p.high) == (40, 40 * PILOT_FACTOR)
    assert not p.responds and abs(p.diff) < p.material
    assert p.binding == "area:terminal:shared" and p.binding_why == "saturated"
    assert not p.keeps_up and not p.demand_bound
    assert p.limiting[0] == "area:terminal:shared"
    assert p.varied == "service:train"
    assert p.varied_utilisation[1] < p.varied_utilisation[0] < 0.5
    assert res.simulated == 2 * REPS  # the pilot's runs, nothing more
    assert list(res.steps["phase"]) == ["current", "pilot"]
    steps = pd.read_csv(tmp_path / "goal" / "goal_steps.csv")
    assert list(steps["value"]) == [40, 160]
    meta = json.loads((tmp_path / "goal" / "goal.json").read_text())
    assert meta["stopped_after_pilot"] is True and meta["value"] is None
    assert meta["pilot"]["binding"] == "area:terminal:shared"


def test_demand_bound_target_is_called_so(crane):
    """With 8 cranes nothing is saturated and no queue grows: 80,000 TEU/yr is more than the
    demand, and the pilot says the KPI is bounded by demand."""
    roomy = hubsim.apply_changes(crane, {"hubs.terminal.equipment": 8,
                                         "targets.channel.threshold": 80000})
    res = goal_seek(roomy, "channel", "services.train.capacity_teu", 0.9, REPS, days=DAYS)
    assert res.stopped and res.simulated == 2 * REPS
    p = res.pilot
    assert p.keeps_up and p.demand_bound and p.binding_why == "busiest"
    assert p.limiting == () and p.held_back == 0
    assert p.mean_low < 62000 and p.gap > 18000


@pytest.mark.slow
def test_a_responding_kpi_goes_on_to_the_answer(crane):
    """More cranes do move the channel TEU: the pilot (2 and 8 cranes: from the cranes' 35,040
    to the whole 60,000 TEU/yr of demand) reports it and the search bisects between them to
    4 (ceil(56,000 / 17,520)), reusing the pilot's runs."""
    res = goal_seek(crane, "channel", "hubs.terminal.equipment", 0.9, REPS, days=LONGER)
    assert not res.stopped and res.value == 4
    assert res.pilot.responds and res.pilot.diff > 20000
    assert res.simulated == REPS * len(res.steps)
    assert set(res.steps["phase"]) == {"current", "pilot", "search"}


def test_cli_goal_stops_after_the_pilot_with_exit_1(tmp_path, capsys):
    from hubsim.cli.main import main

    code = main(["goal", str(CRANE), "--target", "channel_teu", "--vary",
                 "services.train.capacity_teu", "--replications", str(REPS), "--days",
                 str(DAYS), "--workers", "1", "--out", str(tmp_path / "g")])
    out = capsys.readouterr().out
    assert code == 1
    assert ("channel_teu does not respond to services.train.capacity_teu between 40 and 160"
            in out)
    assert "Binding instead: area:terminal:shared (saturated" in out
    assert f"Stopped after the pilot ({2 * REPS} runs)." in out


@pytest.mark.slow
def test_no_pilot_when_the_target_is_met_at_the_current_value(crane):
    met = hubsim.apply_changes(crane, {"hubs.terminal.equipment": 6})
    res = goal_seek(met, "channel", "hubs.terminal.equipment", 0.9, REPS, days=LONGER)
    assert res.pilot is None and res.value == 4


def test_smallest_uses_the_pilots_value():
    calls: list[int] = []

    def met_from(answer: int):
        def met(k: int) -> bool:
            calls.append(k)
            return k >= answer
        return met

    assert _smallest(met_from(5), 2, 100, k_up=8) == 5
    assert calls[:2] == [2, 8] and max(calls[2:]) < 8  # bisected inside [2, 8]
    calls.clear()
    assert _smallest(met_from(20), 2, 100, k_up=8) == 20
    assert calls[:3] == [2, 8, 14]  # stepped up from the pilot's value by its distance
    assert _smallest(met_from(200), 2, 100, k_up=8) is None
    assert _smallest(met_from(200), 2, 8, k_up=8) is None
