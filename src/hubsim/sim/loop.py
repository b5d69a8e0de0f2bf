"""The engine's clock: SimPy's ``Environment``, with its hot paths made cheaper.

A simulated year of the 2022 scenario schedules about 1.5 million SimPy events: 870,000
delays (740,000 of them plain delays, the rest timeouts) and 300,000 processes, and the
engine reads the time about 3.4 million times.
:class:`Clock` is a ``simpy.Environment`` that does the same work in fewer Python calls:

* **the time** (``now``) is a plain attribute. SimPy's ``now`` is a property over ``_now``,
  which costs a Python call on every read (about 40 ns against 3 on Python 3.11); here
  ``_now`` is the property, kept for SimPy's own code, which reads it rarely.
* **a timeout** (:meth:`Clock.timeout`) and **a process** (:meth:`Clock.process`) are built in
  one call each: the same event, with the same attributes as SimPy's ``__init__`` sets, put on
  the queue with the same entry (time, priority, next event id). SimPy makes them through the
  class's ``__init__`` and then ``Environment.schedule``: two or three Python calls.
* **the events due now** wait in two first-in-first-out lines (urgent and normal) instead of
  the heap. About 42% of the events are due the moment they are made: a process's start
  (``Initialize``, urgent) and end, a granted request, a signal. SimPy pushes each onto its heap
  of about a thousand future events, where, being the smallest, it climbs to the top (ten
  comparisons of queue entries), to be popped at once (ten more). In a line they cost an
  append and a pop. Every event still takes the next event id, and the loop takes the
  smallest of the first future event and the two lines' heads, compared as SimPy compares its
  entries (time, priority, id), so the events run in exactly SimPy's order, a future event
  that falls due at the same time included.
* **the future events** are a heap of their times (floats) beside a dict from each time to
  its entry, instead of a heap of entries. Comparing two floats is about a third of the cost
  of comparing two entries (SimPy's tuples: their times for equality, then for order), and a
  pop of a heap of a thousand makes about ten comparisons. Several events due at the same
  time (departures on the hour) share the time's dict value, a list of their entries in
  queue order; the heap then holds that time once per event.
* **the loop** (:meth:`Clock.run_until`) is ``Environment.run(until=t)`` with its ``step``
  inlined. SimPy's ``run`` calls ``step`` once per event, a method call and a ``try`` around
  the callbacks for each. ``run_until`` pops the same queue in the same order, calls the same
  callbacks and raises a failed event's exception as ``step`` does. It also leaves the clock
  exactly as ``run`` leaves it: the stop event is scheduled with SimPy's ``URGENT`` priority
  (one event id), and once reached it is put back at priority -1 with no callbacks (a second
  id), as ``step`` does with the event that raised ``StopSimulation``. A later ``run`` or
  ``run_until`` therefore finds the same queue and ids either way.

* **a plain delay**: a process of the clock may ``yield`` a ``float`` (hours) where it would
  yield ``env.timeout(delay)`` with no value, and the engine's processes do on their hot
  paths (dwell, handling, transit, arrivals, locks). The process sleeps that long: its
  start event, spent once it has started, goes back on the queue as its wake-up, with the
  entry the timeout would have had (time, ``NORMAL``, the next event id). The events, their
  ids and their order are SimPy's; what is saved is a ``Timeout``, its callback list and a
  bound method made and dropped per delay, about 740,000 times a year (the engine's
  processes are short-lived, so objects that are never made are memory never touched). An
  interrupt works as on a timeout. What differs is the class of the event the process waits
  for (its start event or a ``_Wake``, not a ``Timeout``), seen in ``Process.target`` and in
  :meth:`Clock.queued`; an event handed out that way is never put back on the queue.

``step`` and ``peek`` are SimPy's, on the three parts of the queue, so SimPy's own ``run``
works on the clock too; :meth:`Clock.queued` lists every queued entry. Everything else is
SimPy's own, so a model runs exactly as on ``simpy.Environment`` (with plain delays, as the
same model with timeouts runs there): ``tests/test_loop.py`` runs random models on both and
compares their traces, queues and event ids, and checks failed events, interrupts and the
event a sleeping process waits for. The clock relies on SimPy 4's internals (the queue's
``(time, priority, id, event)`` entries, ``_now``, ``_eid``, and the attributes its events'
``__init__`` set), which those tests check against the installed SimPy.
"""

