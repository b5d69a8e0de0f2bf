"""The progress hook: called about once per simulated day, and without effect on results."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import hubsim


def test_progress_is_called_daily_and_changes_nothing(tiny_path):
    scn = hubsim.load_scenario(tiny_path)
    days = 17.5  # a fractional horizon: the last call comes after a partial day
    plain = hubsim.simulate(scn, seed=11, days=days)
    calls: list[tuple[float, float]] = []
    hooked = hubsim.simulate(scn, seed=11, days=days,
                             progress=lambda d, total: calls.append((d, total)))
    total = scn.run.warmup_days + days
    assert len(calls) == math.ceil(total)
    assert [d for d, _ in calls[:-1]] == list(range(1, math.ceil(total)))
    assert calls[-1] == (pytest.approx(total), pytest.approx(total))
    assert all(t == pytest.approx(total) for _, t in calls)
    pd.testing.assert_frame_equal(plain.kpis, hooked.kpis)
    pd.testing.assert_frame_equal(plain.events, hooked.events)
    pd.testing.assert_frame_equal(plain.trips, hooked.trips)
    assert plain.simpy_events == hooked.simpy_events
    assert plain.balance == hooked.balance
