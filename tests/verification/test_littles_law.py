"""Little's law on every hub of the bundled 2022 scenario, from the event log (littles.py)."""

from __future__ import annotations

import numpy as np
import pytest

from .littles import LITTLE_2022, run_little


@pytest.fixture(scope="module")
def little():
    return run_little(LITTLE_2022)


def test_every_hub_is_checked(little):
    assert sorted(little["hub"]) == ["guoyuan", "jiangbei", "nanpeng", "tuanjie"]
    assert (little["lambda_per_h"] > 0).all() and (little["L_kpi"] > 0).all()


def test_sample_path_yard_integral_equals_the_yard_kpi(little):
    """Every load lifted into a yard is lifted out or still there: the yard_mean KPI equals
    the sum of the stays rebuilt load by load (float32 loads in the log: 1e-6)."""
    np.testing.assert_allclose(little["L_path"], little["L_kpi"], rtol=1e-6)


def test_l_equals_lambda_w(little):
    """L = lambda W within the edge effect of stays that cross the window's ends; nearly all
    loads entering the window have left by the end of the run."""
    assert (little["open_share"] < 0.01).all(), little
    bad = little[little["rel_diff"].abs() > LITTLE_2022.rel_tol]
    assert bad.empty, bad.to_string()