from __future__ import annotations

from bisect import insort
from collections import deque
from collections.abc import Generator
from heapq import heappop, heappush
from types import MethodType
from typing import TYPE_CHECKING, Any

import simpy
from simpy.core import EmptySchedule, Infinity, StopSimulation
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
    _describe_frame,
)

__all__ = ["Clock", "Step", "let_go"]

#: What a process of the clock yields: an event to wait for, or a plain delay in hours.
Step = Event | float

#: The priority ``Environment.step`` gives the stop event it puts back (SimPy 4).
_AFTER_STOP = EventPriority(-1)

#: The SimPy event class behind each name ``Environment`` binds to its instances.
_BOUND = {"event": Event, "all_of": AllOf, "any_of": AnyOf}

#: A queue entry, as SimPy's: ``(time, priority, event id, event)``.
_Entry = tuple[float, EventPriority, int, Event]


class _Wake(Event):
    """The event that wakes a process sleeping on a plain delay, once its start event can no
    longer serve (:meth:`_Process._new_wake`)."""


class _Process(Process):
    """SimPy's ``Process`` with a leaner :meth:`_resume` (the same steps, in fewer Python
    operations) and plain delays (a ``float`` yielded: see :mod:`hubsim.sim.loop`); the clock
    makes every process of the engine as one.

    ``_wake`` is the event that wakes it from a plain delay: its start event (``Initialize``,
    spent once the process has started), put back on the queue at each delay with
    ``_wakers`` (``[self._resume]``) as its callbacks. Once anything else may hold that event
    or its list (the process's ``target`` was read, something was added to the list or taken
    from it: an interrupt, a condition, ``run(until=...)``), the next delay gets a new
    wake-up, so an event handed out is never put back on the queue.
    """

    _wake: Event
    _wakers: list[Any] | None

    @property
    def target(self) -> Event:
        """As SimPy's: the event the process waits for. A wake-up handed out here is the
        process's last: its later delays get a new one."""
        if self._target is self._wake and self._wakers is not None:
            self._new_wake()
        return self._target

    def _new_wake(self) -> None:
        """A new wake-up event and callback list for the delays to come; the old event, if
        it is still queued, keeps its list and wakes whoever it holds."""
        wake = _Wake(self.env)
        wake._ok = True
        wake._value = None
        wake.callbacks = None  # type: ignore[assignment]  # not queued: as if processed
        self._wake = wake
        self._wakers = [self._resume]

    def _resume(self, event: Event) -> None:
        """As SimPy's ``Process._resume``: resume the generator with ``event``'s value (or
        throw its exception in) until it yields an event not yet processed, or ends. It reads
        the environment once, looks up the event's callbacks once, and puts the process's
        end straight on the clock's line of events due now (the entry ``schedule`` would
        make: time, ``NORMAL``, the next event id) instead of calling ``schedule``.

        A ``float`` yielded is a delay in hours, as ``env.timeout(delay)`` (value ``None``):
        the process's wake-up event goes on the queue with the entry that timeout would
        have had (time, ``NORMAL``, the next event id), so the events and their order are
        SimPy's, without a ``Timeout`` and its callback list made and dropped each time.
        Only a ``float`` (or a subclass: numpy's ``float64``) is a delay: any other value
        that is not an event is SimPy's error, a whole number included. A delay that is
        negative or not a number fails inside the process, at its ``yield``, as
        ``env.timeout`` would have failed there.
        """
        env = self.env
        env._active_proc = self
        while True:
            try:
                if event._ok:
                    event = self._generator.send(event._value)
                else:
                    # the process has to handle the failed event (or fail itself), with its
                    # own copy of the exception (as SimPy)
                    event._defused = True
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    event = self._generator.throw(exc)
            except StopIteration as e:  # the process has ended
                event = None  # type: ignore[assignment]
                self._wakers = None  # it holds self._resume: a reference cycle
                self._ok = True
                self._value = e.args[0] if e.args else None
                # as env.schedule(self): the end is due now, after the events due before it
                env._normal.append((env.now, NORMAL, next(env._eid), self))  # type: ignore[attr-defined]
                break
            except BaseException as e:  # the process has failed
                event = None  # type: ignore[assignment]
                self._wakers = None
                self._ok = False
                e.__traceback__ = e.__traceback__.tb_next  # type: ignore[union-attr]
                self._value = e
                env.schedule(self)
                break
            if isinstance(event, float):  # a delay: sleep, woken by the wake-up event
                if not event >= 0:
                    event = _refused(env, event)
                    continue
                wake = self._wake
                wakers = self._wakers
                if wake.callbacks is not None or len(wakers) != 1:
                    self._new_wake()  # the event or its list is held elsewhere (see class)
                    wake, wakers = self._wake, self._wakers
                wake.callbacks = wakers  # type: ignore[assignment]
                if event:
                    _future(env._times, env._at,  # type: ignore[attr-defined]
                            (env.now + event, NORMAL, next(env._eid), wake))
                else:  # as a timeout of 0: due now, after the events due before it (its
                    # time now + 0.0, as SimPy's: a whole number time becomes a float)
                    env._normal.append((env.now + event, NORMAL, next(env._eid), wake))  # type: ignore[attr-defined]
                event = wake
                break
            try:
                callbacks = event.callbacks
            except AttributeError:  # not an event: SimPy's message
                # (a generator compiled with mypyc has no frame to describe)
                frame = getattr(self._generator, "gi_frame", None)
                descr = _describe_frame(frame) if frame is not None else ""
                raise RuntimeError(f'\n{descr}Invalid yield value "{event}"') from None
            if callbacks is not None:  # not processed yet: resume when it is
                callbacks.append(self._resume)
                break
        self._target = event
        env._active_proc = None


