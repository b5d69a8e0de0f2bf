"""Reproducibility: the same scenario and seed give identical results, to the byte on disk;
another seed gives a different but statistically close answer."""

from __future__ import annotations

import pandas as pd
import pytest

import hubsim
from hubsim.present.output import write_results

DAYS = 150  # measured days: long enough for seeds to agree within a few per cent


@pytest.fixture(scope="module")
def tiny(tiny_path):
    return hubsim.load_scenario(tiny_path)


def test_same_seed_identical_tables(tiny):
    a = hubsim.simulate(tiny, seed=3, days=DAYS)
    b = hubsim.simulate(tiny, seed=3, days=DAYS)
    pd.testing.assert_frame_equal(a.kpis, b.kpis)
    pd.testing.assert_frame_equal(a.targets, b.targets)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.trips, b.trips)
    assert a.balance == b.balance
    assert a.simpy_events == b.simpy_events


def test_same_seed_byte_identical_files(tiny, tmp_path):
    for name in ("one", "two"):
        write_results(hubsim.simulate(tiny, seed=3, days=DAYS), tmp_path / name)
    for table in ("kpis.csv", "targets.csv"):
        one = (tmp_path / "one" / table).read_bytes()
        assert one, table
        assert one == (tmp_path / "two" / table).read_bytes(), table


def test_seed_defaults_to_the_scenario_seed(tiny):
    assert tiny.run.seed == 3
    pd.testing.assert_frame_equal(hubsim.simulate(tiny, days=30).kpis,
                                  hubsim.simulate(tiny, seed=3, days=30).kpis)


def test_other_seed_differs_but_is_close(tiny):
    a = hubsim.simulate(tiny, seed=3, days=DAYS)
    b = hubsim.simulate(tiny, seed=4, days=DAYS)
    assert not a.events["t_h"].equals(b.events["t_h"])
    ta, tb = a.kpi("channel_teu"), b.kpi("channel_teu")
    assert ta != tb
    assert ta > 0
    assert abs(ta - tb) <= 0.15 * max(ta, tb), (ta, tb)
