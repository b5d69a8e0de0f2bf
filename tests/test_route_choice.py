"""Route and mode choice (issue 14 part 1): the logit split against its closed form on two
routes, the k least-cost routes on a small network, the fixed choice unchanged, and the
dynamic updates moving away from a closed route without oscillating."""

from __future__ import annotations

import copy
import itertools
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import yaml

import hubsim
from hubsim.analysis.choice import (
    period_shares,
    reversals,
    weekly_choice_shares,
    weekly_crossing_shares,
)
from hubsim.scenario.build import build_scenario
from hubsim.sim.choice import RouteChoice, choice_set, logit_shares
from hubsim.sim.network import build_network, route_table

TESTS = Path(__file__).resolve().parent
TWO = TESTS / "scenarios" / "two_routes.yaml"
#: z of a two-sided 99% interval
Z99 = 2.5758293035489


def two_routes(**routing) -> dict:
    data = yaml.safe_load(TWO.read_text())
    data["routing"].update(routing)
    return data


def closed_form_p1(data: dict) -> float:
    """P(route via hub a) = 1 / (1 + exp(-theta (C_b - C_a))), the costs computed here from
    the scenario's figures: road to the hub (distance / speed), one transfer penalty, the
    trunk leg's charge and fixed transit; trucks on demand (no headway wait), no dwell."""
    r = {"value_of_time_usd_per_teu_h": 2.0, "transfer_penalty_usd": 40.0, **data["routing"]}
    vot, pen, theta = (r["value_of_time_usd_per_teu_h"], r["transfer_penalty_usd"],
                       r["logit_scale_per_usd"])
    links = {(lk["from"], lk["to"]): lk for lk in data["links"]}

    def cost(hub: str) -> float:
        feeder, trunk = links[("park", hub)], links[(hub, "west")]
        return (feeder["cost_usd_per_teu"] + pen + vot * feeder["distance_km"]
                / feeder["speed_kmh"] + trunk["cost_usd_per_teu"] + vot * trunk["transit_h"])

    return 1.0 / (1.0 + math.exp(-theta * (cost("b") - cost("a"))))


# --------------------------------------------------------------------------- closed form
def test_logit_shares_are_the_closed_form():
    p = logit_shares([100.0, 250.0, math.inf], 0.02)
    e = np.exp([-2.0, -5.0])
    assert p == pytest.approx([e[0] / e.sum(), e[1] / e.sum(), 0.0], abs=1e-12)
    assert logit_shares([math.inf, math.inf], 0.01).tolist() == [0.5, 0.5]
    # large costs do not overflow: only differences matter
    assert logit_shares([1e6, 1e6 + 100], 0.01) == pytest.approx(logit_shares([0, 100], 0.01))


@pytest.mark.parametrize("theta", [0.01, 0.004])
def test_two_route_split_matches_the_closed_form_logit(theta):
    data = two_routes(logit_scale_per_usd=theta)
    p1 = closed_form_p1(data)
    res = hubsim.simulate(build_scenario(copy.deepcopy(data)))
    ch = res.events[res.events["event"] == "chosen"]
    n = len(ch)
    via_a = int((ch["link"].astype(str) == "a-west:road").sum())
    half = Z99 * math.sqrt(p1 * (1 - p1) / n)
    assert n > 5000
    assert abs(via_a / n - p1) < half, (via_a / n, p1, half)
    # the probability recorded with each draw is the closed form too
    p_rec = ch.loc[ch["link"].astype(str) == "a-west:road", "dur_h"].unique()
    assert p_rec == pytest.approx([p1], abs=1e-6)
    # and the loads went the way they drew: crossings by link match the choices
    cross = res.crossings
    assert cross["link"].isin(["a-west:road", "b-west:road"]).all()


def test_choice_set_costs_are_the_fixed_routings_costs():
    scn = build_scenario(two_routes())
    alts = choice_set(build_network(scn), scn, "park", "west", "container", k=3)
    assert len(alts) == 2  # only two loopless routes exist
    assert [a.legs[0].v for a in alts] == ["a", "b"]
    assert alts[1].cost - alts[0].cost == pytest.approx(100.0)
    for a in alts:
        assert a.cost == pytest.approx(a.money + 2.0 * a.time_h)


