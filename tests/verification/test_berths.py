"""hubsim's terminal areas against queueing theory: a quay whose berths are the servers.

Barges arrive as a Poisson process (on-demand, constant transit), each with one move aboard
(load = ``teu_per_move``), so with ``handling: exponential`` a barge holds its berth for an
exponential time; the cranes are twice the berths, so only berths are ever waited for. The
wait for a berth (the ``handling`` table's ``position_h - request_h``) must match Erlang C
within 3 standard errors over replications plus a 2 % floor (checks.py), with the interval
no wider than 20 % of the theory.
"""

from __future__ import annotations

import pytest

from .cases import BERTH_CASES, MU, BerthCase, run_berths
from .checks import berth_checks


def _tiered(case: BerthCase):
    return pytest.param(case, id=case.id, marks=[pytest.mark.slow] if case.rho >= 0.9 else [])


@pytest.mark.parametrize("case", [_tiered(c) for c in BERTH_CASES])
def test_berth_queue_matches_erlang_c(case):
    checks = berth_checks(case)
    bad = [c.describe() for c in checks if not c.ok]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("case", [_tiered(c) for c in BERTH_CASES])
def test_berth_case_is_the_queue_it_claims(case):
    """The case really is M/M/c at the berths: one move per barge, cranes always free once a
    berth is taken (the waits are for berths only), and the quay actually queues."""
    obs = run_berths(case)
    assert (obs["moves"] == 1).all()
    assert (obs["crane_wait"] == 0).all()
    assert obs["wq"].mean() > 0.1 / MU  # waits exist: the berths bind
