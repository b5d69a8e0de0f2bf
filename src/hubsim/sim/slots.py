"""A counting resource with priorities for the engine's hot path.

``simpy.Resource`` and ``simpy.Container`` schedule an event even when a request is granted at
once, and build a request object per use. Handling equipment, yard space and truck fleets are
requested hundreds of thousands of times a simulated year and are usually free, so the engine
uses :class:`Slots`: an immediate grant costs no event at all, and a waiting request is one
plain ``simpy.Event`` succeeded by the release that makes room. Waiters are served by priority
(higher first), then strictly in arrival order (a large request at the head is not overtaken,
as in ``simpy.Container``); a new request is granted at once only when it fits and nobody of
its priority or higher waits. With every priority 0 it is first come first served. A request
may be limited to a ``share`` of the capacity (a gate that closes before the yard is full, so
vehicles can still discharge): it waits while granting it would fill more than that share.

The engine's equipment queue is verified against Erlang C in ``tests/``.
"""

from __future__ import annotations

import heapq
from itertools import count

import simpy

__all__ = ["Slots"]


class Slots:
    """``capacity`` units; :meth:`acquire` takes ``amount`` units, :meth:`release` returns them.

    >>> env = simpy.Environment()
    >>> cranes = Slots(env, 1)
    >>> cranes.acquire() is None        # free: granted without an event
    True
    >>> wait = cranes.acquire()         # busy: an event to yield on
    >>> cranes.release(); wait.triggered
    True
    """

    __slots__ = ("_seq", "capacity", "env", "used", "waiters")

    def __init__(self, env: simpy.Environment, capacity: float, used: float = 0.0):
        self.env = env
        self.capacity = capacity
        self.used = used
        #: heap of (-priority, arrival number, amount, share of capacity, event)
        self.waiters: list[tuple[int, int, float, float, simpy.Event]] = []
        self._seq = count()

    @property
    def free(self) -> float:
        """Units not taken now (negative while a reduced capacity is still over-used)."""
        return self.capacity - self.used

    def acquire(self, amount: float = 1, priority: int = 0,
                share: float = 1.0) -> simpy.Event | None:
        """Take ``amount`` units (filling at most ``share`` of the capacity): ``None`` when
        granted now, else an event that fires when granted (the units are then already
        taken)."""
        waiters = self.waiters
        if (not waiters or waiters[0][0] > -priority) and \
                self.used + amount <= self.capacity * share + 1e-9:
            self.used += amount
            return None
        ev = simpy.Event(self.env)
        heapq.heappush(waiters, (-priority, next(self._seq), amount, share, ev))
        return ev

    def release(self, amount: float = 1) -> None:
        """Return ``amount`` units and grant waiting requests that now fit, in order."""
        self.used -= amount
        waiters = self.waiters
        while waiters and self.used + waiters[0][2] <= self.capacity * waiters[0][3] + 1e-9:
            _, _, need, _, ev = heapq.heappop(waiters)
            self.used += need
            ev.succeed()

    def resize(self, capacity: float) -> None:
        """Change the capacity; waiters that now fit are granted in order (units in use beyond
        a reduced capacity are returned as their holders finish)."""
        self.capacity = capacity
        self.release(0)
