"""The event store: handing the packed columns over to the events table keeps every value."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

import hubsim
from hubsim.sim.engine import run_engine


def test_release_gives_the_same_table_and_frees_the_store(tiny_path):
    scn = hubsim.load_scenario(tiny_path)
    rec = run_engine(scn, seed=5, horizon_h=24 * 40, warmup_h=24 * 5).recorder
    kept = rec.events_frame()
    assert len(kept) == rec.n_events > 1000
    store, last = rec._blocks, rec._blocks[-1]
    held = sys.getrefcount(last)  # the store, the recorder's block being filled, ``last``, the call
    released = rec.events_frame(release=True)
    pd.testing.assert_frame_equal(released, kept)
    # every block of the packed store is dropped once read, and nothing else (such as the
    # recorder's reference to the block it fills, the last one) keeps one
    assert rec.n_events == 0 and all(len(b) == 0 for b in store)
    assert sys.getrefcount(last) == held - 2 == 2
    with pytest.raises(RuntimeError, match="handed over"):
        rec.event(0.0, 0, 0, 0, -1, -1, -1, 1.0, 10.0, 0.0, 0.0)
    assert set(released["event"].dropna().unique()) >= {"generated", "depart", "delivered"}


def test_event_codes_name_the_events_table_categories():
    """The codes the engine writes (``records.DEPART`` ...: constants compiled into the
    engine's modules) are the positions of their names in ``EVENT_NAMES``, which the
    ``event`` column's categories are."""
    from hubsim.sim import records

    codes = {name: getattr(records, name.upper()) for name in records.EVENT_NAMES}
    assert codes == {name: i for i, name in enumerate(records.EVENT_NAMES)}


def test_simulate_tables_match_a_second_identical_run(tiny_path):
    scn = hubsim.load_scenario(tiny_path)
    res = hubsim.simulate(scn, seed=5, days=30)
    rec = run_engine(scn, seed=5, horizon_h=res.window.end_h, warmup_h=res.window.start_h) \
        .recorder
    pd.testing.assert_frame_equal(res.events, rec.events_frame())


@pytest.mark.parametrize(("n_nodes", "size"), [(2, 39), (40_000, 48)])
def test_rows_are_packed_as_the_table_reads_them_across_blocks(n_nodes, size):
    """A row written with event() comes back field for field (float32 values widened), also
    across a block boundary, and set_wait reaches a row in an earlier block; in 39-byte rows
    (int16 node, link and service indices) and, for a network too large for them, 48-byte
    rows."""
    from hubsim.sim.records import _EVENT_DTYPE, BLOCK_ROWS, EVENT_ROW, Recorder

    assert EVENT_ROW.size == _EVENT_DTYPE.itemsize == 39
    names = ["a", "b"] + [f"n{i}" for i in range(n_nodes - 2)]
    rec = Recorder(names, ["a-b:rail"], ["s"])
    assert rec._row.size == rec._dtype.itemsize == size
    # the last index a row holds comes back
    rec.event(0.0, 0, 0, n_nodes - 1, -1, -1, -1, 1.0, 1.0, 0.0, 0.0)
    assert rec.events_frame()["node"].iloc[0] == names[-1]
    rec = Recorder(names, ["a-b:rail"], ["s"])
    n = BLOCK_ROWS + 3
    for i in range(n):
        rec.event(i * 0.5, i % 14, i, i % 2, 0 if i % 3 else -1, -1, i // 7, 2.0, 20.5, 0.0,
                  0.25)
    rec.set_wait(5, 1.5)
    rec.set_wait(BLOCK_ROWS + 1, 2.5)
    assert rec.n_events == n and len(rec._blocks) == 2
    ev = rec.events_frame()
    assert len(ev) == n
    assert ev["t_h"].iloc[-1] == (n - 1) * 0.5 and ev["cid"].iloc[-1] == n - 1
    assert ev["node"].iloc[BLOCK_ROWS] == ("a" if BLOCK_ROWS % 2 == 0 else "b")
    assert ev["link"].isna().sum() == len(range(0, n, 3))
    assert ev["service"].isna().all() and ev["trip"].iloc[14] == 2
    assert list(ev.loc[[4, 5, 6, BLOCK_ROWS + 1], "wait_h"]) == [0.0, 1.5, 0.0, 2.5]
    assert (ev["tonnes"] == 20.5).all() and (ev["dur_h"] == 0.25).all()
