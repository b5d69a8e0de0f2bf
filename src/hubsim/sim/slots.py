"""A first-come-first-served counting resource for the engine's hot path.

``simpy.Resource`` and ``simpy.Container`` schedule an event even when a request is granted at
once, and build a request object per use. Handling equipment, yard space and truck fleets are
requested hundreds of thousands of times a simulated year and are usually free, so the engine
uses :class:`Slots`: an immediate grant costs no event at all, and a waiting request is one
plain ``simpy.Event`` succeeded by the release that makes room. Waiters are served strictly in
arrival order (a large request at the head is not overtaken), as in ``simpy.Container``.

The engine's equipment queue is verified against Erlang C in ``tests/``.
"""

from __future__ import annotations

from collections import deque

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

    __slots__ = ("capacity", "env", "used", "waiters")

    def __init__(self, env: simpy.Environment, capacity: float, used: float = 0.0):
        self.env = env
        self.capacity = capacity
        self.used = used
        self.waiters: deque[tuple[float, simpy.Event]] = deque()

    @property
    def free(self) -> float:
        """Units not taken now (negative while a reduced capacity is still over-used)."""
        return self.capacity - self.used

    def acquire(self, amount: float = 1) -> simpy.Event | None:
        """Take ``amount`` units: ``None`` when granted now, else an event that fires when
        granted (the units are then already taken)."""
        if not self.waiters and self.used + amount <= self.capacity + 1e-9:
            self.used += amount
            return None
        ev = simpy.Event(self.env)
        self.waiters.append((amount, ev))
        return ev

    def release(self, amount: float = 1) -> None:
        """Return ``amount`` units and grant waiting requests that now fit, in order."""
        self.used -= amount
        waiters = self.waiters
        while waiters and self.used + waiters[0][0] <= self.capacity + 1e-9:
            need, ev = waiters.popleft()
            self.used += need
            ev.succeed()

    def resize(self, capacity: float) -> None:
        """Change the capacity; waiters that now fit are granted in order (units in use beyond
        a reduced capacity are returned as their holders finish)."""
        self.capacity = capacity
        self.release(0)
