"""Terminal and lock KPIs (:mod:`hubsim.analysis.terminals`) against hand calculations.

The area KPIs come from a simulated port whose quay handles two barges, each of exactly
``LOAD`` TEU, both ready at ``DEPART_H`` with deterministic handling: every time in the
``handling`` table follows by hand. Yard waits, the depot and the lock KPIs come from
hand-made tables (as in tests/test_kpis.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_kpis import NODES, SERVICES, _cat, make_events

import hubsim
from hubsim.analysis import kpis as K
from hubsim.analysis import terminals as T
from hubsim.scenario.build import build_scenario
from hubsim.sim.network import area_table, link_table, node_table

LOAD = 20  # TEU per barge: the queue holds far more when they leave
RATE = 10.0  # moves/h per quay crane, one TEU per move
DEPART_H = 74.0  # both barges leave 50 h into the 96-h window [24, 120)
WINDOW_H = 96.0


def port_dict(positions: int, min_units: int) -> dict:
    """Hub ``port`` (quay: ``positions`` berths, 2 cranes, ``min_units``-2 per barge) ships
    to gateway ``east`` on two barge services that leave together once in the window."""
    barge = {"from": "port", "to": "east", "mode": "water", "capacity_teu": LOAD,
             "headway_h": 1000, "first_departure_h": DEPART_H, "bidirectional": False}
    return {
        "name": "port",
        "run": {"horizon_days": 5, "warmup_days": 1, "seed": 1},
        "hubs": {"port": {"lat": 0, "lon": 0, "yard_teu": 1e6,
                          "areas": {"water": {"positions": positions, "equipment": 2,
                                              "moves_per_hour": RATE, "min_units": min_units,
                                              "max_units": 2}}}},
        "gateways": {"east": {"lat": 0, "lon": 5, "corridor": "east"}},
        "links": [{"from": "port", "to": "east", "mode": "water", "distance_km": 100,
                   "speed_kmh": 10, "co2_g_per_tkm": 30}],
        "services": [{"id": "first", "priority": 1, **barge}, {"id": "second", **barge}],
        "demand": [{"origin": "port", "destination": "east", "teu_per_year": 50_000,
                    "batch_mean": 2}],
    }


def _area_kpis(res: hubsim.Results) -> pd.Series:
    k = res.kpis
    return k[k["scope"] == "area"].set_index(["kpi", "key"])["value"]


def test_one_berth_two_barges_the_second_waits_for_the_berth():
    res = hubsim.simulate(build_scenario(port_dict(positions=1, min_units=1)))
    h = res.handling
    assert len(h) == 2 and (h["load"] == LOAD).all() and (h["units"] == 2).all()
    # each barge: 20 moves over 2 cranes at 10 moves/h = 1 h; the second one waits 1 h
    assert sorted(h["position_h"]) == [DEPART_H, DEPART_H + 1]
    k = _area_kpis(res)
    assert k["berth_occupancy", "port:water"] == pytest.approx(2 * 1.0 / (1 * WINDOW_H))
    assert k["area_utilisation", "port:water"] == pytest.approx(2 * 2 * 1.0 / (2 * WINDOW_H))
    assert k["position_wait_mean_h", "port:water"] == pytest.approx((0 + 1) / 2)
    assert k["unit_wait_mean_h", "port:water"] == pytest.approx(0.0)
    assert k["vehicle_handling_mean_h", "port:water"] == pytest.approx(1.0)
    assert k["units_per_vehicle_mean", "port:water"] == pytest.approx(2.0)
    assert res.kpi("equipment_utilisation", "hub", "port") == pytest.approx(4.0 / (2 * 96))
    # the hub's wait for handling is per load lifted: 0 on the first barge, 1 h on the second
    lifts = res.events[res.events["event"] == "lift_on"]
    assert set(lifts["wait_h"].round(9)) == {0.0, 1.0}


def test_two_berths_two_cranes_each_the_second_waits_for_its_cranes():
    res = hubsim.simulate(build_scenario(port_dict(positions=2, min_units=2)))
    h = res.handling
    assert sorted(h["position_h"]) == [DEPART_H, DEPART_H]
    assert sorted(h["start_h"]) == [DEPART_H, DEPART_H + 1]
    k = _area_kpis(res)
    # berth-hours: 1 h for the first barge, 2 h (1 waiting for cranes + 1 worked) for the
    # second, over 2 berths
    assert k["berth_occupancy", "port:water"] == pytest.approx(3.0 / (2 * WINDOW_H))
    assert k["area_utilisation", "port:water"] == pytest.approx(4.0 / (2 * WINDOW_H))
    assert k["position_wait_mean_h", "port:water"] == pytest.approx(0.0)
    assert k["unit_wait_mean_h", "port:water"] == pytest.approx(0.5)
    assert k["vehicle_handling_mean_h", "port:water"] == pytest.approx(1.0)


def test_area_table_and_node_units():
    scn = build_scenario(port_dict(positions=3, min_units=1))
    a = area_table(scn)
    assert list(a.index) == ["port:water"]
    row = a.loc["port:water"]
    assert (row["hub"], row["area"], row["modes"], row["positions"], row["units"],
            row["max_units"]) == ("port", "water", "water", 3.0, 2.0, 2)
    assert node_table(scn).loc["port", "equipment"] == 2.0  # Hub.units: every area's units


def test_shared_pool_area_key_and_fallback():
    data = port_dict(positions=1, min_units=1)
    data["hubs"]["port"].update(equipment=3, moves_per_hour=RATE)
    data["hubs"]["port"]["areas"] = {}
    scn = build_scenario(data)
    assert list(area_table(scn).index) == ["port:shared"]
    res = hubsim.simulate(scn)
    k = _area_kpis(res)
    assert ("berth_occupancy", "port:shared") not in k.index  # unlimited positions
    # one unit per vehicle in the shared pool: 2 h of work each, both at once (3 units)
    assert k["vehicle_handling_mean_h", "port:shared"] == pytest.approx(LOAD / RATE)
    assert k["area_utilisation", "port:shared"] == pytest.approx(2 * 2.0 / (3 * WINDOW_H))
    assert res.kpi("equipment_utilisation", "hub", "port") == pytest.approx(4.0 / (3 * 96))


# --------------------------------------------------------------------------- hand-made tables
WINDOW = K.Window(240.0, 240.0 + 73 * 24.0)  # per-year factor 5


def test_yard_waits_and_depot_per_hub():
    ev = make_events([
        # waited for yard room at the rail hub: 10 TEU 4 h, 30 TEU 2 h (weighted mean 2.5 h)
        (300.0, "yard_wait", 1, "rail", "rail-port:rail", "shuttle", 3, 10.0, 100.0, 4.0, 0),
        (310.0, "yard_wait", 2, "rail", "park-rail:road", "dray", -1, 30.0, 300.0, 2.0, 0),
        (100.0, "yard_wait", 3, "rail", "park-rail:road", "dray", -1, 50.0, 500.0, 9.0, 0),
        (400.0, "depot", 4, "port", "port-east:water", "barge", 5, 6.0, 60.0, 0.0, 0.0),
    ])
    rows = T.yard_wait_summary(ev, pd.Index(["rail", "port"]), WINDOW,
                               pd.Series({"port": 40.0}))  # USD per TEU stored off-dock
    rail = {r["kpi"]: r["value"] for r in rows["rail"]}
    port = {r["kpi"]: r["value"] for r in rows["port"]}
    assert rail["yard_wait_mean_h"] == pytest.approx((10 * 4.0 + 30 * 2.0) / 40)
    assert rail["yard_wait_teu"] == pytest.approx(40 * 5)  # the wait at t=100 is warm-up
    assert rail["depot_teu"] == 0.0 and rail["depot_cost_usd"] == 0.0
    assert port == {"yard_wait_mean_h": 0.0, "yard_wait_teu": 0.0, "depot_teu": 6 * 5,
                    "depot_cost_usd": 6 * 5 * 40.0}


def test_lock_waits_and_passages():
    link = ["port-east:water", "port-east:water", "port-east:water", "port-east:water",
            "port-east:water"]
    lp = pd.DataFrame({
        "link": _cat(link, ["port-east:water"]),
        "direction": [0, 1, 0, 0, 1],
        "service": _cat(["barge", "barge", None, None, "barge"], SERVICES),
        "trip": [1, 2, -1, -1, 3], "priority": [1, 1, 0, 0, 1],
        "arrive_h": [300.0, 400.0, 500.0, 600.0, 100.0],
        "enter_h": [302.0, 406.0, 501.0, 604.0, 110.0],  # the last lockage is in the warm-up
        "exit_h": [310.0, 414.0, 509.0, 612.0, 118.0]})
    rows = pd.DataFrame(T.lock_summary(lp, WINDOW)).set_index("kpi")["value"]
    assert rows["lock_wait_mean_h"] == pytest.approx((2.0 + 6.0) / 2)
    assert rows["lock_wait_other_mean_h"] == pytest.approx((1.0 + 4.0) / 2)
    assert rows["lock_wait_p95_h"] == pytest.approx(np.percentile([2.0, 6.0], 95))
    assert rows["lock_passages"] == pytest.approx(4 * 5)
    assert T.lock_summary(lp.iloc[:0], WINDOW) == []


def test_area_keys_fall_back_on_the_shared_pool():
    links = link_table(build_scenario(port_dict(1, 1)))
    areas = pd.DataFrame({"positions": [np.nan, 2.0]},
                         index=pd.Index(["port:shared", "port:water"], name="area"))
    node = pd.Series(pd.Categorical(["port", "port", "east"], categories=NODES))
    link = pd.Series(pd.Categorical(["port-east:water", None, "port-east:water"],
                                    categories=list(links.index)))
    assert list(T.area_keys(node, link, links, areas)) == ["port:water", "port:shared", ""]
