"""The heap of the clock's future event times, compiled with the engine.

:class:`hubsim.sim.loop.Clock` keeps the times of its future events (floats, hours) in a binary
heap, a list. :func:`push` and :func:`pop` are ``heapq.heappush`` and ``heapq.heappop`` for
such a heap, the same algorithm step for step (CPython's ``heapq``: a pop sifts the hole down
to a leaf along the smaller children, then the last item up from there), so after any
sequence of pushes and pops the list is exactly the one ``heapq`` would leave.

What differs is the cost of a comparison. ``heapq`` compares two items with Python's generic
comparison (``PyObject_RichCompareBool``: about 80 machine instructions for two floats),
about twelve times per pop from a heap of a thousand; compiled (mypyc), these functions read
the two numbers and compare them in C, count positions in 64-bit machine integers (``i64``:
mypyc's ordinary ``int`` checks every sum for overflow into a Python integer) and move the
items as references (no float is boxed again). The clock pops a future event's time for
about 58% of a simulated year's events. Run as Python source they would be far slower than
``heapq``'s C, so the clock then uses ``heapq`` (:mod:`hubsim.sim.loop`).

Only numbers (floats, or whole numbers, which compare as floats) may be pushed; the clock
never pushes NaN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # mypyc's 64-bit integers (plain ints when the module runs as source)
    from mypy_extensions import i64

__all__ = ["pop", "push"]


def push(heap: list[float], t: object) -> None:
    """Push ``t`` onto ``heap`` (``heapq.heappush``): stored as given (typed ``float``, a
    whole number would be stored converted to a float, which ``heapq`` does not do)."""
    items = cast("list[object]", heap)
    items.append(t)
    _sift_down(items, 0, len(items) - 1)


def pop(heap: list[float]) -> Any:
    """Pop and return the smallest time of ``heap`` (``heapq.heappop``; IndexError: empty),
    as it was pushed (typed ``float``, a whole number would come back as a float)."""
    items = cast("list[object]", heap)
    last = items.pop()
    if items:
        first = items[0]
        items[0] = last
        _sift_up(items, 0)
        return first
    return last


def _sift_down(items: list[object], start: i64, pos: i64) -> None:
    """``heapq._siftdown``: move the item at ``pos`` up towards ``start`` while it is smaller
    than its parent."""
    new = items[pos]
    t = cast(float, new)
    while pos > start:
        parent_pos = (pos - 1) >> 1
        parent = items[parent_pos]
        if t < cast(float, parent):
            items[pos] = parent
            pos = parent_pos
            continue
        break
    items[pos] = new


def _sift_up(items: list[object], pos: i64) -> None:
    """``heapq._siftup``: move the hole at ``pos`` down to a leaf along the smaller children,
    put the item that was at ``pos`` there and sift it back up."""
    end: i64 = len(items)
    start = pos
    new = items[pos]
    child = 2 * pos + 1
    while child < end:
        right = child + 1
        if right < end and not cast(float, items[child]) < cast(float, items[right]):
            child = right
        items[pos] = items[child]
        pos = child
        child = 2 * pos + 1
    items[pos] = new
    _sift_down(items, start, pos)
