"""Scheduled vehicles keep their timetable, and lock positions are read per direction.

Deterministic cases (fixed handling, transit and lock times) whose departure and arrival times
follow by hand from the rules in :mod:`hubsim.sim.engine` (and :mod:`hubsim.sim.services`).
"""

from __future__ import annotations

import numpy as np
import pytest

import hubsim


def slow_loading_dict(headway_h: float, rate: float) -> dict:
    """A hub whose outbound train takes longer to load than its headway."""
    return {
        "name": "slow_loading",
        "run": {"horizon_days": 20, "warmup_days": 1, "seed": 5},
        "hubs": {"h": {"lat": 0, "lon": 0, "equipment": 6, "moves_per_hour": rate,
                       "yard_teu": 1e6}},
        "gateways": {"g": {"lat": 0, "lon": 1, "corridor": "west"}},
        "links": [{"from": "h", "to": "g", "mode": "rail", "distance_km": 100,
                   "speed_kmh": 50, "co2_g_per_tkm": 20}],
        "services": [{"id": "train", "from": "h", "to": "g", "mode": "rail",
                      "capacity_teu": 100, "headway_h": headway_h, "bidirectional": False}],
        # 10 TEU/h: about 40 TEU per 4-h slot, 8 h of loading at 5 TEU/h
        "demand": [{"origin": "h", "destination": "g", "teu_per_year": 10 * 8760,
                    "batch_dist": "fixed", "batch_mean": 1}],
    }


def test_loading_longer_than_headway_keeps_every_departure(make_scenario):
    headway, rate = 4.0, 5.0
    scn = make_scenario(slow_loading_dict(headway, rate))
    res = hubsim.simulate(scn, seed=5)
    trips = res.trips.sort_values("scheduled_h")
    horizon_h = scn.run.horizon_days * 24.0
    loading = (trips["depart_h"] - trips["scheduled_h"]).to_numpy()
    # the case is what it says: most loadings take longer than the headway
    assert np.median(loading[len(loading) // 4:]) > 1.5 * headway
    # every slot has its own departure, in order, none skipped: 0, 4, 8, ...
    slots = trips["scheduled_h"].to_numpy()
    n = len(slots)
    assert np.allclose(slots, headway * np.arange(n))
    # and the only slots without a departure record are those still loading at the end
    assert slots[-1] >= horizon_h - loading.max() - headway
    assert n >= (horizon_h - 30.0) / headway
    # no departure before its slot, and together they carry what the demand brought
    assert (loading >= 0).all()
    assert trips["load"].sum() > 0.9 * 10 * (trips["depart_h"].max() - 10)


def lock_dict(position: float, rev_first_h: float, fwd_first_h: float) -> dict:
    """A one-way service each way on a water link a - b with a one-ship lock."""
    return {
        "name": "lock_direction",
        "run": {"horizon_days": 10, "warmup_days": 0.5, "seed": 1},
        "hubs": {"a": {"lat": 0, "lon": 0, "equipment": 1, "moves_per_hour": 50,
                       "yard_teu": 1e5},
                 "b": {"lat": 0, "lon": 1, "equipment": 1, "moves_per_hour": 50,
                       "yard_teu": 1e5}},
        "links": [{"from": "a", "to": "b", "mode": "water", "distance_km": 1000,
                   "transit_h": 100, "co2_g_per_tkm": 39,
                   "lock": {"name": "lock", "capacity": 1, "hold_h": 10,
                            "position": position}}],
        "services": [
            {"id": "down", "from": "a", "to": "b", "mode": "water", "capacity_teu": 10,
             "headway_h": 1000, "first_departure_h": fwd_first_h, "bidirectional": False},
            {"id": "up", "from": "b", "to": "a", "mode": "water", "capacity_teu": 10,
             "headway_h": 1000, "first_departure_h": rev_first_h, "bidirectional": False}],
        "demand": [{"origin": "a", "destination": "b", "teu_per_year": 1,
                    "batch_dist": "fixed", "batch_mean": 1}],
    }


@pytest.mark.parametrize(("position", "up_first_h", "up_wait_h"), [(0.2, 15.0, 5.0),
                                                                  (0.7, 75.0, 0.0)])
def test_lock_position_is_measured_from_the_link_from_end(make_scenario, position, up_first_h,
                                                          up_wait_h):
    # 'down' (a -> b) leaves at 70 h and holds the lock from 70 + 100 * p for 10 h; 'up'
    # (b -> a) reaches the lock 100 * (1 - p) h after it leaves.
    # p = 0.2: 'down' holds it 90-100 h; 'up' (from 15 h) arrives at 95 h and waits 5 h.
    #   Measured from the wrong end it would arrive at 35 h and never wait.
    # p = 0.7: 'down' holds it 140-150 h; 'up' (from 75 h) arrives at 105 h, no wait.
    #   Measured from the wrong end it would arrive at 145 h and wait 5 h.
    scn = make_scenario(lock_dict(position, rev_first_h=up_first_h, fwd_first_h=70.0))
    trips = hubsim.simulate(scn).trips.set_index("service", drop=False)
    up = trips.loc["up"]
    down = trips.loc["down"]
    assert up["depart_h"] == pytest.approx(up_first_h)
    assert up["arrive_h"] - up["depart_h"] == pytest.approx(110.0 + up_wait_h)
    assert down["arrive_h"] - down["depart_h"] == pytest.approx(110.0)
