"""The engine's clock (:class:`hubsim.sim.loop.Clock`, its ``run_until``) runs a SimPy model
exactly as SimPy's own ``Environment`` and ``run(until=...)``: the same callbacks in the same
order, the same time, and the same queue and event ids left behind for the next run."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from hubsim.sim.loop import Clock

# a model: processes, each a list of (action, value) steps; actions: wait a delay, take one of
# a few shared resources for a time (priority resources: ties and priorities matter), or
# trigger/wait on a shared event
STEP = st.tuples(st.sampled_from(["wait", "hold", "signal"]),
                 st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.25, 3.0]))
MODEL = st.lists(st.tuples(st.floats(0, 3).map(lambda x: round(x, 1)),
                           st.lists(STEP, min_size=1, max_size=6),
                           st.integers(0, 2)), min_size=1, max_size=8)


def _build(model: list, trace: list, env: simpy.Environment,
           plain: bool = False) -> simpy.Environment:
    """``model`` on ``env``; with ``plain`` (the clock only) every delay is yielded as a plain
    float instead of a timeout."""
    res = [simpy.PriorityResource(env, capacity=1), simpy.PriorityResource(env, capacity=2)]
    flags = [env.event()]
    delay = float if plain else env.timeout

    def proc(i: int, start: float, steps: list, prio: int):
        yield delay(start)
        for k, (action, value) in enumerate(steps):
            trace.append((env.now, type(env.now).__name__, i, k, action))
            if action == "wait":
                yield delay(value)
            elif action == "hold":
                with res[k % 2].request(priority=prio) as req:
                    yield req
                    trace.append((env.now, i, k, "got"))
                    yield delay(value)
            else:  # signal: fire the shared event (a new one for later waiters), or wait on it
                if value > 1.0 and not flags[-1].triggered:
                    flags[-1].succeed(i)
                    flags.append(env.event())
                else:
                    got = yield flags[-1] | env.timeout(value + 0.25)
                    trace.append((env.now, i, k, sorted(str(v) for v in got.values())))

    for i, (start, steps, prio) in enumerate(model):
        env.process(proc(i, start, steps, prio))
    return env


def _entries(env: simpy.Environment) -> list:
    """The queue's entries, sorted (the clock keeps the events due now apart)."""
    return sorted(env.queued() if isinstance(env, Clock) else env._queue)


def _state(env: simpy.Environment) -> tuple:
    return (env.now, next(env._eid), [(t, int(p), e) for t, p, e, _ in _entries(env)])


def _run_both(build, until: float) -> tuple[tuple[simpy.Environment, list], ...]:
    """``build(trace, env)`` on the clock and on SimPy's environment, each run to ``until``
    (``run_until``, ``run``): each environment with its trace."""
    ours: list = []
    theirs: list = []
    a, b = build(ours, Clock()), build(theirs, simpy.Environment())
    a.run_until(until)
    b.run(until=until)
    return (a, ours), (b, theirs)


@settings(max_examples=150, deadline=None)
@given(MODEL, st.floats(0.1, 6).map(lambda x: round(x, 2)),
       st.floats(0.1, 6).map(lambda x: round(x, 2)))
def test_same_order_and_state_as_simpy_run(model, first, more):
    ours: list = []
    theirs: list = []
    a, b = _build(model, ours, Clock()), _build(model, theirs, simpy.Environment())
    for until in (first, first + more):  # two stops: the second finds what the first left
        a.run_until(until)
        b.run(until=until)
        assert ours == theirs
        assert _state(a) == _state(b)


@settings(max_examples=150, deadline=None)
@given(MODEL, st.floats(0.1, 6).map(lambda x: round(x, 2)),
       st.floats(0.1, 6).map(lambda x: round(x, 2)))
def test_plain_delays_run_as_timeouts(model, first, more):
    """Processes of the clock that yield their delays as plain floats run as SimPy's with
    ``env.timeout``: the same trace, time, queue and event ids at each stop."""
    ours: list = []
    theirs: list = []
    a = _build(model, ours, Clock(), plain=True)
    b = _build(model, theirs, simpy.Environment())
    for until in (first, first + more):
        a.run_until(until)
        b.run(until=until)
        assert ours == theirs
        assert _state(a) == _state(b)