def _refused(env: simpy.Environment, delay: Any) -> Event:
    """A failed event, already processed, to throw into a process that yielded ``delay``, a
    negative or NaN delay: ``env.timeout``'s error, raised at the process's ``yield``."""
    bad = Event(env)
    bad._ok = False
    bad._value = _bad_delay(delay)
    bad.callbacks = None  # type: ignore[assignment]
    return bad


def _bad_delay(delay: Any) -> ValueError:
    """The error of a delay that is negative (SimPy's message) or not a number."""
    return ValueError(f"Negative delay {delay}" if delay < 0 else
                      f"delay {delay} is not a number")


class Clock(simpy.Environment):
    """A ``simpy.Environment`` (time in hours for the engine) with the cheaper time, timeouts,
    processes, queue and loop described in :mod:`hubsim.sim.loop`."""

    #: the current simulation time: a plain attribute (shadows SimPy's read-only property)
    now: float = 0

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)  # sets _now, hence now
        # SimPy's heap is replaced by the parts below: code that would still push onto it or
        # read it (``simpy.Environment.schedule(clock, ...)``) fails instead of losing events
        del self._queue
        # SimPy binds its event classes to each instance for speed, but only those named in
        # the instance's own class (BoundClass.bind_early): bind the base class's here
        for name, cls in _BOUND.items():
            setattr(self, name, MethodType(cls, self))
        eid = self._eid
        #: the future events: a heap of their times (one per event) and each time's entry, or
        #: the list of its entries in queue order when several events fall due at that time
        self._times: list[float] = []
        self._at: dict[float, _Entry | list[_Entry]] = {}
        #: the events due now, urgent and normal: queue entries in id order
        self._urgent: deque[_Entry] = deque()
        self._normal: deque[_Entry] = deque()
        times, at, urgent, normal = self._times, self._at, self._urgent, self._normal
        new = object.__new__
        env = self

        def schedule(event: Event, priority: EventPriority = NORMAL, delay: float = 0) -> None:
            """As SimPy's: put ``event`` on the queue ``delay`` from now (a negative or NaN
            delay is refused, which SimPy does not check)."""
            # the entry's time is now + delay, as SimPy's: a float delay of 0.0 at a whole
            # number time makes the time a float
            if delay:
                _future(times, at, (env.now + _positive(delay), priority, next(eid), event))
            elif priority is NORMAL:
                normal.append((env.now + delay, priority, next(eid), event))
            elif priority is URGENT:
                urgent.append((env.now + delay, priority, next(eid), event))
            else:  # any other priority (SimPy's -1 for an event put back): with the future
                _future(times, at, (env.now + delay, priority, next(eid), event))

        def timeout(delay: float, value: Any = None) -> Timeout:
            """As ``Timeout(env, delay, value)``; a NaN delay is refused too."""
            if not delay >= 0:
                raise _bad_delay(delay)
            ev = new(Timeout)
            ev.env = env
            ev.callbacks = []
            ev._value = value
            ev._delay = delay
            ev._ok = True
            if delay:
                t = env.now + delay
                entry = (t, NORMAL, next(eid), ev)
                old = at.setdefault(t, entry)
                if old is not entry:
                    _tie(at, t, old, entry)
                heappush(times, t)
            else:
                normal.append((env.now + delay, NORMAL, next(eid), ev))
            return ev

        def process(generator: Generator[Step, Any, Any]) -> Process:
            """As ``Process(env, generator)``: the process, its ``Initialize`` event
            scheduled."""
            if not hasattr(generator, "throw"):
                raise ValueError(f"{generator} is not a generator.")
            proc = new(_Process)
            proc.env = env
            proc.callbacks = []
            proc._generator = generator  # type: ignore[assignment]
            init = new(Initialize)
            init.env = env
            # the start event, then the process's wake-up from plain delays (_Process)
            init.callbacks = proc._wakers = [proc._resume]
            init._value = None
            init._ok = True
            urgent.append((env.now, URGENT, next(eid), init))
            proc._target = proc._wake = init
            return proc

        self.schedule = schedule  # type: ignore[method-assign]
        self.timeout = timeout  # type: ignore[method-assign,assignment]
        self.process = process  # type: ignore[method-assign]

    if TYPE_CHECKING:
        def process(self, generator: Generator[Step, Any, Any]) -> Process:
            """As ``Process(env, generator)`` (made in ``__init__``); ``generator`` may yield
            plain delays."""

    @property
    def _now(self) -> float:
        """SimPy's name for the time (its ``__init__``, ``run`` and ``peek`` use it)."""
        return self.now

    @_now.setter
    def _now(self, t: float) -> None:
        self.now = t

    def queued(self) -> list[_Entry]:
        """Every event on the queue, as ``(time, priority, id, event)`` entries (in no
        particular order)."""
        out: list[_Entry] = []
        for x in self._at.values():
            if type(x) is list:
                out += x
            else:
                out.append(x)  # type: ignore[arg-type]
        return [*out, *self._urgent, *self._normal]

    def clear_queue(self) -> None:
        """Drop every event on the queue (a run that is over)."""
        self._times.clear()
        self._at.clear()
        self._urgent.clear()
        self._normal.clear()

    def peek(self) -> float:
        """As SimPy's: the time of the next event (``Infinity`` if there is none)."""
        due = self._urgent or self._normal
        if due:
            return due[0][0]
        return self._times[0] if self._times else Infinity

    def _pop_future(self) -> _Entry:
        """Take the first future event's entry off the heap (IndexError: none)."""
        entry = self._at.pop(heappop(self._times))
        if type(entry) is list:  # several due at that time: the first, the others stay
            return _untie(self._at, entry)
        return entry  # type: ignore[return-value]

    def _pop(self) -> _Entry:
        """The next queue entry: the smallest of the first future event's and the heads of
        the events due now, in SimPy's order (IndexError: none)."""
        urgent, normal, times = self._urgent, self._normal, self._times
        if not (urgent or normal):
            return self._pop_future()
        head = urgent[0] if urgent else normal[0]
        if times and times[0] <= head[0]:  # a future event falls due now: compare entries
            first = self._at[times[0]]
            if type(first) is list:
                first = first[0]
            if first < head:  # type: ignore[operator]
                return self._pop_future()
        return urgent.popleft() if urgent else normal.popleft()

    def step(self) -> None:
        """As SimPy's: process the next event (``EmptySchedule`` if there is none)."""
        try:
            self.now, _, _, event = self._pop()
        except IndexError:
            raise EmptySchedule from None
        callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:
            # as SimPy: the remaining callbacks stay with the event, put back for the next run
            event.callbacks = callbacks[callbacks.index(callback) + 1:]
            self.schedule(event, _AFTER_STOP)
            raise
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc

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
        times, due, urgent, normal = self._times, self._at, self._urgent, self._normal
        pop = self._pop
        while True:
            # the heap is never empty: the stop event is on it until it is reached
            if urgent or normal:
                if times[0] <= self.now:  # a future event falls due now too (rare)
                    entry = pop()
                else:
                    entry = urgent.popleft() if urgent else normal.popleft()
            else:
                entry = due.pop(heappop(times))  # type: ignore[assignment]
                if type(entry) is list:  # several future events due at that time (rare)
                    entry = _untie(due, entry)
            self.now, _, _, event = entry
            if event is stop:  # as Environment.step after StopSimulation: put back, no callbacks
                stop.callbacks = []
                self.schedule(stop, _AFTER_STOP)
                return
            callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
            if len(callbacks) == 1:  # the usual case: one waiting process, no list iterator
                callbacks[0](event)
            elif callbacks:  # (none: a process's end that nobody waits for, the next usual)
                for callback in callbacks:
                    callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                # a failed event nobody handled: crash, with a copy of its exception (as SimPy)
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc


