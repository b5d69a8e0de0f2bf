"""The what-if files built on disruptions and growth move their KPIs in the expected direction
(short runs of the real scenarios, one common seed, so each comparison is paired)."""

from __future__ import annotations

from pathlib import Path

import pytest

import hubsim
from hubsim.scenario.loader import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SEED = 7
DAYS = 95  # 1 January to 5 April: March and the low-water months are inside


def run(name: str, days: float = DAYS) -> hubsim.Results:
    return hubsim.simulate(load_scenario(SCENARIOS / f"{name}.yaml"), seed=SEED, days=days)


@pytest.fixture(scope="module")
def base() -> hubsim.Results:
    return run("chongqing_2022_target")


def test_low_water_year_costs_the_east_corridor(base):
    low = run("whatif_low_water_year")
    east = ("channel_teu", "corridor", "east")
    assert low.kpi(*east) < 0.95 * base.kpi(*east)
    assert low.kpi("backlog_end_teu") > base.kpi("backlog_end_teu") + 20_000
    assert low.kpi("hub_dwell_mean_h", "hub", "guoyuan") > \
        base.kpi("hub_dwell_mean_h", "hub", "guoyuan")
    barge = low.trips[low.trips["service"] == "barge_shanghai"]
    assert barge["load"].max() <= 0.65 * 300 + 1e-6
    # the other corridors are untouched
    west = ("channel_teu", "corridor", "west")
    assert low.kpi(*west) == pytest.approx(base.kpi(*west), rel=0.03)


def test_cre_month_closure_cancels_trains_and_costs_the_west(base):
    cut = run("whatif_cre_disruption_month")
    ev = cut.events
    cancelled = ev[ev["event"] == "cancelled"]
    assert set(cancelled["service"].astype(str)) == {"cre_duisburg"}
    # 25 trains a week each way for 31 days, minus slots that found no train at the end
    assert 150 <= len(cancelled) <= 2 * 25 * 31 / 7 + 2
    t0, t1 = cut.window.start_h + 59 * 24, cut.window.start_h + 90 * 24
    assert cancelled["t_h"].between(t0, t1).all()
    held = ev[(ev["event"] == "held") & (ev["link"] == "tuanjie-duisburg:rail")]
    assert len(held) > 0 and (held["t_h"] + held["wait_h"]).max() <= t1 + 1e-3
    west = ("channel_teu", "corridor", "west")
    assert cut.kpi(*west) < 0.9 * base.kpi(*west)
    assert cut.kpi("backlog_end_teu") > base.kpi("backlog_end_teu")
    east = ("channel_teu", "corridor", "east")
    assert cut.kpi(*east) == pytest.approx(base.kpi(*east), rel=0.03)


def test_faster_customs_shortens_stays_not_volumes(base):
    fast = run("whatif_faster_customs")
    for hub in ("tuanjie", "guoyuan"):
        assert fast.kpi("hub_dwell_mean_h", "hub", hub) < \
            base.kpi("hub_dwell_mean_h", "hub", hub)
    assert fast.kpi("door_to_door_mean_h", "corridor", "west") < \
        base.kpi("door_to_door_mean_h", "corridor", "west")
    assert fast.kpi("channel_teu") >= 0.98 * base.kpi("channel_teu")


def test_ramp_grows_demand_and_adds_capacity_on_1_january_2020():
    # the first 400 measured days: all of 2019 and 35 days of 2020
    res = run("ramp_2019_2022", days=400)
    start = res.window.start_h
    new_year = start + 365 * 24
    trips = res.trips[res.trips["service"] == "cre_duisburg"]
    week = lambda a: ((trips["scheduled_h"] >= a) & (trips["scheduled_h"] < a + 168)).sum()  # noqa: E731
    # per week and direction: 13 in 2019, 19 from 2020 (both directions: 26 -> 38)
    assert week(new_year - 4 * 168) == pytest.approx(26, abs=2)
    # the 30 trains added on 1 January start at Tuanjie: the Duisburg end fills its new slots
    # once they have run there (33-34 a week in the first two weeks, every slot by the fourth)
    assert week(new_year + 4 * 168) == pytest.approx(38, abs=2)
    gen = res.events[res.events["event"] == "generated"]
    jan = lambda a: gen.loc[gen["t_h"].between(a, a + 31 * 24), "teu"].sum()  # noqa: E731
    # each row grows at its own rate: January's TEU grow by their January-weighted mean
    scn = res.scenario
    jan_teu = [(d.teu_per_year * scn.monthly_factors(d)[0], d.growth_per_year or 0.0)
               for d in scn.demand]
    grown = sum(v * (1 + g) for v, g in jan_teu) / sum(v for v, _ in jan_teu)
    assert 1.25 < grown < 1.4
    assert jan(new_year) / jan(start) == pytest.approx(grown, rel=0.1)
    by_year = res.targets_by_year
    assert set(by_year["year"]) == {2019, 2020}
    assert not by_year.loc[by_year["year"] == 2019, "met"].any()


@pytest.mark.slow
def test_lock_and_cre_closure_holds_vehicles_and_a_depot_shortens_the_waits():
    days = 260  # past the August lock closure (days 212-226) and some of the recovery
    base = run("chongqing_2022_target", days)
    shut = run("whatif_lock_cre_closure", days)
    depot = run("whatif_lock_cre_closure_depot", days)
    # the plan itself never waits for yard room; the closures hold vehicles and trucks instead
    # of storing beyond the yards (nothing goes to a depot where there is none)
    for hub in ("guoyuan", "tuanjie"):
        assert base.kpi("yard_wait_teu", "hub", hub) == 0.0
        assert shut.kpi("yard_wait_teu", "hub", hub) > 10_000
        assert shut.kpi("yard_wait_mean_h", "hub", hub) > 24.0
        assert shut.kpi("depot_teu", "hub", hub) == 0.0
    # no lockage starts while the lock is closed, and barges queue for it
    lp = shut.lock_passages
    start, end = shut.window.start_h + 212 * 24, shut.window.start_h + 226 * 24
    assert not lp["enter_h"].between(start + 1e-6, end - 1e-6).any()
    assert shut.kpi("lock_wait_mean_h", "link", "guoyuan-shanghai:water") > \
        5 * base.kpi("lock_wait_mean_h", "link", "guoyuan-shanghai:water")
    # the backlog the closures leave behind is still there at the end of the window
    from hubsim.analysis.series import backlog_daily
    extra = (backlog_daily(shut.events, shut.window)["backlog_teu"]
             - backlog_daily(base.events, base.window)["backlog_teu"])
    assert extra.iloc[230] > 30_000 and extra.iloc[-1] > 0
    # the depots take what the yards cannot hold, at their cost, and the waits shorten
    stored = depot.kpi("depot_teu", "hub", "guoyuan")
    assert stored > 10_000
    assert depot.kpi("depot_cost_usd", "hub", "guoyuan") == pytest.approx(60.0 * stored)
    assert depot.kpi("yard_wait_mean_h", "hub", "guoyuan") < \
        shut.kpi("yard_wait_mean_h", "hub", "guoyuan")
