"""Property tier: on random small networks no container or tonne is created or lost.

Hypothesis draws networks of 1-3 hubs, 1-2 zones and 1-2 gateways with random links, services
(on-demand trucks, timetabled trains and barges with finite or unlimited fleets and every
departure rule), small yards (so gates block and discharges overflow), locks, opening hours,
air cargo and random demand; each is simulated for a short horizon with a random seed.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn

import hubsim
from hubsim.analysis.kpis import conservation
from hubsim.api import load_scenario
from hubsim.errors import ConservationError
from hubsim.scenario.build import build_scenario
from hubsim.sim.cargo import Ledger

DISTS = ["0", "2", "exp(6)", "uniform(1, 5)", "tri(0, 2, 8)", "lognormal(4, 0.8)"]


def _transit(draw: DrawFn) -> dict:
    """A link's travel time: a speed or a transit-time distribution."""
    if draw(st.booleans()):
        return {"speed_kmh": draw(st.floats(10, 90))}
    return {"transit_h": draw(st.sampled_from(["5", "exp(10)", "uniform(2, 30)",
                                               "tri(1, 5, 40)"]))}


def _scheduled(draw: DrawFn, sid: str, u: str, v: str, mode: str, cap_max: float,
               bidirectional: bool = True) -> dict:
    """A timetabled service with a random fleet and departure rule."""
    svc = {"id": sid, "from": u, "to": v, "mode": mode,
           "capacity_teu": draw(st.floats(1, cap_max)),
           "headway_h": draw(st.floats(2, 72)),
           "first_departure_h": draw(st.floats(0, 24)),
           "bidirectional": bidirectional}
    fleet = draw(st.one_of(st.none(), st.integers(1, 4)))
    if fleet is not None:
        svc["fleet"] = fleet
    rule = draw(st.sampled_from(["schedule", "full", "full_or_max_wait"]))
    svc["rule"] = rule
    if rule == "full_or_max_wait":
        svc["max_wait_h"] = draw(st.floats(0, 48))
    return svc


def _hub(draw: DrawFn, i: int, yard_teu: float) -> dict:
    """Hub number ``i`` with random equipment, handling, dwell, clearance and opening hours."""
    return {"lat": 0, "lon": i, "equipment": draw(st.integers(1, 3)),
            "moves_per_hour": draw(st.floats(2, 40)),
            "handling": draw(st.sampled_from(["deterministic", "exponential"])),
            "yard_teu": yard_teu, "dwell_h": draw(st.sampled_from(DISTS)),
            "clearance_h": draw(st.sampled_from(DISTS)),
            "open_hours": draw(st.sampled_from([[0, 24], [6, 22], [8, 17]]))}


def _gateway(draw: DrawFn, i: int) -> dict:
    """Gateway number ``i`` on a random corridor, international or not."""
    return {"lat": 2, "lon": i, "corridor": draw(st.sampled_from(["west", "east"])),
            "international": draw(st.booleans())}


def _skeleton(draw: DrawFn, hubs: list[str], zones: list[str], gws: list[str],
              yard: dict[str, float]) -> dict:
    """The run settings and the nodes, with empty links, services and demand."""
    return {
        "name": "random",
        "run": {"horizon_days": draw(st.floats(4, 30)), "warmup_days": draw(st.floats(0, 2)),
                "seed": draw(st.integers(0, 2**31))},
        "hubs": {h: _hub(draw, i, yard[h]) for i, h in enumerate(hubs)},
        "zones": {z: {"lat": 1, "lon": i} for i, z in enumerate(zones)},
        "gateways": {g: _gateway(draw, i) for i, g in enumerate(gws)},
        "links": [], "services": [], "demand": [],
        # random networks, not real ones: speeds and transit times roam outside the plausible
        # ranges of their modes on purpose (a 90 km/h barge, 5 h over 3,000 km of rail)
        "allow_outliers": ["links.*.speed_kmh", "links.*.transit_h"],
    }


def _add_zone_trucks(draw: DrawFn, data: dict, hubs: list[str], zones: list[str]) -> None:
    """Hang each zone off a random hub by road, served by on-demand trucks."""
    for i, z in enumerate(zones):
        h = draw(st.sampled_from(hubs))
        data["links"].append({"from": z, "to": h, "mode": "road",
                              "distance_km": draw(st.floats(1, 80)),
                              "co2_g_per_tkm": 90, **_transit(draw)})
        truck = {"id": f"truck{i}", "from": z, "to": h, "mode": "road",
                 "capacity_teu": draw(st.sampled_from([1, 2])), "on_demand": True}
        fleet = draw(st.one_of(st.none(), st.integers(1, 10)))
        if fleet is not None:
            truck["fleet"] = fleet
        data["services"].append(truck)


def _add_rail_chain(draw: DrawFn, data: dict, hubs: list[str], yard: dict[str, float]) -> None:
    """Join the hubs in a chain by rail, each link with a timetabled train."""
    for i in range(len(hubs) - 1):
        u, v = hubs[i], hubs[i + 1]
        data["links"].append({"from": u, "to": v, "mode": "rail",
                              "distance_km": draw(st.floats(5, 400)),
                              "co2_g_per_tkm": 20, **_transit(draw)})
        data["services"].append(_scheduled(draw, f"rail{i}", u, v, "rail",
                                           min(yard[u], yard[v], 120)))


