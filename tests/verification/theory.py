"""Queueing formulas the verification cases are compared with.

* M/M/c (Erlang C): probability of waiting, mean wait in queue, utilisation, mean numbers.
* Open Jackson networks: the traffic equations ``lambda = gamma + P^T lambda``.
* Product form (Jackson; Kelly/BCMP for fixed routes that revisit a station): in steady state
  each FCFS station with exponential, class-independent service behaves as an M/M/c queue fed
  at its total arrival rate, so per-visit waits follow Erlang C station by station and the
  mean time along a route is the sum over its visits.

Times are in hours and rates per hour, as in the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["MMc", "erlang_b", "erlang_c", "jackson_rates", "mmc", "product_form",
           "route_sojourn", "visit_rates"]


def erlang_b(c: int, a: float) -> float:
    """Erlang B blocking probability for ``c`` servers and offered load ``a`` (the recursion
    B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)), stable for large c)."""
    if c < 1 or a < 0:
        raise ValueError(f"need c >= 1 and a >= 0, got c={c}, a={a}")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load ``a`` = lambda/mu
    (requires a < c). Computed from Erlang B: C = B / (1 - (a/c)(1 - B))."""
    if not 0 <= a < c:
        raise ValueError(f"an M/M/{c} queue is stable only for 0 <= a < {c}, got a={a}")
    b = erlang_b(c, a)
    return b / (1.0 - (a / c) * (1.0 - b))


@dataclass(frozen=True)
class MMc:
    """Steady-state figures of an M/M/c queue (times in hours)."""

    c: int
    lam: float
    mu: float

    @property
    def rho(self) -> float:
        """Server utilisation lambda / (c mu)."""
        return self.lam / (self.c * self.mu)

    @property
    def p_wait(self) -> float:
        return erlang_c(self.c, self.lam / self.mu)

    @property
    def wq(self) -> float:
        """Mean wait in queue."""
        return self.p_wait / (self.c * self.mu - self.lam)

    @property
    def w(self) -> float:
        """Mean time in the station (wait + service)."""
        return self.wq + 1.0 / self.mu

    @property
    def lq(self) -> float:
        return self.lam * self.wq

    @property
    def l(self) -> float:  # noqa: E743  (L, the queueing symbol)
        return self.lam * self.w


def mmc(c: int, lam: float, mu: float) -> MMc:
    """The M/M/c queue with ``c`` servers, arrival rate ``lam`` and service rate ``mu``."""
    if c < 1 or lam < 0 or mu <= 0:
        raise ValueError(f"need c >= 1, lam >= 0, mu > 0; got {c}, {lam}, {mu}")
    q = MMc(c, lam, mu)
    if q.rho >= 1:
        raise ValueError(f"M/M/{c} with lam={lam}, mu={mu} is unstable (rho={q.rho:.3f})")
    return q


def jackson_rates(gamma: Sequence[float], routing: Sequence[Sequence[float]]) -> np.ndarray:
    """Total arrival rate at each station of an open Jackson network.

    Solves ``lambda_j = gamma_j + sum_i lambda_i P[i][j]``: ``gamma`` are the external arrival
    rates, ``P[i][j]`` the probability of going from station i to j (rows may sum to less than
    1; the rest leaves the network).
    """
    g = np.asarray(gamma, dtype=float)
    p = np.asarray(routing, dtype=float)
    n = len(g)
    if p.shape != (n, n) or (p < 0).any() or (p.sum(axis=1) > 1 + 1e-12).any():
        raise ValueError("routing must be an n x n substochastic matrix")
    return np.linalg.solve(np.eye(n) - p.T, g)


def visit_rates(routes: Sequence[tuple[float, Sequence[str]]]) -> dict[str, float]:
    """Arrival rate at each station when flows follow fixed routes (a Kelly network).

    ``routes`` holds ``(rate, stations visited in order)``; a route may visit a station more
    than once, and each visit counts.
    """
    out: dict[str, float] = {}
    for rate, stations in routes:
        for s in stations:
            out[s] = out.get(s, 0.0) + rate
    return out


def product_form(rates: Mapping[str, float], servers: Mapping[str, int],
                 mu: Mapping[str, float]) -> dict[str, MMc]:
    """Each station as the M/M/c queue at its total arrival rate (the product-form marginal)."""
    return {s: mmc(servers[s], rates[s], mu[s]) for s in rates}


def route_sojourn(stations: Sequence[str], queues: Mapping[str, MMc]) -> float:
    """Mean time spent at stations (waiting and in service) along a route: the sum over its
    visits of W = Wq + 1/mu (by linearity of the mean; arrivals see time averages)."""
    return float(sum(queues[s].w for s in stations))

