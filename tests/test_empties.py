"""Empty containers (issue 14 part 2): box pools, repositioning, conservation, opt-in.

* the hand-checkable case: one loaded flow A -> B with a return flow of share s; the empties
  coming back B -> A are the loaded boxes leaving A less the return cargo, (1 - s) x r;
* loaded cargo goes first: a vehicle takes empties only into the room loaded cargo leaves;
* the property: on random small networks no box is created or lost;
* opt-in: a scenario without the section (or with ``enabled: false``) gives the same records.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_conservation import networks

import hubsim
from hubsim.errors import ConservationError, ScenarioError
from hubsim.scenario.build import build_scenario
from hubsim.sim.cargo import CONTAINER, EMPTY, Consignment
from hubsim.sim.empties import Boxes
from hubsim.sim.engine import _Engine
from hubsim.sim.services import Queue


def _pair(share: float, out_teu: float = 7300.0, days: float = 365.0) -> dict:
    """Zone ``a`` and gateway ``b`` joined by road with on-demand trucks (a 24 h trip):
    ``out_teu`` TEU/yr loaded a -> b, ``share`` of that back b -> a, boxes of 5 TEU."""
    data = {
        "name": "pair", "run": {"horizon_days": days + 30, "warmup_days": 30, "seed": 11},
        "hubs": {},
        "zones": {"a": {"lat": 0, "lon": 0}},
        "gateways": {"b": {"lat": 5, "lon": 10, "corridor": "south"}},
        "links": [{"from": "a", "to": "b", "mode": "road", "distance_km": 1200,
                   "transit_h": "24", "co2_g_per_tkm": 90, "cost_usd_per_teu": 800}],
        "services": [{"id": "truck", "from": "a", "to": "b", "mode": "road",
                      "capacity_teu": 5, "on_demand": True}],
        "demand": [{"origin": "a", "destination": "b", "teu_per_year": out_teu,
                    "tonnes_per_year": out_teu * 10, "batch_mean": 5, "batch_dist": "fixed"},
                   {"origin": "b", "destination": "a", "teu_per_year": out_teu * share,
                    "tonnes_per_year": out_teu * share * 10, "batch_mean": 5,
                    "batch_dist": "fixed"}],
        "empties": {"review_days": 1, "cover_days": 7, "initial_cover_days": 14,
                    "return_share": {"south": {"share": share, "source": "test"}}},
    }
    if share == 0:
        data["demand"].pop()
    return data


def test_empties_come_back_at_the_loaded_rate_less_the_return_share():
    share, out = 0.43, 7300.0
    res = hubsim.simulate(build_scenario(_pair(share, out)))
    cons, ev = res.consignments, res.events
    warm = 30 * 24.0
    gen = ev[(ev["event"] == "generated") & (ev["t_h"] >= warm)]
    kind = gen["cid"].map(cons.set_index("cid")["cargo"].astype(str))
    origin = gen["node"].astype(str)
    empty_ba = gen.loc[(kind == "empty") & (origin == "b"), "teu"].sum()
    loaded_ab = gen.loc[(kind == "container") & (origin == "a"), "teu"].sum()
    loaded_ba = gen.loc[(kind == "container") & (origin == "b"), "teu"].sum()
    # no empty ever goes a -> b: a is the short end
    assert gen.loc[(kind == "empty") & (origin == "a"), "teu"].sum() == 0
    # the realised flows: what left a loaded and did not come back loaded comes back empty,
    # give or take the change of the pools' stock over the year (a week of cover each way)
    cover = out / 365.0 * 7
    assert abs(empty_ba - (loaded_ab - loaded_ba)) <= 2 * cover
    # and the expected rate: (1 - s) x r, within the Poisson noise of one year (~6% here)
    assert empty_ba == pytest.approx((1 - share) * out, rel=0.12)
    # the KPIs say the same
    k = res.kpis.set_index(["kpi", "scope", "key"])["value"]
    assert k[("empty_teu_moved", "corridor", "south")] == pytest.approx(empty_ba, rel=0.02)
    assert k[("empty_teu_moved", "total", "")] == pytest.approx(empty_ba, rel=0.02)
    assert k[("return_share", "corridor", "south")] == pytest.approx(share, rel=0.12)
    assert k[("empty_share", "total", "")] == pytest.approx(
        empty_ba / (empty_ba + loaded_ab + loaded_ba), rel=0.05)
    assert k[("repositioning_cost", "total", "")] == pytest.approx(800 * empty_ba, rel=0.02)


def test_a_balanced_pair_needs_no_empties_after_the_start():
    # CRE-like: as many boxes come back loaded as leave; only noise is repositioned
    res = hubsim.simulate(build_scenario(_pair(1.0, 3650.0)))
    k = res.kpis.set_index(["kpi", "scope", "key"])["value"]
    assert k[("empty_teu_moved", "total", "")] < 0.1 * 3650.0


def test_short_pool_makes_loads_wait_for_boxes():
    data = _pair(0.0, 3650.0, days=60)
    data["empties"]["initial_teu"] = {"a": 0, "b": 0}
    res = hubsim.simulate(build_scenario(data))
    ev = res.events
    # no box anywhere: nothing leaves a; every load waits until the end
    assert (ev["event"] == "depart").sum() == 0
    waits = ev[ev["event"] == "box_wait"]
    assert len(waits) == (ev["event"] == "generated").sum() > 0
    assert res.balance["boxes_total"] == 0
    k = res.kpis.set_index(["kpi", "scope", "key"])["value"]
    assert k[("box_wait_mean_h", "total", "")] > 24


def _engine(data: dict) -> _Engine:
    scn = build_scenario(data)
    return _Engine(scn, scn.run.seed, scn.run.horizon_days * 24, scn.run.warmup_days * 24)


def _load(eng: _Engine, teu: float, cargo: int) -> Consignment:
    route = eng.ctx.routes[("a", "b", "container")]
    return Consignment(cid=eng.ledger.new_cid(), load=teu, teu=teu, tonnes=0.0, intl=False,
                       route=route, leg=0, node="a", dest="b", created=0.0, since=0.0,
                       depot=False, demand=-1, cargo=cargo)


def test_a_vehicle_takes_empties_only_into_the_room_loaded_cargo_leaves():
    eng = _engine(_pair(0.5))
    q = Queue()
    first_empty = _load(eng, 40, EMPTY)
    q.put(first_empty)  # queued first, yet goes after the loaded boxes
    loaded = [_load(eng, 30, CONTAINER), _load(eng, 25, CONTAINER)]
    for c in loaded:
        q.put(c)
    eng.ledger.at_node.update({c.cid: c for c in [first_empty, *loaded]})
    take = eng.services._take(q, 80, "a")
    assert [c.cargo for c in take] == [CONTAINER, CONTAINER, EMPTY]
    assert [c.teu for c in take] == [30, 25, 25]  # the empty split to the 25 TEU left
    assert list(q.spare) == [first_empty] and first_empty.teu == 15
    assert q.load == pytest.approx(15)
    # full of loaded cargo: no empty goes
    q2 = Queue()
    q2.put(_load(eng, 10, EMPTY))
    q2.put(_load(eng, 80, CONTAINER))
    assert [c.cargo for c in eng.services._take(q2, 80, "a")] == [CONTAINER]


def test_the_review_serves_the_shortest_node_from_the_cheapest_surplus():
    data = _pair(0.5)
    data["zones"]["c"] = {"lat": 0, "lon": 1}
    data["gateways"]["d"] = {"lat": 0, "lon": 20, "corridor": "east"}
    data["links"] += [
        {"from": "c", "to": "b", "mode": "road", "distance_km": 1200, "transit_h": "24",
         "co2_g_per_tkm": 90, "cost_usd_per_teu": 500},
        {"from": "a", "to": "d", "mode": "road", "distance_km": 1200, "transit_h": "24",
         "co2_g_per_tkm": 90, "cost_usd_per_teu": 300},
        {"from": "c", "to": "d", "mode": "road", "distance_km": 1200, "transit_h": "24",
         "co2_g_per_tkm": 90, "cost_usd_per_teu": 900}]
    data["services"] += [
        {"id": f"t{u}{v}", "from": u, "to": v, "mode": "road", "capacity_teu": 5,
         "on_demand": True} for u, v in (("c", "b"), ("a", "d"), ("c", "d"))]
    data["demand"].append({"origin": "c", "destination": "b", "teu_per_year": 3650,
                           "tonnes_per_year": 0, "batch_mean": 5, "batch_dist": "fixed"})
    # a needs 7 x 20 = 140 TEU, c 7 x 10 = 70; b and d hold 100 and 100 beyond their targets
    data["empties"]["initial_teu"] = {"a": 0, "c": 0, "b": 100 + 70, "d": 100}
    eng = _engine(data)
    boxes = eng.boxes
    assert isinstance(boxes, Boxes)
    sent: list[tuple[str, str, float]] = []
    boxes.onward = lambda c, gate_in: sent.append((c.node, c.dest, c.teu))
    boxes.reposition()
    # a (short 140) first: from d (300 USD/TEU) before b (800); then c (70) from b (500)
    assert sent == [("d", "a", 100.0), ("b", "a", 40.0), ("b", "c", 60.0)]
    assert boxes.inbound["a"] == 140 and boxes.inbound["c"] == 60
    boxes.reposition()  # nothing left to send: a is covered, b and d are at target
    assert len(sent) == 3


# ---------------------------------------------------------------- conservation
@st.composite
def networks_with_empties(draw):
    data = draw(networks())
    nodes = list(data["hubs"]) + list(data["zones"]) + list(data["gateways"])
    stocks = draw(st.dictionaries(st.sampled_from(nodes), st.integers(0, 400)))
    data["empties"] = {"initial_teu": stocks,
                       "initial_cover_days": draw(st.floats(0, 30)),
                       "review_days": draw(st.floats(0.25, 5)),
                       "cover_days": draw(st.floats(0, 20)),
                       "min_batch_teu": draw(st.sampled_from([1, 5, 20]))}
    return data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks_with_empties())
def test_random_networks_conserve_boxes(data):
    res = hubsim.simulate(build_scenario(data))  # the engine checks boxes at the end
    bal, ev, cons = res.balance, res.events, res.consignments
    assert bal["boxes_total"] == pytest.approx(
        bal["boxes_in_pools"] + bal["boxes_loaded"] + bal["boxes_empty"], abs=1e-6)
    assert min(bal["boxes_in_pools"], bal["boxes_loaded"], bal["boxes_empty"]) >= -1e-6
    # the empties under way, from the events alone, are the engine's
    kind = ev["cid"].map(cons.set_index("cid")["cargo"].astype(str))
    empty_ev = ev[kind == "empty"]
    under_way = (empty_ev.loc[empty_ev["event"] == "generated", "teu"].sum()
                 - empty_ev.loc[empty_ev["event"] == "delivered", "teu"].sum())
    assert under_way == pytest.approx(bal["boxes_empty"], abs=1e-3)
    # empties carry no tonnes and never count as international
    assert (cons.loc[cons["cargo"] == "empty", "tonnes"] == 0).all()
    assert not cons.loc[cons["cargo"] == "empty", "international"].any()
    # a vehicle never leaves with more than it can carry, empties included
    assert (res.trips["load"] <= res.trips["capacity"] + 1e-6).all()


def test_box_check_is_live(monkeypatch):
    def lose(self, c):  # boxes vanish at the destination instead of joining its pool
        return None
    monkeypatch.setattr(Boxes, "delivered", lose)
    with pytest.raises(ConservationError, match="boxes"):
        hubsim.simulate(build_scenario(_pair(0.43, days=30)))


# ---------------------------------------------------------------- opt-in
def _frames(res):
    return [res.events, res.consignments, res.trips]


def test_no_section_and_disabled_section_give_the_same_records(tiny_path):
    data = yaml.safe_load(tiny_path.read_text())
    base = hubsim.simulate(build_scenario(data), days=20)
    off = copy.deepcopy(data)
    off["empties"] = {"enabled": False, "initial_teu": {"park": 5}}
    same = hubsim.simulate(build_scenario(off), days=20)
    for a, b in zip(_frames(base), _frames(same), strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert list(base.consignments["cargo"].cat.categories) == ["container", "air"]
    assert not any(k.startswith("boxes_") for k in base.balance)
    assert not base.kpis["kpi"].isin(["empty_teu_moved", "empty_share"]).any()
    on = copy.deepcopy(data)
    on["empties"] = {}
    res = hubsim.simulate(build_scenario(on), days=20)
    assert "empty" in res.consignments["cargo"].cat.categories
    assert res.kpis["kpi"].eq("empty_teu_moved").any()


def test_the_section_is_checked(tiny_path):
    data = yaml.safe_load(tiny_path.read_text())
    data["empties"] = {"initial_teu": {"nowhere": 5}}
    with pytest.raises(ScenarioError, match=r"empties\.initial_teu\.nowhere: unknown node"):
        build_scenario(data)
    data["empties"] = {"return_share": {"mars": {"share": 1}}}
    with pytest.raises(ScenarioError, match="unknown corridor 'mars'; known: east, west"):
        build_scenario(data)
    data["empties"] = {"initial_teu": {"park": 2.5}}
    with pytest.raises(ScenarioError, match="whole number"):
        build_scenario(data)




def test_results_folder_has_the_empties_table(tmp_path, tiny_path):
    from hubsim.present.output import write_results

    res = hubsim.simulate(build_scenario(_pair(0.43, days=30)))
    table = res.empties
    assert list(table["corridor"]) == ["south"]
    row = table.iloc[0]
    assert row["empty_teu_moved"] == pytest.approx(res.kpi("empty_teu_moved", "corridor", "south"))
    assert row["return_share_published"] == 0.43 and row["return_share_source"] == "test"
    # the channel figures leave the empties out, as channel_teu does
    assert res.crossings["teu"].sum() > 0
    assert not res.crossings["cid"].isin(
        res.consignments.loc[res.consignments["cargo"] == "empty", "cid"]).any()
    # the results folder: empties.csv with an empties section, none without
    data = yaml.safe_load(tiny_path.read_text())
    base = hubsim.simulate(build_scenario(data), days=20)
    assert base.empties.empty
    assert not (write_results(base, tmp_path / "base") / "empties.csv").exists()
    data["empties"] = {"return_share": {"east": {"share": 0.5}}}
    on = hubsim.simulate(build_scenario(data), days=20)
    folder = write_results(on, tmp_path / "on", report=True)
    out = pd.read_csv(folder / "empties.csv")
    assert set(out["corridor"]) == {"east", "west"}
    assert out.set_index("corridor").loc["east", "return_share_published"] == 0.5
    report = (folder / "report.html").read_text()
    assert 'id="empties"' in report and "return share (published)" in report
    assert 'id="empties"' not in (write_results(base, tmp_path / "b2", report=True)
                                  / "report.html").read_text()
