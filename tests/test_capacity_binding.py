"""Capacity with known answers: which resources are judged (and in which unit), what binds,
per corridor, and what one more unit of it adds.

The cases are small networks whose limits follow from their figures:

* crane bound (``tests/scenarios/crane_bound.yaml``): 2 units at 4 TEU/h, every TEU lifted
  twice, so the hub hands on at most 2 x 4 x 8760 / 2 = 35,040 TEU/yr; one more unit adds
  17,520 TEU/yr;
* train bound: the same hub with 8 units and a train of 40 TEU every 4 h: 87,600 TEU/yr;
* two corridors: the crane-bound hub feeds the south corridor, a second hub with ample units
  feeds the west corridor by 14 trains a week of 40 TEU (29,120 TEU/yr): the network binds on
  the cranes, the west corridor on its trains;
* an air service far too small for its tonnes beside the container network: never judged for
  channel TEU.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import hubsim
from hubsim.experiments.capacity import (
    SATURATED,
    binding_of,
    capacity,
    resource_kpis,
    resource_map,
    resource_table,
)

TESTS = Path(__file__).resolve().parent
CRANE = TESTS / "scenarios" / "crane_bound.yaml"
ROOT = TESTS.parent
HOURS = 8760.0
#: crane_bound: units x TEU per unit-hour x hours / lifts per TEU
PER_UNIT = 4 * HOURS / 2

BASE: dict[str, Any] = {
    "name": "two_corridors",
    "run": {"horizon_days": 40, "warmup_days": 10, "seed": 5},
    "hubs": {
        "port": {"lat": 29.6, "lon": 106.4, "equipment": 2, "moves_per_hour": 4,
                 "yard_teu": 20000, "dwell_h": 4},
        "rail": {"lat": 29.7, "lon": 106.3, "equipment": 8, "moves_per_hour": 20,
                 "yard_teu": 20000, "dwell_h": 4},
    },
    "zones": {"park": {"lat": 29.5, "lon": 106.3}},
    "gateways": {
        "south": {"lat": 21.7, "lon": 108.6, "corridor": "south"},
        "west": {"lat": 51.4, "lon": 6.7, "corridor": "west"},
    },
    "links": [
        {"from": "park", "to": "port", "mode": "road", "distance_km": 30, "speed_kmh": 40,
         "co2_g_per_tkm": 90, "cost_usd_per_teu": 60},
        {"from": "park", "to": "rail", "mode": "road", "distance_km": 30, "speed_kmh": 40,
         "co2_g_per_tkm": 90, "cost_usd_per_teu": 60},
        {"from": "port", "to": "south", "mode": "rail", "distance_km": 1000, "speed_kmh": 40,
         "co2_g_per_tkm": 20, "cost_usd_per_teu": 700},
        {"from": "rail", "to": "west", "mode": "rail", "distance_km": 1000, "speed_kmh": 40,
         "co2_g_per_tkm": 20, "cost_usd_per_teu": 700},
    ],
    "services": [
        {"id": "truck_port", "from": "park", "to": "port", "mode": "road", "capacity_teu": 2,
         "on_demand": True},
        {"id": "truck_rail", "from": "park", "to": "rail", "mode": "road", "capacity_teu": 2,
         "on_demand": True},
        {"id": "south_train", "from": "port", "to": "south", "mode": "rail",
         "capacity_teu": 40, "headway_h": 2},
        {"id": "cre", "from": "rail", "to": "west", "mode": "rail", "capacity_teu": 40,
         "per_week": 14},
    ],
    "demand": [
        {"origin": "park", "destination": "south", "teu_per_year": 60000,
         "tonnes_per_year": 600000, "batch_mean": 2, "batch_dist": "fixed"},
        {"origin": "park", "destination": "west", "teu_per_year": 12000,
         "tonnes_per_year": 120000, "batch_mean": 2, "batch_dist": "fixed"},
    ],
    "targets": [{"id": "channel", "kpi": "channel_teu", "threshold": 56000}],
}


def with_air(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` plus an airport whose daily flight of 1 t (365 t/yr) cannot carry its
    2,000 t/yr: the air service is saturated at any demand scale the TEU network sustains."""
    out = copy.deepcopy(data)
    out["hubs"]["airport"] = {"lat": 29.72, "lon": 106.64, "teu_per_move": 2.5,
                              "yard_teu": 5000, "dwell_h": 2,
                              "areas": {"air": {"positions": 4, "equipment": 4,
                                                "moves_per_hour": 12},
                                        "road": {"positions": 8, "equipment": 4,
                                                 "moves_per_hour": 12}}}
    out["gateways"]["abroad"] = {"lat": 50.0, "lon": 8.6, "corridor": "air"}
    out["links"] += [
        {"from": "park", "to": "airport", "mode": "road", "distance_km": 20, "speed_kmh": 30,
         "co2_g_per_tkm": 90, "cost_usd_per_t": 5},
        {"from": "airport", "to": "abroad", "mode": "air", "distance_km": 8000,
         "transit_h": 12, "co2_g_per_tkm": 600, "cost_usd_per_t": 3000},
    ]
    out["services"] += [
        {"id": "airtruck", "from": "park", "to": "airport", "mode": "road", "capacity_t": 10,
         "on_demand": True},
        {"id": "flight", "from": "airport", "to": "abroad", "mode": "air", "capacity_t": 1,
         "per_week": 7},
    ]
    out["demand"].append({"origin": "park", "destination": "abroad", "cargo": "air",
                          "tonnes_per_year": 2000, "batch_mean": 0.5,
                          "batch_dist": "exponential"})
    return out


