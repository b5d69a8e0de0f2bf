"""Service levels per flow and what the demand offered, checked against the raw tables.

Each KPI of :mod:`hubsim.analysis.flows` is recomputed here from the events and consignments
tables by a plainer route (pandas group-bys, numpy percentiles), on the tiny scenario and on
the small networks of tests/test_bottlenecks.py; the planned route's expected time is worked
out by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_bottlenecks import network

import hubsim
from hubsim.analysis import flows as FL
from hubsim.scenario.build import build_scenario
from hubsim.scenario.schema import HOURS_PER_YEAR


@pytest.fixture(scope="module")
def tiny(tiny_path):
    return hubsim.simulate(hubsim.load_scenario(tiny_path), days=30)


def _kpis(res, name: str, scope: str = "flow") -> pd.Series:
    k = res.kpis
    sel = k[(k["kpi"] == name) & (k["scope"] == scope)]
    return pd.Series(sel["value"].to_numpy(float), index=sel["key"].astype(str))


def _delivered(res) -> pd.DataFrame:
    """Loads delivered in the window with their flow key (from the consignments table)."""
    ev = res.events
    d = ev[res.window.mask(ev["t_h"]) & (ev["event"] == "delivered")]
    d = d[["cid", "teu", "tonnes", "dur_h"]].merge(res.consignments[["cid", "demand"]],
                                                   on="cid")
    return d.assign(key=d["demand"].map(res.flows["key"]))


def test_flows_are_keyed_as_the_demand_streams(tiny):
    assert list(res_keys := tiny.flows["key"]) == [
        "park>west:container", "west>park:container", "park>east:container"]
    assert set(_kpis(tiny, "flow_on_time_share").index) == set(res_keys)


def test_p50_and_p95_are_the_numpy_percentiles_of_the_delivered_loads(tiny):
    d = _delivered(tiny)
    p50, p95 = _kpis(tiny, "flow_door_to_door_p50_h"), _kpis(tiny, "flow_door_to_door_p95_h")
    for key, grp in d.groupby("key"):
        assert p50[key] == pytest.approx(np.percentile(grp["dur_h"], 50))
        assert p95[key] == pytest.approx(np.percentile(grp["dur_h"], 95))


def test_on_time_share_and_wait_follow_their_rules(tiny):
    d = _delivered(tiny)
    due = d["demand"].map(tiny.flows["due_h"])
    d = d.assign(on_time=(d["dur_h"] <= due).astype(float))
    share = d.groupby("key").apply(lambda g: np.average(g["on_time"], weights=g["teu"]),
                                   include_groups=False)
    pd.testing.assert_series_equal(_kpis(tiny, "flow_on_time_share").loc[share.index], share,
                                   check_names=False, check_index_type=False)
    # a load that was never split: its wait is door-to-door minus its own legs aboard
    ev = tiny.events
    aboard = ev[ev["event"] == "arrive"].groupby("cid")["dur_h"].sum()
    whole = d[d["cid"].map(tiny.consignments.set_index("cid")["parent"]) < 0]
    assert len(whole) > 20
    service = FL.flow_service(ev, tiny.consignments, tiny.flows, tiny.window).set_index("cid")
    expected = whole["dur_h"].to_numpy() - aboard.reindex(whole["cid"]).to_numpy()
    np.testing.assert_allclose(service.loc[whole["cid"], "wait_h"], expected, atol=1e-6)
    assert (service["wait_h"] >= 0).all()


def test_a_split_piece_inherits_the_legs_its_parent_travelled_before_the_split():
    events = pd.DataFrame({
        "t_h": [0.0, 5.0, 10.0, 17.0, 30.0], "cid": [1, 1, 2, 2, 1],
        "event": pd.Categorical(["generated", "arrive", "split", "arrive", "arrive"]),
        "dur_h": [0.0, 5.0, 0.0, 7.0, 20.0]})
    consignments = pd.DataFrame({"cid": [1, 2], "parent": [-1, 1], "demand": [0, 0]})
    # the parent's first leg (5 h) before the split at 10 h; its later leg (20 h) is not the
    # piece's
    assert FL.time_aboard(events, consignments, np.array([1, 2])).tolist() == [25.0, 12.0]


def test_backlog_offered_and_delivered_per_flow(tiny):
    ev, w = tiny.events, tiny.window
    gen = ev[ev["event"] == "generated"].merge(tiny.consignments[["cid", "demand"]], on="cid")
    dlv = ev[ev["event"] == "delivered"].merge(tiny.consignments[["cid", "demand"]], on="cid")
    keys = tiny.flows["key"]
    backlog = (gen.groupby("demand")["teu"].sum()
               - dlv.groupby("demand")["teu"].sum().reindex(keys.index, fill_value=0.0))
    got = _kpis(tiny, "flow_backlog_end")
    for i, key in keys.items():
        assert got[key] == pytest.approx(backlog[i])
    assert got.sum() == pytest.approx(tiny.kpi("backlog_end_teu"))
    offered = gen[w.mask(gen["t_h"])].groupby("demand")["teu"].sum() * w.per_year
    delivered = dlv[w.mask(dlv["t_h"])].groupby("demand")["teu"].sum() * w.per_year
    for i, key in keys.items():
        assert _kpis(tiny, "flow_offered")[key] == pytest.approx(offered[i])
        assert _kpis(tiny, "flow_delivered")[key] == pytest.approx(delivered[i])


def test_expected_time_of_a_planned_route_by_hand(make_scenario):
    flows = FL.planned_flows(make_scenario(network()))
    south = flows.set_index("key").loc["park>south:container"]
    assert south["route"] == "park>terminal:road terminal>south:rail"
    # truck 20 km at 40 km/h, no timetable; 2 h dwell at the terminal (no clearance given);
    # half of the train's 24 h headway; 24 h on the train
    assert south["expected_h"] == pytest.approx(0.5 + 2.0 + 12.0 + 24.0)
    assert south["due_h"] == pytest.approx(38.5 + 24.0)  # 25% is less than a day
    assert (south["crossings"], south["crossing_corridors"]) == (1, ("south",))


def _everything_carried() -> dict:
    """The network of tests/test_bottlenecks.py with a train big enough, a flow coming in
    from the south gateway and a transit flow south -> terminal -> east (two crossings)."""
    data = network(train_teu=200)
    data["links"].append({"from": "terminal", "to": "east", "mode": "rail",
                          "distance_km": 800, "transit_h": 20, "co2_g_per_tkm": 20,
                          "cost_usd_per_teu": 300})
    data["services"].append({"id": "shuttle", "from": "terminal", "to": "east",
                             "mode": "rail", "capacity_teu": 100, "headway_h": 12})
    data["demand"] += [
        {"origin": "south", "destination": "park", "teu_per_year": 8000,
         "tonnes_per_year": 80000, "batch_mean": 2, "batch_dist": "fixed"},
        {"origin": "south", "destination": "east", "teu_per_year": 4000,
         "tonnes_per_year": 48000, "batch_mean": 2, "batch_dist": "fixed",
         "international": True}]
    return data


def _still_to_cross(res, t: float, corridor: str, unit: str, intl: bool) -> float:
    """Load (TEU or t) generated before ``t`` times the crossings of ``corridor`` on its planned
    route, minus the crossings of that corridor before ``t``: what was still to cross."""
    ev, flows = res.events, res.flows
    gen = ev[(ev["event"] == "generated") & (ev["t_h"] < t)].merge(
        res.consignments[["cid", "demand"]], on="cid")
    times = gen["demand"].map(flows["crossing_corridors"].map(lambda c: c.count(corridor)))
    counts = flows["international"].reindex(gen["demand"]).to_numpy() if intl else True
    owed = float((gen[unit].to_numpy() * times.to_numpy(float) * counts).sum())
    c = res.crossings
    c = c[(c["t_h"] < t) & (c["corridor"] == corridor)]
    c = c[c["international"]] if intl else c
    return owed - float(c[unit].sum())


def test_offered_is_carried_plus_the_change_of_what_was_still_to_cross():
    res = hubsim.simulate(build_scenario(_everything_carried()))
    w = res.window
    assert res.flows.set_index("key").loc["south>east:container", "crossings"] == 2
    hours = w.hours / HOURS_PER_YEAR  # from per year back to the window
    for corridor in ("south", "east"):
        for kpi, carried, unit, intl in (
                ("channel_teu_offered", "channel_teu", "teu", False),
                ("international_tonnes_offered", "international_tonnes", "tonnes", True)):
            offered = res.kpi(kpi, "corridor", corridor) * hours
            change = (_still_to_cross(res, w.end_h, corridor, unit, intl)
                      - _still_to_cross(res, w.start_h, corridor, unit, intl))
            assert _still_to_cross(res, w.end_h, corridor, unit, intl) > 0  # on their way
            assert offered == pytest.approx(res.kpi(carried, "corridor", corridor) * hours
                                            + change, rel=1e-9), (kpi, corridor)
    for kpi in ("channel_teu", "international_tonnes"):
        total = res.kpi(f"{kpi}_offered")
        assert total == pytest.approx(sum(res.kpi(f"{kpi}_offered", "corridor", c)
                                          for c in ("east", "south")))
        # everything is carried: offered and carried differ only by what is on its way
        assert res.kpi(kpi) == pytest.approx(total, rel=0.1)


def test_load_factor_per_direction_is_the_trips_table(tiny):
    tr = tiny.trips[tiny.window.mask(tiny.trips["depart_h"])]
    got = _kpis(tiny, "direction_load_factor", "service_direction")
    for (svc, u, v), grp in tr.groupby(["service", "from", "to"], observed=True):
        key = FL.direction_key(str(svc), str(u), str(v))
        assert got[key] == pytest.approx(grp["load"].sum() / grp["capacity"].sum())
    both = tr.groupby("service", observed=True)[["load", "capacity"]].sum()
    assert _kpis(tiny, "load_factor", "service")["cre"] == \
        pytest.approx(both.loc["cre", "load"] / both.loc["cre", "capacity"])


def test_kpi_table_without_flows_has_no_flow_rows(tiny):
    from hubsim.analysis.kpis import kpi_table

    plain = kpi_table(tiny.events, tiny.consignments, tiny.trips, tiny.links, tiny.nodes,
                      tiny.window, handling=tiny.handling, areas=tiny.areas)
    assert not (plain["scope"] == "flow").any()
    assert not plain["kpi"].str.endswith("_offered").any()
    assert (plain["kpi"] == "direction_load_factor").any()


