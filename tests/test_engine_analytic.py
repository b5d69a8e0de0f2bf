"""Analytic tier: the engine against results known in closed form.

* A hub fed by Poisson arrivals of single TEU with exponential handling is an M/M/c queue; its
  equipment queue wait must match Erlang C and its equipment utilisation must match rho.
* A vehicle's transit time on a link given by speed is exactly distance / speed, and a
  timetabled train with more demand than capacity leaves full, on the timetable.

All runs use fixed seeds, so the statistical checks are deterministic and never flake; the
tolerances are confidence intervals over independent replications (different seeds).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import hubsim
from hubsim.scenario import HOURS_PER_YEAR


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load ``a`` = lambda/mu."""
    assert 0 < a < c
    below = sum(a**k / math.factorial(k) for k in range(c))
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (below + top)


def mmc_wq(c: int, lam: float, mu: float) -> float:
    """Mean wait in queue (hours) of an M/M/c queue."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def test_erlang_c_formula_known_values():
    # M/M/1: C = rho, Wq = rho / (mu - lam); textbook M/M/2 at a = 1: C = 1/3
    assert erlang_c(1, 0.7) == pytest.approx(0.7, rel=1e-12)
    assert mmc_wq(1, 0.7, 1.0) == pytest.approx(0.7 / 0.3, rel=1e-12)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-12)


def mmc_dict(c: int, lam: float, mu: float, measured_h: float, warmup_h: float) -> dict:
    """One zone -> one hub by on-demand trucks with (almost) zero transit: an M/M/c hub."""
    return {
        "name": "mmc",
        "run": {"horizon_days": (warmup_h + measured_h) / 24.0, "warmup_days": warmup_h / 24.0,
                "seed": 0},
        "hubs": {"h": {"lat": 0, "lon": 0, "equipment": c, "moves_per_hour": mu,
                       "handling": "exponential", "yard_teu": 1e9}},
        "zones": {"z": {"lat": 0, "lon": 0.1}},
        "links": [{"from": "z", "to": "h", "mode": "road", "distance_km": 0.001,
                   "speed_kmh": 1000, "co2_g_per_tkm": 0}],
        "services": [{"id": "truck", "from": "z", "to": "h", "mode": "road",
                      "capacity_teu": 1, "on_demand": True}],
        "demand": [{"origin": "z", "destination": "h", "teu_per_year": lam * HOURS_PER_YEAR,
                    "batch_dist": "fixed", "batch_mean": 1}],
    }


MU = 4.0  # TEU/h per unit: mean handling 0.25 h, so waits are in hours, not "service units"

# (equipment c, rho, customers per replication, replications)
MMC_CASES = [
    (2, 0.50, 15_000, 8),
    (3, 0.75, 20_000, 8),
    (4, 0.90, 30_000, 10),
    (2, 0.90, 30_000, 10),
]


def replicate_mmc(make_scenario, c: int, rho: float, customers: int, reps: int):
    lam = rho * c * MU
    measured_h = customers / lam
    scn = make_scenario(mmc_dict(c, lam, MU, measured_h, warmup_h=0.1 * measured_h))
    waits, utils, n_lifts = [], [], []
    for rep in range(reps):
        res = hubsim.simulate(scn, seed=1000 + rep)
        ev = res.events
        lifts = ev[(ev["event"] == "lift_off") & (ev["node"] == "h")
                   & res.window.mask(ev["t_h"])]
        waits.append(lifts["wait_h"].mean())
        utils.append(res.kpi("equipment_utilisation", "hub", "h"))
        n_lifts.append(len(lifts))
    return lam, np.array(waits), np.array(utils), np.array(n_lifts)


@pytest.mark.parametrize(("c", "rho", "customers", "reps"), MMC_CASES,
                         ids=[f"c{c}-rho{rho}" for c, rho, _, _ in MMC_CASES])
def test_hub_equipment_queue_matches_erlang_c(make_scenario, c, rho, customers, reps):
    lam, waits, utils, n_lifts = replicate_mmc(make_scenario, c, rho, customers, reps)
    # sanity: the run is the size we meant (Poisson count within a generous band)
    assert n_lifts.mean() == pytest.approx(customers, rel=0.05)

    wq_theory = mmc_wq(c, lam, MU)
    wq_mean = waits.mean()
    wq_se = waits.std(ddof=1) / math.sqrt(reps)
    # the interval must be tight enough to mean something ...
    assert 3 * wq_se <= 0.20 * wq_theory, f"CI too wide: se {wq_se:.4f} h"
    # ... and contain the theory: mean +- 3 standard errors, plus a 2 % floor for the
    # truncation at the ends of the window
    assert abs(wq_mean - wq_theory) <= 3 * wq_se + 0.02 * wq_theory, (
        f"M/M/{c} rho={rho}: simulated Wq {wq_mean:.4f} +- {wq_se:.4f} h, "
        f"Erlang C {wq_theory:.4f} h")

    u_mean = utils.mean()
    u_se = utils.std(ddof=1) / math.sqrt(reps)
    assert abs(u_mean - rho) <= 3 * u_se + 0.005, (
        f"M/M/{c}: utilisation {u_mean:.4f} +- {u_se:.4f}, rho {rho}")


def test_deterministic_handling_halves_the_mm_c_wait(make_scenario):
    """Control: with deterministic handling (M/D/c) the wait is clearly below Erlang C, so the
    Erlang C test above really depends on ``handling: exponential`` being honoured."""
    c, rho = 2, 0.8
    lam = rho * c * MU
    measured_h = 20_000 / lam
    data = mmc_dict(c, lam, MU, measured_h, 0.1 * measured_h)
    data["hubs"]["h"]["handling"] = "deterministic"
    scn = make_scenario(data)
    waits = []
    for rep in range(4):
        res = hubsim.simulate(scn, seed=2000 + rep)
        ev = res.events
        lifts = ev[(ev["event"] == "lift_off") & res.window.mask(ev["t_h"])]
        assert np.allclose(lifts["dur_h"], 1 / MU, rtol=1e-6)
        waits.append(lifts["wait_h"].mean())
    # M/D/c is about half of M/M/c (exactly half for c = 1)
    assert np.mean(waits) < 0.7 * mmc_wq(c, lam, MU)


# ---------------------------------------------------------------- deterministic transit

RAIL_KM, RAIL_KMH = 437.0, 61.0
ROAD_KM, ROAD_KMH = 12.3, 37.0
CAPACITY, HEADWAY, FIRST, RATE = 50, 12.0, 3.0, 500.0


@pytest.fixture
def train_run(make_scenario):
    """Hub a -rail (timetabled, 50 TEU every 12 h)-> hub b -road (trucks)-> zone z, with 1.5x
    more demand than the train carries."""
    scn = make_scenario({
        "name": "train",
        "run": {"horizon_days": 30, "warmup_days": 1, "seed": 11},
        "hubs": {"a": {"lat": 0, "lon": 0, "equipment": 1, "moves_per_hour": RATE,
                       "yard_teu": 1e6},
                 "b": {"lat": 0, "lon": 4, "equipment": 2, "moves_per_hour": RATE,
                       "yard_teu": 1e6}},
        "zones": {"z": {"lat": 0, "lon": 4.1}},
        "links": [{"from": "a", "to": "b", "mode": "rail", "distance_km": RAIL_KM,
                   "speed_kmh": RAIL_KMH, "co2_g_per_tkm": 20},
                  {"from": "b", "to": "z", "mode": "road", "distance_km": ROAD_KM,
                   "speed_kmh": ROAD_KMH, "co2_g_per_tkm": 90}],
        "services": [{"id": "train", "from": "a", "to": "b", "mode": "rail",
                      "capacity_teu": CAPACITY, "headway_h": HEADWAY,
                      "first_departure_h": FIRST, "bidirectional": False},
                     {"id": "dray", "from": "b", "to": "z", "mode": "road", "capacity_teu": 2,
                      "on_demand": True}],
        "demand": [{"origin": "a", "destination": "z",
                    "teu_per_year": 1.5 * CAPACITY * HOURS_PER_YEAR / HEADWAY,
                    "batch_mean": 4}],  # geometric batches: the last one is split to fill
    })
    return hubsim.simulate(scn)


def test_arrive_duration_is_distance_over_speed(train_run):
    ev = train_run.events
    arrive = ev[ev["event"] == "arrive"]
    for link, km, kmh in (("a-b:rail", RAIL_KM, RAIL_KMH), ("b-z:road", ROAD_KM, ROAD_KMH)):
        dur = arrive.loc[arrive["link"] == link, "dur_h"].to_numpy()
        assert len(dur) > 20, link
        assert dur == pytest.approx(np.full(len(dur), km / kmh), rel=1e-6), link
    trips = train_run.trips.dropna(subset=["arrive_h"])
    rail = trips[trips["service"] == "train"]
    assert (rail["arrive_h"] - rail["depart_h"]).to_numpy() == \
        pytest.approx(np.full(len(rail), RAIL_KM / RAIL_KMH), rel=1e-12)


def test_timetabled_train_leaves_full_on_the_headway(train_run):
    trips = train_run.trips
    rail = trips[trips["service"] == "train"].sort_values("depart_h")
    horizon_h = train_run.window.end_h
    # one departure per slot over the whole run, none skipped (the last slot's loading of
    # 0.1 h ends before the horizon)
    assert len(rail) == math.floor((horizon_h - FIRST - CAPACITY / RATE) / HEADWAY) + 1 == 60
    k = np.arange(len(rail))
    np.testing.assert_array_equal(rail["scheduled_h"].to_numpy(), FIRST + k * HEADWAY)
    load = rail["load"].to_numpy()
    assert (load <= CAPACITY + 1e-9).all()
    # demand is 1.5x capacity: after the first two departures every train leaves exactly full
    np.testing.assert_array_equal(load[2:], CAPACITY)
    # departure = slot + loading one full train (equipment idle, deterministic handling) ...
    depart = rail["depart_h"].to_numpy()
    assert depart - rail["scheduled_h"].to_numpy() == pytest.approx(load / RATE, rel=1e-9)
    # ... so full trains depart exactly every headway_h
    assert np.diff(depart[2:]) == pytest.approx(np.full(len(depart) - 3, HEADWAY), rel=1e-12)
    # the events agree: each departure carries exactly its trip's load
    ev = train_run.events
    dep = ev[(ev["event"] == "depart") & (ev["service"] == "train")]
    per_trip = dep.groupby("trip")["teu"].sum()
    assert per_trip.to_numpy() == pytest.approx(
        rail.set_index("trip").loc[per_trip.index, "load"].to_numpy(), rel=1e-6)