def _plain_vs_timeouts(model, stops=(1.1, 10.0)) -> list:
    """``model(trace, env, delay)`` with ``delay = float`` on the clock (plain delays) and
    ``delay = env.timeout`` on SimPy, run to each of ``stops``: the same trace, time, queue
    and event ids at each stop. Returns the trace."""
    ours: list = []
    theirs: list = []
    a = Clock()
    b = simpy.Environment()
    model(ours, a, float)
    model(theirs, b, b.timeout)
    for until in stops:
        a.run_until(until)
        b.run(until=until)
        assert ours == theirs
        assert _state(a) == _state(b)
    return ours


@pytest.mark.parametrize("at", [0.0, 0.5, 1.0, 1.25, 2.0, 2.5, 3.0])
def test_a_process_sleeping_on_a_plain_delay_is_interrupted_as_on_a_timeout(at):
    """An interrupt (at the instant the process starts, during a delay, at the instant it
    ends, or during the delay after an earlier interrupt) throws ``Interrupt`` into the
    process as SimPy does on a timeout; the interrupted delay wakes nobody, and the
    process's later delays still wake it."""
    def model(trace: list, env: simpy.Environment, delay) -> None:
        def sleeper():
            for k in range(4):
                try:
                    yield delay(1.0)
                    trace.append((env.now, k, "woke"))
                except simpy.Interrupt as stop:
                    trace.append((env.now, k, "interrupted", stop.cause))

        def boss(target):
            yield env.timeout(at)
            target.interrupt("one")
            yield env.timeout(0.25)
            if target.is_alive:
                target.interrupt("two")

        s = env.process(sleeper())
        env.process(boss(s))

    trace = _plain_vs_timeouts(model)
    assert [x for x in trace if x[2] == "interrupted"]  # the case tested happened


def test_interrupts_before_the_start_and_by_simpys_own_interruption_as_on_a_timeout():
    """A process interrupted in the step that made it, one interrupted by SimPy's own
    ``Interruption`` (not through ``interrupt``) while sleeping, and one interrupted during
    a zero delay; each then sleeps again and waits for an event."""
    def model(trace: list, env: simpy.Environment, delay) -> None:
        flag = env.event()

        def sleeper(name):
            if name == "zero":
                yield delay(0.5)
            for k in range(3):
                try:
                    yield delay(0.0 if name == "zero" else 1.0)
                    trace.append((env.now, name, k, "woke"))
                except simpy.Interrupt as stop:
                    trace.append((env.now, name, k, "interrupted", stop.cause))
            try:
                got = yield flag
                trace.append((env.now, name, "flag", got))
            except simpy.Interrupt as stop:
                trace.append((env.now, name, "flag", "interrupted", stop.cause))

        def boss():
            early = env.process(sleeper("early"))
            early.interrupt("at once")
            other = env.process(sleeper("own"))
            zero = env.process(sleeper("zero"))
            yield env.timeout(0.5)
            simpy.events.Interruption(other, "simpy's")
            yield env.timeout(0)
            if zero.is_alive:
                zero.interrupt("z")
            yield env.timeout(4)
            flag.succeed("up")

        env.process(boss())

    trace = _plain_vs_timeouts(model, stops=(0.5, 2.2, 10.0))
    assert sum("interrupted" in x for x in trace) >= 3


def test_the_event_a_sleeping_process_waits_for_is_handed_out_as_a_timeout_is():
    """``target`` of a process sleeping on a plain delay: another process waiting for it, a
    condition over it and ``run(until=...)`` on it see it fire once, at the end of that
    delay, as a timeout; the process's later delays are not mixed up with it."""
    def model(trace: list, env: simpy.Environment, delay) -> None:
        slow = env.event()

        def sleeper():
            for d in (5.0, 3.0, 3.0, 2.0):
                yield delay(d)
                trace.append((env.now, "woke"))

        def waiter(p):
            yield env.timeout(1)
            yield p.target
            trace.append((env.now, "target fired"))
            both = yield env.all_of([p.target, slow])
            trace.append((env.now, "both", len(both.todict())))

        def later():
            yield env.timeout(9)
            slow.succeed()

        def holder(p):  # reads the target, and waits for it only once it has fired
            yield env.timeout(1.5)
            held = p.target
            yield env.timeout(5.5)
            yield held
            trace.append((env.now, "held target, fired long ago"))

        p = env.process(sleeper())
        env.process(waiter(p))
        env.process(later())
        env.process(holder(env.process(sleeper())))  # its target read, nothing added to it

    _plain_vs_timeouts(model, stops=(1.5, 6.0, 20.0))

    for env, plain in ((Clock(), True), (simpy.Environment(), False)):
        def stepper(env=env, plain=plain):
            for d in (2.0, 3.0, 4.0):
                yield d if plain else env.timeout(d)

        p = env.process(stepper())
        env.run(until=1)
        env.run(until=p.target)  # SimPy's run, stopped by the process's delay
        assert env.now == 2
        env.run(until=20)
        assert env.now == 20 and not p.is_alive