# --------------------------------------------------------------------------- k paths
def grid(k_modes: bool = True) -> dict:
    """A small network with four routes from zone z to gateway g: via h1, via h2, via h1 then
    h2, and (with ``k_modes``) via h1 by rail instead of road on the last leg."""
    hub = {"lat": 0, "lon": 0, "equipment": 2, "moves_per_hour": 20, "yard_teu": 1000}
    links = [
        {"from": "z", "to": "h1", "mode": "road", "cost_usd_per_teu": 10},
        {"from": "z", "to": "h2", "mode": "road", "cost_usd_per_teu": 30},
        {"from": "h1", "to": "h2", "mode": "road", "cost_usd_per_teu": 5},
        {"from": "h1", "to": "g", "mode": "road", "cost_usd_per_teu": 100},
        {"from": "h2", "to": "g", "mode": "road", "cost_usd_per_teu": 90},
    ]
    if k_modes:
        links.append({"from": "h1", "to": "g", "mode": "rail", "cost_usd_per_teu": 95})
    for lk in links:
        lk.update(distance_km=100, transit_h=1, co2_g_per_tkm=50)
    services = [{"id": f"s{i}", "from": lk["from"], "to": lk["to"], "mode": lk["mode"],
                 "capacity_teu": 2, "on_demand": True} for i, lk in enumerate(links)]
    return {"name": "grid", "run": {"horizon_days": 5, "warmup_days": 0, "seed": 1},
            "routing": {"transfer_penalty_usd": 0, "value_of_time_usd_per_teu_h": 0},
            "hubs": {"h1": dict(hub), "h2": dict(hub)}, "zones": {"z": {"lat": 0, "lon": 0}},
            "gateways": {"g": {"lat": 0, "lon": 1, "corridor": "west"}},
            "links": links, "services": services,
            "demand": [{"origin": "z", "destination": "g", "teu_per_year": 100,
                        "tonnes_per_year": 1000}]}


def brute_force(scn, cargo="container"):
    """Every loopless route from z to g through hubs with every mode, costs by hand."""
    g = build_network(scn)
    simple = nx.DiGraph((u, v) for u, v in g.edges() if u != "g" and v != "z")
    out = []
    for nodes in nx.all_simple_paths(simple, "z", "g"):
        options = [[(d["cost_usd_per_teu"], m) for m, d in g[u][v].items()]
                   for u, v in itertools.pairwise(nodes)]
        for combo in itertools.product(*options):
            out.append((sum(c for c, _ in combo), tuple(nodes), tuple(m for _, m in combo)))
    return sorted(out)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 6])
def test_k_least_cost_routes_with_modes_as_alternatives(k):
    scn = build_scenario(grid())
    alts = choice_set(build_network(scn), scn, "z", "g", "container", k=k)
    expected = brute_force(scn)[:k]
    got = [(a.cost, (a.legs[0].u, *(leg.v for leg in a.legs)),
            tuple(leg.mode for leg in a.legs)) for a in alts]
    assert got == expected
    # h1 -> g by rail (95) and by road (100) are two alternatives on one node path
    if k >= 3:
        assert {("z", "h1", "g")} == {n for _, n, m in got[:3] if n == ("z", "h1", "g")}
        assert sum(1 for _, n, _ in got if n == ("z", "h1", "g")) == 2


def test_the_cheapest_alternative_is_the_fixed_route():
    for data in (grid(), grid(k_modes=False), two_routes()):
        scn = build_scenario(data)
        g = build_network(scn)
        for key, legs in route_table(g, scn).items():
            assert choice_set(g, scn, *key, k=3)[0].legs == legs


def test_bundled_network_alternatives_are_the_ones_documented():
    scn = hubsim.load_scenario(TESTS.parent / "scenarios" / "chongqing_2022_target.yaml")
    g = build_network(scn)
    pairs = {(d.origin, d.destination, d.cargo) for d in scn.demand}
    with_alts = {p for p in pairs if len(choice_set(g, scn, *p, k=3)) > 1}
    assert {d for _, d, _ in with_alts if d in scn.gateways} | \
        {o for o, _, _ in with_alts if o in scn.gateways} == {"duisburg", "vientiane"}
    assert len(with_alts) == 9


# --------------------------------------------------------------------------- fixed default
def test_fixed_choice_is_the_default_and_draws_nothing(tiny_path):
    scn = hubsim.load_scenario(tiny_path)
    assert scn.routing.choice == "fixed"
    res = hubsim.simulate(scn, days=20)
    assert not (res.events["event"] == "chosen").any()
    assert weekly_choice_shares(res.events, res.links, res.window).empty


def test_logit_with_one_route_per_pair_moves_nothing(tiny_path):
    # tiny has one route per pair: logit draws and records nothing, and every other stream
    # is untouched, so the events are the fixed choice's to the bit
    base = hubsim.load_scenario(tiny_path)
    logit = hubsim.apply_changes(base, {"routing.choice": "logit", "routing.update_days": 2})
    a, b = hubsim.simulate(base, days=20), hubsim.simulate(logit, days=20)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.kpis, b.kpis)


# --------------------------------------------------------------------------- dynamic
def closure_case(update_days: float, smoothing: float = 0.3) -> dict:
    """The two routes, with the cheaper one's trunk closed on days 20-40 of 60 (loads wait:
    no re-routing), so only the choice can move loads to the other route."""
    data = two_routes(update_days=update_days, smoothing=smoothing)
    data["run"]["horizon_days"] = 60
    data["disruptions"] = [{"kind": "link_outage", "start_day": 20, "end_day": 40,
                            "link": ["a", "west"]}]
    return data


