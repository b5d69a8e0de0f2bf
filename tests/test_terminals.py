"""The terminal model (hubsim.sim.terminals, hubs, services, trucks) on small scenarios.

Each test builds a scenario in code whose answer is known exactly or statistically, runs it
through :func:`hubsim.simulate` and compares the records: the ``handling`` table (one row per
vehicle loaded or discharged: position, units, moves, times), the ``events`` (``yard_wait``,
``depot``, ``held``, ``depart``) and the engine's conservation balance.

* handling time = moves / (units x rate), moves = ceil(load / teu_per_move), units between
  ``min_units`` and ``max_units`` (the free ones up to the maximum);
* with ``handling: exponential`` a vehicle of n moves takes a Gamma(n) time: mean
  n / (k r), CV 1 / sqrt(n);
* work pauses outside the open hours (:func:`work_end`);
* a full yard holds vehicles at anchorage and trucks at the gate; a depot takes the overflow;
* a higher service priority is served first at a berth;
* regressions of this change: loads aboard wait for a closed link, fleets return what they
  took.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn
from scipy import stats

import hubsim
from hubsim.scenario.build import build_scenario
from hubsim.sim.engine import _Engine
from hubsim.sim.loop import Clock
from hubsim.sim.terminals import Area, work_end

# ------------------------------------------------------------------------------ builders


def _water(a: str, b: str, km: float = 100.0, kmh: float = 20.0) -> dict:
    return {"from": a, "to": b, "mode": "water", "distance_km": km, "speed_kmh": kmh,
            "co2_g_per_tkm": 30}


def _road(a: str, b: str, km: float = 20.0, kmh: float = 40.0) -> dict:
    return {"from": a, "to": b, "mode": "road", "distance_km": km, "speed_kmh": kmh,
            "co2_g_per_tkm": 90}


def _quay(positions: int | None, equipment: int, rate: float, lo: int = 1,
          hi: int | None = None) -> dict:
    area: dict[str, Any] = {"equipment": equipment, "moves_per_hour": rate, "min_units": lo,
                            "max_units": lo if hi is None else hi}
    if positions is not None:
        area["positions"] = positions
    return area


def _port(water: dict, *, days: float, gateways: tuple[str, ...] = ("sea",),
          services: list[dict], demand: list[dict], seed: int = 1, **hub: Any) -> dict:
    """Hub ``port`` with a quay (``water``) and a water link to each gateway."""
    return {
        "name": "terminal",
        "run": {"horizon_days": days, "warmup_days": 0, "seed": seed},
        "hubs": {"port": {"lat": 0, "lon": 0, "yard_teu": 1e6, "areas": {"water": water},
                          **hub}},
        "gateways": {g: {"lat": 1, "lon": i, "corridor": "east"}
                     for i, g in enumerate(gateways)},
        "links": [_water("port", g) for g in gateways],
        "services": services,
        "demand": demand,
    }


def _barge(sid: str, to: str, cap: float, **kw: Any) -> dict:
    """A one-way barge from the port (``headway_h`` defaults to 1000: one departure)."""
    return {"id": sid, "from": "port", "to": to, "mode": "water", "capacity_teu": cap,
            "bidirectional": False, "headway_h": kw.pop("headway_h", 1000.0), **kw}


def _flow(o: str, d: str, teu_per_h: float, batch: int) -> dict:
    return {"origin": o, "destination": d, "teu_per_year": teu_per_h * 8760.0,
            "batch_dist": "fixed", "batch_mean": batch}


def _run(data: dict, **kw: Any) -> hubsim.Results:
    return hubsim.simulate(build_scenario(copy.deepcopy(data)), **kw)


def _rows(res: hubsim.Results, node: str = "port", op: str | None = None) -> pd.DataFrame:
    h = res.handling
    h = h[h["node"] == node]
    if op is not None:
        h = h[h["op"] == op]
    return h.reset_index(drop=True)


def _events(res: hubsim.Results, kind: str, node: str | None = None) -> pd.DataFrame:
    ev = res.events
    ev = ev[ev["event"] == kind]
    if node is not None:
        ev = ev[ev["node"] == node]
    return ev


# ------------------------------------------------------------------------------ 1. exact handling


@pytest.mark.parametrize(("load", "k", "rate"), [(100, 2, 25.0), (37, 3, 20.0), (1, 1, 30.0)])
def test_deterministic_barge_takes_load_over_units_times_rate(load, k, rate):
    """Barges of exactly ``load`` TEU (rule full, batches of ``load``) at a quay whose
    vehicles get exactly k units: every handling lasts load / (k r) hours."""
    data = _port(_quay(2, k + 1, rate, k, k), days=10,
                 services=[_barge("b", "sea", load, rule="full", headway_h=1)],
                 demand=[_flow("port", "sea", load / 6.0, load)])
    res = _run(data)
    h = _rows(res, op="lift_on")
    assert len(h) >= 30
    assert (h["load"] == load).all() and (h["moves"] == load).all() and (h["units"] == k).all()
    np.testing.assert_allclose(h["end_h"] - h["start_h"], load / (k * rate), rtol=1e-9)
    # the event's share of unit-hours worked is the whole vehicle's k x time
    on = _events(res, "lift_on", "port")
    np.testing.assert_allclose(on["dur_h"], load / rate, rtol=1e-6)


def test_vehicle_takes_free_units_up_to_max_units():
    """Five cranes, 1-4 per barge: a barge alone takes 4 (not all 5); two barges starting
    together get 4 and the 1 left (the second takes what is free, not the maximum)."""
    cap, rate = 40, 20.0
    water = _quay(None, 5, rate, 1, 4)
    alone = _port(water, days=6, services=[_barge("a", "sea", cap, first_departure_h=10,
                                                  headway_h=24)],
                  demand=[_flow("port", "sea", 10.0, 5)])
    h = _rows(_run(alone))
    assert len(h) == 6 and (h["units"] == 4).all()  # 10:00 on each of 6 days
    np.testing.assert_allclose(h["end_h"] - h["start_h"], cap / (4 * rate), rtol=1e-9)

    pair = _port(water, days=6, gateways=("sea", "river"),
                 services=[_barge("a", "sea", cap, first_departure_h=10, headway_h=24),
                           _barge("b", "river", cap, first_departure_h=10, headway_h=24)],
                 demand=[_flow("port", "sea", 10.0, 5), _flow("port", "river", 10.0, 5)])
    h = _rows(_run(pair))
    assert len(h) == 12
    for _, same in h.groupby("start_h"):
        assert sorted(same["units"]) == [1, 4]
    np.testing.assert_allclose(h["end_h"] - h["start_h"], cap / (h["units"] * rate), rtol=1e-9)
    assert h["units"].max() <= 4 and h["units"].min() >= 1


@pytest.mark.parametrize(("load", "per_move", "moves"), [(45, 2.0, 23), (40, 2.0, 20),
                                                         (10, 3.0, 4), (7, 0.5, 14)])
def test_moves_are_load_over_teu_per_move_rounded_up(load, per_move, moves):
    k, rate = 2, 10.0
    data = _port(_quay(1, k, rate, k, k), days=8, teu_per_move=per_move,
                 services=[_barge("b", "sea", load, rule="full", headway_h=1)],
                 demand=[_flow("port", "sea", load / 10.0, load)])
    h = _rows(_run(data))
    assert len(h) >= 10
    assert (h["moves"] == moves).all()
    assert moves == math.ceil(load / per_move)
    np.testing.assert_allclose(h["end_h"] - h["start_h"], moves / (k * rate), rtol=1e-9)


def test_area_alone_handles_exact_moves_over_units():
    """The Area on its own clock: load 30 at 3 units x 5 moves/h, 2 TEU a move: 15 moves,
    1 h; the next vehicle waits for the one position, and a vehicle with fewer than
    ``min_units`` free waits for them."""
    env = Clock()
    area = Area(env, "water", 1, 3, 5.0, 3, 3, 2.0, False, np.random.default_rng(0), 0.0, 24.0)
    out = []

    def vehicle(load):
        h = yield from area.handle(load)
        out.append(h)

    env.process(vehicle(30))
    env.process(vehicle(30))
    env.run()
    first, second = out
    assert (first.position_h, first.start_h, first.end_h) == (0.0, 0.0, 1.0)
    assert (first.units, first.moves, first.work_h) == (3, 15, 1.0)
    assert (second.position_h, second.start_h, second.end_h) == (1.0, 1.0, 2.0)
    assert area.units.used == 0 and area.positions.used == 0


# ------------------------------------------------------------------------------ 2. per-move noise


def _gamma_times(n: int, k: int, rate: float, vehicles: int) -> pd.DataFrame:
    """Handling rows of ``vehicles``-odd barges of n moves at k units with exponential
    moves (plenty of positions and units: no queueing)."""
    hours = vehicles * 2.0  # a barge every 2 h on average
    data = _port(_quay(None, 10 * k, rate, k, k), days=hours / 24.0, handling="exponential",
                 services=[_barge("b", "sea", n, rule="full", headway_h=0.25)],
                 demand=[_flow("port", "sea", n / 2.0, n)])
    return _rows(_run(data, seed=11))


@pytest.mark.parametrize("n", [1, 4, 16])
def test_exponential_moves_give_gamma_handling_times(n):
    """A vehicle of n moves takes a sum of n exponential moves: mean n / (k r), CV
    1 / sqrt(n) (not 1, which one exponential draw per vehicle would give).

    With M = ~2000 vehicles the mean's standard error is CV / sqrt(M) (~2.2 % for n = 1) and
    the sample CV's is about CV sqrt((2 + 6/n) / (4M)) (Gamma kurtosis: 3 + 6/n), ~2.8 % for
    n = 1; the tolerances are 4 standard errors. A Kolmogorov-Smirnov test against
    Gamma(n, 1/(k r)) must not reject at 0.1 %."""
    k, rate = 2, 4.0
    h = _gamma_times(n, k, rate, 2000)
    m = len(h)
    assert 1800 <= m <= 2200
    assert (h["moves"] == n).all() and (h["units"] == k).all()
    t = (h["end_h"] - h["start_h"]).to_numpy()
    mean, cv = n / (k * rate), 1 / math.sqrt(n)
    assert t.mean() == pytest.approx(mean, rel=4 * cv / math.sqrt(m))
    se_cv = cv * math.sqrt((2 + 6 / n) / (4 * m) + cv**2 / m)
    assert t.std(ddof=1) / t.mean() == pytest.approx(cv, abs=4 * se_cv)
    assert stats.kstest(t, stats.gamma(n, scale=1 / (k * rate)).cdf).pvalue > 1e-3


def test_exponential_handling_draws_numpys_gamma_exactly():
    """One move is drawn as a standard exponential times the mean, more moves as a gamma: the
    stream gives exactly the numbers ``rng.gamma(moves, 1 / (k r))`` would, in the same order
    (so whether a one-move load takes the shortcut changes no result)."""
    env = Clock()
    k, rate = 2, 4.0
    area = Area(env, "water", None, k, rate, k, k, 1.0, True, np.random.default_rng(11),
                0.0, 24.0)
    moves = [1, 3, 1, 1, 7, 2, 1] * 30
    got: list[float] = []

    def vehicles():
        for m in moves:
            h = yield from area.handle(float(m))
            got.append(h.work_h)

    env.process(vehicles())
    env.run()
    ref = np.random.default_rng(11)
    assert got == [float(ref.gamma(m, 1.0 / (k * rate))) for m in moves]

# ------------------------------------------------------------------------------ 3. open hours


def _open_hours_row(first: float, load: int) -> pd.DataFrame:
    """Barges of ``load`` TEU at 2 cranes x 2.5 moves/h (load / 5 hours of work) departing at
    ``first`` h and every 48 h, at a hub open 08:00-20:00."""
    data = _port(_quay(1, 2, 2.5, 2, 2), days=7, open_hours=[8, 20],
                 services=[_barge("b", "sea", load, first_departure_h=first, headway_h=48)],
                 demand=[_flow("port", "sea", 50.0, 10)])
    return _rows(_run(data))


@pytest.mark.parametrize(("first", "load", "end"), [
    (16.0, 50, 24 + 14.0),   # 10 h from 16:00: 4 h today, 6 h from 08:00 tomorrow -> 14:00
    (5.0, 50, 18.0),         # before the opening: works 08:00-18:00
    (21.0, 50, 24 + 18.0),   # after closing: tomorrow 08:00-18:00
    (8.0, 60, 20.0),         # exactly one shift: ends at the closing, the same day
    (8.0, 120, 24 + 20.0),   # exactly two shifts: ends at the second day's closing
    (19.0, 65, 24 + 20.0),   # 1 h today, then exactly one shift
])
def test_work_pauses_outside_open_hours(first, load, end):
    h = _open_hours_row(first, load)
    assert len(h) >= 3  # departures at first, first + 48, first + 96 (...)
    np.testing.assert_allclose(h["start_h"], first + 48.0 * np.arange(len(h)))
    np.testing.assert_allclose(h["end_h"] - h["start_h"], end - first, atol=1e-9)


@pytest.mark.parametrize(("t", "work", "hours", "end"), [
    (10.0, 3.0, (8, 12), 33.0),        # 2 h today, 1 h tomorrow
    (6.0, 1.0, (8, 12), 9.0),          # before opening
    (13.0, 1.0, (8, 12), 33.0),        # after closing
    (12.0, 1.0, (8, 12), 33.0),        # exactly at the closing: tomorrow
    (8.0, 1.0, (8, 12), 9.0),          # exactly at the opening
    (8.0, 4.0, (8, 12), 12.0),         # one whole shift ends at the closing, not tomorrow
    (8.0, 8.0, (8, 12), 36.0),         # two whole shifts
    (10.0, 6.0, (8, 12), 36.0),        # 2 h + one whole shift
    (16.0, 10.0, (8, 20), 38.0),       # the brief's example: next day 14:00
    (0.0, 50.0, (0, 24), 50.0),        # always open
    (5.5, 2.25, (0, 24), 7.75),
    (24.0 * 400 + 19.0, 2.0, (8, 20), 24.0 * 401 + 9.0),  # far into the run
    (23.0, 1.0, (0, 23), 24.0 + 1.0),  # closing hour 23: midnight is an opening
])
def test_work_end_cases(t, work, hours, end):
    assert work_end(t, work, float(hours[0]), float(hours[1])) == pytest.approx(end, abs=1e-9)


def _open_time(a: float, b: float, open_h: float, close_h: float) -> float:
    """Hours of [a, b] inside the daily windows [open_h, close_h)."""
    total = 0.0
    for day in range(math.floor(a / 24.0) - 1, math.floor(b / 24.0) + 2):
        lo, hi = 24.0 * day + open_h, 24.0 * day + close_h
        total += max(0.0, min(b, hi) - max(a, lo))
    return total


@settings(max_examples=150, deadline=None)
@given(t=st.floats(0, 24 * 30), work=st.floats(1e-3, 200),
       hours=st.tuples(st.integers(0, 23), st.integers(1, 24)).filter(lambda h: h[0] < h[1]))
def test_work_end_fits_exactly_the_work_into_open_hours(t, work, hours):
    """The open time between the start and the end is the work; the end is inside a shift
    (or at its closing); more work never ends earlier."""
    o, c = float(hours[0]), float(hours[1])
    end = work_end(t, work, o, c)
    assert end >= t + work - 1e-9
    assert _open_time(t, end, o, c) == pytest.approx(work, abs=1e-7)
    hod = end - 24.0 * math.floor(end / 24.0)
    assert o - 1e-7 <= hod <= c + 1e-7 or (c == 24.0 and hod <= 1e-7)
    assert work_end(t, work * 1.5, o, c) >= end


# ------------------------------------------------------------------------------ 5. the yard


def _yard(depot: dict | None = None, dwell: str = "16") -> dict:
    """Barges of up to 30 TEU every 24 h from ``sea`` to the port (yard 50 TEU) and back,
    bringing 1.2 TEU/h whose loads dwell ``dwell`` h there and leave by truck for ``park``;
    trucks bring 1 TEU/h from the park for the barges back to ``sea``."""
    hub: dict[str, Any] = {"yard_teu": 50, "dwell_h": dwell, "areas": {
        "water": _quay(1, 2, 20.0, 1, 2), "road": _quay(None, 4, 20.0)}}
    if depot is not None:
        hub["depot"] = depot
    return {
        "name": "yard",
        "run": {"horizon_days": 12, "warmup_days": 0, "seed": 5},
        "hubs": {"port": {"lat": 0, "lon": 0, **hub}},
        "zones": {"park": {"lat": 0, "lon": 0.2}},
        "gateways": {"sea": {"lat": 1, "lon": 0, "corridor": "east"}},
        "links": [_water("port", "sea"), _road("park", "port")],
        "services": [
            {"id": "barge", "from": "sea", "to": "port", "mode": "water", "capacity_teu": 30,
             "headway_h": 24, "first_departure_h": 1},
            {"id": "truck", "from": "park", "to": "port", "mode": "road", "capacity_teu": 2,
             "on_demand": True}],
        "demand": [_flow("sea", "park", 1.2, 6), _flow("park", "sea", 1.0, 2)],
    }


def test_full_yard_holds_the_barge_and_the_trucks():
    res = _run(_yard())
    ev = res.events
    waits = _events(res, "yard_wait", "port")
    long = waits[waits["wait_h"] > 1e-9]
    # barges at anchorage and trucks at the gate both waited
    assert set(long["service"].astype(str)) == {"barge", "truck"}
    assert long.loc[long["service"] == "barge", "wait_h"].max() > 5
    assert long.loc[long["service"] == "truck", "wait_h"].max() > 5
    # a barge's loads wait for room before their lift-off, at the port, after the arrival
    for svc in ("barge", "truck"):
        mine = long[long["service"] == svc]
        off = _events(res, "lift_off", "port").set_index("cid")["t_h"]
        arrive = ev[(ev["event"] == "arrive") & (ev["node"] == "port")].set_index("cid")["t_h"]
        # the event is stamped when the wait begins (on arrival) and carries its length
        # (a wait still going on at the end has no lift-off: cut at the end of the run)
        ends = (mine["t_h"] + mine["wait_h"]).to_numpy()
        lifted = off.reindex(mine["cid"]).to_numpy()
        done = ~np.isnan(lifted)
        assert done.any() and (lifted[done] >= ends[done] - 1e-6).all()
        assert np.allclose(ends[~done], res.window.end_h)
        np.testing.assert_allclose(arrive.reindex(mine["cid"]).to_numpy(),
                                   mine["t_h"].to_numpy(), atol=1e-3)
    # the barge's handling asks for a berth only after the wait
    h = _rows(res, op="lift_off")
    barge = h[h["service"] == "barge"].set_index("trip")
    mine = long[long["service"] == "barge"]
    held = (mine["t_h"] + mine["wait_h"]).groupby(mine["trip"]).max()
    np.testing.assert_allclose(barge.loc[held.index, "request_h"], held.to_numpy(), atol=1e-3)
    # nothing beyond capacity: the yard content never exceeds 50 TEU
    assert _yard_peak(res) <= 50 + 1e-6
    assert _events(res, "depot").empty


def _yard_peak(res: hubsim.Results) -> float:
    """Largest yard content at the port, from the room taken and given back: a load takes
    room when it enters (lift-off of a transferring load, or the gate for a truck load) and
    gives it back at its lift-on there."""
    ev = res.events
    at = ev[ev["node"] == "port"]
    dest = res.consignments.set_index("cid")["destination"].astype(str)
    moves_on = at["cid"].map(dest).to_numpy() != "port"
    into = at[moves_on & at["event"].isin(["lift_off"]).to_numpy()]
    out = at[at["event"] == "lift_on"]
    delta = pd.concat([pd.Series(into["teu"].to_numpy(), index=into["t_h"].to_numpy()),
                       pd.Series(-out["teu"].to_numpy(), index=out["t_h"].to_numpy())])
    # room is given back before it is taken at the same instant
    delta = delta.groupby(level=0).sum().sort_index()
    return float(delta.cumsum().max())


def test_depot_takes_the_overflow_and_makes_it_later():
    """With a depot, a barge whose load does not fit stores it off-dock (``depot`` events)
    instead of waiting, and each such load is ready ``extra_h`` (5 h) after the dwell."""
    res = _run(_yard(depot={"teu": 1000, "extra_h": 5}, dwell="40"))
    depot = _events(res, "depot", "port")
    assert len(depot) > 5
    assert set(depot["service"].astype(str)) == {"barge"}
    barge_waits = _events(res, "yard_wait", "port")
    assert not (barge_waits.loc[barge_waits["service"] == "barge", "wait_h"] > 1e-9).any()
    ev = res.events
    off = ev[(ev["event"] == "lift_off") & (ev["node"] == "port")].set_index("cid")["t_h"]
    ready = ev[(ev["event"] == "ready") & (ev["node"] == "port")].set_index("cid")
    stored = depot["cid"]
    in_yard = off.index.difference(stored).intersection(ready.index)
    stored = stored[stored.isin(ready.index)]
    assert len(stored) > 5 and len(in_yard) > 5
    np.testing.assert_allclose(ready.loc[stored, "dur_h"], 45.0, rtol=1e-6)
    np.testing.assert_allclose(ready.loc[stored, "t_h"] - off.loc[stored].to_numpy(), 45.0,
                               atol=1e-3)
    np.testing.assert_allclose(ready.loc[in_yard, "dur_h"], 40.0, rtol=1e-6)


# ------------------------------------------------------------------------------ 6. priorities


@pytest.mark.parametrize("express", [1, 0])
def test_priority_barge_jumps_the_berth_queue(express):
    """One berth; barges A (priority 0) at 10:00, B (0) at 10:06, C at 10:12, each 5 h of
    work. With C at priority 1 it takes the berth when A leaves, before B; at priority 0
    (control) the berth goes first come first served."""
    data = _port(_quay(1, 2, 4.0, 2, 2), days=3, gateways=("g1", "g2", "g3"),
                 services=[_barge("a", "g1", 40, first_departure_h=10.0),
                           _barge("b", "g2", 40, first_departure_h=10.1),
                           _barge("c", "g3", 40, first_departure_h=10.2, priority=express)],
                 demand=[_flow("port", g, 10.0, 5) for g in ("g1", "g2", "g3")])
    h = _rows(_run(data))
    h = h.set_index(h["service"].astype(str))
    assert list(h.index.sort_values()) == ["a", "b", "c"]
    np.testing.assert_allclose(h["end_h"] - h["position_h"], 5.0)
    assert h.loc["a", "position_h"] == pytest.approx(10.0)
    first, second = ("c", "b") if express else ("b", "c")
    assert h.loc[first, "position_h"] == pytest.approx(15.0)
    assert h.loc[second, "position_h"] == pytest.approx(20.0)


# ------------------------------------------------------------------------------ 7. regressions


def test_barge_loading_when_its_link_closes_waits_for_the_reopening():
    """Regression: a barge loading 08:00-18:00 (10 h) whose link closes at 12:00 until 30:00
    held its loads (``held`` at the port, 12 h each) and departs at the reopening; no
    ``depart`` on the closed link inside the outage."""
    data = _port(_quay(1, 1, 5.0), days=4,
                 services=[_barge("b", "sea", 50, first_departure_h=8.0, headway_h=100)],
                 demand=[_flow("port", "sea", 20.0, 5)])
    data["disruptions"] = [{"kind": "link_outage", "link": ["port", "sea"],
                            "start_day": 0.5, "end_day": 1.25}]
    res = _run(data)
    h = _rows(res)
    assert len(h) == 1 and h.loc[0, "end_h"] == pytest.approx(18.0)
    ev = res.events
    dep = ev[(ev["event"] == "depart") & (ev["link"] == "port-sea:water")]
    assert not ((dep["t_h"] > 12.0) & (dep["t_h"] < 30.0)).any()
    first = dep[dep["t_h"] < 40]
    assert len(first) > 0 and np.allclose(first["t_h"], 30.0)
    held = ev[(ev["event"] == "held") & (ev["node"] == "port")]
    assert set(held["cid"]) == set(first["cid"])
    np.testing.assert_allclose(held["t_h"], 18.0)
    np.testing.assert_allclose(held["wait_h"], 12.0, atol=1e-4)
    assert (held["link"] == "port-sea:water").all()
    # the trip departs at the reopening, on schedule at 08:00
    trip = res.trips[res.trips["link"] == "port-sea:water"].iloc[0]
    assert (trip["scheduled_h"], trip["depart_h"]) == (8.0, 30.0)


def test_truck_loading_when_its_link_closes_waits_for_the_reopening():
    """The same for trucks: a run without the outage shows a load's lift-on at the gate
    (2 h); the road closes halfway through it (for 12 h) in a second run with the same
    seed. That load is held at the port from the end of its lift-on and leaves at the
    reopening; no truck departs inside the outage."""
    data = {
        "name": "gate", "run": {"horizon_days": 4, "warmup_days": 0, "seed": 2},
        "hubs": {"port": {"lat": 0, "lon": 0, "yard_teu": 1e6,
                          "areas": {"road": _quay(None, 1, 5.0)}}},
        "zones": {"park": {"lat": 0, "lon": 0.1}},
        "links": [_road("port", "park")],
        "services": [{"id": "truck", "from": "port", "to": "park", "mode": "road",
                      "capacity_teu": 10, "on_demand": True}],
        "demand": [_flow("port", "park", 1.0, 10)],
    }
    h = _rows(_run(data), op="lift_on")
    row = h[h["start_h"] > 12.0].iloc[0]
    assert row["end_h"] - row["start_h"] == pytest.approx(2.0)
    close = (row["start_h"] + row["end_h"]) / 2
    data["disruptions"] = [{"kind": "link_outage", "link": ["port", "park"],
                            "start_day": close / 24.0, "end_day": (close + 12.0) / 24.0}]
    res = _run(data)
    again = _rows(res, op="lift_on")
    same = again[np.isclose(again["start_h"], row["start_h"])]
    assert len(same) == 1 and same["end_h"].iloc[0] == pytest.approx(row["end_h"])
    ev = res.events
    dep = ev[ev["event"] == "depart"]
    assert not ((dep["t_h"] > close + 1e-6) & (dep["t_h"] < close + 12.0 - 1e-6)).any()
    held = ev[(ev["event"] == "held") & (ev["node"] == "port")]
    mine = held[np.isclose(held["t_h"], row["end_h"], atol=1e-6)]
    assert len(mine) == 1
    assert mine["wait_h"].iloc[0] == pytest.approx(close + 12.0 - row["end_h"], abs=1e-4)
    np.testing.assert_allclose(dep.loc[dep["cid"].isin(mine["cid"]), "t_h"], close + 12.0)


def _fleet_scenario(add_day: float | None) -> dict:
    """Loads of 5 TEU on 1-TEU trucks (fleet 2: a load takes the whole fleet), 3 trucks more
    from ``add_day``; no new loads in the last two of 8 days (every truck is home at the
    end)."""
    data = {
        "name": "fleet", "run": {"horizon_days": 8, "warmup_days": 0, "seed": 4},
        "hubs": {"port": {"lat": 0, "lon": 0, "yard_teu": 1e6, "equipment": 4,
                          "moves_per_hour": 30}},
        "zones": {"park": {"lat": 0, "lon": 0.1}},
        "links": [_road("park", "port", km=40, kmh=40)],
        "services": [{"id": "truck", "from": "park", "to": "port", "mode": "road",
                      "capacity_teu": 1, "on_demand": True, "fleet": 2, "bidirectional": False}],
        "demand": [_flow("park", "port", 1.0, 5)],
        "disruptions": [{"kind": "demand_shock", "factor": 0, "start_day": 6, "end_day": 8}],
    }
    if add_day is not None:
        data["investments"] = [{"service": "truck", "from_day": add_day, "add_fleet": 3}]
    return data


def test_add_fleet_while_trucks_travel_makes_no_phantom_trucks():
    """Regression: loads of 5 TEU on 1-TEU trucks take the whole fleet of 2 (all of a finite
    fleet at most); 3 more trucks arrive while trucks are out (halfway through a trip of a
    run without the investment). Returning trucks used to give back min(5, fleet) = 5, so
    the fleet counted 3 phantom trucks. The in-use count stays in [0, capacity] at every
    instant and is 0 at the end, when nothing moves."""
    trips = _run(_fleet_scenario(None)).trips
    trip = trips[trips["depart_h"] > 24.0].iloc[0]
    t_add = (trip["depart_h"] + trip["arrive_h"]) / 2
    scn = build_scenario(_fleet_scenario(t_add / 24.0))
    eng = _Engine(scn, 4, 8 * 24.0, 0.0)
    eng.start()
    fleet = eng.state.truck_fleets[0]
    seen: list[tuple[float, float, float]] = []

    def watch():
        while True:
            seen.append((eng.env.now, fleet.used, fleet.capacity))
            yield eng.env.timeout(0.05)

    eng.env.process(watch())
    eng.env.run(until=8 * 24.0)
    t, used, cap = (np.array(x) for x in zip(*seen, strict=True))
    assert (used >= 0).all() and (used <= cap).all()
    assert used.max() == 5  # the added trucks were used
    assert fleet.capacity == 5 and fleet.used == 0
    # trucks were out when the fleet grew (the case the bug needs)
    assert used[(t < t_add) & (t > t_add - 0.5)].min() == 2


# ------------------------------------------------------------------------------ 5b. conservation


def _area(draw: DrawFn) -> dict:
    lo = draw(st.integers(1, 2))
    equipment = draw(st.integers(lo, 4))
    area = {"equipment": equipment, "moves_per_hour": draw(st.floats(2, 40)),
            "min_units": lo, "max_units": draw(st.integers(lo, equipment))}
    positions = draw(st.one_of(st.none(), st.integers(1, 3)))
    if positions is not None:
        area["positions"] = positions
    return area


@st.composite
def blocked_networks(draw: DrawFn) -> dict:
    """Two hubs with areas (positions, crane intensity), small yards (so barges wait at
    anchorage and trucks at the gate), maybe a depot, opening hours, priorities; a zone
    feeding the first by truck, a rail shuttle between them and a barge line to a gateway."""
    hubs: dict[str, dict] = {}
    for i, (h, modes) in enumerate((("a", ("road", "rail")), ("b", ("rail", "water")))):
        hub = {"lat": 0, "lon": i, "yard_teu": draw(st.sampled_from([30.0, 60.0, 120.0])),
               "handling": draw(st.sampled_from(["deterministic", "exponential"])),
               "teu_per_move": draw(st.sampled_from([1.0, 2.0])),
               "dwell_h": draw(st.sampled_from(["0", "6", "exp(12)"])),
               "open_hours": draw(st.sampled_from([[0, 24], [6, 22], [8, 17]])),
               "areas": {m: _area(draw) for m in modes}}
        if draw(st.booleans()):
            hub["depot"] = {"teu": draw(st.sampled_from([10.0, 100.0])),
                            "extra_h": draw(st.sampled_from([0.0, 4.0]))}
        hubs[h] = hub
    services = [
        {"id": "truck", "from": "z", "to": "a", "mode": "road", "capacity_teu": 2,
         "on_demand": True, "fleet": draw(st.integers(1, 6))},
        {"id": "shuttle", "from": "a", "to": "b", "mode": "rail",
         "capacity_teu": draw(st.floats(10, 30)), "headway_h": draw(st.floats(4, 24)),
         "priority": draw(st.integers(-1, 1))},
        {"id": "barge", "from": "b", "to": "g", "mode": "water",
         "capacity_teu": draw(st.floats(10, 30)), "headway_h": draw(st.floats(6, 48)),
         "priority": draw(st.integers(-1, 1)),
         "rule": draw(st.sampled_from(["schedule", "full_or_max_wait"])), "max_wait_h": 24},
        {"id": "express", "from": "b", "to": "g", "mode": "water",
         "capacity_teu": draw(st.floats(5, 30)), "headway_h": draw(st.floats(12, 72)),
         "priority": 2, "fleet": draw(st.integers(1, 3))},
    ]
    demand = [_flow(o, d, draw(st.floats(0.5, 6)), draw(st.integers(1, 8)))
              for o, d in (("z", "g"), ("g", "z"), ("g", "a"), ("a", "b"))]
    return {
        "name": "blocked",
        "run": {"horizon_days": draw(st.floats(5, 15)), "warmup_days": 1,
                "seed": draw(st.integers(0, 2**31))},
        "hubs": hubs,
        "zones": {"z": {"lat": 1, "lon": 0}},
        "gateways": {"g": {"lat": 2, "lon": 1, "corridor": "east"}},
        "links": [_road("z", "a"),
                  {"from": "a", "to": "b", "mode": "rail", "distance_km": 50,
                   "speed_kmh": 40, "co2_g_per_tkm": 20},
                  _water("b", "g", km=300)],
        "services": services,
        "demand": demand,
    }


def _check_balance(data: dict) -> hubsim.Results:
    res = hubsim.simulate(build_scenario(data))  # ConservationError if the books break
    bal = res.balance
    for unit in ("teu", "tonnes"):
        rest = bal[f"at_nodes_{unit}"] + bal[f"on_vehicles_{unit}"]
        assert bal[f"generated_{unit}"] == pytest.approx(bal[f"delivered_{unit}"] + rest,
                                                         rel=1e-9, abs=1e-6)
    delivered = res.events[res.events["event"] == "delivered"]
    assert delivered["cid"].is_unique
    # every handling row is consistent: position, then units, then the end
    h = res.handling
    assert (h["request_h"] <= h["position_h"] + 1e-9).all()
    assert (h["position_h"] <= h["start_h"] + 1e-9).all()
    assert (h["start_h"] < h["end_h"]).all()
    assert (res.events.loc[res.events["event"] == "yard_wait", "wait_h"] >= 0).all()
    return res


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocked_networks())
def test_conservation_under_yard_blocking(data):
    _check_balance(data)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocked_networks())
def test_conservation_under_yard_blocking_many(data):
    _check_balance(data)
