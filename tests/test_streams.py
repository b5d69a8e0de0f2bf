"""Random streams keyed by purpose and id (hubsim.sim.streams).

Each draw comes from a stream named ``<purpose>:<id>`` (``handling:<hub>:<area>``,
``transit:<link>``, ...): the registry hands each name out once and refuses unknown purposes,
and a change at one hub moves only that hub's draws (common random numbers across
scenario variants).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import hubsim
from hubsim.scenario.build import build_scenario
from hubsim.scenario.schema import Demand
from hubsim.sim.engine import _Engine
from hubsim.sim.streams import PURPOSES, Streams, demand_key, stream

# ------------------------------------------------------------------------------ the registry


def test_registry_hands_each_name_out_once():
    s = Streams(7)
    s("handling", "guoyuan:water")
    with pytest.raises(ValueError, match="already in use"):
        s("handling", "guoyuan:water")
    s("handling", "guoyuan:rail")  # another key of the same purpose is a new stream
    s("dwell", "guoyuan")
    assert s.names == {"handling:guoyuan:water", "handling:guoyuan:rail", "dwell:guoyuan"}


@pytest.mark.parametrize("purpose", ["cranes", "Handling", "", "handling:guoyuan"])
def test_registry_refuses_unknown_purposes(purpose):
    with pytest.raises(ValueError, match="unknown stream purpose"):
        Streams(7)(purpose, "x")


def test_streams_are_named_not_numbered():
    """A stream depends only on the seed and its name: the same in any registry and in any
    order of asking, different for another name or seed."""
    a, b = Streams(7), Streams(7)
    a("transit", "x-y:rail")  # asked first in one registry, not in the other
    first = a("handling", "h:water").random(5)
    assert np.array_equal(first, b("handling", "h:water").random(5))
    assert np.array_equal(first, stream(7, "handling:h:water").random(5))
    assert not np.array_equal(first, stream(7, "handling:h:rail").random(5))
    assert not np.array_equal(first, stream(8, "handling:h:water").random(5))
    # purpose and key both count: the same key under another purpose is another stream
    assert not np.array_equal(stream(7, "dwell:h").random(5), stream(7, "clearance:h").random(5))


def test_demand_keys_name_rows_by_their_ends():
    rows = [Demand(origin="a", destination="b", teu_per_year=10),
            Demand(origin="a", destination="c", teu_per_year=10),
            Demand(origin="a", destination="b", teu_per_year=20),
            Demand(origin="a", destination="b", cargo="air", tonnes_per_year=5)]
    assert [demand_key(rows, i) for i in range(4)] == ["a>b:container", "a>c:container",
                                                      "a>b:container#1", "a>b:air"]


# ------------------------------------------------------------------------------ in the engine


def _two_ports(cranes_a: int = 1, order: tuple[str, str] = ("a", "b")) -> dict:
    """Two ports that never meet: each loads barges to its own gateway with exponential
    moves (one unit per barge; at port a its ``cranes_a`` cranes are the bottleneck), fed
    by its own demand."""
    hubs = {
        "a": {"lat": 0, "lon": 0, "yard_teu": 1e6, "handling": "exponential",
              "areas": {"water": {"equipment": cranes_a, "moves_per_hour": 10}}},
        "b": {"lat": 0, "lon": 1, "yard_teu": 1e6, "handling": "exponential",
              "dwell_h": "exp(3)",
              "areas": {"water": {"positions": 2, "equipment": 2, "moves_per_hour": 10}}},
    }
    return {
        "name": "two-ports",
        "run": {"horizon_days": 30, "warmup_days": 2, "seed": 9},
        "hubs": {h: hubs[h] for h in order},
        "gateways": {"ga": {"lat": 1, "lon": 0, "corridor": "east"},
                     "gb": {"lat": 1, "lon": 1, "corridor": "east"}},
        "links": [{"from": h, "to": f"g{h}", "mode": "water", "distance_km": 100,
                   "speed_kmh": 20, "co2_g_per_tkm": 30} for h in ("a", "b")],
        "services": [{"id": f"barge-{h}", "from": h, "to": f"g{h}", "mode": "water",
                      "capacity_teu": 20, "headway_h": 3, "bidirectional": False}
                     for h in ("a", "b")],
        "demand": [{"origin": h, "destination": f"g{h}", "teu_per_year": 40_000,
                    "batch_mean": 4} for h in ("a", "b")],
    }


def _handling(res: hubsim.Results, hub: str) -> pd.DataFrame:
    h = res.handling
    h = h[h["node"].astype(str) == hub].drop(columns=["node"])
    for col in ("link", "service", "op"):
        h[col] = h[col].astype(str)
    return h.sort_values(["start_h", "end_h"]).reset_index(drop=True)


def _run(data: dict) -> hubsim.Results:
    return hubsim.simulate(build_scenario(copy.deepcopy(data)))


def test_more_cranes_at_one_port_leave_the_other_ports_draws_alone():
    """Regression: one handling stream served every hub, so a second crane at port a (its
    vehicles handled in another order) shifted port b's handling draws. With a
    stream per hub and area, port b's handling rows are identical."""
    base, more = _run(_two_ports(1)), _run(_two_ports(2))
    b0, b1 = _handling(base, "b"), _handling(more, "b")
    assert len(b0) > 100
    pd.testing.assert_frame_equal(b0, b1)
    # control: port a did change (its extra crane shortens the queue)
    a0, a1 = _handling(base, "a"), _handling(more, "a")
    assert not a0.equals(a1)
    assert (a1["start_h"] - a1["request_h"]).mean() < (a0["start_h"] - a0["request_h"]).mean()
    # and so did nothing else at b: its dwell draws too
    ev0, ev1 = base.events, more.events
    r0 = ev0[(ev0["event"] == "ready") & (ev0["node"] == "b")]["dur_h"].to_numpy()
    r1 = ev1[(ev1["event"] == "ready") & (ev1["node"] == "b")]["dur_h"].to_numpy()
    assert len(r0) > 100 and np.array_equal(r0, r1)