def _add_shortcut(draw: DrawFn, data: dict, n_hubs: int, yard: dict[str, float]) -> None:
    """With three hubs, maybe add a one-way water shortcut from the first to the last."""
    if n_hubs == 3 and draw(st.booleans()):
        data["links"].append({"from": "h0", "to": "h2", "mode": "water", "distance_km": 300,
                              "co2_g_per_tkm": 35, **_transit(draw)})
        data["services"].append(_scheduled(draw, "shortcut", "h0", "h2", "water",
                                           min(yard["h0"], yard["h2"]), bidirectional=False))


def _gateway_link(draw: DrawFn, h: str, g: str, mode: str) -> dict:
    """The link from hub ``h`` to gateway ``g``; a water link may get a lock."""
    link = {"from": h, "to": g, "mode": mode, "distance_km": draw(st.floats(100, 3000)),
            "co2_g_per_tkm": 30, **_transit(draw)}
    if mode == "water" and draw(st.booleans()):
        link["lock"] = {"name": "lock", "capacity": draw(st.integers(1, 2)),
                        "hold_h": draw(st.sampled_from(["1", "exp(3)"])),
                        "position": draw(st.floats(0, 1))}
    return link


def _add_gateway_lines(draw: DrawFn, data: dict, hubs: list[str], gws: list[str],
                       yard: dict[str, float]) -> None:
    """Join each gateway to a random hub by rail or water, with a timetabled line."""
    for i, g in enumerate(gws):
        h = draw(st.sampled_from(hubs))
        mode = draw(st.sampled_from(["rail", "water"]))
        data["links"].append(_gateway_link(draw, h, g, mode))
        data["services"].append(_scheduled(draw, f"line{i}", h, g, mode, min(yard[h], 200)))


def _add_air(draw: DrawFn, data: dict, hubs: list[str], gws: list[str]) -> None:
    """Maybe add an air link from a hub to the first gateway, its plane and air cargo demand."""
    if draw(st.booleans()):
        air_gw, air_hub = gws[0], draw(st.sampled_from(hubs))
        data["links"].append({"from": air_hub, "to": air_gw, "mode": "air",
                              "distance_km": 2000, "speed_kmh": 800, "co2_g_per_tkm": 600})
        data["services"].append({"id": "plane", "from": air_hub, "to": air_gw, "mode": "air",
                                 "capacity_t": draw(st.floats(5, 100)),
                                 "headway_h": draw(st.floats(6, 48))})
        data["demand"].append({"origin": air_gw, "destination": air_hub, "cargo": "air",
                               "tonnes_per_year": draw(st.floats(1000, 50000)),
                               "batch_dist": "exponential", "batch_mean": draw(st.floats(0.5, 20))})


def _add_demand(draw: DrawFn, data: dict, nodes: list[str]) -> None:
    """Add one to four container demand rows between distinct random nodes."""
    pairs = st.tuples(st.sampled_from(nodes), st.sampled_from(nodes)).filter(
        lambda p: p[0] != p[1])
    for o, d in draw(st.lists(pairs, min_size=1, max_size=4)):
        batch_dist = draw(st.sampled_from(["geometric", "fixed"]))
        teu = draw(st.floats(200, 30000))
        data["demand"].append({
            "origin": o, "destination": d, "teu_per_year": teu,
            "tonnes_per_year": teu * draw(st.floats(0, 20)),
            "batch_dist": batch_dist,
            "batch_mean": draw(st.integers(1, 12)) if batch_dist == "fixed"
            else draw(st.floats(1, 12))})


