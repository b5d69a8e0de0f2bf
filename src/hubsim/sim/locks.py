"""Ship locks on links: the simple wait model, the lockage model, other traffic and closures.

A lock sits at ``position`` along its link; a scheduled vehicle (a ship) reaching it queues,
passes, then sails on (:meth:`hubsim.sim.travel.Travel.run`). Direction 0 is the link's
``from -> to``, direction 1 the way back. Times are hours on the run's clock.

**Wait model** (``model: wait``, :class:`WaitLock`): ``capacity`` ships at once, shared by
both directions; a ship holds a place for one draw of ``hold_h`` (passage plus the wait
caused by traffic the model leaves out). Waiting ships take a free place by priority (higher
first), then first come first served. A ``lock_wait`` disruption swaps the hold-time sampler
(:attr:`Lock.passage`) for its window.

**Lockage model** (``model: lockage``, :class:`LockageLock`): each direction has its own
queue and ``lines`` lines. A line that is free and open starts a lockage as soon as a ship
waits: the lockage takes up to ``ships_per_lockage`` waiting ships (highest priority first,
then first come first served), each of which then spends one draw of ``passage_h``
(``passage_back_h`` in direction 1) in the flight and sails on; the line takes its next
lockage ``cycle_h`` hours after this one started. A ship reaching an idle line thus enters at
once. Other traffic (``other_ships_per_day``, ``other_ships_back_per_day``) arrives as a
Poisson process per direction with priority ``other_priority`` and queues like a modelled
ship; it carries no cargo, costs no process of its own (its passage is recorded when its
lockage starts) and draws its gaps and passage times from its own ``lock:<link>:other:<d>``
stream, so the modelled ships' draws (``lock:<link>``) do not depend on it. A ``lock_wait``
disruption replaces the passage time of modelled ships in both directions for its window.

**Closures** (``closures``, both models): from ``warmup_h + 24 * start_day`` to ``warmup_h +
24 * end_day`` a share ``capacity_factor`` of the lock's capacity is left (overlapping
closures multiply). Wait model: the places become ``capacity * f`` (rounded half up, at
least one while ``f > 0``; none at ``f = 0``). Lockage model: with ``0 < f < 1`` a line's
lockages are ``cycle_h / f`` apart; with ``f = 0`` no lockage starts until the closure ends.
In both, ships already in the lock finish, and a lockage's spacing is fixed when it starts.

Records: a ``lock_passages`` row per ship (other traffic with service and trip -1), written
when it enters (its ``exit_h`` may lie past the horizon), and per consignment on a modelled
ship a ``lock`` event when it leaves the lock (``wait_h`` the queue wait, ``dur_h`` the
passage or hold time).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator, Sequence
from itertools import count
from typing import Any, TypeVar

import simpy

from hubsim.errors import ScenarioError
from hubsim.scenario.distributions import Dist, Sampler
from hubsim.scenario.schema import Scenario
from hubsim.scenario.terminals import Lock as LockSpec
from hubsim.sim import records as R
from hubsim.sim.cargo import Consignment
from hubsim.sim.loop import Clock, Step
from hubsim.sim.records import Recorder
from hubsim.sim.streams import Streams, link_key

__all__ = ["Lock", "LockageLock", "WaitLock", "build_locks", "capacity_hours", "closure_steps",
           "make_lock", "wait_places"]

_T = TypeVar("_T")

#: A piecewise-constant capacity factor: (from h, factor) change points, sorted; 1 before the
#: first.
Steps = list[tuple[float, float]]


def closure_steps(spec: LockSpec, warmup_h: float) -> Steps:
    """The lock's capacity factor over the run as change points ``(from h, factor)``.

    Closure windows run from ``warmup_h + 24 * start_day`` to ``warmup_h + 24 * end_day``
    (clipped at 0); overlapping windows multiply; the factor is 1 outside every window.

    >>> from hubsim.scenario.terminals import Lock as Spec
    >>> spec = Spec(name="l", capacity=1, hold_h="1",
    ...             closures=[{"start_day": 1, "end_day": 3, "capacity_factor": 0.5},
    ...                       {"start_day": 2, "end_day": 4}])
    >>> closure_steps(spec, warmup_h=24.0)
    [(48.0, 0.5), (72.0, 0.0), (120.0, 1.0)]
    """
    wins = [(max(0.0, warmup_h + 24.0 * c.start_day), warmup_h + 24.0 * c.end_day,
             c.capacity_factor) for c in spec.closures]
    wins = [w for w in wins if w[1] > w[0]]
    steps: Steps = []
    last = 1.0
    for t in sorted({b for s, e, _ in wins for b in (s, e)}):
        f = math.prod((w[2] for w in wins if w[0] <= t < w[1]), start=1.0)
        if f != last:
            steps.append((t, f))
            last = f
    return steps


def capacity_hours(steps: Steps, start_h: float, end_h: float,
                   share: Callable[[float], float] | None = None) -> float:
    """Hours in ``[start_h, end_h)`` weighted by ``share(factor)`` (the factor itself when
    ``share`` is None): the capacity left over a window, in hours of full capacity.

    >>> capacity_hours([(10.0, 0.0), (20.0, 1.0)], 0.0, 30.0)
    20.0
    """
    weigh = share if share is not None else (lambda f: f)
    edges = [(start_h, 1.0)]
    for t, f in steps:
        if t <= start_h:
            edges[0] = (start_h, f)
        elif t < end_h:
            edges.append((t, f))
    ends = [t for t, _ in edges[1:]] + [end_h]
    return float(sum((e - t) * weigh(f) for (t, f), e in zip(edges, ends, strict=True)))


def wait_places(capacity: int, factor: float) -> int:
    """Places of a wait-model lock left at capacity factor ``factor``: ``capacity * factor``
    rounded half up, at least one while ``factor > 0``.

    >>> wait_places(3, 0.5), wait_places(1, 0.2), wait_places(4, 0.0)
    (2, 1, 0)
    """
    if factor <= 0.0:
        return 0
    return max(1, math.floor(capacity * factor + 0.5))


class Lock:
    """A lock on a link: what :meth:`hubsim.sim.travel.Travel.run` and the network state use.

    Attributes
    ----------
    env : Clock
        The run's clock (hours).
    link : int
        Index of its link.
    position : float
        Where it sits along the link, as a fraction of the way from ``from_``.
    from_ : str
        The link's ``from`` node id (direction 0 starts there).
    passage : Sampler or None
        The passage (hold) time in force, h; a ``lock_wait`` window swaps it
        (:meth:`hubsim.sim.state.NetworkState.set_lock_passage`). A lockage lock has None
        outside such windows (its own per-direction times apply).
    factor : float
        Capacity factor in force (closures), 0-1.
    """

    passage: Sampler | None

    def __init__(self, env: Clock, link: int, position: float, from_: str,
                 rec: Recorder) -> None:
        self.env = env
        self.link = link
        self.position = position
        self.from_ = from_
        self.passage = None
        self.factor = 1.0
        self._event = rec.event
        self._row = rec.lock_passage

    def through(self, direction: int, priority: int, load: Sequence[Consignment], service: int,
                trip: int, node: int) -> Generator[Step, Any, None]:
        """A modelled ship passes: queue, pass, record; returns when it leaves the lock.

        Parameters
        ----------
        direction : int
            0: the link's from -> to; 1: back.
        priority : int
            Its service's priority (higher goes first).
        load : sequence of Consignment
            What is on board (a ``lock`` event each when it leaves).
        service, trip, node : int
            Service index, trip number and the node index the trip started from.
        """
        raise NotImplementedError

    def set_factor(self, factor: float) -> None:
        """A closure changes the capacity factor to ``factor`` (0: closed) from now on."""
        raise NotImplementedError

    def _left(self, load: Sequence[Consignment], node: int, service: int, trip: int,
              wait: float, dur: float) -> None:
        """A ``lock`` event per consignment on board, now (as the ship leaves)."""
        now, event, link = self.env.now, self._event, self.link
        for c in load:
            event(now, R.LOCK, c.cid, node, link, service, trip, c.teu, c.tonnes, wait, dur)


class WaitLock(Lock):
    """The wait model: ``capacity`` places, each held for one draw of the hold time.

    A ship takes a place at once when one is free (waiting ships are then none); else it
    waits in a heap by (-priority, arrival number). Granting costs no event when free.
    """

    passage: Sampler

    def __init__(self, env: Clock, link: int, position: float, from_: str,
                 rec: Recorder, capacity: int, hold: Sampler) -> None:
        super().__init__(env, link, position, from_, rec)
        self.capacity = capacity
        self.passage = hold
        self.places = capacity
        self.used = 0
        self.waiters: list[tuple[int, int, simpy.Event]] = []
        self._seq = count()

    def through(self, direction: int, priority: int, load: Sequence[Consignment], service: int,
                trip: int, node: int) -> Generator[Step, Any, None]:
        env = self.env
        arrive = env.now
        if self.used < self.places:
            self.used += 1
        else:
            ev = simpy.Event(env)
            heapq.heappush(self.waiters, (-priority, next(self._seq), ev))
            yield ev  # the place is taken for it when it fires
        enter = env.now
        hold = self.passage()  # read now: lock_wait may swap the sampler
        self._row(self.link, direction, service, trip, priority, arrive, enter, enter + hold)
        yield hold  # a plain delay (hubsim.sim.loop)
        self.used -= 1
        self._grant()
        self._left(load, node, service, trip, enter - arrive, hold)

    def set_factor(self, factor: float) -> None:
        self.factor = factor
        self.places = wait_places(self.capacity, factor)
        self._grant()

    def _grant(self) -> None:
        """Give free places to waiting ships, in order."""
        waiters = self.waiters
        while waiters and self.used < self.places:
            ev = heapq.heappop(waiters)[2]
            self.used += 1
            ev.succeed()


#: A waiting ship: (-priority, arrival number, arrive h, entry event or None for other
#: traffic, service, trip).
_Entry = tuple[int, int, float, "simpy.Event | None", int, int]


class LockageLock(Lock):
    """The lockage model: per direction a priority queue and ``lines`` line processes.

    A line idles on an event that the next arrival (or a closure's end) fires: no polling.
    """

    def __init__(self, env: Clock, link: int, position: float, from_: str,
                 rec: Recorder, lines: int, ships_per_lockage: int, cycle_h: float,
                 passages: tuple[Sampler, Sampler], other_priority: int,
                 other_gaps: tuple[Sampler | None, Sampler | None],
                 other_passages: tuple[Sampler, Sampler]) -> None:
        super().__init__(env, link, position, from_, rec)
        self.lines = lines
        self.ships_per_lockage = ships_per_lockage
        self.cycle_h = cycle_h
        self.own = passages
        self.other_priority = other_priority
        self.queues: tuple[list[_Entry], list[_Entry]] = ([], [])
        self.idle: tuple[list[simpy.Event], list[simpy.Event]] = ([], [])
        self.lockages = [0, 0]  # lockages started per direction
        self._seq = count()
        self._other_passages = other_passages
        for d in (0, 1):
            for _ in range(lines):
                env.process(self._line(d))
            gap = other_gaps[d]
            if gap is not None:
                env.process(self._other(d, gap))

    def through(self, direction: int, priority: int, load: Sequence[Consignment], service: int,
                trip: int, node: int) -> Generator[Step, Any, None]:
        env = self.env
        arrive = env.now
        ticket = simpy.Event(env)
        self._join(direction, priority, arrive, ticket, service, trip)
        passage = yield ticket  # fired by the lockage that takes it, with its passage time
        enter = env.now
        yield passage  # a plain delay (hubsim.sim.loop)
        self._left(load, node, service, trip, enter - arrive, passage)

    def set_factor(self, factor: float) -> None:
        self.factor = factor
        if factor > 0.0:
            for d in (0, 1):
                idle = self.idle[d]
                while self.queues[d] and idle:
                    idle.pop().succeed()

    def _join(self, d: int, priority: int, arrive: float, ticket: simpy.Event | None,
              service: int, trip: int) -> None:
        """A ship joins direction ``d``'s queue; an idle line wakes when the lock is open."""
        heapq.heappush(self.queues[d], (-priority, next(self._seq), arrive, ticket, service,
                                        trip))
        idle = self.idle[d]
        if idle and self.factor > 0.0:
            idle.pop().succeed()

    def _line(self, d: int) -> Generator[Step, Any, None]:
        """One line in direction ``d``: a lockage whenever ships wait and the lock is open."""
        env, queue, idle = self.env, self.queues[d], self.idle[d]
        spl, row, link = self.ships_per_lockage, self._row, self.link
        while True:
            while not queue or self.factor == 0.0:
                wake = simpy.Event(env)
                idle.append(wake)
                yield wake
            now = env.now
            draw = self.passage if self.passage is not None else self.own[d]
            for _ in range(min(spl, len(queue))):
                negp, _, arrive, ticket, service, trip = heapq.heappop(queue)
                if ticket is None:  # other traffic
                    p = self._other_passages[d]()
                else:
                    p = draw()
                    ticket.succeed(p)
                row(link, d, service, trip, -negp, arrive, now, now + p)
            self.lockages[d] += 1
            yield self.cycle_h / self.factor  # a plain delay (hubsim.sim.loop)

    def _other(self, d: int, gap: Sampler) -> Generator[Step, Any, None]:
        """Other traffic in direction ``d``: Poisson arrivals that join the queue."""
        env, prio = self.env, self.other_priority
        while True:
            yield gap()  # a plain delay (hubsim.sim.loop)
            self._join(d, prio, env.now, None, -1, -1)


def _calendar(env: Clock, lock: Lock,
              steps: Steps) -> Generator[Step, Any, None]:
    """Apply the closure calendar's factor changes at their times."""
    for t, f in steps:
        if t > env.now:
            yield env.timeout(t - env.now)
        lock.set_factor(f)


def _given(value: _T | None, name: str) -> _T:
    """A field the schema requires for the lock's model (never None once validated)."""
    if value is None:
        raise ScenarioError(f"the lock on {name} misses a field its model needs")
    return value


def make_lock(env: Clock, spec: LockSpec, link: int, name: str, from_: str,
              streams: Streams, rec: Recorder, warmup_h: float = 0.0) -> Lock:
    """One lock from its scenario entry, with its streams and its closure calendar.

    Parameters
    ----------
    env : Clock
        The run's clock (hours).
    spec : hubsim.scenario.terminals.Lock
        The link's ``lock`` entry.
    link : int
        The link's index (in records).
    name : str
        The link's name in streams (:func:`~hubsim.sim.streams.link_key`).
    from_ : str
        The link's ``from`` node id.
    streams : Streams
        The run's streams: ``lock:<name>`` (passage or hold times of modelled ships) and, for
        lockage locks with other traffic, ``lock:<name>:other:<d>`` per direction.
    rec : Recorder
        Where ``lock_passages`` rows and ``lock`` events go.
    warmup_h : float
        Warm-up, h (day 0 of the closure calendar).
    """
    rng = streams("lock", name)
    lock: Lock
    if spec.model == "wait":
        lock = WaitLock(env, link, spec.position, from_, rec, _given(spec.capacity, name),
                        Sampler(_given(spec.hold_h, name), rng))
    else:
        dists = (_given(spec.passage_h, name), _given(spec.back_passage, name))
        other = (spec.other_ships_per_day, spec.other_back_per_day)
        own = (Sampler(dists[0], rng), Sampler(dists[1], rng))
        gaps: list[Sampler | None] = []
        passages: list[Sampler] = []
        for d in (0, 1):
            if other[d] > 0:
                orng = streams("lock", f"{name}:other:{d}")
                gaps.append(Sampler(Dist(dist="exponential", mean=24.0 / other[d]), orng))
                passages.append(Sampler(dists[d], orng))
            else:  # no other traffic this way: never drawn
                gaps.append(None)
                passages.append(own[d])
        lock = LockageLock(env, link, spec.position, from_, rec, spec.lines,
                           _given(spec.ships_per_lockage, name), _given(spec.cycle_h, name),
                           own, spec.other_priority, (gaps[0], gaps[1]),
                           (passages[0], passages[1]))
    steps = closure_steps(spec, warmup_h)
    if steps:
        env.process(_calendar(env, lock, steps))
    return lock


def build_locks(scn: Scenario, env: Clock, streams: Streams, *,
                rec: Recorder | None = None, warmup_h: float | None = None) -> dict[int, Lock]:
    """A :class:`Lock` per link index that has one (:func:`make_lock`).

    ``rec`` receives the ``lock_passages`` rows and ``lock`` events (None: a recorder of
    their own that nobody reads, for tests of the network state); ``warmup_h`` is day 0 of
    the closure calendars (None: the scenario's ``run.warmup_days``).
    """
    if rec is None:
        rec = Recorder([], [], [])
    if warmup_h is None:
        warmup_h = scn.run.warmup_days * 24.0
    return {i: make_lock(env, lk.lock, i, link_key(lk), lk.from_, streams, rec, warmup_h)
            for i, lk in enumerate(scn.links) if lk.lock is not None}