def test_a_bad_plain_delay_fails_inside_the_process():
    """A negative or NaN plain delay raises ``ValueError`` at the process's ``yield``, where
    ``env.timeout`` would have raised it: the process may catch it, else it fails and the
    run stops with it. A whole number is not a plain delay (SimPy's message, as on SimPy)."""
    for bad, match in ((-1.0, "Negative delay -1.0"), (float("nan"), "delay nan is not")):
        env = Clock()
        seen: list = []

        def catching(bad=bad, env=env, seen=seen):
            try:
                yield bad
            except ValueError as exc:
                seen.append((env.now, str(exc)))
            yield 1.0
            seen.append((env.now, "on"))

        def failing(bad=bad):
            yield 2.0
            yield bad

        env.process(catching())
        proc = env.process(failing())
        with pytest.raises(ValueError, match=match):
            env.run_until(5.0)
        assert [x[0] for x in seen] == [0, 1.0] and match in seen[0][1]
        assert not proc.ok and env.now == 2.0 and env.active_process is None
    env = Clock()

    def whole():
        yield 1

    env.process(whole())
    with pytest.raises(RuntimeError, match='Invalid yield value "1"'):
        env.run_until(5.0)


def test_a_numpy_float_is_a_plain_delay():
    """numpy's ``float64`` is a ``float``: a plain delay, and the time becomes one as with
    ``env.timeout``."""
    import numpy as np

    def model(trace: list, env: simpy.Environment, delay) -> None:
        def proc():
            d = np.float64(0.5)
            yield d if delay is float else delay(d)
            trace.append((env.now, type(env.now).__name__))

        env.process(proc())

    _plain_vs_timeouts(model)


@contextlib.contextmanager
def _collector_off() -> Iterator[None]:
    """The garbage collector off, as the engine runs: only reference counting frees."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def test_a_finished_process_that_slept_is_freed_without_the_garbage_collector():
    """The wake-up's callback list holds the process (its ``_resume``): the process drops it
    when it ends, so a run with the garbage collector off (as the engine runs) frees each
    finished process at once instead of keeping every one until the end."""
    import weakref

    env = Clock()
    refs = []

    def short():
        yield 0.5
        yield 0.0

    def spawner():
        for _ in range(50):
            refs.append(weakref.ref(env.process(short())))
            yield 1.0

    env.process(spawner())
    with _collector_off():
        env.run_until(100.0)
        assert sum(r() is not None for r in refs) == 0


def test_a_failed_process_that_slept_is_freed_without_the_garbage_collector():
    """As a finished one: a process that slept and then failed (its failure handled by the
    process waiting for it) drops its wake-up list, and is freed at once with the garbage
    collector off."""
    import weakref

    env = Clock()
    refs = []
    caught = []

    def failing():
        yield 0.5
        raise KeyError("lost")

    def parent():
        for _ in range(20):
            child = env.process(failing())
            refs.append(weakref.ref(child))
            try:
                yield child
            except KeyError as exc:
                caught.append(str(exc))
            del child
            yield 1.0

    env.process(parent())
    with _collector_off():
        env.run_until(100.0)
        assert len(caught) == 20
        assert sum(r() is not None for r in refs) == 0


def test_errors_as_simpy():
    env = Clock()
    env.run(until=1.0)  # SimPy's own run works on the clock too
    with pytest.raises(ValueError, match="must be greater"):
        env.run_until(1.0)
    with pytest.raises(ValueError, match="Negative delay"):
        env.timeout(-1.0)
    with pytest.raises(ValueError, match="is not a generator"):
        env.process(lambda: None)  # type: ignore[arg-type]

    def boom():
        yield env.timeout(1.0)
        raise KeyError("lost")

    env.process(boom())
    with pytest.raises(KeyError, match="lost"):
        env.run_until(5.0)


def test_failed_events_and_a_whole_number_stop_as_simpy():
    """A failed event a process catches (defused) runs on; the clock keeps an int stop an int."""
    def build(trace: list, env: simpy.Environment) -> simpy.Environment:
        bad = env.event()

        def failing():
            yield env.timeout(2)
            bad.fail(ValueError("late"))

        def catching():
            try:
                yield bad
            except ValueError as exc:
                trace.append((env.now, "caught", str(exc)))
            yield env.timeout(1)
            trace.append((env.now, "on"))

        env.process(failing())
        env.process(catching())
        return env

    (a, ours), (b, theirs) = _run_both(build, 10)
    assert ours == theirs == [(2, "caught", "late"), (3, "on")]
    assert _state(a) == _state(b)
    assert type(a.now) is type(b.now) is int


def test_the_clock_makes_the_same_events_as_simpy():
    """A timeout and a process are the events SimPy makes (class, attributes, queue entry), and
    SimPy's own classes and ``run`` on the clock agree with its shortcuts."""
    a, b = Clock(), simpy.Environment()
    for env in (a, b):
        env.run(until=2.5)

        def proc(env=env):
            yield env.timeout(1.0, value="v")

        env.process(proc())
        env.timeout(0.5, value=3)
        simpy.Timeout(env, 0.25)
        env.event().succeed("done")
        env.all_of([env.timeout(1.0)])
    assert _state(a) == _state(b)
    for (_, _, _, ea), (_, _, _, eb) in zip(_entries(a), _entries(b), strict=True):
        assert type(ea) is type(eb)
        assert set(vars(ea)) == set(vars(eb))
        assert (ea._value, ea._ok) == (eb._value, eb._ok)
    assert a.now == 2.5 and a._now == 2.5  # SimPy's name for the time reads the same
    a.run(until=10)
    b.run(until=10)
    assert _state(a) == _state(b)