@pytest.fixture(scope="module")
def crane():
    return hubsim.load_scenario(CRANE)


# --------------------------------------------------------------------------- fast: pieces
def test_resources_and_their_units_are_read_off_the_routes(make_scenario):
    scn = make_scenario(with_air(BASE))
    rmap = resource_map(scn)
    assert rmap.loc["service:cre", "unit"] == "TEU"
    assert rmap.loc["service:cre", "corridors"] == ("west",)
    assert rmap.loc["area:port:shared", "corridors"] == ("south",)
    assert rmap.loc["yard:port", "unit"] == "TEU"
    assert rmap.loc["service:flight", "unit"] == "t"
    assert rmap.loc["area:airport:air", "unit"] == "t"
    assert rmap.loc["berth:airport:air", "unit"] == "t"
    assert "service:truck_port" not in rmap.index  # on-demand trucks are not resources
    chongqing = resource_map(hubsim.load_scenario(ROOT / "scenarios"
                                                  / "chongqing_2022_target.yaml"))
    assert chongqing.loc["service:air_domestic", "unit"] == "t"
    assert chongqing.loc["area:jiangbei:air", "unit"] == "t"
    assert chongqing.loc["service:barge_shanghai", "unit"] == "TEU"
    assert chongqing.loc["lock:guoyuan-shanghai:water", "unit"] == "TEU"
    assert chongqing.loc["area:guoyuan:water", "unit"] == "TEU"


def test_one_run_measures_the_cranes_and_their_queue_in_teu(crane):
    """At its full demand (164 TEU/day against 96 the cranes hand on) the hub's shared pool is
    busy all the time and the TEU queueing for it grow by tens of TEU a day."""
    from hubsim.analysis.diagnostics import diagnostics

    res = hubsim.simulate(crane, days=20)
    diag = diagnostics(res.events, res.trips, res.nodes, res.scenario, res.window,
                       lock_passages=res.lock_passages)
    rows = resource_kpis(res, diag)
    r = rows[rows["scope"] == "resource"].pivot_table(index="key", columns="kpi",
                                                      values="value")
    area = r.loc["area:terminal:shared"]
    assert area["resource_utilisation"] >= SATURATED
    lifts_per_day = 2 * 4 * 24  # both units, 4 TEU/h each, all day
    assert area["resource_throughput"] == pytest.approx(lifts_per_day, rel=0.05)
    offered, carried = 60000 / 365, lifts_per_day / 2
    assert 0.3 * (offered - carried) < area["resource_queue_growth"] < 1.2 * (offered - carried)
    assert r.loc["service:train", "resource_utilisation"] < 0.5
    units = rows.set_index(["kpi", "key"])["unit"]
    assert units["resource_queue_growth", "area:terminal:shared"] == "TEU/day"


