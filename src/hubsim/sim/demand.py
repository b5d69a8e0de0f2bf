"""Arrival processes: each demand row generates consignments as the clock runs.

Arrivals are Poisson with a piecewise-constant rate: the row's yearly volume over the mean
batch, times the month's seasonality factor, times the growth of the measured year
(compounded; the warm-up runs at year 0's rate), times the demand shocks open now. At every
change of rate (a month end, a shock's start or end) the process restarts its clock with the
new rate (memoryless). Each row has its own ``arrivals:<row>`` stream of gaps and
``batch:<row>`` stream of consignment sizes (drawn 1,024 at a time).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Generator
from itertools import accumulate
from typing import Any

import numpy as np

from hubsim.scenario.distributions import Dist, Sampler
from hubsim.scenario.schema import HOURS_PER_YEAR, Demand
from hubsim.sim import records as R
from hubsim.sim.cargo import AIR, CONTAINER, Consignment
from hubsim.sim.choice import first_hub, main_link
from hubsim.sim.context import Context
from hubsim.sim.loop import Step
from hubsim.sim.network import Leg, default_international
from hubsim.sim.streams import demand_key

__all__ = ["arrivals", "draw_sizes"]

_MONTH_START_DAY = list(accumulate([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]))


def arrivals(ctx: Context, i: int,
             onward: Callable[[Consignment, bool], None]) -> Generator[Step, Any, None]:
    """The arrival process of demand row ``i``.

    ``onward(c, gate_in)`` moves each new consignment on from its origin (``gate_in``: the
    origin is a hub, so the load enters its yard through the gate first).
    """
    env = ctx.env
    dem = ctx.scn.demand[i]
    key = demand_key(ctx.scn.demand, i)
    size_rng = ctx.streams("batch", key)
    sizes: list[float] = []
    arrival = Sampler(Dist(dist="exponential", mean=1.0), ctx.streams("arrivals", key))
    make = _Maker(ctx, i)
    clock = _Rate(ctx, dem, ctx.state.rate_windows.get(i, []))
    gate_in = dem.origin in ctx.state.hubs
    while True:
        rate = clock.now
        gap = arrival() / rate if rate > 0 else math.inf
        bound = clock.until
        if env.now + gap >= bound:
            # memoryless: restart the clock at the boundary with the new rate
            yield env.timeout(bound - env.now)
            clock.cross(bound)
            continue
        yield gap  # a plain delay (hubsim.sim.loop)
        if not sizes:
            sizes = draw_sizes(size_rng, dem.batch_dist, dem.batch_mean)
        onward(make(sizes.pop()), gate_in)


def draw_sizes(rng: np.random.Generator, kind: str, mean: float) -> list[float]:
    """The next 1,024 consignment sizes (TEU or t), to be taken from the end: ``fixed``,
    ``geometric`` on 1, 2, ... or ``exponential`` (at least 0.001)."""
    n = 1024
    if kind == "fixed":
        return [float(mean)] * n
    if kind == "geometric":
        if mean <= 1:
            return [1.0] * n
        out: list[float] = rng.geometric(1.0 / mean, n).astype(float).tolist()
        return out
    sizes: list[float] = np.maximum(rng.exponential(mean, n), 1e-3).tolist()
    return sizes


def _active_factor(windows: list[tuple[float, float, float]], t: float) -> float:
    """Product of the factors of the windows ``(start h, end h, factor)`` open at ``t`` h."""
    out = 1.0
    for s, e, f in windows:
        if s <= t < e:
            out *= f
    return out


class _Rate:
    """Consignments per hour of one demand row, and when that next changes."""

    def __init__(self, ctx: Context, dem: Demand, shocks: list[tuple[float, float, float]]):
        now, warmup_h = ctx.env.now, ctx.warmup_h
        scn = ctx.scn
        self.factors = scn.monthly_factors(dem)
        self.base_rate = dem.volume_per_year / dem.batch_mean / HOURS_PER_YEAR  # per hour
        day = (now / 24.0 - warmup_h / 24.0) % 365.0
        # min(): a tiny warm-up makes (-warmup % 365.0) round to exactly 365.0 (month 12)
        self.month = min(bisect_right(_MONTH_START_DAY, day) - 1, 11)
        self.month_end_h = now + (_MONTH_START_DAY[self.month + 1] - day) * 24.0
        # growth compounds per measured year (the warm-up runs at year 0's rate); demand
        # shocks multiply the rate inside their windows
        self.growth = 1.0 + (dem.growth_per_year if dem.growth_per_year is not None
                             else scn.growth.demand_per_year)
        self.year = math.floor((now - warmup_h) / HOURS_PER_YEAR + 1e-9)
        self.scale = self.growth ** max(0, self.year)
        self.shocks = shocks
        self.changes = sorted({t for s, e, _ in shocks for t in (s, e) if t > now})
        self.changes.append(math.inf)
        self.ci = 0
        self.shock = _active_factor(shocks, now)
        #: consignments per hour now, and when that next changes (h): set here and by
        #: :meth:`cross`, read once per arrival
        self.now, self.until = self.rate(), self.next_change()

    def rate(self) -> float:
        """Consignments per hour now."""
        return self.base_rate * self.factors[self.month] * self.scale * self.shock

    def next_change(self) -> float:
        """When the rate next changes, h (a month end or a shock's start or end)."""
        nxt = self.changes[self.ci]
        return self.month_end_h if self.month_end_h <= nxt else nxt

    def cross(self, bound: float) -> None:
        """Move on to the rate after the change at ``bound`` h."""
        nxt = self.changes[self.ci]
        if bound == self.month_end_h:
            self.month = (self.month + 1) % 12
            self.month_end_h += (_MONTH_START_DAY[self.month + 1]
                                 - _MONTH_START_DAY[self.month]) * 24.0
            if self.month == 0:
                self.year += 1
                self.scale = self.growth ** max(0, self.year)
        if bound == nxt:
            self.ci += 1
            self.shock = _active_factor(self.shocks, nxt)
        self.now, self.until = self.rate(), self.next_change()


class _Maker:
    """Makes the consignments of one demand row and books them (``generated`` events)."""

    def __init__(self, ctx: Context, i: int):
        scn = ctx.scn
        dem = scn.demand[i]
        self.ctx = ctx
        self.env, self.ledger = ctx.env, ctx.ledger
        self.rec = ctx.rec
        self.i = i
        self.container = dem.cargo == "container"
        self.tonnes_per_teu = (dem.tonnes_per_year / dem.teu_per_year if dem.teu_per_year
                               else 0.0)
        self.route = ctx.routes[(dem.origin, dem.destination, dem.cargo)]
        self.intl = default_international(scn, dem, self.route)
        # a market end (docs/markets.md): the load starts or ends at the gateway of its route
        self.market = dem.origin in scn.markets or dem.destination in scn.markets
        self.origin, self.dest = self.route[0].u, self.route[-1].v
        self.o_idx, self.d_idx = ctx.node_idx[self.origin], ctx.node_idx[self.dest]
        self._ends: dict[int, tuple[str, str, int, int, bool]] = {}
        # route choice (issue 14 part 1): where the pair has more than one route, each load
        # draws its route (``choice:<row>``)
        self.pair = (dem.origin, dem.destination, dem.cargo)
        self.draw = None if ctx.choice is None or len(ctx.choice.sets[self.pair]) < 2 \
            else ctx.choice.drawer(self.pair, ctx.streams("choice", demand_key(scn.demand, i)))

    def __call__(self, load: float) -> Consignment:
        """A consignment of ``load`` TEU (air cargo: t) generated now at the row's origin."""
        ctx, ledger = self.ctx, self.ledger
        now = self.env.now
        container = self.container
        chosen = None if self.draw is None else self.draw()
        route = self.route if chosen is None else chosen[1].legs
        origin, dest, o_idx, d_idx, intl = self.origin, self.dest, self.o_idx, self.d_idx, \
            self.intl
        if self.market and chosen is not None:
            origin, dest, o_idx, d_idx, intl = self._route_ends(chosen[0], route)
        # positional, in the order of Consignment's fields (cid, load, teu, tonnes, intl,
        # route, leg, node, dest, created, since, depot, demand, cargo): a third of the
        # time of keyword arguments, once per consignment
        c = Consignment(
            ledger.new_cid(), load, load if container else 0.0,
            load * self.tonnes_per_teu if container else load, intl,
            route, 0, origin, dest, now, now,
            False, self.i, CONTAINER if container else AIR)
        ledger.generated[0] += c.teu
        ledger.generated[1] += c.tonnes
        self.rec.consignment(c.cid, -1, self.i, o_idx, d_idx, c.cargo, intl, now, c.teu, c.tonnes)
        self.rec.event(now, R.GENERATED, c.cid, o_idx, -1, -1, -1, c.teu, c.tonnes, 0.0, 0.0)
        if chosen is not None and ctx.choice is not None:
            k, _, share = chosen
            extra = float(ctx.choice.extra_h[self.pair][k])
            ctx.rec.event(now, R.CHOSEN, c.cid, first_hub(route, ctx.state.hubs),
                          main_link(route), -1, -1, c.teu, c.tonnes, extra, share)
        ledger.at_node[c.cid] = c
        return c

    def _route_ends(self, k: int, route: tuple[Leg, ...]) -> tuple[str, str, int, int, bool]:
        """Where a load of a market row on alternative ``k`` starts and ends (the gateway
        in place of the market), their node indices and its international flag."""
        out = self._ends.get(k)
        if out is None:
            ctx = self.ctx
            dem = ctx.scn.demand[self.i]
            origin, dest = route[0].u, route[-1].v
            out = self._ends[k] = (origin, dest, ctx.node_idx[origin], ctx.node_idx[dest],
                                   default_international(ctx.scn, dem, route))
        return out