def let_go(event: Event) -> None:
    """Drop ``event``'s callbacks, as SimPy does once an event is processed, for a run that is
    over: whatever waits for it is never resumed. A process of the clock waiting for it also
    drops its wake-up's callback list, which holds the process (its ``_resume``): without
    that cycle, and the event's, reference counting frees the process and its generator's
    frame instead of the cyclic collector."""
    for callback in event.callbacks or ():
        owner = getattr(callback, "__self__", None)
        if type(owner) is _Process:
            owner._wakers = None
    event.callbacks = None  # type: ignore[assignment]


def _positive(delay: float) -> float:
    """``delay``, checked (SimPy does not check a delay given to ``schedule``: a negative or
    NaN one would break the order of its queue, and of the clock's)."""
    if not delay > 0:
        raise ValueError(f"delay {delay} is not a positive number")
    return delay


def _future(times: list[float], at: dict[float, _Entry | list[_Entry]], entry: _Entry) -> None:
    """Put ``entry`` with the future events (``Clock.timeout`` does the same inline)."""
    t = entry[0]
    old = at.setdefault(t, entry)
    if old is not entry:
        _tie(at, t, old, entry)
    heappush(times, t)


def _tie(at: dict[float, _Entry | list[_Entry]], t: float, old: _Entry | list[_Entry],
         entry: _Entry) -> None:
    """Add ``entry`` to the entries of the events due at ``t`` (``old``), in queue order."""
    if type(old) is list:
        insort(old, entry)
    else:
        at[t] = sorted([old, entry])  # type: ignore[list-item]


def _untie(at: dict[float, _Entry | list[_Entry]], tied: list[_Entry]) -> _Entry:
    """The first of ``tied``, the entries of the events due at one time (just taken out of
    ``at``); the others go back, as a list while there are several."""
    first = tied.pop(0)
    at[first[0]] = tied if len(tied) > 1 else tied[0]
    return first
