"""The day-by-day backlog and the recovery day of a what-if (analysis.series)."""

from __future__ import annotations

import pandas as pd
import pytest

import hubsim
from hubsim.analysis.series import backlog_daily, recovery_day


def test_backlog_on_the_last_day_is_the_backlog_kpi(tiny_path):
    res = hubsim.simulate(hubsim.load_scenario(tiny_path), seed=2)
    daily = backlog_daily(res.events, res.window)
    assert len(daily) == 50 and (daily["backlog_teu"] >= 0).all()
    assert daily["backlog_teu"].iloc[-1] == pytest.approx(res.kpi("backlog_end_teu"))


def test_recovery_day_finds_where_the_extra_backlog_has_cleared():
    base = pd.DataFrame({"day": range(8), "backlog_teu": [100.0] * 8})
    hit = pd.DataFrame({"day": range(8), "backlog_teu": [100, 100, 300, 250, 180, 115, 105, 100.0]})
    assert recovery_day(base, hit, after_day=1) == 5  # 15 <= 10% of the 200 peak
    assert recovery_day(base, hit, after_day=1, tolerance=0.01) == 7
    assert recovery_day(base, hit.assign(backlog_teu=hit["backlog_teu"] + 50), 1) != \
        recovery_day(base, hit.assign(backlog_teu=hit["backlog_teu"] + 50), 1)  # never: NaN
    assert recovery_day(base, base, after_day=3) == 3  # nothing extra
