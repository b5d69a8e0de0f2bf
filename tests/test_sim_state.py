"""The network state that the timeline changes, tested without running a simulation.

Each method of :class:`hubsim.sim.state.NetworkState` is called on the parts of a small
scenario, and the effect is read from the hub, lock, link and fleet state it owns.
"""

from __future__ import annotations

import simpy

from hubsim.scenario.distributions import Dist, Sampler
from hubsim.scenario.schema import Scenario
from hubsim.sim.hubs import build_hubs
from hubsim.sim.locks import build_locks
from hubsim.sim.loop import Clock
from hubsim.sim.records import Recorder
from hubsim.sim.slots import Slots
from hubsim.sim.state import NetworkState
from hubsim.sim.streams import Scaled, Streams, stream


def two_hubs() -> dict:
    """Hubs a and b on a water link with a lock; a one-way barge service with a fleet of 4."""
    return {
        "name": "state",
        "run": {"horizon_days": 10, "warmup_days": 0, "seed": 1},
        "hubs": {h: {"lat": 0, "lon": i, "equipment": 5, "moves_per_hour": 10, "yard_teu": 100,
                     "clearance_h": 4}
                 for i, h in enumerate("ab")},
        "links": [{"from": "a", "to": "b", "mode": "water", "distance_km": 100,
                   "speed_kmh": 10, "co2_g_per_tkm": 30,
                   "lock": {"name": "l", "capacity": 1, "hold_h": "2", "position": 0.5}}],
        "services": [{"id": "barge", "from": "a", "to": "b", "mode": "water",
                      "capacity_teu": 50, "headway_h": 12, "fleet": 4}],
        "demand": [{"origin": "a", "destination": "b", "teu_per_year": 1000}],
    }


def make_state(scn: Scenario) -> tuple[simpy.Environment, NetworkState]:
    env = Clock()
    node_idx = {"a": 0, "b": 1}
    streams = Streams(1)
    rec = Recorder(list(node_idx), [f"a-b:{lk.mode}" for lk in scn.links],
                   [s.id for s in scn.services])
    hubs = build_hubs(scn, env, streams, node_idx, rec)
    locks = build_locks(scn, env, streams, rec=rec, warmup_h=0.0)
    return env, NetworkState(env, scn.services, hubs, locks, len(scn.links))


def test_crane_share_rounds_to_whole_units_and_applies_to_new_ones(make_scenario):
    _, state = make_state(make_scenario(two_hubs()))
    shared = state.hubs["a"].named["shared"]
    hub = state.hubs["a"]
    state.set_crane_share("a", 0.5)
    assert shared.units.capacity == 3  # 5 x 0.5 = 2.5 rounds half up
    state.build_hub("a", add_equipment=3, add_yard_teu=None)
    assert (shared.equipment, shared.units.capacity) == (8, 4)  # the share stays in force
    state.set_crane_share("a", 1.0)
    assert shared.units.capacity == 8
    state.build_hub("a", add_equipment=None, add_yard_teu=50)
    assert hub.yard.capacity == 150


def test_areas_scale_together_and_investments_name_their_area(make_scenario):
    spec = two_hubs()
    spec["hubs"]["a"] = {"lat": 0, "lon": 0, "yard_teu": 100, "areas": {
        "water": {"positions": 2, "equipment": 4, "moves_per_hour": 20, "max_units": 2},
        "road": {"equipment": 2, "moves_per_hour": 10}}}
    spec["links"].append({"from": "a", "to": "b", "mode": "road", "distance_km": 100,
                          "speed_kmh": 50, "co2_g_per_tkm": 90})
    _, state = make_state(make_scenario(spec))
    hub = state.hubs["a"]
    assert hub.areas["water"] is hub.named["water"] and "rail" not in hub.areas
    state.set_crane_share("a", 0.5)
    assert (hub.named["water"].units.capacity, hub.named["road"].units.capacity) == (2, 1)
    state.build_hub("a", add_equipment=2, add_yard_teu=None, area="water")
    assert (hub.named["water"].equipment, hub.named["water"].units.capacity) == (6, 3)
    assert hub.named["road"].equipment == 2


def test_clearance_factor_scales_and_restores_the_base_sampler(make_scenario):
    _, state = make_state(make_scenario(two_hubs()))
    hub = state.hubs["b"]
    state.set_clearance_factor("b", 2.0)
    assert isinstance(hub.clearance, Scaled) and hub.clearance() == 8.0
    state.set_clearance_factor("b", 1.0)
    assert hub.clearance is hub.base_clearance and hub.clearance() == 4.0


def test_closing_a_link_once_and_rerouting_what_waits(make_scenario):
    _, state = make_state(make_scenario(two_hubs()))
    closed: list[int] = []
    state.on_close = closed.append
    state.set_outages(0, [(0.0, 5.0)])
    state.close_link(0)
    assert state.link_closed[0] and not closed  # re-routing is off for this link
    reopen = state.link_reopen[0]
    state.close_link(0)  # already closed: the same reopening event
    assert state.link_reopen[0] is reopen
    assert state.reopen_time(0) == 5.0
    state.reopen_link(0)
    assert not state.link_closed[0] and reopen.triggered and 0 not in state.link_reopen
    state.enable_reroute(0)
    state.close_link(0)
    assert closed == [0]


def test_lock_passage_and_load_factor(make_scenario):
    _, state = make_state(make_scenario(two_hubs()))
    base = state.lock_passage(0)
    slow = Sampler(Dist(mean=9.0), stream(1, "lock_wait:0"))
    state.set_lock_passage(0, slow)
    assert state.locks[0].passage() == 9.0
    state.set_lock_passage(0, base)
    assert state.locks[0].passage() == 2.0
    state.set_load_factor(0, 0.4)
    assert state.link_factor == [0.4]


def test_added_vehicles_start_at_the_from_end(make_scenario):
    env, state = make_state(make_scenario(two_hubs()))
    # 4 vehicles, 2 waiting at each end (a pool's free units are the vehicles there)
    state.pools[0] = {"a": Slots(env, 4, used=2), "b": Slots(env, 4, used=2)}
    state.add_fleet(0, 3)
    a, b = state.pools[0]["a"], state.pools[0]["b"]
    assert (a.capacity, a.free) == (7, 5)
    assert (b.capacity, b.free) == (7, 2)
    trucks = Slots(env, 2)
    state.truck_fleets[0] = trucks
    state.add_fleet(0, 1)
    assert trucks.capacity == 3
