"""The event store: handing the packed columns over to the events table keeps every value."""

from __future__ import annotations

import weakref

import pandas as pd
import pytest

import hubsim
from hubsim.sim.engine import run_engine


def test_release_gives_the_same_table_and_frees_the_store(tiny_path):
    scn = hubsim.load_scenario(tiny_path)
    rec = run_engine(scn, seed=5, horizon_h=24 * 40, warmup_h=24 * 5).recorder
    kept = rec.events_frame()
    assert len(kept) == rec.n_events > 1000
    stores = weakref.ref(rec._ints), weakref.ref(rec._vals)
    released = rec.events_frame(release=True)
    pd.testing.assert_frame_equal(released, kept)
    # the packed integer and value stores are emptied once read, and freed (nothing else,
    # such as the recording function, keeps them); times are shared, not copied
    assert len(rec._ints) == 0 and len(rec._vals) == 0
    assert stores[0]() is None and stores[1]() is None
    with pytest.raises(RuntimeError, match="handed over"):
        rec.event(0.0, 0, 0, 0, -1, -1, -1, 1.0, 10.0, 0.0, 0.0)
    assert set(released["event"].dropna().unique()) >= {"generated", "depart", "delivered"}


def test_simulate_tables_match_a_second_identical_run(tiny_path):
    scn = hubsim.load_scenario(tiny_path)
    res = hubsim.simulate(scn, seed=5, days=30)
    rec = run_engine(scn, seed=5, horizon_h=res.window.end_h, warmup_h=res.window.start_h) \
        .recorder
    pd.testing.assert_frame_equal(res.events, rec.events_frame())
