"""The engine's clock: SimPy's ``Environment``, with its hot paths made cheaper.

A simulated year of the 2022 scenario schedules about 1.5 million SimPy events: 870,000
timeouts and 300,000 processes, and the engine reads the time about 3.4 million times.
:class:`Clock` is a ``simpy.Environment`` that does the same work in fewer Python calls:

* **the time** (``now``) is a plain attribute. SimPy's ``now`` is a property over ``_now``,
  which costs a Python call on every read (about 40 ns against 3 on Python 3.11); here
  ``_now`` is the property, kept for SimPy's own code, which reads it rarely.
* **a timeout** (:meth:`Clock.timeout`) and **a process** (:meth:`Clock.process`) are built in
  one call each: the same event, with the same attributes as SimPy's ``__init__`` sets, put on
  the queue with the same entry (time, priority, next event id). SimPy makes them through the
  class's ``__init__`` and then ``Environment.schedule``: two or three Python calls.
* **the loop** (:meth:`Clock.run_until`) is ``Environment.run(until=t)`` with its ``step``
  inlined. SimPy's ``run`` calls ``step`` once per event, a method call and a ``try`` around
  the callbacks for each. ``run_until`` pops the same heap in the same order, calls the same
  callbacks and raises a failed event's exception as ``step`` does. It also leaves the clock
  exactly as ``run`` leaves it: the stop event is scheduled with SimPy's ``URGENT`` priority
  (one event id), and once reached it is put back at priority -1 with no callbacks (a second
  id), as ``step`` does with the event that raised ``StopSimulation``. A later ``run`` or
  ``run_until`` therefore finds the same queue and ids either way.

Everything else is SimPy's own, so a model runs exactly as on ``simpy.Environment``:
``tests/test_loop.py`` runs random models on both and compares their traces, queues and event
ids, and checks failed events. The clock relies on SimPy 4's internals (the queue's
``(time, priority, id, event)`` entries, ``_now``, ``_eid``, and the attributes its events'
``__init__`` set), which those tests check against the installed SimPy.
"""

from __future__ import annotations

from collections.abc import Generator
from heapq import heappop, heappush
from types import MethodType
from typing import Any

import simpy
from simpy.events import (
    NORMAL,
    URGENT,
    AllOf,
    AnyOf,
    Event,
    EventPriority,
    Initialize,
    Process,
    Timeout,
)

__all__ = ["Clock"]

#: The priority ``Environment.step`` gives the stop event it puts back (SimPy 4).
_AFTER_STOP = EventPriority(-1)

#: The SimPy event class behind each name ``Environment`` binds to its instances.
_BOUND = {"event": Event, "all_of": AllOf, "any_of": AnyOf}


class Clock(simpy.Environment):
    """A ``simpy.Environment`` (time in hours for the engine) with the cheaper time, timeouts,
    processes and loop described in :mod:`hubsim.sim.loop`."""

    #: the current simulation time: a plain attribute (shadows SimPy's read-only property)
    now: float = 0

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)  # sets _now, hence now
        # SimPy binds its event classes to each instance for speed, but only those named in
        # the instance's own class (BoundClass.bind_early): bind the base class's here
        for name, cls in _BOUND.items():
            setattr(self, name, MethodType(cls, self))
        queue, eid = self._queue, self._eid
        new = object.__new__
        env = self

        def timeout(delay: float, value: Any = None) -> Timeout:
            """As ``Timeout(env, delay, value)``."""
            if delay < 0:
                raise ValueError(f"Negative delay {delay}")
            ev = new(Timeout)
            ev.env = env
            ev.callbacks = []
            ev._value = value
            ev._delay = delay
            ev._ok = True
            heappush(queue, (env.now + delay, NORMAL, next(eid), ev))
            return ev

        def process(generator: Generator[Event, Any, Any]) -> Process:
            """As ``Process(env, generator)``: the process, its ``Initialize`` event
            scheduled."""
            if not hasattr(generator, "throw"):
                raise ValueError(f"{generator} is not a generator.")
            proc = new(Process)
            proc.env = env
            proc.callbacks = []
            proc._generator = generator
            init = new(Initialize)
            init.env = env
            init.callbacks = [proc._resume]
            init._value = None
            init._ok = True
            heappush(queue, (env.now, URGENT, next(eid), init))
            proc._target = init
            return proc

        self.timeout = timeout  # type: ignore[method-assign,assignment]
        self.process = process  # type: ignore[method-assign]

    @property
    def _now(self) -> float:
        """SimPy's name for the time (its ``__init__``, ``run`` and ``peek`` use it)."""
        return self.now

    @_now.setter
    def _now(self, t: float) -> None:
        self.now = t

    def schedule(self, event: Event, priority: EventPriority = NORMAL,
                 delay: float = 0) -> None:
        """As SimPy's: put ``event`` on the queue ``delay`` from now."""
        heappush(self._queue, (self.now + delay, priority, next(self._eid), event))

    def run_until(self, at: float) -> None:
        """Process the events until the clock reaches ``at``, as ``run(until=at)``.

        Unlike ``run``, it does not catch ``StopSimulation``: the engine never raises it, and
        after any exception it throws the clock away.

        Raises
        ------
        ValueError
            ``at`` is not after the current time (as SimPy).
        """
        at = at if isinstance(at, int) else float(at)  # as SimPy: a whole number stays an int
        if at <= self.now:
            raise ValueError(f"until ({at}) must be greater than the current simulation time")
        stop = Event(self)
        stop._ok = True
        stop._value = None
        self.schedule(stop, URGENT, at - self.now)
        queue = self._queue
        while True:
            # never empty: the stop event is in the queue until it is reached
            self.now, _, _, event = heappop(queue)
            if event is stop:  # as Environment.step after StopSimulation: put back, no callbacks
                stop.callbacks = []
                self.schedule(stop, _AFTER_STOP)
                return
            callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                # a failed event nobody handled: crash, with a copy of its exception (as SimPy)
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