@st.composite
def networks(draw: DrawFn) -> dict:
    """A random small scenario (see the module doc), as the data ``build_scenario`` reads."""
    n_hubs = draw(st.integers(1, 3))
    n_zones = draw(st.integers(1, 2))
    n_gws = draw(st.integers(1, 2))
    hubs = [f"h{i}" for i in range(n_hubs)]
    zones = [f"z{i}" for i in range(n_zones)]
    gws = [f"g{i}" for i in range(n_gws)]
    yard = {h: draw(st.sampled_from([40.0, 150.0, 5000.0])) for h in hubs}
    data = _skeleton(draw, hubs, zones, gws, yard)
    _add_zone_trucks(draw, data, hubs, zones)
    _add_rail_chain(draw, data, hubs, yard)
    _add_shortcut(draw, data, n_hubs, yard)
    _add_gateway_lines(draw, data, hubs, gws, yard)
    _add_air(draw, data, hubs, gws)
    _add_demand(draw, data, hubs + zones + gws)
    return data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_random_networks_conserve_containers_and_tonnes(data):
    scn = build_scenario(data)
    res = hubsim.simulate(scn)  # raises ConservationError if the engine's books do not balance
    ev, cons, bal = res.events, res.consignments, res.balance

    # generated = delivered + in system, the events against the engine's live structures
    from_events = conservation(ev)
    for unit in ("teu", "tonnes"):
        gen, dlv = bal[f"generated_{unit}"], bal[f"delivered_{unit}"]
        rest = bal[f"at_nodes_{unit}"] + bal[f"on_vehicles_{unit}"]
        assert gen == pytest.approx(dlv + rest, rel=1e-9, abs=1e-6)
        # events store loads as float32: allow its rounding, nothing more
        tol = {"rel": 1e-5, "abs": 1e-3}
        assert from_events[f"generated_{unit}"] == pytest.approx(gen, **tol)
        assert from_events[f"delivered_{unit}"] == pytest.approx(dlv, **tol)
        assert from_events[f"in_system_{unit}"] == pytest.approx(rest, **tol)

    # every consignment is born once: generated (parent -1) or split off a parent
    born = pd.concat([ev.loc[ev["event"] == "generated", "cid"],
                      ev.loc[ev["event"] == "split", "cid"]])
    assert born.is_unique
    assert sorted(born) == sorted(cons["cid"])
    generated = set(ev.loc[ev["event"] == "generated", "cid"])
    assert generated == set(cons.loc[cons["parent"] == -1, "cid"])

    # ... delivered at most once, and only at its own destination
    delivered = ev[ev["event"] == "delivered"]
    assert delivered["cid"].is_unique
    dest = cons.set_index("cid")["destination"].astype(str)
    assert (delivered["node"].astype(str).to_numpy()
            == delivered["cid"].map(dest).to_numpy()).all()

    # a vehicle never leaves with more than it can carry
    assert (res.trips["load"] <= res.trips["capacity"] + 1e-6).all()


def _corrupt_drop(ledger):
    def delivered(c):  # the consignment vanishes: its delivery is taken back off the count
        ledger.delivered[0] -= c.teu
        ledger.delivered[1] -= c.tonnes
    return delivered


def _corrupt_twice(ledger):
    def delivered(c):  # delivered (and counted) twice
        ledger.delivered[0] += c.teu
        ledger.delivered[1] += c.tonnes
    return delivered


@pytest.mark.parametrize("corrupt", [_corrupt_drop, _corrupt_twice], ids=["drop", "twice"])
def test_conservation_check_is_live(monkeypatch, tiny_path, corrupt):
    """The engine's ledger miscounts each delivery (through its ``on_deliver`` hook, which the
    engine calls as a Python attribute whether or not its modules are compiled: a compiled
    class's methods cannot be patched) and ``simulate`` refuses the run."""
    import hubsim.sim.engine

    def corrupted(*args):
        ledger = Ledger(*args)
        ledger.on_deliver = corrupt(ledger)
        return ledger

    scn = load_scenario(tiny_path)
    assert scn.empties is None or not scn.empties.enabled  # (it would replace the hook)
    monkeypatch.setattr(hubsim.sim.engine, "Ledger", corrupted)
    with pytest.raises(ConservationError, match="teu: generated"):
        hubsim.simulate(scn, days=20)


def test_conservation_check_passes_uncorrupted(tiny_path):
    # the same run without the corruption balances (so the test above fails for the right reason)
    res = hubsim.simulate(load_scenario(tiny_path), days=20)
    assert res.balance["delivered_teu"] > 0


@pytest.mark.parametrize("warmup_days", [0.0, 1e-13, 5.5, 365.0])
def test_any_warmup_starts_the_demand_clock(tiny_path, warmup_days):
    """Regression: a tiny warm-up made (-warmup % 365) round to 365.0, a 13th month, and the
    arrival process crashed with IndexError (found by the property test above)."""
    import yaml

    data = yaml.safe_load(tiny_path.read_text())
    data["run"] = {"horizon_days": warmup_days + 20, "warmup_days": warmup_days, "seed": 5}
    res = hubsim.simulate(build_scenario(data))
    assert res.balance["generated_teu"] > 0


def test_a_split_piece_is_the_consignment_with_its_own_id_and_share(tiny_path):
    """The piece cut off a queued load copies every other field of it (the engine builds it
    field by field for speed: a field added to Consignment must be copied too)."""
    import dataclasses

    from hubsim.sim.cargo import Consignment
    from hubsim.sim.engine import _Engine

    eng = _Engine(load_scenario(tiny_path), 1, 48.0, 0.0)
    route = next(iter(eng.ctx.routes.values()))
    c = Consignment(7, 10.0, 10.0, 120.0, True, route, 0, route[0].u, route[-1].v, 1.5, 2.5,
                    True, 3, 0)
    for f in dataclasses.fields(Consignment)[14:]:  # fields added later: a value of their own
        setattr(c, f.name, object())
    expected = dataclasses.replace(c, cid=100, load=4.0, teu=4.0, tonnes=48.0)
    eng.ledger.next_cid = 100
    p = eng.services._split(c, 4.0, route[0].u)
    for f in dataclasses.fields(Consignment):
        assert getattr(p, f.name) == getattr(expected, f.name), f.name
    assert (c.load, c.teu, c.tonnes) == (6.0, 6.0, 72.0)
