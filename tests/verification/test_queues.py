"""hubsim against queueing theory: an M/M/c hub (Erlang C) for several loads up to rho = 0.95,
a tandem line and a Jackson network of hubs (product form).

All runs use fixed seeds (the statistics are deterministic and never flake); tolerances are
3 standard errors over independent replications plus a small floor (see checks.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import hubsim
from hubsim.scenario.build import build_scenario

from .cases import JACKSON, MMC_CASES, MU, NETWORK_CASES, mmc_dict, network_scenario
from .checks import mmc_checks, network_checks
from .theory import mmc


def _assert_all(checks):
    bad = [c.describe() for c in checks if not c.ok]
    assert not bad, "\n".join(bad)


def _tiered(case):
    """Loads of rho >= 0.9 need long runs: the slow tier checks them, the fast tier the rest."""
    return pytest.param(case, id=case.id,
                        marks=[pytest.mark.slow] if case.rho >= 0.9 else [])


@pytest.mark.parametrize("case", [_tiered(c) for c in MMC_CASES])
def test_hub_equipment_queue_matches_erlang_c(case):
    _assert_all(mmc_checks(case))


@pytest.mark.slow
@pytest.mark.parametrize("case", NETWORK_CASES, ids=[c.name for c in NETWORK_CASES])
def test_network_of_hubs_matches_product_form(case):
    _assert_all(network_checks(case))


def test_jackson_case_uses_the_routes_it_describes():
    """The engine's own routing sends every load of each demand row through the handling
    operations the theory counts (twice at hubs passed through, once where it ends)."""
    res = hubsim.simulate(network_scenario(JACKSON), days=5)
    ev = res.events
    lifts = ev[ev["event"].isin(["lift_on", "lift_off"])].sort_values("t_h", kind="stable")
    row_of = res.consignments.set_index("cid")["demand"]
    done = ev.loc[ev["event"] == "delivered", "cid"]
    seq = lifts[lifts["cid"].isin(done)].groupby("cid")["node"] \
        .agg(lambda s: tuple(s.astype(str)))
    assert len(seq) > 500
    for cid, nodes in seq.items():
        _, path, _ = JACKSON.rows[row_of[cid]]
        assert list(nodes) == JACKSON.stations(path), (cid, nodes)


def test_deterministic_handling_halves_the_mm_c_wait():
    """Control: with deterministic handling (M/D/c) the wait is clearly below Erlang C, so the
    Erlang C checks really depend on ``handling: exponential`` being honoured."""
    c, rho = 2, 0.8
    lam = rho * c * MU
    measured_h = 20_000 / lam
    scn = build_scenario(mmc_dict(c, lam, MU, measured_h, 0.1 * measured_h,
                                  handling="deterministic"))
    waits = []
    for rep in range(4):
        res = hubsim.simulate(scn, seed=2000 + rep)
        ev = res.events
        lifts = ev[(ev["event"] == "lift_off") & res.window.mask(ev["t_h"])]
        assert np.allclose(lifts["dur_h"], 1 / MU, rtol=1e-6)
        waits.append(lifts["wait_h"].mean())
    # M/D/c is about half of M/M/c (exactly half for c = 1)
    assert np.mean(waits) < 0.7 * mmc(c, lam, MU).wq