def test_hub_order_in_the_file_does_not_change_the_draws():
    """Streams are keyed by hub id, not by the hub's position in the file."""
    ab, ba = _run(_two_ports(order=("a", "b"))), _run(_two_ports(order=("b", "a")))
    for hub in ("a", "b"):
        pd.testing.assert_frame_equal(_handling(ab, hub), _handling(ba, hub))


def test_handling_draws_come_from_the_hubs_own_area_stream():
    """The work times at port b are, in the order the barges start, the Gamma(moves,
    1/(k r)) draws of the stream named ``handling:b:water`` for the run's seed."""
    res = _run(_two_ports())
    h = _handling(res, "b")
    rng = stream(9, "handling:b:water")
    expected = [rng.gamma(m, 1.0 / (k * 10.0)) for m, k in zip(h["moves"], h["units"],
                                                                strict=True)]
    np.testing.assert_allclose(h["end_h"] - h["start_h"], expected, rtol=1e-9)


def test_engine_names_every_stream_by_purpose_and_id():
    scn = build_scenario(_two_ports())
    eng = _Engine(scn, 9, 24.0 * 30, 48.0)
    eng.start()
    eng.env.run(until=1.0)  # the arrival processes take their streams when they start
    names = eng.streams.names
    for hub in ("a", "b"):
        assert {f"handling:{hub}:water", f"dwell:{hub}", f"clearance:{hub}",
                f"transit:{hub}-g{hub}:water", f"arrivals:{hub}>g{hub}:container",
                f"batch:{hub}>g{hub}:container"} <= names
    assert all(n.split(":", 1)[0] in PURPOSES for n in names)
    # and each of them is handed out once: asking again is refused
    with pytest.raises(ValueError, match="already in use"):
        eng.streams("handling", "a:water")


# ------------------------------------------------------------------------------ samplers


@pytest.mark.parametrize("text", ["exp(24)", "lognormal(24, 0.5)", "uniform(2, 4)",
                                  "tri(1, 2, 4)"])
def test_a_sampler_hands_out_its_streams_draws_in_order(text):
    """A sampler draws ``block`` values at a time from its stream and hands them out one by
    one, across blocks, in the order the stream gave them."""
    from hubsim.scenario.distributions import Dist, Sampler

    dist = Dist.model_validate(text)
    sampler = Sampler(dist, stream(3, "dwell:x"), block=7)
    got = [sampler() for _ in range(30)]
    rng = stream(3, "dwell:x")
    want = np.concatenate([dist.draw(rng, 7) for _ in range(5)])[:30].tolist()
    assert got == want
    assert all(type(v) is float for v in got)


def test_a_fixed_sampler_draws_nothing():
    from hubsim.scenario.distributions import Dist, Sampler

    rng = stream(3, "dwell:x")
    before = rng.bit_generator.state
    sampler = Sampler(Dist.model_validate("12.5"), rng)
    assert [sampler() for _ in range(3)] == [12.5] * 3
    assert rng.bit_generator.state == before
