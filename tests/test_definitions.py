"""The official-definition KPIs on hand-computed cases (analysis/definitions.py and the areas'
lifts): CRE train equivalents, the land-sea corridor over its three modes and by origin,
foreign-trade TEU counting each consignment once, and an area's container lifts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import hubsim
from hubsim.analysis.definitions import CRE_TEU, definition_summary

TINY = Path(__file__).resolve().parent / "scenarios" / "tiny.yaml"

#: t_h, cid, teu, tonnes, direction, mode, corridor, international
CROSSINGS = [
    (10.0, 1, 41.0, 400.0, "out", "rail", "west", True),     # CRE west, local export
    (20.0, 2, 82.0, 900.0, "in", "rail", "north", False),    # CRE north, domestic
    (30.0, 3, 10.0, 100.0, "out", "rail", "south", True),    # rail-sea via Qinzhou
    (40.0, 4, 6.0, 50.0, "out", "road", "south", True),      # cross-border truck
    (15.0, 10, 10.0, 100.0, "out", "rail", "west", True),    # part split off box 1
    (50.0, 5, 20.0, 200.0, "in", "water", "east", True),     # transit: in on the Yangtze...
    (60.0, 5, 12.0, 120.0, "out", "rail", "west", True),     # ...out on the CRE, split:
    (62.0, 9, 8.0, 80.0, "out", "rail", "west", True),       # the rest on the next train
    (70.0, 6, 8.0, 80.0, "out", "rail", "south", True),      # south, passing through
    (80.0, 7, 0.0, 5.0, "out", "air", "air_international", True),  # air: no TEU
    (999.0, 8, 50.0, 500.0, "out", "rail", "west", True),    # outside the window
]
#: cid: (origin, destination, parent)
ENDS = {1: ("park", "duisburg", -1), 2: ("manzhouli", "park", -1), 3: ("park", "qinzhou", -1),
        4: ("park", "hanoi", -1), 5: ("shanghai", "duisburg", -1), 6: ("chengdu", "qinzhou", -1),
        7: ("park", "overseas", -1), 8: ("park", "duisburg", -1), 9: ("shanghai", "duisburg", 5),
        10: ("park", "duisburg", 1)}


def _rows() -> dict[tuple[str, str, str], float]:
    cross = pd.DataFrame(CROSSINGS, columns=["t_h", "cid", "teu", "tonnes", "direction",
                                             "mode", "corridor", "international"])
    cons = pd.DataFrame([(c, o, d, p) for c, (o, d, p) in ENDS.items()],
                        columns=["cid", "origin", "destination", "parent"])
    rows = definition_summary(cross, cons, pd.Index(["park"]), cross["t_h"] < 100, 2.0)
    return {(r["kpi"], r["scope"], r["key"]): r["value"] for r in rows}


def test_cre_trains_are_teu_over_82_on_the_cre_rail_links():
    v = _rows()
    # west: 41 + 10 (box 1 in two parts) + 12 + 8 (the transit box's CRE legs) TEU; north
    # 82; per year x2
    assert v["cre_train_equivalents", "corridor", "west"] == pytest.approx(71 / CRE_TEU * 2)
    assert v["cre_train_equivalents", "corridor", "north"] == pytest.approx(2.0)
    assert v["cre_train_equivalents", "total", ""] == pytest.approx((71 + 82) / 82 * 2)


def test_the_land_sea_corridor_counts_its_three_modes_and_where_boxes_come_from():
    v = _rows()
    assert v["ilstc_teu", "total", ""] == pytest.approx((10 + 6 + 8) * 2)
    assert v["ilstc_teu", "mode", "rail"] == pytest.approx(18 * 2)
    assert v["ilstc_teu", "mode", "road"] == pytest.approx(6 * 2)
    assert v["ilstc_teu", "origin", "inside"] == pytest.approx(16 * 2)   # boxes 3 and 4
    assert v["ilstc_teu", "origin", "outside"] == pytest.approx(8 * 2)   # box 6, Chengdu


def test_foreign_trade_teu_counts_each_consignment_once():
    v = _rows()
    # international boxes 1 (with its split part 10), 3, 4, 5 (once, on its way in: its
    # parts 5 and 9 on the way out are the same box), 6; not 2 (domestic)
    assert v["foreign_trade_teu", "total", ""] == pytest.approx((51 + 10 + 6 + 20 + 8) * 2)
    assert v["foreign_trade_teu", "corridor", "east"] == pytest.approx(20 * 2)
    assert v["foreign_trade_teu", "corridor", "west"] == pytest.approx(51 * 2)


def test_an_areas_lifts_are_the_teu_lifted_on_its_mode():
    res = hubsim.simulate(hubsim.load_scenario(TINY))
    ev = res.events
    w = res.window
    lifts = ev[w.mask(ev["t_h"]) & ev["event"].isin(["lift_on", "lift_off"])
               & (ev["node"] == "port")]
    assert res.kpi("area_lifts_teu", "area", "port:shared") == pytest.approx(
        lifts["teu"].sum() * w.per_year)
    assert res.kpi("area_lifts_teu", "area", "port:shared") > 0


def test_each_area_counts_only_its_own_modes_lifts():
    """Guoyuan has a quay, a rail and a road area: each area's lifts are the lift events at
    Guoyuan on links of its mode, and the three add up to the hub's lifts."""
    scn = hubsim.load_scenario(TINY.parents[2] / "scenarios" / "chongqing_2022_actual.yaml")
    res = hubsim.simulate(scn, days=15)
    ev, w = res.events, res.window
    lifts = ev[w.mask(ev["t_h"]) & ev["event"].isin(["lift_on", "lift_off"])
               & (ev["node"] == "guoyuan")]
    mode = lifts["link"].map(res.links["mode"]).astype(str).to_numpy()
    for m in ("water", "rail", "road"):
        hand = lifts.loc[mode == m, "teu"].sum() * w.per_year
        assert res.kpi("area_lifts_teu", "area", f"guoyuan:{m}") == pytest.approx(hand)
        assert hand > 0
    assert sum(res.kpi("area_lifts_teu", "area", f"guoyuan:{m}")
               for m in ("water", "rail", "road")) == pytest.approx(
        res.kpi("hub_lifts_teu", "hub", "guoyuan"))
