"""Route and mode choice: a logit split over each pair's k least-cost routes, reacting to state.

With ``routing.choice: logit`` every consignment draws its route when it is created, from the
choice set of its (origin, destination, cargo class): the ``k_paths`` least generalised-cost
loopless paths through hubs (:func:`choice_set`), where the same node pair by another mode is
another path. Alternative ``i`` is taken with probability (:func:`logit_shares`)::

    P(i) = exp(-theta C_i) / sum_j exp(-theta C_j),   theta = logit_scale_per_usd

    C_i = money_i + transfer penalties_i + value_of_time x (planned time_i + extra time_i)

with the money, penalties and planned time of :mod:`hubsim.sim.network` (transit, half the
headway of the most frequent service, hub dwell). ``extra time`` is 0 for a static choice.
With ``update_days > 0`` a process re-estimates it every period from the engine's state
(:meth:`RouteChoice.update`): per leg, the time until a closed link reopens, the backlog of
its scheduled services' queue beyond what the next departure takes over their capacity per
hour, and the queue of a lock on it (plus the rest of the lock's closure). A route's
observation is the sum over its legs, smoothed exponentially (weight ``smoothing`` for the
new one) before the shares are recomputed, which damps their swings (docs/route-choice.md
measures them). Hub waits and yard fill are not observed. A consignment keeps the
route it drew (re-routing on a closed link, :mod:`hubsim.sim.flow`, still applies).

Draws come from one stream per demand row, ``choice:<row>`` (:mod:`hubsim.sim.streams`); the
default ``fixed`` choice builds none of this, so its runs are unchanged to the bit. Each draw
is recorded as a ``chosen`` event (:mod:`hubsim.sim.records`); pairs with one route draw
nothing and record nothing.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from hubsim.scenario.schema import Scenario
from hubsim.sim.locks import LockageLock, WaitLock, closure_steps
from hubsim.sim.loop import Step
from hubsim.sim.network import Leg, NoRoute, leg_parts, market_ends, onward_parts

if TYPE_CHECKING:
    from hubsim.sim.services import Queue
    from hubsim.sim.state import NetworkState

__all__ = ["Alternative", "RouteChoice", "choice_set", "logit_shares", "main_link"]

#: Uniform draws taken from a row's ``choice:`` stream at a time.
_BLOCK = 1024


@dataclass(frozen=True, slots=True)
class Alternative:
    """One route of a choice set.

    Attributes
    ----------
    legs : tuple of Leg
        The route, compiled as :func:`hubsim.sim.network.route_for` compiles it.
    money : float
        Link charges plus transfer penalties, USD per TEU (air cargo: per t).
    time_h : float
        Planned time: transit, half the headway of the most frequent service, hub dwell, h.
    cost : float
        Planned generalised cost, ``money + value_of_time x time_h``, USD per TEU (air: t).
    """

    legs: tuple[Leg, ...]
    money: float
    time_h: float
    cost: float


def logit_shares(costs: Sequence[float] | np.ndarray, theta: float) -> np.ndarray:
    """Multinomial logit probabilities of alternatives with generalised ``costs`` (USD) and
    scale ``theta`` (1/USD); infinite costs get probability 0 (all infinite: equal shares).

    >>> logit_shares([100.0, 200.0], 0.01).round(4).tolist()
    [0.7311, 0.2689]
    """
    c = np.asarray(costs, dtype=float)
    finite = np.isfinite(c)
    if not finite.any():
        return np.full(len(c), 1.0 / len(c))
    u = np.where(finite, -theta * (c - c[finite].min()), -np.inf)
    e = np.exp(u)
    out: np.ndarray = e / e.sum()
    return out


def choice_set(g: nx.MultiDiGraph, scn: Scenario, origin: str, destination: str, cargo: str,
               k: int) -> tuple[Alternative, ...]:
    """The ``k`` least generalised-cost loopless routes from ``origin`` to ``destination``
    (fewer when fewer exist), cheapest first; raises :class:`NoRoute` when there is none.

    Node paths come from :func:`networkx.shortest_simple_paths` on the hubs-only view with
    each node pair's cheapest mode as its weight (a lower bound of every mode combination on
    that node path); each node path is expanded into its mode combinations, and the search
    stops once the next node path's lower bound exceeds the k-th cost found. Ties are broken
    by the node path, then the modes, so the set is deterministic.

    A market end (``scn.markets``): the ``k`` least-cost routes over all its gateways, each
    route to (from) a gateway with that gateway's onward leg added to its money and time
    (:func:`hubsim.sim.network.onward_parts`); the legs end (start) at the gateway.
    """
    if scn.markets and (origin in scn.markets or destination in scn.markets):
        return _market_set(g, scn, origin, destination, cargo, k)
    return _node_set(g, scn, origin, destination, cargo, k)


def _node_set(g: nx.MultiDiGraph, scn: Scenario, origin: str, destination: str, cargo: str,
              k: int) -> tuple[Alternative, ...]:
    """:func:`choice_set` between two nodes of the network."""
    vot = (scn.routing.value_of_time_usd_per_teu_h if cargo == "container"
           else scn.routing.value_of_time_usd_per_t_h)

    def passable(n: str) -> bool:
        return n in (origin, destination) or g.nodes[n]["kind"] == "hub"

    # per node pair: the modes carrying this cargo, cheapest first, as (cost, mode, money, time)
    options: dict[tuple[str, str], list[tuple[float, str, float, float]]] = {}
    for u, v, mode, data in g.edges(keys=True, data=True):
        if passable(u) and passable(v) and cargo in data["cargo"] and u != destination \
                and v != origin:
            money, time_h = leg_parts(scn, v, data, cargo)
            options.setdefault((u, v), []).append((money + vot * time_h, mode, money, time_h))
    simple: nx.DiGraph[str] = nx.DiGraph()
    for (u, v), opts in options.items():
        opts.sort()
        simple.add_edge(u, v, w=opts[0][0])
    if origin not in simple or destination not in simple:
        raise _no_route(cargo, origin, destination)
    found: list[tuple[float, tuple[str, ...], tuple[str, ...], float, float]] = []
    try:
        for nodes in nx.shortest_simple_paths(simple, origin, destination, weight="w"):
            pairs = list(itertools.pairwise(nodes))
            bound = sum(simple[u][v]["w"] for u, v in pairs)
            if len(found) >= k and bound > found[k - 1][0]:
                break
            for combo in itertools.product(*(options[p] for p in pairs)):
                found.append((sum(o[0] for o in combo), tuple(nodes),
                              tuple(o[1] for o in combo), sum(o[2] for o in combo),
                              sum(o[3] for o in combo)))
            found.sort()
            del found[k:]
    except nx.NetworkXNoPath:
        raise _no_route(cargo, origin, destination) from None
    index = {nid: i for i, (nid, _, _) in enumerate(scn.iter_nodes())}
    out = []
    for cost, path, modes, money, time_h in found:
        legs = []
        for (u, v), mode in zip(itertools.pairwise(path), modes, strict=True):
            data = g[u][v][mode]
            legs.append(Leg(u, v, mode, link=data["link"], ui=index[u], vi=index[v],
                            key=(u, v, mode, cargo), gateway=data["gateway"]))
        out.append(Alternative(tuple(legs), money, time_h, cost))
    return tuple(out)


def _market_set(g: nx.MultiDiGraph, scn: Scenario, origin: str, destination: str,
                cargo: str, k: int) -> tuple[Alternative, ...]:
    """:func:`choice_set` for a pair with a market end: the union of each gateway's ``k``
    cheapest routes (which holds the ``k`` cheapest overall) with the onward legs added,
    cut to the ``k`` cheapest; ties by the node path, then the modes."""
    ends = market_ends(scn, origin, destination)
    assert ends is not None
    vot = (scn.routing.value_of_time_usd_per_teu_h if cargo == "container"
           else scn.routing.value_of_time_usd_per_t_h)
    pool: list[tuple[float, tuple[str, ...], tuple[str, ...], Alternative]] = []
    for gid, onward in sorted(ends[2].items()):
        o, d = (origin, gid) if ends[1] == "*" else (gid, destination)
        if o == d:
            continue
        try:
            alts = choice_set(g, scn, o, d, cargo, k)
        except NoRoute:
            continue
        money, time_h = onward_parts(onward, cargo)
        for a in alts:
            alt = Alternative(a.legs, a.money + money, a.time_h + time_h,
                              a.cost + money + vot * time_h)
            path = (a.legs[0].u, *(leg.v for leg in a.legs))
            pool.append((alt.cost, path, tuple(leg.mode for leg in a.legs), alt))
    if not pool:
        raise NoRoute(f"no route carries {cargo} cargo from {origin!r} to {destination!r} "
                      f"through any of the market's gateways ({', '.join(sorted(ends[2]))})")
    pool.sort(key=lambda p: p[:3])
    return tuple(p[3] for p in pool[:k])


def _no_route(cargo: str, origin: str, destination: str) -> NoRoute:
    return NoRoute(f"no route carries {cargo} cargo from {origin!r} to {destination!r}: "
                   "check that links and services connect them through hubs")


def main_link(legs: Sequence[Leg]) -> int:
    """The link that names a route's corridor and mode: its first leg with a gateway at one
    end (where it leaves or enters the region), else its last leg."""
    return next((leg.link for leg in legs if leg.gateway), legs[-1].link)


def first_hub(legs: Sequence[Leg], hubs: Sequence[str] | dict[str, Any]) -> int:
    """Node index of the first hub a route passes (its origin when there is none)."""
    return next((leg.vi for leg in legs if leg.v in hubs), legs[0].ui)


class RouteChoice:
    """The choice sets, their current shares and the draws of one run.

    Parameters
    ----------
    g : networkx.MultiDiGraph
        The network (:func:`hubsim.sim.network.build_network`).
    scn : Scenario
        The scenario (``routing`` holds the settings).
    warmup_h : float
        Warm-up, h (locks' closure calendars count from its end).

    Attributes
    ----------
    sets : dict of (str, str, str) to tuple of Alternative
        Per (origin, destination, cargo class) of the demand: its choice set.
    extra_h : dict of (str, str, str) to numpy.ndarray
        Smoothed expected extra time of each alternative, h (0 until the first update).
    shares : dict of (str, str, str) to numpy.ndarray
        Current logit probabilities of each alternative.
    history : list of (float, (str, str, str), numpy.ndarray)
        Every update's shares: (time h, pair, shares), for tests and diagnostics.
    """

    def __init__(self, g: nx.MultiDiGraph, scn: Scenario, warmup_h: float) -> None:
        r = scn.routing
        self.theta = r.logit_scale_per_usd
        self.alpha = r.smoothing
        self.period_h = 24.0 * r.update_days
        self.sets: dict[tuple[str, str, str], tuple[Alternative, ...]] = {}
        for dem in scn.demand:
            key: tuple[str, str, str] = (dem.origin, dem.destination, dem.cargo)
            if key not in self.sets:
                self.sets[key] = choice_set(g, scn, *key, k=r.k_paths)
        self.vot = {"container": r.value_of_time_usd_per_teu_h,
                    "air": r.value_of_time_usd_per_t_h}
        self.extra_h = {key: np.zeros(len(alts)) for key, alts in self.sets.items()}
        self.shares: dict[tuple[str, str, str], np.ndarray] = {}
        self._cum: dict[tuple[str, str, str], list[float]] = {}
        for key in self.sets:
            self._set_shares(key)
        self.history: list[tuple[float, tuple[str, str, str], np.ndarray]] = []
        # per scheduled direction (u, v, mode, cargo): capacity per hour of its services, and
        # the most one departure takes (its largest vehicle)
        self.capacity_per_h: dict[tuple[str, str, str, str], float] = {}
        self.departure_cap: dict[tuple[str, str, str, str], float] = {}
        for svc in scn.services:
            if svc.on_demand or svc.headway is None:
                continue
            cap = svc.capacity_teu if svc.cargo == "container" else svc.capacity_t
            ends = [(svc.from_, svc.to)] + ([(svc.to, svc.from_)] if svc.bidirectional else [])
            for u, v in ends:
                qk = (u, v, svc.mode, svc.cargo)
                self.capacity_per_h[qk] = self.capacity_per_h.get(qk, 0.0) + \
                    (cap or 0.0) / svc.headway
                self.departure_cap[qk] = max(self.departure_cap.get(qk, 0.0), cap or 0.0)
        # per link with a lock: (hold mean h for a wait lock, closure change points)
        self.lock_steps: dict[int, list[tuple[float, float]]] = {}
        self.lock_hold_h: dict[int, float] = {}
        for i, lk in enumerate(scn.links):
            if lk.lock is not None:
                self.lock_steps[i] = closure_steps(lk.lock, warmup_h)
                if lk.lock.hold_h is not None:
                    self.lock_hold_h[i] = lk.lock.hold_h.expected

    def _set_shares(self, key: tuple[str, str, str]) -> None:
        alts = self.sets[key]
        vot = self.vot[key[2]]
        costs = [a.cost + vot * x for a, x in zip(alts, self.extra_h[key], strict=True)]
        p = logit_shares(costs, self.theta)
        self.shares[key] = p
        cum = np.cumsum(p).tolist()
        cum[-1] = 1.0
        self._cum[key] = cum

    def drawer(self, key: tuple[str, str, str],
               rng: np.random.Generator) -> _Drawer:
        """The draws of one demand row with pair ``key`` from its own stream ``rng``."""
        return _Drawer(self, key, rng)

    # ---------------------------------------------------------------- dynamic
    def leg_delay_h(self, leg: Leg, state: NetworkState,
                    queues: dict[tuple[str, str, str, str], Queue]) -> float:
        """Expected extra time on ``leg`` now, h: until its closed link reopens, the backlog
        of its scheduled services' queue beyond what the next departure takes, over their
        capacity per hour (both times the link's load factor), a lock's queue over its
        lockage rate plus the rest of its closure."""
        now = state.env.now
        link = leg.link
        out = 0.0
        if state.link_closed[link] and link in state.outages:
            out += max(0.0, state.reopen_time(link) - now)
        q = queues.get(leg.key)
        factor = state.link_factor[link]
        cap = self.capacity_per_h.get(leg.key, 0.0) * factor
        if q is not None:
            # what the next departure cannot take waits for later ones (the planned time
            # already has half a headway for the next one)
            behind = q.load - self.departure_cap.get(leg.key, 0.0) * factor
            if behind > 0.0:
                out += behind / cap if cap > 0.0 else 24.0 * 365.0
        lock = state.locks.get(link)
        if lock is not None:
            d = 0 if leg.u == lock.from_ else 1
            if isinstance(lock, LockageLock):
                rate = lock.lines * lock.ships_per_lockage / lock.cycle_h  # ships/h, open
                out += len(lock.queues[d]) / rate
            elif isinstance(lock, WaitLock):
                out += len(lock.waiters) * self.lock_hold_h.get(link, 0.0) / lock.capacity
            if lock.factor == 0.0:
                reopen = next((t for t, f in self.lock_steps.get(link, []) if t > now and f > 0),
                              now)
                out += reopen - now
        return out

    def update(self, state: NetworkState,
               queues: dict[tuple[str, str, str, str], Queue]) -> None:
        """Observe every alternative's extra time now, smooth it into :attr:`extra_h` and
        recompute the shares (pairs with one alternative are skipped)."""
        cache: dict[tuple[str, str, str, str], float] = {}
        a = self.alpha
        for key, alts in self.sets.items():
            if len(alts) < 2:
                continue
            obs = np.empty(len(alts))
            for i, alt in enumerate(alts):
                total = 0.0
                for leg in alt.legs:
                    d = cache.get(leg.key)
                    if d is None:
                        d = cache[leg.key] = self.leg_delay_h(leg, state, queues)
                    total += d
                obs[i] = total
            self.extra_h[key] = (1.0 - a) * self.extra_h[key] + a * obs
            self._set_shares(key)
            self.history.append((state.env.now, key, self.shares[key].copy()))

    def updates(self, state: NetworkState, queues: dict[tuple[str, str, str, str], Queue]
                ) -> Generator[Step, Any, None]:
        """The update process: :meth:`update` every ``update_days`` from the first period."""
        env = state.env
        while True:
            yield env.timeout(self.period_h)
            self.update(state, queues)


class _Drawer:
    """Draws alternatives for one demand row: ``drawer()`` -> (index, Alternative, share)."""

    __slots__ = ("_buf", "_i", "alts", "choice", "key", "rng")

    def __init__(self, choice: RouteChoice, key: tuple[str, str, str],
                 rng: np.random.Generator) -> None:
        self.choice = choice
        self.key = key
        self.alts = choice.sets[key]
        self.rng = rng
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> tuple[int, Alternative, float]:
        if len(self.alts) == 1:
            return 0, self.alts[0], 1.0
        if self._i >= len(self._buf):
            self._buf = self.rng.random(_BLOCK).tolist()
            self._i = 0
        u = self._buf[self._i]
        self._i += 1
        cum = self.choice._cum[self.key]
        i = min(bisect_right(cum, u), len(cum) - 1)
        return i, self.alts[i], float(self.choice.shares[self.key][i])