def test_binding_prefers_saturated_then_growing_then_busiest():
    def table(rows):
        return pd.DataFrame(rows, columns=["resource", "kind", "utilisation",
                                           "utilisation_over", "throughput_over",
                                           "queue_growth_over"])

    t = table([["service:a", "service", 0.95, 0.97, 100, 0.5],
               ["area:h:rail", "area", 0.90, 0.99, 100, 0.0],
               ["yard:h", "yard", 0.99, 0.99, 100, 50.0]])
    assert binding_of(t) == ("area:h:rail", "saturated")  # busy 99% beyond
    t.loc[0, "queue_growth_over"] = 5.0  # busy 97% and its queue grows 5% of its flow a day
    assert binding_of(t) == ("service:a", "saturated")  # the busier of the two
    t.loc[0, "queue_growth_over"] = 0.5
    t.loc[1, "utilisation_over"] = 0.9
    assert binding_of(t) == ("yard:h", "queue grows")  # a yard is never saturated
    t.loc[2, "queue_growth_over"] = 0.5
    assert binding_of(t) == ("yard:h", "busiest")


# --------------------------------------------------------------------------- slow: searches
@pytest.mark.slow
def test_crane_bound_capacity_is_the_handling_capacity(crane, tmp_path):
    res = capacity(crane, replications=2, days=30, tol=0.03, out=tmp_path / "cap")
    limit = crane.hubs["terminal"].equipment * PER_UNIT
    assert res.binding == "area:terminal:shared" and res.binding_why == "saturated"
    assert 0.88 * limit <= res.channel_teu <= 1.02 * limit
    assert res.channel_ci[0] <= res.channel_teu <= res.channel_ci[1]
    assert res.marginal_change == "hubs.terminal.equipment=3"
    assert 0.75 * PER_UNIT <= res.marginal_teu <= 1.25 * PER_UNIT
    assert (res.resources["growth_unit"] == "TEU/day").all()
    row = res.corridors.set_index("corridor").loc["south"]
    assert row["binding"] == "area:terminal:shared" and bool(row["bound_by_network"])
    assert row["marginal_teu"] == pytest.approx(res.marginal_teu, rel=0.2)
    written = pd.read_csv(tmp_path / "cap" / "binding.csv")
    assert written.loc[0, "binding"] == "area:terminal:shared"


@pytest.mark.slow
def test_train_bound_capacity_is_capacity_times_departures(crane):
    trains = hubsim.apply_changes(crane, {"hubs.terminal.equipment": 8,
                                          "services.train.headway_h": 4})
    res = capacity(trains, replications=2, days=30, tol=0.03)
    svc = next(s for s in trains.services if s.id == "train")
    limit = svc.capacity_teu * HOURS / svc.headway_h
    assert res.binding == "service:train" and res.binding_why == "saturated"
    assert 0.9 * limit <= res.channel_teu <= 1.02 * limit
    one_more = limit / (168 / svc.headway_h)  # one more departure a week
    assert res.marginal_teu > 0
    assert res.marginal_teu == pytest.approx(one_more, abs=0.05 * limit)