def test_dynamic_choice_moves_away_from_a_closed_route_and_back():
    data = closure_case(update_days=1)
    p1 = closed_form_p1(data)
    res = hubsim.simulate(build_scenario(copy.deepcopy(data)))
    weekly = weekly_choice_shares(res.events, res.links, res.window)
    shares = period_shares(weekly, "link", {"before": (0, 14), "during": (21, 35),
                                             "after": (49, 60)}).loc["a-west:road"]
    assert abs(shares["before"] - p1) < 0.03
    assert shares["during"] < 0.05  # 20 days x 2 USD/h to wait: hardly anyone chooses it
    assert abs(shares["after"] - p1) < 0.05  # back once it reopened and its queue cleared
    # the static choice keeps the closed route's share
    static = hubsim.simulate(build_scenario(closure_case(update_days=0)))
    w0 = weekly_choice_shares(static.events, static.links, static.window)
    s0 = period_shares(w0, "link", {"during": (21, 35)}).loc["a-west:road"]
    assert abs(s0["during"] - p1) < 0.04


def update_history(data: dict) -> tuple[np.ndarray, np.ndarray]:
    """Days and share of the route via ``a`` at every update of a run of ``data``."""
    from hubsim.sim.engine import _Engine

    scn = build_scenario(copy.deepcopy(data))
    eng = _Engine(scn, scn.run.seed, 24.0 * scn.run.horizon_days, 0.0)
    eng.start()
    eng.env.run(until=24.0 * scn.run.horizon_days)
    assert isinstance(eng.choice, RouteChoice)
    hist = eng.choice.history
    return np.array([h for h, _, _ in hist]) / 24.0, np.array([s[0] for _, _, s in hist])


def test_dynamic_shares_are_damped():
    # the share of the closed route, update by update: it falls, stays down and recovers,
    # without swinging back and forth (reversals: direction changes of more than 0.02)
    t, p = update_history(closure_case(update_days=1, smoothing=0.3))
    assert len(p) == 59  # days 1 to 59
    assert reversals(p, tol=0.02) <= 1  # down during the closure, up after: one turn
    assert p[(t > 21) & (t < 32)].max() < 0.05
    assert p[t > 55].min() > closed_form_p1(closure_case(1)) - 0.05
    # smoothing damps: without it (weight 1 for each new observation) the share jumps
    # further at the closure's start than with weight 0.3
    _, raw = update_history(closure_case(update_days=1, smoothing=1.0))
    assert np.abs(np.diff(raw)).max() > np.abs(np.diff(p)).max() + 0.1
    assert reversals(raw, tol=0.02) <= 1


def test_weekly_crossing_shares_add_up_per_week():
    res = hubsim.simulate(build_scenario(closure_case(update_days=1)))
    w = weekly_crossing_shares(res.crossings, res.window, by="link")
    assert np.allclose(w.groupby("week")["share"].sum(), 1.0)
    assert w["teu"].sum() == pytest.approx(
        res.crossings.loc[res.window.mask(res.crossings["t_h"]), "teu"].sum())


def test_reversals_counts_swings_only():
    assert reversals(np.linspace(0.7, 0.1, 20), tol=0.01) == 0
    assert reversals(0.5 + 0.2 * (-1.0) ** np.arange(10), tol=0.01) == 8
    assert reversals([0.5, 0.505, 0.5, 0.505], tol=0.01) == 0  # noise under the tolerance


def test_share_figures_draw_one_line_per_corridor_and_route():
    from hubsim.present.choice_plots import choice_shares, crossing_shares

    res = hubsim.simulate(build_scenario(closure_case(update_days=1)))
    fig = crossing_shares(weekly_crossing_shares(res.crossings, res.window, "corridor"),
                          "corridor", "closure", {"closed": (20, 40)})
    assert [ln.get_label() for ln in fig.axes[0].get_lines()] == ["south"]
    fig = choice_shares(weekly_choice_shares(res.events, res.links, res.window), "closure")
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert labels == ["a-west:road via a", "b-west:road via b"]


def test_results_folder_of_a_logit_run_has_the_share_tables_and_figures(tmp_path):
    from hubsim.present.output import write_results

    data = two_routes()
    data["run"]["horizon_days"] = 15
    res = hubsim.simulate(build_scenario(data))
    folder = write_results(res, tmp_path / "run")
    chosen = pd.read_csv(folder / "route_choice_weekly.csv")
    assert set(chosen["link"]) == {"a-west:road", "b-west:road"}
    assert chosen["teu"].sum() == pytest.approx(
        res.events.loc[res.events["event"] == "chosen", "teu"].sum())
    shares = pd.read_csv(folder / "channel_shares_weekly.csv")
    assert set(shares["by"]) == {"corridor", "mode"}
    assert np.allclose(shares.groupby(["by", "week"])["share"].sum(), 1.0)
    assert (folder / "route_choice.png").stat().st_size > 0
    assert (folder / "corridor_shares.png").stat().st_size > 0
