"""A link's transit time per direction: ``transit_back_h`` for runs from its ``to`` end
(the Yangtze upstream, a slower road back), ``transit_h`` the other way; routing and the
flows' expected times read the same figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hubsim
from hubsim.errors import ScenarioError
from hubsim.sim.network import build_network

TINY = Path(__file__).resolve().parent / "scenarios" / "tiny.yaml"
CRE = "links.rail-west:rail"


def _scenario(**changes: object) -> hubsim.Scenario:
    return hubsim.apply_changes(hubsim.load_scenario(TINY), {
        f"{CRE}.transit_h": 300, f"{CRE}.transit_back_h": 500, **changes})


def test_each_direction_runs_on_its_own_time():
    res = hubsim.simulate(_scenario())
    tr = res.trips[res.trips["service"] == "cre"].dropna(subset=["arrive_h"])
    took = (tr["arrive_h"] - tr["depart_h"]).groupby(tr["from"]).mean()
    assert took["rail"] == pytest.approx(300)  # from the link's `from` end
    assert took["west"] == pytest.approx(500)  # back from its `to` end


def test_routing_and_expected_times_read_the_direction():
    scn = _scenario()
    g = build_network(scn)
    assert g.edges["rail", "west", "rail"]["transit_h"] == 300
    assert g.edges["west", "rail", "rail"]["transit_h"] == 500
    lk = next(lk for lk in scn.links if lk.to == "west")
    assert lk.mean_transit_from("west") == 500 and lk.mean_transit_from("rail") == 300


def test_without_it_both_directions_share_transit_h():
    scn = hubsim.apply_changes(hubsim.load_scenario(TINY), {f"{CRE}.transit_h": 300})
    res = hubsim.simulate(scn)
    tr = res.trips[res.trips["service"] == "cre"].dropna(subset=["arrive_h"])
    assert len(tr) > 20 and set(tr["from"]) == {"rail", "west"}
    assert np.allclose(tr["arrive_h"] - tr["depart_h"], 300)


def test_a_back_time_needs_a_forward_time():
    with pytest.raises(ScenarioError, match="transit_back_h needs transit_h"):
        hubsim.apply_changes(hubsim.load_scenario(TINY), {
            "links.park-rail:road.transit_back_h": 2})


def test_a_back_time_out_of_the_modes_speed_range_is_refused():
    # 11,000 km in 30 h: a days-for-hours slip, named with its field
    with pytest.raises(ScenarioError, match=r"rail-west:rail.transit_back_h: a mean of 30 h "
                                            r"over 11,000 km"):
        hubsim.apply_changes(hubsim.load_scenario(TINY), {
            f"{CRE}.transit_h": 300, f"{CRE}.transit_back_h": 30})
