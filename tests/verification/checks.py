"""Observed-vs-expected comparisons, shared by the tests (which assert ``ok``) and the report
(which prints every row), so both apply the same tolerances.

Against theory a simulated mean passes when it lies within 3 standard errors (over independent
replications) of the formula, plus a small floor for the bias of a finite window after a
finite warm-up; the interval must also be tight enough to mean something. Against Ciw the
difference of the two means must lie within 3 standard errors of the difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .cases import BerthCase, MMcCase, NetCase, Stat, run_berths, run_mmc, run_network, stat
from .peer import ciw_mmc, ciw_network

__all__ = [
    "PeerCheck",
    "TheoryCheck",
    "berth_checks",
    "mmc_checks",
    "network_checks",
    "peer_mmc_checks",
    "peer_network_checks",
]

Z = 3.0
WAIT_FLOOR = 0.02  # relative: window truncation and warm-up bias of mean waits
TIME_FLOOR = 0.02  # relative: the same for door-to-door times
UTIL_FLOOR = 0.005  # absolute, for utilisations
RATE_FLOOR = 0.005  # relative, for lift rates
MAX_REL_CI = 0.20  # Z * se of a mean wait must be within 20 % of the theory


@dataclass(frozen=True)
class TheoryCheck:
    case: str
    quantity: str
    unit: str
    theory: float
    observed: Stat
    tol: float  # allowed |observed - theory|
    tight: bool  # the interval is narrow enough to be a test

    @property
    def ok(self) -> bool:
        return self.tight and abs(self.observed.mean - self.theory) <= self.tol

    def describe(self) -> str:
        return (f"{self.case} {self.quantity}: simulated {self.observed.mean:.5g} "
                f"+- {self.observed.se:.2g} (se, {self.observed.n} reps), theory "
                f"{self.theory:.5g}, allowed difference {self.tol:.3g}"
                + ("" if self.tight else ", interval too wide"))


def _check(case: str, quantity: str, unit: str, values: np.ndarray, theory: float, *,
           rel_floor: float = 0.0, abs_floor: float = 0.0,
           max_rel_ci: float | None = None) -> TheoryCheck:
    s = stat(values)
    tight = max_rel_ci is None or Z * s.se <= max_rel_ci * abs(theory)
    return TheoryCheck(case, quantity, unit, theory, s,
                       Z * s.se + rel_floor * abs(theory) + abs_floor, tight)


def mmc_checks(case: MMcCase) -> list[TheoryCheck]:
    """Equipment wait (Erlang C), utilisation (rho) and lift count (Poisson mean)."""
    obs = run_mmc(case)
    q = case.theory
    name = f"M/M/{case.c} rho={case.rho}"
    return [
        _check(name, "Wq", "h", obs["wq"], q.wq, rel_floor=WAIT_FLOOR, max_rel_ci=MAX_REL_CI),
        _check(name, "utilisation", "", obs["util"], q.rho, abs_floor=UTIL_FLOOR),
        _check(name, "lifts in window", "", obs["n"], case.lam * case.measured_h,
               rel_floor=RATE_FLOOR),
    ]


def berth_checks(case: BerthCase) -> list[TheoryCheck]:
    """Wait for a berth (Erlang C), berth occupancy (rho) and barge count (Poisson mean)."""
    obs = run_berths(case)
    q = case.theory
    name = f"quay of {case.c} berths (M/M/{case.c}) rho={case.rho}"
    return [
        _check(name, "Wq (berth)", "h", obs["wq"], q.wq, rel_floor=WAIT_FLOOR,
               max_rel_ci=MAX_REL_CI),
        _check(name, "berth occupancy", "", obs["occ"], q.rho, abs_floor=UTIL_FLOOR),
        _check(name, "barges in window", "", obs["n"], case.lam * case.measured_h,
               rel_floor=RATE_FLOOR),
    ]


def network_checks(case: NetCase) -> list[TheoryCheck]:
    """Per hub: lift rate (traffic equations), utilisation and Wq (product form); per demand
    row: mean door-to-door time (sum over its handling operations)."""
    obs = run_network(case)
    theory = case.theory
    rows: list[TheoryCheck] = []
    for hub in case.hubs:
        q = theory[hub]
        label = f"{case.name} hub {hub} (M/M/{q.c})"
        rows.append(_check(label, "lifts per hour", "1/h", obs[f"rate:{hub}"], q.lam,
                           rel_floor=RATE_FLOOR))
        rows.append(_check(label, "utilisation", "", obs[f"util:{hub}"], q.rho,
                           abs_floor=UTIL_FLOOR))
        rows.append(_check(label, "Wq", "h", obs[f"wq:{hub}"], q.wq, rel_floor=WAIT_FLOOR,
                           max_rel_ci=MAX_REL_CI))
    for i, (zone, path, _) in enumerate(case.rows):
        rows.append(_check(f"{case.name} {zone}->{'->'.join(path)}", "door-to-door", "h",
                           obs[f"time:{i}"], case.row_time(i), rel_floor=TIME_FLOOR,
                           max_rel_ci=MAX_REL_CI))
    return rows


@dataclass(frozen=True)
class PeerCheck:
    case: str
    quantity: str
    unit: str
    hubsim: Stat
    ciw: Stat

    @property
    def diff(self) -> float:
        return self.hubsim.mean - self.ciw.mean

    @property
    def se(self) -> float:
        return math.hypot(self.hubsim.se, self.ciw.se)

    @property
    def ok(self) -> bool:
        return abs(self.diff) <= Z * self.se

    def describe(self) -> str:
        return (f"{self.case} {self.quantity}: hubsim {self.hubsim.mean:.5g} +- "
                f"{self.hubsim.se:.2g}, Ciw {self.ciw.mean:.5g} +- {self.ciw.se:.2g}, "
                f"difference {self.diff:.3g} vs {Z:g} se {Z * self.se:.3g}")


def peer_mmc_checks(case: MMcCase) -> list[PeerCheck]:
    ours, theirs = run_mmc(case), ciw_mmc(case)
    name = f"M/M/{case.c} rho={case.rho}"
    return [PeerCheck(name, "Wq", "h", stat(ours["wq"]), stat(theirs["wq"])),
            PeerCheck(name, "utilisation", "", stat(ours["util"]), stat(theirs["util"]))]


def peer_network_checks(case: NetCase) -> list[PeerCheck]:
    ours, theirs = run_network(case), ciw_network(case)
    out: list[PeerCheck] = []
    for hub in case.hubs:
        for key, quantity, unit in (("wq", "Wq", "h"), ("util", "utilisation", "")):
            out.append(PeerCheck(f"{case.name} hub {hub}", quantity, unit,
                                 stat(ours[f"{key}:{hub}"]), stat(theirs[f"{key}:{hub}"])))
    for i, (zone, path, _) in enumerate(case.rows):
        out.append(PeerCheck(f"{case.name} {zone}->{'->'.join(path)}", "door-to-door", "h",
                             stat(ours[f"time:{i}"]), stat(theirs[f"time:{i}"])))
    return out