@pytest.mark.slow
def test_each_corridor_names_what_limits_it(make_scenario, tmp_path):
    """The cranes bind the network (the south corridor); the west corridor, scaled alone
    with the south held at the network's limit, runs out of trains: 14 a week of 40 TEU."""
    scn = make_scenario(BASE)
    res = capacity(scn, replications=1, days=20, tol=0.05, out=tmp_path / "cap")
    assert res.binding == "area:port:shared"
    by = res.corridors.set_index("corridor")
    assert by.loc["south", "binding"] == "area:port:shared"
    assert by.loc["west", "binding"] == "service:cre"
    assert not by.loc["west", "bound_by_network"]
    trains = 14 * 40 * HOURS / 168
    assert 0.85 * trains <= by.loc["west", "channel_teu"] <= 1.02 * trains
    assert by.loc["west", "marginal_change"] == "services.cre.per_week=15"
    assert by.loc["west", "marginal_teu"] > 0
    assert res.marginal_teu > 0


@pytest.mark.slow
def test_an_air_service_is_never_named_for_channel_teu(make_scenario):
    """The flight carries a fraction of its tonnes at any demand, yet the TEU network's
    capacity is still found, and bound by the cranes."""
    scn = make_scenario(with_air(BASE))
    res = capacity(scn, replications=1, days=20, tol=0.05, marginal=False, corridors=False)
    assert res.binding == "area:port:shared"
    assert not res.resources["resource"].isin(["service:flight", "area:airport:air",
                                               "area:airport:road", "yard:airport"]).any()
    assert (res.resources["growth_unit"] == "TEU/day").all()
    assert "air" not in set(res.corridors["corridor"])


def test_the_judged_table_keeps_air_out_of_a_teu_judgement(make_scenario):
    """The same judgement from one run's rows, fast: the saturated flight is there in the
    run, but not among the resources judged for channel TEU."""
    from hubsim.experiments.capacity import ResourceCache, _judged
    from hubsim.experiments.replicate import run_points

    scn = make_scenario(with_air(BASE))
    cache = ResourceCache(scn, 1, 10)
    exp = run_points(cache, [()], 1, [])
    util = exp.summary[exp.summary["kpi"] == "resource_utilisation"].set_index("key")["mean"]
    assert util["service:flight"] >= SATURATED
    table = resource_table(exp, exp, _judged(resource_map(scn), ["container"]))
    assert "service:flight" not in set(table["resource"])
    assert binding_of(table)[0] == "area:port:shared"


def test_one_more_unit_never_reads_past_what_the_unit_carries(monkeypatch):
    """Network-wide, one more departure's limit is where the new timetable fills with the
    load the routes plan for the service (98% of it), one more crane's where the area's use
    measured now, grown with demand, reaches 98%: a noisy run beyond is never taken as
    sustainable. Per corridor, or for a yard, no such cap."""
    import hubsim.experiments.capacity as C

    plan = hubsim.load_scenario(ROOT / "scenarios" / "chongqing_2022_target.yaml")

    class Search:
        class cache:
            scenario = plan

        def experiment(self, fam, scale, extra=()):
            return None

    # China-Laos: 6,000 TEU/yr planned southbound; 2.75 trains a week of 30 TEU
    load, cap_now = C.service_load(plan, "rail_vientiane")
    assert load == pytest.approx(6000)
    assert cap_now == pytest.approx(2.75 * 30 * HOURS / 168)
    ratio = 3.75 / 2.75
    assert C._unit_cap(Search(), None, "service:rail_vientiane", 0.707, ratio) == \
        pytest.approx(SATURATED * 3.75 * 30 * HOURS / 168 / 6000, rel=1e-5)  # x0.958
    use = pd.Series({"area:guoyuan:water": 0.5, "yard:guoyuan": 0.9})
    monkeypatch.setattr(C, "_means", lambda exp, kpi, scope: use)
    assert C._unit_cap(Search(), None, "area:guoyuan:water", 1.0, 9 / 8) == \
        pytest.approx(9 / 8 * SATURATED / 0.5, rel=1e-5)
    assert C._unit_cap(Search(), (1, 2), "service:rail_vientiane", 0.707, ratio) is None
    assert C._unit_cap(Search(), None, "yard:guoyuan", 0.707, 1.1) is None
