"""Markets beyond the gateways (issue 14 part 1, corridor choice; docs/markets.md): a market
reached through two gateways, the fixed route taking the cheaper, the logit split against its
closed form, a closed gateway link moving the share, crossings and corridors counted at the
gateway used, and scenarios without markets unchanged."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

import hubsim
from hubsim.analysis.choice import period_shares, weekly_choice_shares
from hubsim.analysis.kpis import consignment_corridor
from hubsim.errors import ScenarioError
from hubsim.scenario.build import build_scenario
from hubsim.sim.choice import choice_set
from hubsim.sim.network import build_network, route_cost, route_for, route_table

TESTS = Path(__file__).resolve().parent
TWO = TESTS / "scenarios" / "two_gateways.yaml"
#: z of a two-sided 99% interval
Z99 = 2.5758293035489


def two_gateways(**routing) -> dict:
    data = yaml.safe_load(TWO.read_text())
    data["routing"].update(routing)
    return data


def closed_form_west(data: dict) -> float:
    """P(via west) = 1 / (1 + exp(-theta (C_east - C_west))), the costs computed here from the
    scenario's figures: road to the hub (distance / speed), one transfer penalty, the trunk
    leg's charge and transit, the market's onward charge and transit; trucks on demand (no
    headway wait), no dwell, value of time 2 USD/TEU/h, penalty 40 USD."""
    r = {"value_of_time_usd_per_teu_h": 2.0, "transfer_penalty_usd": 40.0, **data["routing"]}
    vot, pen, theta = (r["value_of_time_usd_per_teu_h"], r["transfer_penalty_usd"],
                       r["logit_scale_per_usd"])
    links = {(lk["from"], lk["to"]): lk for lk in data["links"]}
    onward = data["markets"]["europe"]["gateways"]

    def cost(hub: str, gw: str) -> float:
        feeder, trunk = links[("park", hub)], links[(hub, gw)]
        return (feeder["cost_usd_per_teu"] + pen + vot * feeder["distance_km"]
                / feeder["speed_kmh"] + trunk["cost_usd_per_teu"] + vot * trunk["transit_h"]
                + onward[gw]["cost_usd_per_teu"] + vot * onward[gw]["transit_h"])

    return 1.0 / (1.0 + math.exp(-theta * (cost("b", "east") - cost("a", "west"))))


# --------------------------------------------------------------------------- routes
def test_fixed_route_takes_the_cheaper_gateway_both_ways():
    data = two_gateways(choice="fixed")
    scn = build_scenario(data)
    g = build_network(scn)
    routes = route_table(g, scn)
    out = routes[("park", "europe", "container")]
    back = routes[("europe", "park", "container")]
    assert [(lg.u, lg.v) for lg in out] == [("park", "a"), ("a", "west")]
    assert [(lg.u, lg.v) for lg in back] == [("west", "a"), ("a", "park")]
    # the route's cost with the onward leg: 1318.4 by hand (tests/scenarios/two_gateways.yaml)
    assert route_cost(scn, g, out, "container") + 100 + 2.0 * 24 == pytest.approx(1318.4)
    # dearer onward from west: the fixed route goes east instead
    data["markets"]["europe"]["gateways"]["west"]["cost_usd_per_teu"] = 300
    scn2 = build_scenario(data)
    legs = route_for(build_network(scn2), scn2, "park", "europe", "container")
    assert legs[-1].v == "east"


def test_choice_set_spans_both_gateways_with_the_onward_legs():
    scn = build_scenario(two_gateways())
    g = build_network(scn)
    alts = choice_set(g, scn, "park", "europe", "container", k=3)
    assert [a.legs[-1].v for a in alts] == ["west", "east"]
    assert [a.cost for a in alts] == pytest.approx([1318.4, 1418.4])
    assert alts[0].time_h == pytest.approx(0.2 + 40 + 24)
    for a in alts:
        assert a.cost == pytest.approx(a.money + 2.0 * a.time_h)
    # the cheapest alternative is the fixed route; k = 1 keeps only it
    assert alts[0].legs == route_for(g, scn, "park", "europe", "container")
    assert len(choice_set(g, scn, "park", "europe", "container", k=1)) == 1
    back = choice_set(g, scn, "europe", "park", "container", k=3)
    assert [a.legs[0].u for a in back] == ["west", "east"]


# --------------------------------------------------------------------------- simulation
@pytest.fixture(scope="module")
def logit_run():
    data = two_gateways()
    return data, hubsim.simulate(build_scenario(copy.deepcopy(data)))


def test_logit_split_between_gateways_matches_the_closed_form(logit_run):
    data, res = logit_run
    p = closed_form_west(data)
    assert p == pytest.approx(1.0 / (1.0 + math.exp(-1.0)))
    ch = res.events[res.events["event"] == "chosen"]
    cons = res.consignments.set_index("cid")
    out = ch[ch["cid"].map(cons["demand"]) == 0]
    n = len(out)
    west = int((out["link"].astype(str) == "a-west:rail").sum())
    half = Z99 * math.sqrt(p * (1 - p) / n)
    assert n > 5000
    assert abs(west / n - p) < half, (west / n, p, half)
    assert out.loc[out["link"].astype(str) == "a-west:rail", "dur_h"].unique() == \
        pytest.approx([p], abs=1e-6)


def test_loads_end_and_cross_at_the_gateway_they_used(logit_run):
    _, res = logit_run
    cons = res.consignments.set_index("cid")
    chosen = res.events[res.events["event"] == "chosen"].set_index("cid")["link"].astype(str)
    gw_of_link = {"a-west:rail": "west", "b-east:water": "east"}
    # every load's recorded end is the gateway of the route it drew, not the market
    out = cons[cons["demand"] == 0]
    assert set(out["destination"].astype(str)) == {"west", "east"}
    assert (out["destination"].astype(str)
            == chosen.reindex(out.index).map(gw_of_link)).all()
    back = cons[cons["demand"] == 1]
    assert set(back["origin"].astype(str)) == {"west", "east"}
    assert (back["origin"].astype(str) == chosen.reindex(back.index).map(gw_of_link)).all()
    assert cons["international"].all()  # both gateways are international (the default)
    # one crossing per load, on the link of the gateway it used, in its corridor
    cross = res.crossings.set_index("cid")
    assert cross.index.is_unique
    corridor = {"west": "west", "east": "east"}
    ends = pd.concat([out["destination"], back["origin"]]).astype(str)
    assert (cross["gateway"] == ends.reindex(cross.index)).all()
    assert (cross["corridor"] == ends.reindex(cross.index).map(corridor)).all()
    # the consignment's corridor (the one rule of the KPIs) is its gateway's too
    cc = consignment_corridor(res.consignments, res.links)
    assert (cc.reindex(cross.index) == cross["corridor"]).all()
    # the channel KPI by corridor adds up to the total, and both corridors carry cargo
    k = res.kpis[res.kpis["kpi"] == "channel_teu"].set_index(["scope", "key"])["value"]
    assert k[("corridor", "west")] + k[("corridor", "east")] == pytest.approx(k[("total", "")])
    assert k[("corridor", "east")] > 0.2 * k[("total", "")]
    # conservation: generated = delivered + in the system
    b = res.balance
    assert b["generated_teu"] == pytest.approx(
        b["delivered_teu"] + b["at_nodes_teu"] + b["on_vehicles_teu"])


def test_fixed_routing_sends_every_load_through_the_cheaper_gateway():
    res = hubsim.simulate(build_scenario(two_gateways(choice="fixed")), days=20)
    assert not (res.events["event"] == "chosen").any()
    assert set(res.crossings["gateway"]) == {"west"}
    assert set(res.consignments["destination"].astype(str)) <= {"west", "park"}


def closure_case(update_days: float) -> dict:
    """The west trunk closed on days 20-40 of 60 (loads wait: no re-routing), so only the
    choice can send loads for the market through the other gateway."""
    data = two_gateways(update_days=update_days, smoothing=0.3)
    data["disruptions"] = [{"kind": "link_outage", "start_day": 20, "end_day": 40,
                            "link": ["a", "west"]}]
    return data


def test_closing_a_gateway_link_moves_the_market_to_the_other_gateway_and_back():
    data = closure_case(update_days=1)
    p = closed_form_west(data)
    res = hubsim.simulate(build_scenario(copy.deepcopy(data)))
    weekly = weekly_choice_shares(res.events, res.links, res.window)
    periods = {"before": (0, 14), "during": (21, 35), "after": (49, 60)}
    west = period_shares(weekly, "corridor", periods).loc["west"]
    assert abs(west["before"] - p) < 0.03
    assert west["during"] < 0.05  # 20 days of waiting at 2 USD/h: the sea route wins
    assert abs(west["after"] - p) < 0.05
    # the static choice does not react
    static = hubsim.simulate(build_scenario(closure_case(update_days=0)))
    w0 = weekly_choice_shares(static.events, static.links, static.window)
    assert abs(period_shares(w0, "corridor", {"during": (21, 35)}).loc["west", "during"]
               - p) < 0.04


# --------------------------------------------------------------------------- defaults, checks
def test_markets_no_row_uses_change_nothing():
    # the two-route verification network without and with a market no demand row names:
    # the same events to the bit (markets only act through demand rows)
    data = yaml.safe_load((TESTS / "scenarios" / "two_routes.yaml").read_text())
    with_market = copy.deepcopy(data)
    with_market["markets"] = {"far": {"lat": 1.3, "lon": 103.8, "gateways": {
        "west": {"transit_h": 100, "cost_usd_per_teu": 500}}}}
    a = hubsim.simulate(build_scenario(data), days=15)
    b = hubsim.simulate(build_scenario(with_market), days=15)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.kpis, b.kpis)


def test_market_references_are_checked():
    bad = two_gateways()
    bad["markets"]["europe"]["gateways"]["nowhere"] = {"transit_h": 1}
    with pytest.raises(ScenarioError, match="nowhere"):
        hubsim.load_scenario(_write(bad))
    both = two_gateways()
    both["markets"]["asia"] = {"lat": 1.3, "lon": 103.8,
                               "gateways": {"east": {"transit_h": 100}}}
    both["demand"].append({"origin": "europe", "destination": "asia", "teu_per_year": 10,
                           "tonnes_per_year": 100})
    with pytest.raises(ScenarioError, match="both ends are markets"):
        hubsim.load_scenario(_write(both))
    clash = two_gateways()
    clash["markets"]["park"] = clash["markets"]["europe"]
    with pytest.raises(ScenarioError, match="park"):
        hubsim.load_scenario(_write(clash))
    empty = two_gateways()
    empty["markets"]["europe"]["gateways"] = {}
    with pytest.raises(ScenarioError, match="at least one gateway"):
        hubsim.load_scenario(_write(empty))


def _write(data: dict) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_an_unreachable_market_is_a_route_error():
    data = two_gateways()
    data["markets"]["europe"]["gateways"] = {"west": {"transit_h": 24}}
    data["links"] = [lk for lk in data["links"] if lk["to"] != "west"]
    data["services"] = [s for s in data["services"] if s["to"] != "west"]
    with pytest.raises(ScenarioError, match="market's gateways"):
        hubsim.load_scenario(_write(data))


def test_bundled_market_overlay_offers_corridor_alternatives():
    """The bundled markets overlay: Europe by the CRE (Tuanjie or Guoyuan) or by the Yangtze
    and the sea from Shanghai; ASEAN by the land-sea corridor or by the Yangtze."""
    root = TESTS.parent / "scenarios"
    scn = hubsim.load_scenario(root / "chongqing_2022_markets_choice.yaml")
    g = build_network(scn)
    gws = {key: {a.legs[-1].v if key[1] in scn.markets else a.legs[0].u
                 for a in choice_set(g, scn, *key, k=scn.routing.k_paths)}
           for key in {(d.origin, d.destination, d.cargo) for d in scn.demand
                       if d.origin in scn.markets or d.destination in scn.markets}}
    assert gws
    for (o, d, _), seen in gws.items():
        market = d if d in scn.markets else o
        assert len(seen) >= 2, (o, d, seen)
        assert seen <= set(scn.markets[market].gateways)


def test_departure_queues_follow_the_route_each_load_took(logit_run):
    # loads that drew the route via east never wait for the planned route's first leg
    # (park-a): no phantom queue grows there (analysis.flows.departure_queues)
    _, res = logit_run
    q = res.departure_queues
    end = q.groupby(q["link"].astype(str))["delta"].sum()
    generated = res.events.loc[res.events["event"] == "generated", "teu"].sum()
    # on-demand trucks: what is left at the end is at most a few hours of arrivals
    assert end.get("park-a:road", 0.0) < 0.01 * generated
    assert end.get("park-b:road", 0.0) < 0.01 * generated
    assert (q.loc[q["link"].astype(str) == "park-b:road", "delta"] > 0).any()


def test_a_rerouted_load_joins_the_departure_queue_once():
    # a load re-routed around a closed link is ready twice at its hub (ready, rerouted, ready
    # after its new dwell) and leaves once: counting both joins left 275 TEU on a-b:road at
    # the end of this run although nothing waits there (analysis.flows.departure_queues)
    data = two_gateways(update_days=1, smoothing=0.3)
    data["disruptions"] = [{"kind": "link_outage", "start_day": 20, "end_day": 40,
                            "link": ["a", "west"], "reroute": True}]
    data["links"] += [
        {"from": "b", "to": "west", "mode": "rail", "distance_km": 1500, "transit_h": 60,
         "co2_g_per_tkm": 25, "cost_usd_per_teu": 1500},
        {"from": "a", "to": "b", "mode": "road", "distance_km": 30, "speed_kmh": 50,
         "co2_g_per_tkm": 90, "cost_usd_per_teu": 30}]
    data["services"] += [
        {"id": "train_b", "from": "b", "to": "west", "mode": "rail", "capacity_teu": 50,
         "headway_h": 24},
        {"id": "ab", "from": "a", "to": "b", "mode": "road", "capacity_teu": 2,
         "on_demand": True}]
    res = hubsim.simulate(build_scenario(data))
    ev = res.events
    rerouted = ev.loc[ev["event"] == "rerouted", "cid"]
    assert len(rerouted) > 100
    ready = ev[(ev["event"] == "ready") & ev["cid"].isin(rerouted)]
    assert ready.duplicated(["cid", "node"]).sum() > 100  # the case this test is about
    q = res.departure_queues
    held = q.groupby(q["link"].astype(str))["delta"].sum()
    in_system = res.kpi("backlog_end_teu")
    assert held.get("a-b:road", 0.0) <= in_system + 1e-9
    assert held.get("a-b:road", 0.0) < 5.0  # on-demand trucks: nothing left waiting
    # the queue of every link stays non-negative through the run
    running = q.assign(link=q["link"].astype(str)).groupby("link")["delta"].cumsum()
    assert running.min() > -1e-9


@pytest.mark.slow
def test_bundled_lock_closure_moves_market_cargo_to_the_cre_and_land_sea_corridor():
    """One year of the bundled what-if (docs/markets.md): while the Three Gorges locks are
    shut most Europe- and ASEAN-bound loads cross at Duisburg and Qinzhou, and the shares are
    back near their base at the end of the year."""
    from hubsim.analysis.choice import weekly_market_shares

    scn = hubsim.load_scenario(TESTS.parent / "scenarios"
                               / "whatif_lock_cre_closure_markets_choice.yaml")
    res = hubsim.simulate(scn)
    rows = {i: (d.destination if d.destination in scn.markets else d.origin)
            for i, d in enumerate(scn.demand)
            if d.origin in scn.markets or d.destination in scn.markets}
    w = weekly_market_shares(res.crossings, res.consignments, rows, res.window)
    periods = {"before": (0, 151), "lock": (212, 226), "end": (322, 365)}
    eu = period_shares(w[w["market"] == "europe"], "corridor", periods).loc["west"]
    asean = period_shares(w[w["market"] == "asean"], "corridor", periods).loc["south"]
    assert 0.45 < eu["before"] < 0.7 and eu["lock"] > 0.7
    assert 0.5 < asean["before"] < 0.7 and asean["lock"] > 0.75
    assert abs(eu["end"] - eu["before"]) < 0.15
    assert abs(asean["end"] - asean["before"]) < 0.15
