"""The lock models (:mod:`hubsim.sim.locks`) on a bare SimPy clock, against hand-worked cases
and queueing theory.

* lockage model: a ship reaching an idle line enters at once; batching by
  ``ships_per_lockage`` and spacing by ``cycle_h``; priorities; closures (no lockage inside a
  closed window, the backlog's clearing time worked by hand); other traffic as an M/D/1 queue
  against the Pollaczek-Khinchine mean wait; the cost of other traffic in SimPy events;
* wait model: places, priorities, closures and the ``lock_wait`` disruption's swap of the hold
  time through :mod:`hubsim.sim.timeline`;
* records: a ``lock_passages`` row per ship and a ``lock`` event per consignment on board.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import pandas as pd
import pytest
import simpy

from hubsim.analysis import kpis as K
from hubsim.scenario.distributions import Dist, Sampler
from hubsim.scenario.terminals import Lock as LockSpec
from hubsim.sim.cargo import CONTAINER, Consignment
from hubsim.sim.locks import (
    LockageLock,
    WaitLock,
    build_locks,
    capacity_hours,
    closure_steps,
    make_lock,
)
from hubsim.sim.loop import Clock
from hubsim.sim.records import Recorder
from hubsim.sim.state import NetworkState
from hubsim.sim.streams import Streams, stream
from hubsim.sim.timeline import schedule

LINK = "a-b:water"


def new_lock(env: simpy.Environment, warmup_h: float = 0.0, seed: int = 1,
             **fields: Any) -> tuple[Any, Recorder]:
    """A lock on link 0 (``a`` -> ``b``) from the given ``lock`` fields, and its recorder."""
    spec = LockSpec.model_validate({"name": "l", **fields})
    rec = Recorder(["a", "b"], [LINK], ["s0", "s1"])
    return make_lock(env, spec, 0, LINK, "a", Streams(seed), rec, warmup_h), rec


def lockage(env: simpy.Environment, **fields: Any) -> tuple[LockageLock, Recorder]:
    lock, rec = new_lock(env, **{"model": "lockage", **fields})
    assert isinstance(lock, LockageLock)
    return lock, rec


def box(cid: int, teu: float = 2.0) -> Consignment:
    return Consignment(cid, teu, teu, 10.0 * teu, False, (), 0, "a", "b", 0.0, 0.0, False, 0,
                       CONTAINER)


Seen = dict[int, tuple[float, float, float]]  # ship -> (arrive, enter, leave)


def ship(env: simpy.Environment, lock: Any, seen: Seen, k: int, at: float,
         direction: int = 0, priority: int = 0,
         load: tuple[Consignment, ...] = ()) -> None:
    """Ship ``k`` (trip ``k`` of service 0) reaches ``lock`` at ``at`` h; ``seen[k]`` says
    when it arrived, entered (from its ``lock_passages`` row) and left."""

    def go() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(at)
        yield from lock.through(direction, priority, load, 0, k, 0)
        seen[k] = (at, math.nan, env.now)

    env.process(go())


def entered(rec: Recorder, seen: Seen) -> dict[int, float]:
    """When each modelled ship entered (its lockage started), by trip."""
    lp = rec.lock_passages_frame()
    lp = lp[lp["trip"] >= 0]
    return {int(t): float(e) for t, e in zip(lp["trip"], lp["enter_h"], strict=True)}


# ---------------------------------------------------------------- lockage model, by hand
def test_idle_lock_enters_at_once_batches_and_cycles_by_hand():
    env = Clock()
    lock, rec = lockage(env, lines=1, ships_per_lockage=2, cycle_h=1.0, passage_h="3",
                        passage_back_h="5")
    seen: Seen = {}
    # direction 0: A at 0 finds the line idle; B, C wait for the lockage at 1 (two ships);
    # D the one at 2; E comes at 2.5 while the line is busy until 3
    for k, t in enumerate([0.0, 0.2, 0.4, 0.5, 2.5]):
        ship(env, lock, seen, k, t, load=(box(10 + k),) if k < 2 else ())
    ship(env, lock, seen, 9, 0.3, direction=1)  # the other way: its own line, 5 h through
    env.run(until=20)
    enter = entered(rec, seen)
    assert enter == {0: 0.0, 1: 1.0, 2: 1.0, 3: 2.0, 4: 3.0, 9: 0.3}
    assert {k: v[2] for k, v in seen.items()} == {0: 3.0, 1: 4.0, 2: 4.0, 3: 5.0, 4: 6.0,
                                                  9: 5.3}
    assert lock.lockages == [4, 1]
    lp = rec.lock_passages_frame()
    assert list(lp["direction"]) == [0, 1, 0, 0, 0, 0]
    assert (lp["exit_h"] - lp["enter_h"]).tolist() == [3.0, 5.0, 3.0, 3.0, 3.0, 3.0]
    assert (lp["service"].astype(str) == "s0").all()
    ev = rec.events_frame()
    assert (ev["event"] == "lock").all() and ev["cid"].tolist() == [10, 11]
    assert ev["t_h"].tolist() == [3.0, 4.0]  # written as the ship leaves
    assert ev["wait_h"].tolist() == pytest.approx([0.0, 0.8])
    assert ev["dur_h"].tolist() == [3.0, 3.0]
    assert ev["teu"].tolist() == [2.0, 2.0] and ev["link"].astype(str).tolist() == [LINK] * 2


def test_two_lines_work_side_by_side():
    env = Clock()
    lock, rec = lockage(env, lines=2, ships_per_lockage=1, cycle_h=1.0, passage_h="2")
    seen: Seen = {}
    for k in range(5):
        ship(env, lock, seen, k, 0.0)
    env.run(until=10)
    # two lines, one ship each per lockage, every hour: 0, 0, 1, 1, 2
    assert entered(rec, seen) == {0: 0.0, 1: 0.0, 2: 1.0, 3: 1.0, 4: 2.0}


def test_a_priority_ship_takes_the_next_lockage():
    env = Clock()
    lock, rec = lockage(env, lines=1, ships_per_lockage=2, cycle_h=1.0, passage_h="3")
    seen: Seen = {}
    for k in range(10):  # ten ships at 0: two per lockage at 0, 1, 2, 3, 4
        ship(env, lock, seen, k, 0.0)
    ship(env, lock, seen, 10, 0.5, priority=1)  # behind eight waiting ships
    env.run(until=20)
    enter = entered(rec, seen)
    assert enter[10] == 1.0  # the next lockage, with the first ship in line (2)
    assert [enter[k] for k in range(10)] == [0, 0, 1, 2, 2, 3, 3, 4, 4, 5]
    lp = rec.lock_passages_frame()
    assert lp.loc[lp["trip"] == 10, "priority"].tolist() == [1]


# ---------------------------------------------------------------- closures
def test_closure_stops_lockages_and_the_backlog_clears_by_hand():
    """One line, one ship per lockage every 0.25 h (4 ships/h); a ship every 0.5 h (2/h) from
    0.1 h; closed from day 1 to day 2 ([24, 48) h).

    Hand calculation: the last lockage before the closure starts at 23.6 (that ship is in
    the lock until 26.6: ships inside finish). The 48 ships arriving 24.1 ... 47.6 wait; from
    48 h the lockages are 0.25 h apart and take them in order, ship n (arriving 24.1 + 0.5n)
    at 48 + 0.25n, while the backlog shrinks by 2 ships/h. Ship n = 95 (arrives 71.6) enters
    at 71.75; n = 96 (arrives 72.1) finds the line free since 72.0: the queue has cleared,
    24 h after the reopening (48 ships / (4 - 2) ships/h).
    """
    env = Clock()
    lock, rec = lockage(env, lines=1, ships_per_lockage=1, cycle_h=0.25, passage_h="3",
                        closures=[{"start_day": 1, "end_day": 2}])
    seen: Seen = {}
    times = [0.1 + 0.5 * k for k in range(200)]
    for k, t in enumerate(times):
        ship(env, lock, seen, k, t)
    env.run(until=120)
    enter = entered(rec, seen)
    starts = np.array(sorted(enter.values()))
    assert not ((starts >= 24.0) & (starts < 48.0)).any()
    assert enter[47] == pytest.approx(23.6) and seen[47][2] == pytest.approx(26.6)
    for n in range(96):  # the backlog, in order
        assert enter[48 + n] == pytest.approx(48.0 + 0.25 * n)
    assert enter[48 + 95] == pytest.approx(71.75) and times[48 + 95] == pytest.approx(71.6)
    wait = {k: enter[k] - times[k] for k in enter}
    assert all(wait[k] == pytest.approx(0.0) for k in range(48 + 96, 200))  # cleared at 72
    assert all(wait[k] == pytest.approx(0.0) for k in range(48))  # before: no waiting
    assert max(wait.values()) == pytest.approx(48.0 - 24.1)


def test_partial_closure_stretches_the_cycle():
    env = Clock()
    lock, rec = lockage(env, lines=1, ships_per_lockage=1, cycle_h=1.0, passage_h="1",
                        closures=[{"start_day": 0, "end_day": 0.5, "capacity_factor": 0.5}])
    seen: Seen = {}
    for k in range(6):
        ship(env, lock, seen, k, 0.0)
    env.run(until=40)
    # 1 h / 0.5 = 2 h apart until 12 h
    assert entered(rec, seen) == {0: 0.0, 1: 2.0, 2: 4.0, 3: 6.0, 4: 8.0, 5: 10.0}


def test_closure_steps_and_capacity_hours():
    spec = LockSpec.model_validate({"name": "l", "capacity": 1, "hold_h": "1", "closures": [
        {"start_day": -1, "end_day": 1}, {"start_day": 2, "end_day": 3,
                                           "capacity_factor": 0.5}]})
    steps = closure_steps(spec, warmup_h=48.0)
    assert steps == [(24.0, 0.0), (72.0, 1.0), (96.0, 0.5), (120.0, 1.0)]
    assert capacity_hours(steps, 0.0, 144.0) == pytest.approx(144 - 48 - 12)
    assert capacity_hours(steps, 30.0, 100.0) == pytest.approx(24 + 4 * 0.5)
    assert capacity_hours([], 0.0, 10.0) == 10.0


# ---------------------------------------------------------------- other traffic, M/D/1
@pytest.mark.slow
def test_other_traffic_is_an_md1_queue_with_the_pollaczek_khinchine_wait():
    """Other traffic only, one line, one ship per lockage, cycle D = 1 h: each direction is an
    M/D/1 queue with service time D. At lambda = 0.7/h (rho = 0.7) the Pollaczek-Khinchine
    mean wait in queue is rho D / (2 (1 - rho)) = 1.1667 h, and an arrival finds the line
    idle with probability 1 - rho = 0.3 (PASTA).

    Sample: 200,000 h per direction (~140,000 ships each), the first 1,000 h dropped. Waits
    of successive ships are correlated, so the standard error comes from 40 batch means (each
    ~7,000 ships, far longer than the queue's relaxation time of ~1/(1-rho)^2 ~ 11 ships);
    the mean must lie within 4 standard errors (a chance miss ~6e-5; the fixed seed makes it
    deterministic), and the standard error must be under 2% of the prediction so the check
    has teeth.
    """
    rho, cycle = 0.7, 1.0
    env = Clock()
    lock, rec = lockage(env, lines=1, ships_per_lockage=1, cycle_h=cycle, passage_h="2",
                        other_ships_per_day=24 * rho / cycle, seed=7)
    env.run(until=201_000)
    lp = rec.lock_passages_frame()
    lp = lp[lp["arrive_h"] >= 1000.0]
    assert lp["service"].isna().all() and (lp["trip"] == -1).all()
    predicted = rho * cycle / (2 * (1 - rho))
    for d in (0, 1):
        grp = lp[lp["direction"] == d].sort_values("arrive_h")
        wait = (grp["enter_h"] - grp["arrive_h"]).to_numpy()
        n = len(wait)
        assert n == pytest.approx(rho * 200_000, rel=0.01)
        batches = np.array_split(wait, 40)
        means = np.array([b.mean() for b in batches])
        se = means.std(ddof=1) / math.sqrt(len(means))
        assert se < 0.02 * predicted
        assert abs(wait.mean() - predicted) < 4 * se, (d, wait.mean(), predicted, se)
        idle = np.array([(b == 0).mean() for b in batches])
        assert abs(idle.mean() - (1 - rho)) < 4 * idle.std(ddof=1) / math.sqrt(len(idle))
        # the line is busy a share rho of the time: one lockage per ship
        assert lock.lockages[d] == pytest.approx(rho * 201_000, rel=0.01)


def test_other_traffic_costs_three_simpy_events_a_ship_at_most():
    """About 110 other ships a day both ways for 395 days: each is one arrival timeout, at
    most one wake-up of an idle line and one lockage timeout (no process per ship)."""
    env = Clock()
    _, rec = lockage(env, lines=2, ships_per_lockage=3, cycle_h=1.0, passage_h="3",
                     other_ships_per_day=55.0)
    env.run(until=395 * 24)
    ships = len(rec.lock_passages_frame())
    assert ships == pytest.approx(110 * 395, rel=0.02)
    assert next(env._eid) < 3 * ships + 10


def test_other_traffic_draws_leave_the_modelled_ships_alone():
    """The modelled ships' passage draws come from ``lock:<link>``, other traffic's from
    ``lock:<link>:other:<d>``: adding other traffic changes no modelled ship's passage."""
    out = []
    for other in (0.0, 40.0):
        env = Clock()
        lock, rec = lockage(env, lines=1, ships_per_lockage=5, cycle_h=0.5,
                            passage_h="exp(3)", other_ships_per_day=other)
        seen: Seen = {}
        for k in range(20):
            ship(env, lock, seen, k, 10.0 * k)
        env.run(until=300)
        lp = rec.lock_passages_frame()
        lp = lp[lp["trip"] >= 0].sort_values("trip")
        out.append((lp["exit_h"] - lp["enter_h"]).to_numpy())
    assert np.array_equal(out[0], out[1])


# ---------------------------------------------------------------- wait model
def test_wait_model_places_priority_and_records():
    env = Clock()
    lock, rec = new_lock(env, capacity=1, hold_h="2")
    assert isinstance(lock, WaitLock)
    seen: Seen = {}
    ship(env, lock, seen, 0, 0.0, load=(box(1),))
    ship(env, lock, seen, 1, 0.5, direction=1, load=(box(2),))
    ship(env, lock, seen, 2, 1.0, priority=1)  # overtakes ship 1
    env.run(until=10)
    assert {k: v[2] for k, v in seen.items()} == {0: 2.0, 2: 4.0, 1: 6.0}
    assert entered(rec, seen) == {0: 0.0, 2: 2.0, 1: 4.0}
    lp = rec.lock_passages_frame().sort_values("trip")
    assert lp["direction"].tolist() == [0, 1, 0] and lp["priority"].tolist() == [0, 0, 1]
    ev = rec.events_frame()
    assert ev[["t_h", "cid", "wait_h", "dur_h"]].values.tolist() == [[2.0, 1, 0.0, 2.0],
                                                                     [6.0, 2, 3.5, 2.0]]


def test_wait_model_closure_lets_ships_inside_finish():
    env = Clock()
    lock, rec = new_lock(env, capacity=2, hold_h="10",
                         closures=[{"start_day": 1, "end_day": 2}])
    seen: Seen = {}
    for k, t in enumerate([20.0, 21.0, 22.0, 25.0]):
        ship(env, lock, seen, k, t)
    env.run(until=100)
    # 20 and 21 take both places and finish inside the closure (30, 31); 22 and 25 wait
    # for the reopening at 48 h, not for the places freed at 30 and 31
    assert entered(rec, seen) == {0: 20.0, 1: 21.0, 2: 48.0, 3: 48.0}
    assert seen[0][2] == 30.0 and seen[3][2] == 58.0


def test_wait_model_half_capacity_rounds_half_up():
    env = Clock()
    lock, rec = new_lock(env, capacity=3, hold_h="10",
                         closures=[{"start_day": 0, "end_day": 1, "capacity_factor": 0.5}])
    seen: Seen = {}
    for k in range(3):
        ship(env, lock, seen, k, 1.0)
    env.run(until=100)
    assert entered(rec, seen) == {0: 1.0, 1: 1.0, 2: 11.0}  # 3 x 0.5 -> 2 places


def _lock_scenario(lock: dict) -> dict:
    return {
        "name": "locks",
        "run": {"horizon_days": 5, "warmup_days": 0, "seed": 1},
        "hubs": {h: {"lat": 0, "lon": i, "equipment": 5, "moves_per_hour": 10,
                     "yard_teu": 100} for i, h in enumerate("ab")},
        "links": [{"from": "a", "to": "b", "mode": "water", "distance_km": 100,
                   "speed_kmh": 10, "co2_g_per_tkm": 30, "lock": lock}],
        "services": [{"id": "barge", "from": "a", "to": "b", "mode": "water",
                      "capacity_teu": 50, "headway_h": 12}],
        "demand": [{"origin": "a", "destination": "b", "teu_per_year": 1000}],
        # lock_wait applies to wait locks only (the scenario checks)
        "disruptions": [{"kind": "lock_wait", "link": ["a", "b"], "start_day": 1,
                         "end_day": 2, "hold_h": "9"}],
    }


def test_lock_wait_swaps_the_hold_time_for_its_window(make_scenario):
    scn = make_scenario(_lock_scenario({"name": "w", "capacity": 1, "hold_h": "2"}))
    env = Clock()
    rec = Recorder(["a", "b"], [LINK], ["barge"])
    streams = Streams(1)
    locks = build_locks(scn, env, streams, rec=rec, warmup_h=0.0)
    state = NetworkState(env, scn.services, {}, locks, len(scn.links))
    own = state.lock_passage(0)
    schedule(state, scn, streams, 0.0, 120.0)
    seen: Seen = {}
    for k, t in enumerate([10.0, 30.0, 50.0]):  # before, inside and after [24, 48) h
        ship(env, locks[0], seen, k, t, direction=k % 2)
    env.run(until=120)
    assert {k: v[2] - v[0] for k, v in seen.items()} == {0: 2.0, 1: 9.0, 2: 2.0}
    assert state.lock_passage(0) is own  # restored


def test_a_lockage_locks_passage_override_applies_both_ways_until_cleared():
    """The scenario checks refuse lock_wait on a lockage lock (its delays come from its
    calendar and traffic), but the state's passage override works on it: modelled ships in
    both directions, other traffic untouched, None restores the lock's own times."""
    env = Clock()
    lock, rec = lockage(env, lines=1, ships_per_lockage=1, cycle_h=0.5, passage_h="2",
                        passage_back_h="3", other_ships_per_day=20.0)
    state = NetworkState(env, [], {}, {0: lock}, 1)
    assert state.lock_passage(0) is None
    seen: Seen = {}
    for k, t in enumerate([10.0, 30.0, 31.0, 50.0]):
        ship(env, lock, seen, k, t, direction=k % 2)

    def window() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(24.0)
        state.set_lock_passage(0, Sampler(Dist(mean=9.0), stream(1, "x")))
        yield env.timeout(24.0)
        state.set_lock_passage(0, None)

    env.process(window())
    env.run(until=120)
    lp = rec.lock_passages_frame()
    through = dict(zip(lp["trip"], lp["exit_h"] - lp["enter_h"], strict=False))
    assert [through[k] for k in range(4)] == pytest.approx([2.0, 9.0, 9.0, 3.0])
    other = lp[lp["trip"] < 0]
    assert set((other["exit_h"] - other["enter_h"]).round(9)) == {2.0, 3.0}


def test_set_lock_passage_refuses_none_on_a_wait_lock(make_scenario):
    scn = make_scenario(_lock_scenario({"name": "w", "capacity": 1, "hold_h": "2"}))
    env = Clock()
    state = NetworkState(env, scn.services, {}, build_locks(scn, env, Streams(1)), 1)
    with pytest.raises(ValueError, match="hold-time"):
        state.set_lock_passage(0, None)



# ---------------------------------------------------------------- diagnostics
def _passages(rows: list[tuple[int, int, float]]) -> pd.DataFrame:
    """A ``lock_passages`` table on LINK from (direction, trip, enter h) rows."""
    return pd.DataFrame({"link": pd.Categorical([LINK] * len(rows)),
                         "direction": [r[0] for r in rows], "trip": [r[1] for r in rows],
                         "enter_h": [r[2] for r in rows]})


def test_lock_utilisation_counts_lockages_and_open_hours(make_scenario):
    lock = {"name": "k", "model": "lockage", "lines": 2, "ships_per_lockage": 3,
            "cycle_h": 2.0, "passage_h": "1", "other_ships_per_day": 12.0,
            "closures": [{"start_day": 1, "end_day": 1.5}]}
    spec = _lock_scenario(lock)
    del spec["disruptions"]
    scn = make_scenario(spec)
    w = K.Window(24.0, 24.0 + 96.0)  # 4 days, 12 h of them closed: 84 open hours
    trips = pd.DataFrame({"link": pd.Categorical([LINK] * 3), "from": ["a", "a", "b"],
                          "depart_h": [30.0, 40.0, 50.0], "arrive_h": [40.0, 50.0, 60.0]})
    # direction 0: 7 ships at one instant (3 lockages), 2 at another (1), one before the
    # window (not counted); direction 1: one ship
    lp = _passages([(0, k, 30.0) for k in range(7)] + [(0, 7, 31.0), (0, 8, 31.0),
                                                       (0, 9, 10.0), (1, 10, 50.0)])
    slots = 2 * 84 / 2.0  # lines x open hours / cycle_h = 84 lockages per direction
    d = _lock_kpis(trips, scn, w, lp)
    assert d == pytest.approx(4 / slots)
    # without the table: trips plus 12 other ships a day each way over 3 ships a lockage
    d = _lock_kpis(trips, scn, w, None)
    assert d == pytest.approx((2 + 12 * 4) / (3 * slots))


def _lock_kpis(trips: pd.DataFrame, scn: Any, w: K.Window, lp: pd.DataFrame | None) -> float:
    """``lock_utilisation`` of LINK from the diagnostics' lock rows."""
    from hubsim.analysis.diagnostics import _lock_rows

    rows = {(kpi, key): v for kpi, _, key, v, _ in _lock_rows(trips, scn, w, lp)}
    return float(rows["lock_utilisation", LINK])


def test_wait_lock_utilisation_leaves_out_closed_hours(make_scenario):
    spec = _lock_scenario({"name": "w", "capacity": 2, "hold_h": "3",
                           "closures": [{"start_day": 0, "end_day": 1,
                                         "capacity_factor": 0.5}]})
    del spec["disruptions"]
    scn = make_scenario(spec)
    w = K.Window(0.0, 48.0)  # 24 h at one place, 24 h at two: 72 place-hours
    trips = pd.DataFrame({"link": pd.Categorical([LINK] * 4), "from": ["a"] * 4,
                          "depart_h": [1.0, 2.0, 3.0, 4.0], "arrive_h": [9.0] * 4})
    assert _lock_kpis(trips, scn, w, None) == pytest.approx(4 * 3 / 72)


# ---------------------------------------------------------------- through the engine
def test_a_lockage_lock_through_hubsim_simulate(make_scenario):
    """A tiny run with a lockage lock: barges (priority 2) both ways among other traffic,
    closed on day 3; every barge passes, the records agree with each other."""
    import hubsim

    spec = _lock_scenario({"name": "k", "model": "lockage", "lines": 1,
                           "ships_per_lockage": 2, "cycle_h": 1.5, "passage_h": "2",
                           "passage_back_h": "3", "other_ships_per_day": 20.0,
                           "closures": [{"start_day": 3, "end_day": 4}], "position": 0.25})
    del spec["disruptions"]
    spec["run"] = {"horizon_days": 10, "warmup_days": 1, "seed": 4}
    spec["services"][0]["priority"] = 2
    spec["demand"].append({"origin": "b", "destination": "a", "teu_per_year": 1000})
    res = hubsim.simulate(make_scenario(spec))
    lp = res.lock_passages
    barges = lp[lp["trip"] >= 0]
    others = lp[lp["trip"] < 0]
    assert len(others) > 200 and others["service"].isna().all()
    assert (others["priority"] == 0).all()
    assert set(barges["direction"]) == {0, 1}
    assert (barges["service"].astype(str) == "barge").all() and (barges["priority"] == 2).all()
    closed = (lp["enter_h"] >= 24 + 72) & (lp["enter_h"] < 24 + 96)
    assert not closed.any()
    through = lp["exit_h"] - lp["enter_h"]
    assert set(through[lp["direction"] == 0].round(9)) == {2.0}
    assert set(through[lp["direction"] == 1].round(9)) == {3.0}
    # each consignment aboard a barge has a lock event with its barge's wait and passage
    ev = res.events[res.events["event"] == "lock"]
    assert len(ev) > 0
    row = barges.set_index("trip")
    wait = (row["enter_h"] - row["arrive_h"]).reindex(ev["trip"]).to_numpy()
    assert np.allclose(ev["wait_h"], wait, atol=1e-4)
    assert np.allclose(ev["t_h"], row["exit_h"].reindex(ev["trip"]).to_numpy())
    # the barge's trip lasts its transit (10 h) plus its wait and passage
    trips = res.trips.set_index("trip").loc[row.index]
    done = trips["arrive_h"].notna()
    took = (trips["arrive_h"] - trips["depart_h"])[done]
    lock_h = (row["exit_h"] - row["arrive_h"])[done]
    assert np.allclose(took, 10.0 + lock_h)
