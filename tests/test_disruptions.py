"""Disruptions, growth and investments: checked on load, exact in deterministic cases, effects in
the expected direction, and nothing lost when links close with containers on the way."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_conservation import networks

import hubsim
from hubsim.analysis.kpis import conservation
from hubsim.analysis.yearly import first_year_met
from hubsim.errors import HubsimWarning
from hubsim.scenario.disruptions import windows_h
from hubsim.scenario.loader import ScenarioError, build_scenario, load_scenario

WARMUP_H = 24.0


def line_dict(**extra) -> dict:
    """Hub a -> gateway g by water, fixed 100-h transit, consignments of 10 TEU (Poisson, ten
    a day), a barge a day at 12:00 (day 0 = the end of the one-day warm-up)."""
    data = {
        "name": "line",
        "run": {"horizon_days": 30, "warmup_days": 1, "seed": 1},
        "hubs": {"a": {"lat": 0, "lon": 0, "equipment": 2, "moves_per_hour": 100,
                       "yard_teu": 1e5}},
        "gateways": {"g": {"lat": 0, "lon": 1, "corridor": "east"}},
        "links": [{"from": "a", "to": "g", "mode": "water", "distance_km": 1000,
                   "transit_h": 100, "co2_g_per_tkm": 39}],
        "services": [{"id": "barge", "from": "a", "to": "g", "mode": "water",
                      "capacity_teu": 1000, "headway_h": 24, "first_departure_h": 12,
                      "bidirectional": False}],
        "demand": [{"origin": "a", "destination": "g", "teu_per_year": 36500,
                    "batch_dist": "fixed", "batch_mean": 10}],
    }
    data.update(extra)
    return data


def day_h(day: float) -> float:
    return WARMUP_H + 24.0 * day


# ------------------------------------------------------------------ input checks
@pytest.mark.parametrize(("entry", "where", "says"), [
    ({"kind": "link_outage", "start_day": 1, "end_day": 2, "link": ["a", "nowhere"]},
     "disruptions[0].link", "no link joins 'a' and 'nowhere'"),
    ({"kind": "hub_capacity", "start_day": 1, "end_day": 2, "hub": "x", "factor": 0.5},
     "disruptions[0].hub", "unknown hub 'x'"),
    ({"kind": "lock_wait", "start_day": 1, "end_day": 2, "link": ["a", "g"], "hold_h": 5},
     "disruptions[0].link", "has no lock"),
    ({"kind": "link_outage", "start_day": 1, "end_day": 2, "link": ["a", "g"], "mode": "rail"},
     "disruptions[0].mode", "no rail link joins"),
    ({"kind": "demand_shock", "start_day": 1, "end_day": 2, "factor": 2, "origin": "zz"},
     "disruptions[0].origin", "unknown node 'zz'"),
    ({"kind": "low_water", "start_day": 5, "end_day": 5, "link": ["a", "g"], "factor": 0.5},
     "disruptions[0]", "end_day (5) must be after start_day (5)"),
    ({"kind": "low_water", "start_day": 1, "end_day": 2, "link": ["a", "g"], "factor": 1.5},
     "disruptions[0]", "must be <= 1"),
    ({"kind": "hub_capacity", "start_day": 1, "end_day": 2, "hub": "a"},
     "disruptions[0]", "needs factor"),
    ({"kind": "link_outage", "start_day": 1, "end_day": 2, "link": ["a", "g"], "hub": "a"},
     "disruptions[0]", "hub does not apply to a link_outage"),
    ({"kind": "clearance", "start_day": 1, "end_day": 90, "every_days": 30, "factor": 2},
     "disruptions[0]", "every_days (30) must be at least the window length"),
    ({"kind": "link_outage", "start_day": 1, "end_day": 2, "link": ["a", "g"], "kind2": 1},
     "disruptions[0].kind2", "unknown field"),
    ({"kind": "hub_capacity", "start_day": 1, "end_day": 2, "hub": "a", "factor": 0,
      "reroute": True}, "disruptions[0]", "reroute does not apply to a hub_capacity"),
])
def test_bad_disruptions_name_the_field(entry, where, says):
    with pytest.raises(ScenarioError) as err:
        build_scenario(line_dict(disruptions=[entry]), source="s.yaml")
    msg = str(err.value)
    assert msg.startswith(f"s.yaml: {where}: "), msg
    assert says in msg, msg


@pytest.mark.parametrize(("entry", "where", "says"), [
    ({"from_day": 10, "hub": "nope", "add_equipment": 2}, "investments[0].hub",
     "unknown hub 'nope'"),
    ({"from_day": 10, "service": "ferry", "per_week": 9}, "investments[0].service",
     "unknown service 'ferry'"),
    ({"from_day": 10, "service": "barge", "add_fleet": 3}, "investments[0].add_fleet",
     "unlimited fleet"),
    ({"from_day": 10, "service": "barge"}, "investments[0]", "needs per_week or add_fleet"),
    ({"from_day": 10, "hub": "a", "per_week": 3}, "investments[0]",
     "a hub investment needs add_equipment"),
])
def test_bad_investments_name_the_field(entry, where, says):
    with pytest.raises(ScenarioError) as err:
        build_scenario(line_dict(investments=[entry]), source="s.yaml")
    msg = str(err.value)
    assert msg.startswith(f"s.yaml: {where}: "), msg
    assert says in msg, msg


def test_growth_rate_is_range_checked_with_its_unit():
    with pytest.raises(ScenarioError, match=r"s.yaml: growth.demand_per_year: .*\[fraction/yr\]"):
        build_scenario(line_dict(growth={"demand_per_year": -2}), source="s.yaml")


def test_overlay_file_with_an_unknown_link_names_the_overlay(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(line_dict()))
    over = tmp_path / "what_if.yaml"
    over.write_text("extends: base.yaml\nadd:\n  disruptions:\n"
                    "    - {kind: link_outage, start_day: 1, end_day: 3, link: [a, b]}\n")
    # (overlay paths are dotted: disruptions.0.link)
    with pytest.raises(ScenarioError, match=r"what_if.yaml: disruptions\.0\.link: no link"):
        load_scenario(over)


def test_windows_repeat_into_the_warm_up_and_are_clipped():
    # Nov-Apr every year over a 30-day warm-up and two measured years
    wins = windows_h(304, 485, 365, warmup_h=720, horizon_h=720 + 2 * 8760)
    assert wins == [(0.0, 720 + 24 * 120), (720 + 24 * 304, 720 + 24 * 485),
                    (720 + 24 * 669, 720 + 2 * 8760)]
    assert windows_h(400, 500, None, warmup_h=0, horizon_h=100) == []


# ------------------------------------------------------------------ exact, deterministic
def test_link_outage_cancels_departures_and_holds_vehicles_on_the_way(make_scenario):
    # closed from day 3.0 to day 5.75. The barge of day 2 (12:00) is on the way at 3.0: it
    # stops for 66 h. Departures of days 3, 4 and 5 are cancelled; the day-6 barge takes their
    # cargo (same seed: the same arrivals as without the outage).
    outage = {"kind": "link_outage", "start_day": 3, "end_day": 5.75, "link": ["g", "a"]}
    res = hubsim.simulate(make_scenario(line_dict(disruptions=[outage])))
    plain = hubsim.simulate(make_scenario(line_dict()))
    ev, trips = res.events, res.trips.set_index("scheduled_h")

    cancelled = ev[ev["event"] == "cancelled"]
    assert sorted(cancelled["t_h"]) == [day_h(d) + 12 for d in (3, 4, 5)]
    assert (cancelled["cid"] == -1).all() and (cancelled["service"] == "barge").all()
    assert not any(np.isclose(trips.index, day_h(d) + 12).any() for d in (3, 4, 5))

    on_way = trips.loc[day_h(2) + 12]
    assert on_way["arrive_h"] - on_way["depart_h"] == pytest.approx(100 + 66)
    held = ev[(ev["event"] == "held") & (ev["trip"] == on_way["trip"])]
    assert len(held) > 0
    assert np.allclose(held["t_h"], day_h(3)) and np.allclose(held["wait_h"], 66)
    assert held["teu"].sum() == pytest.approx(on_way["load"])
    # the first barge after the outage carries what the three cancelled ones would have
    after = trips.loc[day_h(6) + 12]
    usual = plain.trips.set_index("scheduled_h")["load"]
    assert after["load"] == pytest.approx(sum(usual.loc[day_h(d) + 12] for d in (3, 4, 5, 6)))
    assert cancelled["teu"].tolist() == pytest.approx(
        [usual.loc[day_h(3) + 12], usual.loc[[day_h(d) + 12 for d in (3, 4)]].sum(),
         usual.loc[[day_h(d) + 12 for d in (3, 4, 5)]].sum()])
    # nothing lost: the same TEU generated, and all delivered or still in the system
    for r in (res, plain):
        b = r.balance
        assert b["generated_teu"] == pytest.approx(b["delivered_teu"] + b["at_nodes_teu"]
                                                   + b["on_vehicles_teu"])
    assert res.balance["generated_teu"] == plain.balance["generated_teu"]


def test_trucks_wait_at_the_node_while_their_road_is_closed(make_scenario):
    data = line_dict(
        zones={"z": {"lat": 1, "lon": 0}},
        links=line_dict()["links"] + [{"from": "z", "to": "a", "mode": "road",
                                       "distance_km": 40, "transit_h": 2, "co2_g_per_tkm": 90}],
        services=line_dict()["services"] + [{"id": "truck", "from": "z", "to": "a",
                                             "mode": "road", "capacity_teu": 20,
                                             "on_demand": True}],
        demand=[{"origin": "z", "destination": "g", "teu_per_year": 3650,
                 "batch_dist": "fixed", "batch_mean": 10}],
        disruptions=[{"kind": "link_outage", "start_day": 2, "end_day": 4,
                      "link": ["z", "a"]}])
    res = hubsim.simulate(make_scenario(data))
    ev = res.events
    held = ev[ev["event"] == "held"]
    at_zone = held[held["trip"] == -1]  # (the others were on the road when it closed)
    assert len(at_zone) > 0 and (held["link"] == "z-a:road").all()
    # each waits exactly until the road reopens, at the zone or where it was on the road
    assert np.allclose(held["t_h"] + held["wait_h"], day_h(4))
    truck_departs = ev[(ev["event"] == "depart") & (ev["service"] == "truck")]["t_h"]
    assert not ((truck_departs >= day_h(2)) & (truck_departs < day_h(4))).any()
    assert (np.isclose(truck_departs, day_h(4))).sum() == at_zone["cid"].nunique()


def test_hub_closure_stops_handling_and_it_resumes_after(make_scenario):
    data = line_dict(disruptions=[{"kind": "hub_capacity", "start_day": 4, "end_day": 6,
                                   "hub": "a", "factor": 0}])
    res = hubsim.simulate(make_scenario(data))
    ev = res.events
    lifts = ev[ev["event"].isin(["lift_on", "lift_off"]) & (ev["node"] == "a")]
    # (loadings take 1-3 h from the 12:00 slots, so none is under way at the closure)
    assert len(lifts) > 0
    assert not ((lifts["t_h"] >= day_h(4)) & (lifts["t_h"] < day_h(6))).any()
    # the barges of days 4 and 5 wait for the equipment from their slot until the reopening
    waits = sorted(set(np.round(lifts.loc[lifts["wait_h"] > 0, "wait_h"], 3)))
    assert waits == [day_h(6) - (day_h(5) + 12), day_h(6) - (day_h(4) + 12)]


def test_clearance_slowdown_multiplies_clearance(make_scenario):
    data = line_dict(disruptions=[{"kind": "clearance", "start_day": 5, "end_day": 10,
                                   "factor": 3}])
    # imports from g clear customs at a (8 h, no dwell), then go on by rail to b
    data["hubs"]["a"]["clearance_h"] = 8
    data["hubs"]["b"] = {"lat": 1, "lon": 1, "equipment": 1, "moves_per_hour": 100,
                         "yard_teu": 1e5}
    data["links"].append({"from": "a", "to": "b", "mode": "rail", "distance_km": 10,
                          "transit_h": 1, "co2_g_per_tkm": 20})
    data["services"][0]["bidirectional"] = True
    data["services"].append({"id": "shuttle", "from": "a", "to": "b", "mode": "rail",
                             "capacity_teu": 1000, "headway_h": 6})
    data["demand"] = [{"origin": "g", "destination": "b", "teu_per_year": 3650,
                       "batch_dist": "fixed", "batch_mean": 10}]
    res = hubsim.simulate(make_scenario(data))
    ready = res.events[(res.events["event"] == "ready") & (res.events["node"] == "a")]
    start = ready["t_h"] - ready["dur_h"]  # when the clearance was drawn
    inside = (start >= day_h(5)) & (start < day_h(10))
    assert inside.any() and (~inside).any()
    assert np.allclose(ready.loc[inside, "dur_h"], 24)
    assert np.allclose(ready.loc[~inside, "dur_h"], 8)


def test_a_new_frequency_from_a_date(make_scenario):
    data = line_dict(investments=[{"from_day": 10, "service": "barge", "per_week": 14}])
    trips = hubsim.simulate(make_scenario(data)).trips
    sched = np.sort(trips["scheduled_h"].to_numpy())
    before, after = sched[sched < day_h(10)], sched[sched >= day_h(10)]
    assert np.allclose(np.diff(before), 24) and np.allclose(np.diff(after), 12)
    assert after[0] == pytest.approx(day_h(10))


def test_added_equipment_shortens_the_equipment_queue(make_scenario):
    data = line_dict()
    data["hubs"]["a"].update(equipment=1, moves_per_hour=4, handling="exponential")
    data["services"][0].update(headway_h=2, first_departure_h=0, capacity_teu=20)
    data["demand"][0].update(teu_per_year=8 * 8760, batch_mean=1)
    data["run"]["horizon_days"] = 12
    base = hubsim.simulate(make_scenario(data))
    data["investments"] = [{"from_day": 0, "hub": "a", "add_equipment": 3}]
    more = hubsim.simulate(make_scenario(data))
    assert more.kpi("equipment_wait_mean_h", "hub", "a") < \
        0.5 * base.kpi("equipment_wait_mean_h", "hub", "a")


# ------------------------------------------------------------------ effect directions
def test_low_water_lowers_yangtze_teu_and_raises_backlog(tiny_path):
    data = yaml.safe_load(tiny_path.read_text())
    # enough river cargo (20k TEU/yr) that a barge at 30% of its capacity (75 TEU, 2 a week:
    # ~7,800 TEU/yr) binds whatever the draws
    data["demand"][2]["teu_per_year"] = 20000
    plain = hubsim.simulate(build_scenario(copy.deepcopy(data)), seed=4)
    data["disruptions"] = [{"kind": "low_water", "start_day": 304, "end_day": 485,
                            "every_days": 365, "link": ["port", "east"], "factor": 0.3}]
    low = hubsim.simulate(build_scenario(data), seed=4)
    east = ("channel_teu", "corridor", "east")
    assert low.kpi(*east) < 0.9 * plain.kpi(*east)
    assert low.kpi("backlog_end_teu") > plain.kpi("backlog_end_teu") + 150
    barge = low.trips[low.trips["service"] == "barge"]
    assert (barge["load"] <= 0.3 * 250 + 1e-6).all()


def test_lock_waits_lengthen_the_voyage(tiny_path):
    data = yaml.safe_load(tiny_path.read_text())
    plain = hubsim.simulate(build_scenario(copy.deepcopy(data)), seed=4)
    data["disruptions"] = [{"kind": "lock_wait", "start_day": -10, "end_day": 60,
                            "link": ["port", "east"], "hold_h": "lognormal(120, 0.5)"}]
    slow = hubsim.simulate(build_scenario(data), seed=4)

    def voyage(res):
        b = res.trips[res.trips["service"] == "barge"]
        return (b["arrive_h"] - b["depart_h"]).mean()

    assert voyage(slow) > voyage(plain) + 80


def test_demand_shock_and_growth_scale_the_demand(make_scenario):
    data = line_dict(run={"horizon_days": 3 * 365 + 1, "warmup_days": 1, "seed": 2},
                     growth={"demand_per_year": 0.5, "first_year": 2019},
                     disruptions=[{"kind": "demand_shock", "start_day": 100, "end_day": 200,
                                   "factor": 3, "origin": "a"}])
    res = hubsim.simulate(make_scenario(data))
    gen = res.events[res.events["event"] == "generated"]
    day = (gen["t_h"] - WARMUP_H) // 24
    per_day = gen.groupby(day)["teu"].sum().reindex(range(0, 3 * 365), fill_value=0.0)
    year0 = per_day[0:365]
    shock, calm = year0[100:200].mean(), year0.drop(range(100, 200)).mean()
    assert 2.6 < shock / calm < 3.4
    y1, y2 = per_day[365:730].mean(), per_day[730:1095].mean()
    assert 1.4 < y1 / calm < 1.6 and 2.1 < y2 / calm < 2.4
    # the per-year tables follow, labelled by calendar year
    by_year = res.kpis_by_year
    assert sorted(by_year["year"].unique()) == [2019, 2020, 2021]
    chan = by_year[(by_year["kpi"] == "channel_teu") & (by_year["scope"] == "total")]
    chan = chan.set_index("year")["value"]
    assert chan[2021] / chan[2020] == pytest.approx(1.5, rel=0.05)


def test_the_year_a_target_is_first_met(make_scenario):
    data = line_dict(run={"horizon_days": 3 * 365 + 1, "warmup_days": 1, "seed": 3},
                     growth={"demand_per_year": 0.3, "first_year": 2019},
                     targets=[{"id": "t", "kpi": "channel_teu", "threshold": 5500}])
    data["demand"][0].update(teu_per_year=3650)
    res = hubsim.simulate(make_scenario(data))
    verdicts = res.targets_by_year
    assert list(verdicts["year"]) == [2019, 2020, 2021]
    # 3,650 TEU in 2019, x1.3 a year: 4,745 then 6,169 TEU -> first met in 2021
    assert first_year_met(verdicts, "t") == 2021
    assert list(verdicts["met"]) == [False, False, True]
    # hubsim run prints the same, one column per year
    from hubsim.present.tables import run_text as report_text

    lines = report_text(res).splitlines()
    at = lines.index("Targets by simulated year (hubsim.analysis.yearly)")
    assert lines[at + 1].split() == ["target", "2019", "2020", "2021", "first", "met"]
    row = lines[at + 2].split()
    assert row[0] == "t" and row[-1] == "2021" and lines[at + 2].count("*") == 1


def test_a_multi_year_results_folder_has_the_tables_per_year(tiny_path, tmp_path, monkeypatch):
    from hubsim.present import output
    from hubsim.present.output import write_results

    monkeypatch.setattr(output, "_write_plots", lambda res, folder: None)  # (tested elsewhere)
    data = yaml.safe_load(tiny_path.read_text())
    data["growth"] = {"demand_per_year": 0.3}
    scn = build_scenario(data)
    # a year and two days: the second (partial) year is reported too
    folder = write_results(hubsim.simulate(scn, days=367), tmp_path / "run")
    by_year = pd.read_csv(folder / "targets_by_year.csv")
    assert list(by_year["year"]) == [1, 1, 2, 2]
    assert list(by_year["target"]) == ["channel", "intl", "channel", "intl"]
    kpis = pd.read_csv(folder / "kpis_by_year.csv")
    assert set(kpis["year"]) == {1, 2}
    one_year = write_results(hubsim.simulate(scn, days=20), tmp_path / "one")
    assert (one_year / "targets.csv").exists() and not (one_year / "kpis_by_year.csv").exists()


# ------------------------------------------------------------------ conservation, property
@st.composite
def disrupted(draw) -> dict:
    data = draw(networks())
    links = data["links"]
    warmup = data["run"].get("warmup_days", 0.0)
    last = data["run"]["horizon_days"] - warmup  # the run covers days [-warmup, last)
    # a window may begin before the run but must reach into it: one wholly outside never
    # acts, a scenario warning (an error under filterwarnings)
    day = st.floats(-warmup - 2, last, exclude_max=True)
    out = []
    for _ in range(draw(st.integers(1, 5))):
        start = draw(day)
        end = max(start + draw(st.floats(0.1, 10)), -warmup + 0.1)
        kind = draw(st.sampled_from(["link_outage", "link_outage", "hub_capacity",
                                     "low_water", "lock_wait", "clearance", "demand_shock"]))
        d = {"kind": kind, "start_day": start, "end_day": end}
        if kind == "link_outage":
            d["reroute"] = draw(st.booleans())
        if draw(st.booleans()):
            d["every_days"] = end - start + draw(st.floats(0, 5))
        if kind in ("link_outage", "low_water", "lock_wait"):
            pool = [lk for lk in links if kind == "link_outage"
                    or (kind == "low_water" and lk["mode"] == "water")
                    or (kind == "lock_wait" and "lock" in lk)]
            if not pool:
                continue
            lk = draw(st.sampled_from(pool))
            d["link"] = [lk["from"], lk["to"]]
            d["mode"] = lk["mode"]
            if kind == "low_water":
                d["factor"] = draw(st.floats(0.05, 1))
            if kind == "lock_wait":
                d["hold_h"] = draw(st.sampled_from(["20", "exp(30)"]))
        elif kind == "hub_capacity":
            d["hub"] = draw(st.sampled_from(sorted(data["hubs"])))
            d["factor"] = draw(st.sampled_from([0.0, 0.5, 1.0]))
        else:
            d["factor"] = draw(st.floats(0, 4))
        out.append(d)
    if draw(st.booleans()):
        # outages that recur on every link while vehicles are under way, so that loads on
        # vehicles, at the nodes and in the queues all meet closed links
        for lk in links:
            start = draw(st.floats(0, 3))
            length = draw(st.floats(0.2, 2))
            out.append({"kind": "link_outage", "start_day": start, "end_day": start + length,
                        "every_days": length + draw(st.floats(0.5, 3)),
                        "link": [lk["from"], lk["to"]], "mode": lk["mode"],
                        "reroute": draw(st.booleans())})
    data["disruptions"] = out
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(disrupted())
def test_nothing_is_lost_under_random_disruptions(data):
    res = hubsim.simulate(build_scenario(data))  # the engine's own check raises on a loss
    bal, from_events = res.balance, conservation(res.events)
    for unit in ("teu", "tonnes"):
        rest = bal[f"at_nodes_{unit}"] + bal[f"on_vehicles_{unit}"]
        assert bal[f"generated_{unit}"] == pytest.approx(bal[f"delivered_{unit}"] + rest,
                                                         rel=1e-9, abs=1e-6)
        assert from_events[f"in_system_{unit}"] == pytest.approx(rest, rel=1e-5, abs=1e-3)
    ev = res.events
    # every consignment held on a vehicle is on it: it departed on that trip and has not
    # arrived before the hold
    held = ev[(ev["event"] == "held") & (ev["trip"] >= 0)]
    if len(held):
        dep = ev[ev["event"] == "depart"].set_index(["cid", "trip"])["t_h"]
        keys = list(zip(held["cid"], held["trip"], strict=True))
        assert all(k in dep.index for k in keys)
        assert (held["t_h"].to_numpy() >= dep.loc[keys].to_numpy() - 1e-9).all()
        # ... and later arrives with it, unless the run ends first with the trip under way
        arrived = set(zip(*ev.loc[ev["event"] == "arrive", ["cid", "trip"]].to_numpy().T,
                          strict=True))
        under_way = set(res.trips.loc[res.trips["arrive_h"].isna(), "trip"])
        assert all(k in arrived or k[1] in under_way for k in keys)
    assert not math.isnan(res.kpi("channel_teu"))


def test_added_vehicles_join_the_rotation_from_a_date(make_scenario):
    # one barge on a 200-h round trip (one way, back empty) makes a departure every ~8 days;
    # three more from day 10 leave at the next daily slots
    data = line_dict(investments=[{"from_day": 10, "service": "barge", "add_fleet": 3}])
    data["services"][0]["fleet"] = 1
    deps = np.sort(hubsim.simulate(make_scenario(data)).trips["depart_h"].to_numpy())
    before = deps[deps < day_h(10)]
    assert np.all(np.diff(before) >= 200)
    after = deps[(deps >= day_h(10)) & (deps < day_h(13))]
    assert len(after) == 3


def test_validate_summary_lists_disruptions_growth_and_investments(make_scenario):
    from hubsim.cli.scenario_cmds import summary_text

    # (the investment comes after the 30-day run: listed, and worth a warning)
    with pytest.warns(HubsimWarning, match=r"investments\[0\]: from_day 365 .* never acts"):
        scn = make_scenario(line_dict(
            disruptions=[{"kind": "link_outage", "start_day": 3, "end_day": 5,
                          "link": ["a", "g"]},
                         {"kind": "clearance", "start_day": 0, "end_day": 9, "factor": 2}],
            growth={"demand_per_year": 0.1, "first_year": 2020},
            investments=[{"from_day": 365, "hub": "a", "add_equipment": 2}]))
    text = summary_text(scn)
    assert "  link_outage a-g: closed, days 3-5" in text
    assert "  clearance every hub: x2, days 0-9" in text
    assert "Growth: demand +10% a year from 2020" in text
    assert "  day 365: a +2 units" in text
    assert "Disruptions" not in summary_text(make_scenario(line_dict()))


@pytest.mark.parametrize("reroute", [False, True])
def test_an_outage_with_reroute_sends_the_waiting_loads_another_way(make_scenario, reroute):
    # a -> g by barge (cheap) or by train (dear): closing the waterway for days 3-8 sends the
    # loads by train only when the outage says reroute
    data = line_dict(disruptions=[{"kind": "link_outage", "start_day": 3, "end_day": 8,
                                   "link": ["a", "g"], "mode": "water", "reroute": reroute}])
    data["links"].append({"from": "a", "to": "g", "mode": "rail", "distance_km": 1000,
                          "transit_h": 30, "cost_usd_per_teu": 5000, "co2_g_per_tkm": 20})
    data["services"].append({"id": "train", "from": "a", "to": "g", "mode": "rail",
                             "capacity_teu": 1000, "headway_h": 12, "bidirectional": False})
    res = hubsim.simulate(make_scenario(data))
    ev, trips = res.events, res.trips
    train = trips[(trips["service"] == "train") & (trips["load"] > 0)]
    rerouted = ev[ev["event"] == "rerouted"]
    if not reroute:
        assert train.empty and rerouted.empty
        return
    # loads go by train only while the waterway is closed, from the closure on
    assert len(train) >= 9
    assert train["depart_h"].between(day_h(3), day_h(8) + 2).all()
    assert rerouted["t_h"].between(day_h(3), day_h(8)).all()
    assert (rerouted["link"] == "a-g:water").all()
    # the queue at the closure moved at once: the first train after it takes all of it
    assert np.isclose(rerouted["t_h"], day_h(3)).sum() > 0
    by_train = ev[(ev["event"] == "depart") & (ev["service"] == "train")]
    assert set(by_train["cid"]) <= set(rerouted["cid"])
    assert ev.loc[ev["event"] == "delivered", "cid"].isin(by_train["cid"]).sum() > 0
    b = res.balance
    assert b["generated_teu"] == pytest.approx(b["delivered_teu"] + b["at_nodes_teu"]
                                               + b["on_vehicles_teu"])
