"""The formulas themselves, against textbook values and closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from .cases import JACKSON, TANDEM
from .theory import erlang_b, erlang_c, jackson_rates, mmc, product_form, route_sojourn


def test_erlang_b_table_values():
    # Erlang B tables: 10 lines at 5 erlang block 1.84 %; 5 lines at 4 erlang 19.9 %
    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=1e-6)
    assert erlang_b(5, 4.0) == pytest.approx(0.19907, abs=1e-5)
    assert erlang_b(1, 1.0) == pytest.approx(0.5, rel=1e-12)


def test_erlang_c_textbook_values():
    assert erlang_c(1, 0.7) == pytest.approx(0.7, rel=1e-12)  # M/M/1: P(wait) = rho
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-12)
    assert erlang_c(5, 4.0) == pytest.approx(0.5541, abs=1e-4)  # call-centre table value
    with pytest.raises(ValueError, match="stable"):
        erlang_c(2, 2.0)


@pytest.mark.parametrize("rho", [0.3, 0.75, 0.95])
def test_mmc_matches_closed_forms(rho):
    mu = 4.0
    one = mmc(1, rho * mu, mu)
    assert one.wq == pytest.approx(rho / (mu - rho * mu), rel=1e-12)
    assert one.l == pytest.approx(rho / (1 - rho), rel=1e-12)
    two = mmc(2, 2 * rho * mu, mu)  # M/M/2: Lq = 2 rho^3 / (1 - rho^2)
    assert two.lq == pytest.approx(2 * rho**3 / (1 - rho**2), rel=1e-12)
    assert two.rho == pytest.approx(rho)


def test_jackson_traffic_equations_by_hand():
    # a station feeding back half its output to itself: lambda = gamma / (1 - p)
    assert jackson_rates([2.0], [[0.5]]) == pytest.approx([4.0])
    # two stations sending half of their output to each other
    lam = jackson_rates([1.0, 0.0], [[0.0, 0.5], [0.5, 0.0]])
    assert lam == pytest.approx([4 / 3, 2 / 3])
    with pytest.raises(ValueError, match="substochastic"):
        jackson_rates([1.0], [[1.5]])


def test_tandem_product_form_by_hand():
    q = product_form(TANDEM.lift_rates, dict(TANDEM.servers), {"h1": 4.0, "h2": 4.0})
    # h1 lifts every box twice (6/h on 2 units), h2 once (3/h on 1 unit)
    assert q["h1"].rho == pytest.approx(0.75) and q["h2"].rho == pytest.approx(0.75)
    assert q["h1"].wq == pytest.approx(erlang_c(2, 1.5) / (8 - 6))
    assert q["h2"].wq == pytest.approx(0.75 / (4 - 3))
    assert route_sojourn(["h1", "h1", "h2"], q) == pytest.approx(
        2 * (q["h1"].wq + 0.25) + q["h2"].wq + 0.25)


def test_jackson_case_visit_and_route_views_agree():
    """The Jackson traffic equations (per hub visit, with the splits of the demand rows) and
    the fixed-route lift counts describe the same flows: a hub visit is two lifts, except for
    loads that end there (one)."""
    gamma, p, visits = JACKSON.jackson()
    assert visits == pytest.approx([5.0, 3.0, 2.5])
    assert p.sum(axis=1) == pytest.approx([0.8, 0.5, 0.0])  # the rest ends at the hub
    exits = visits * (1 - p.sum(axis=1))
    lifts = JACKSON.lift_rates
    assert np.array([lifts[h] for h in JACKSON.hubs]) == pytest.approx(2 * visits - exits)
    assert exits.sum() == pytest.approx(gamma.sum())
