"""Deterministic cases with exact answers: a timetabled train with fixed capacity (exact
throughput and exact waiting times) and transit = distance / speed (deterministic.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from .deterministic import (
    CAPACITY,
    FIRST,
    HEADWAY,
    LOAD,
    RAIL_KM,
    RAIL_KMH,
    RATE,
    ROAD_KM,
    ROAD_KMH,
    created_at_a,
    replay_timetable,
    run_train,
    train_observed,
)


@pytest.fixture(scope="module")
def train_run():
    return run_train(LOAD)


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
    # one departure per slot over the whole run, none skipped
    assert len(rail) == math.floor((horizon_h - FIRST - CAPACITY / RATE) / HEADWAY) + 1 == 60
    k = np.arange(len(rail))
    np.testing.assert_array_equal(rail["scheduled_h"].to_numpy(), FIRST + k * HEADWAY)
    load = rail["load"].to_numpy()
    # demand is 1.5x capacity: after the first two departures every train leaves exactly full,
    # so the throughput is exactly capacity x departures
    np.testing.assert_array_equal(load[2:], CAPACITY)
    depart = rail["depart_h"].to_numpy()
    assert depart - rail["scheduled_h"].to_numpy() == pytest.approx(load / RATE, rel=1e-9)
    assert np.diff(depart[2:]) == pytest.approx(np.full(len(depart) - 3, HEADWAY), rel=1e-12)
    ev = train_run.events
    dep = ev[(ev["event"] == "depart") & (ev["service"] == "train")]
    per_trip = dep.groupby("trip")["teu"].sum()
    assert per_trip.to_numpy() == pytest.approx(
        rail.set_index("trip").loc[per_trip.index, "load"].to_numpy(), rel=1e-6)


@pytest.mark.parametrize("load", [LOAD, 0.6], ids=["overloaded", "underloaded"])
def test_waiting_times_are_exactly_the_timetable_replay(load):
    """Every piece of every consignment waits exactly from its creation to the departure of
    the train the first-come-first-served timetable puts it on."""
    res = run_train(load)
    want_trains, want = replay_timetable(created_at_a(res), res.window.end_h)
    got_trains, got = train_observed(res)
    assert len(got_trains) == len(want_trains) == 60
    np.testing.assert_array_equal(got_trains["load"], want_trains["load"])
    np.testing.assert_allclose(got_trains["depart_h"], want_trains["depart_h"], rtol=1e-12)
    key = ["k", "cid", "teu"]
    got = got.sort_values(key).reset_index(drop=True)
    want = want.sort_values(key).reset_index(drop=True)
    assert len(got) == len(want) > 400
    np.testing.assert_array_equal(got[key].to_numpy(), want[key].to_numpy())
    np.testing.assert_allclose(got["wait_h"], want["wait_h"], rtol=1e-6)  # float32 log
    if load > 1:
        assert want["wait_h"].max() > 10 * HEADWAY  # the backlog really builds up