def test_events_due_now_keep_simpy_order_with_future_events_at_the_same_time():
    """Events made due now (process starts and interrupts: urgent; process ends, signals and
    zero timeouts: normal) interleave with
    timeouts that fall due at the same instant exactly as on SimPy's single heap, and ``peek``
    and SimPy's ``step`` see both."""
    def build(trace: list, env: simpy.Environment) -> simpy.Environment:
        flag = env.event()

        def sleeper(name: str):
            try:
                yield env.timeout(5)
            except simpy.Interrupt as why:
                trace.append((env.now, name, "interrupted", why.cause))
            yield env.timeout(0)
            trace.append((env.now, name, "after zero"))

        def child(name: str, delay: float):
            trace.append((env.now, name, "start"))
            yield env.timeout(delay)
            trace.append((env.now, name, "end"))
            return name

        def boss():
            yield env.timeout(1.0)  # due at 1.0, made at 0
            s = env.process(sleeper("s"))
            kids = [env.process(child(f"k{i}", d)) for i, d in enumerate((0, 0.5, 0, 1.0))]
            s.interrupt("now")  # urgent, made after the kids' starts
            flag.succeed("go")
            got = yield env.all_of(kids)
            trace.append((env.now, "boss", sorted(got.values())))

        def early():
            yield env.timeout(0.5)
            yield env.timeout(0.5)  # also due at 1.0, made later than boss's first timeout
            trace.append((env.now, "early", "at one"))
            value = yield flag
            trace.append((env.now, "early", value))

        env.process(boss())
        env.process(early())
        # two urgent events due at 1.0 (SimPy's priority for a stop): the first starts a
        # process, whose start (urgent, due now) must wait for the second
        marks = [env.event(), env.event()]
        for i, mark in enumerate(marks):
            mark._ok, mark._value = True, i
            mark.callbacks.append(lambda ev: trace.append((env.now, "mark", ev.value)))
            env.schedule(mark, simpy.events.URGENT, 1.0)
        marks[0].callbacks.append(lambda ev: env.process(child("m", 0)))
        return env

    ours: list = []
    theirs: list = []
    a, b = build(ours, Clock()), build(theirs, simpy.Environment())
    peeks: tuple[list, list] = ([], [])
    for env, seen in ((a, peeks[0]), (b, peeks[1])):
        while env.peek() < 1.0:
            env.step()
        for _ in range(9):  # at 1.0: due-now events queued beside future ones
            seen.append((env.peek(), len(_entries(env))))
            env.step()
    assert peeks[0] == peeks[1]
    assert _state(a) == _state(b)
    a.run_until(10)
    b.run(until=10)
    assert ours == theirs
    assert ("boss" in {x[1] for x in ours}) and any(x[2] == "interrupted" for x in ours)
    assert _state(a) == _state(b)


