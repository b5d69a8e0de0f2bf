"""hubsim against Ciw, an independent queueing simulator, on the same cases: a bug shared by
our engine and our formulas cannot hide. The difference of the two means (over replications
with the same seeds) must lie within 3 standard errors of the difference.

CI runs the M/M/3 hub at rho = 0.75 and the Jackson network (each Ciw case costs about as
much again as hubsim's, so the CI budget allows no more); the report
(``python tests/verification/report.py``) runs every case.
"""

from __future__ import annotations

import pytest

from .cases import JACKSON, MMC_CASES
from .checks import peer_mmc_checks, peer_network_checks

pytestmark = pytest.mark.slow  # Ciw runs every case a second time (10 s each)

PEER_MMC = next(c for c in MMC_CASES if c.c == 3 and c.rho == 0.75)


def _assert_all(checks):
    assert checks
    bad = [c.describe() for c in checks if not c.ok]
    assert not bad, "\n".join(bad)


def test_mmc_hub_agrees_with_ciw():
    _assert_all(peer_mmc_checks(PEER_MMC))


def test_jackson_network_agrees_with_ciw():
    _assert_all(peer_network_checks(JACKSON))


def test_ciw_model_is_the_same_queue():
    """The peer model itself reproduces the theory (so agreement is not agreement on a
    different system): its utilisations are the product-form rho at every Jackson hub."""
    from .peer import ciw_network

    obs = ciw_network(JACKSON)
    for hub, q in JACKSON.theory.items():
        assert obs[f"util:{hub}"].mean() == pytest.approx(q.rho, abs=0.01), hub
        assert obs[f"rate:{hub}"].mean() == pytest.approx(q.lam, rel=0.01), hub
