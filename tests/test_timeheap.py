"""The clock's heap of future event times (:mod:`hubsim.sim.timeheap`) leaves, after any pushes
and pops, exactly the list ``heapq`` would: the same algorithm, compiled where the engine is."""

from __future__ import annotations

import heapq

from hypothesis import given
from hypothesis import strategies as st

from hubsim.sim import loop, timeheap

#: a push of a time (a float, or a whole number, as a clock's first times may be), or a pop
_STEPS = st.lists(st.one_of(st.floats(min_value=0, max_value=1e6, allow_nan=False),
                            st.integers(min_value=0, max_value=50), st.none()), max_size=300)


@given(_STEPS)
def test_pushes_and_pops_leave_heapqs_list(steps):
    ours: list[float] = []
    theirs: list[float] = []
    for t in steps:
        if t is None:  # a pop: the same time, or IndexError on both
            if not theirs:
                try:
                    timeheap.pop(ours)
                except IndexError:
                    continue
                raise AssertionError("pop from an empty heap returned")
            a, b = timeheap.pop(ours), heapq.heappop(theirs)
            assert a == b and type(a) is type(b)
        else:
            timeheap.push(ours, t)
            heapq.heappush(theirs, t)
        assert ours == theirs and list(map(type, ours)) == list(map(type, theirs))


def test_the_clock_uses_the_compiled_heap_where_the_engine_is_compiled():
    """Compiled, the clock takes the module's functions; as Python source (slower than
    ``heapq``'s C), ``heapq``'s."""
    import hubsim.sim

    if "timeheap" in hubsim.sim.compiled():
        assert (loop.heappop, loop.heappush) == (timeheap.pop, timeheap.push)
    else:
        assert (loop.heappop, loop.heappush) == (heapq.heappop, heapq.heappush)