def test_a_zero_float_delay_and_a_stop_put_back_among_events_due_now_as_simpy():
    """A delay of 0.0 at a whole-number time makes the time a float, as in SimPy; an event put
    back by ``run(until=event)`` (priority -1, with a waiter that came after the run began)
    comes before the process starts due at the same instant."""
    def build(trace: list, env: simpy.Environment) -> tuple[simpy.Environment, simpy.Event]:
        done = env.event()

        def child(i: int):
            trace.append((env.now, type(env.now).__name__, "child", i))
            yield env.timeout(0.0)
            trace.append((env.now, type(env.now).__name__, "child after zero", i))

        def late_waiter():
            yield env.timeout(0.5)
            value = yield done  # registered after run(until=done) began
            trace.append((env.now, "late waiter", value))

        def early_waiter():
            yield done  # registered before run(until=done): resumed before the stop
            for i in range(3):
                env.process(child(i))  # urgent starts, due when the stop is put back

        def starter():
            yield env.timeout(1)
            env.process(child(9))
            done.succeed("x")

        env.process(early_waiter())
        env.process(late_waiter())
        env.process(starter())
        return env, done

    ours: list = []
    theirs: list = []
    (a, done_a), (b, done_b) = build(ours, Clock()), build(theirs, simpy.Environment())
    a.run_until(0.25)
    b.run(until=0.25)
    assert a.run(until=done_a) == b.run(until=done_b) == "x"
    assert _state(a) == _state(b) and a.peek() == b.peek()
    for env in (a, b):
        env.run(until=5)
    assert ours == theirs
    assert ("late waiter" in {x[1] for x in ours}) and any(x[1] == "float" for x in ours)
    assert _state(a) == _state(b) and type(a.now) is type(b.now)


def test_a_delay_that_is_not_a_number_or_negative_is_refused():
    env = Clock()
    with pytest.raises(ValueError, match="not a number"):
        env.timeout(float("nan"))
    ev = env.event()
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="not a positive number"):
            env.schedule(ev, delay=bad)
    assert env.queued() == []
    with pytest.raises(AttributeError):
        simpy.Environment.schedule(env, ev)  # SimPy's own heap is gone: no event lost there


def test_a_process_resumes_ends_and_fails_as_simpys():
    """The clock's processes (a leaner ``_resume``): a value handed to a process waiting for
    another one, an event already processed when yielded, a process that catches a failed
    event, one that fails and one that yields something other than an event all go as on
    SimPy, with the same trace, queue and event ids."""
    def build(trace: list, env: simpy.Environment) -> simpy.Environment:
        done = env.event()
        done.succeed("early")

        def child(n: int):
            yield env.timeout(n)
            return n * 10

        def parent():
            got = yield env.process(child(2))
            trace.append((env.now, "child returned", got))
            yield env.timeout(1)
            value = yield done  # processed long ago: resumes at once, same instant
            trace.append((env.now, "processed event", value))
            try:
                yield env.process(failing())
            except KeyError as exc:
                trace.append((env.now, "child failed", str(exc)))
            return "parent done"

        def failing():
            yield env.timeout(0.5)
            raise KeyError("boom")

        def waiter(p):
            got = yield p
            trace.append((env.now, "waiter saw", got))

        p = env.process(parent())
        env.process(waiter(p))
        return env

    (a, ours), (b, theirs) = _run_both(build, 10)
    assert ours == theirs == [(2, "child returned", 20), (3, "processed event", "early"),
                              (3.5, "child failed", "'boom'"), (3.5, "waiter saw", "parent done")]
    assert _state(a) == _state(b)
    assert a.active_process is None


def _run_to(env: simpy.Environment, t: float) -> None:
    """``run_until`` on the clock, SimPy's ``run`` on its own environment."""
    if isinstance(env, Clock):
        env.run_until(t)
    else:
        env.run(until=t)


@pytest.mark.parametrize("make", [Clock, simpy.Environment])
def test_a_process_that_yields_no_event_or_fails_stops_the_run_as_simpys(make):
    env = make()

    def bad_yield():
        yield env.timeout(1)
        yield 42

    env.process(bad_yield())
    with pytest.raises(RuntimeError, match='Invalid yield value "42"'):
        _run_to(env, 5)

    env = make()

    def crash():
        yield env.timeout(1)
        raise ValueError("unhandled")

    proc = env.process(crash())
    with pytest.raises(ValueError, match="unhandled"):
        _run_to(env, 5)
    assert not proc.ok and not proc.is_alive and env.now == 1
