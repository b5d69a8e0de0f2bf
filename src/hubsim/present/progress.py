"""A one-line text progress bar for long runs, shown only on a terminal.

The bar writes to a stream (standard error by default) with carriage returns, so the standard
output of a command stays clean for pipes. It stays silent when the stream is not a terminal or
when disabled (``--quiet``). It knows nothing of the simulation: callers report ``done`` out of
``total`` (simulated days for one run, finished runs for an experiment), optionally with a note
such as ``"2 running"``.

>>> import io
>>> bar = ProgressBar(total=10, label="run", stream=io.StringIO())  # not a terminal: silent
>>> bar.update(5)
>>> bar.close()
>>> bar.stream.getvalue()
''
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["ProgressBar", "day_progress"]


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m{seconds % 60:02.0f}s"
    return f"{seconds // 3600:.0f}h{seconds % 3600 // 60:02.0f}m"


class ProgressBar:
    """``label [#####.....] done/total unit  pct  elapsed  eta  note`` on one terminal line.

    Parameters
    ----------
    total : float
        Amount of work (simulated days, runs).
    label : str
        Text before the bar.
    unit : str
        Unit of ``done`` and ``total`` shown after the counts (``"d"``, ``"runs"``).
    stream : text stream, optional
        Where to draw; default ``sys.stderr``.
    enabled : bool, optional
        Force on or off; default: on when ``stream.isatty()``.
    min_interval_s : float
        Redraw at most this often (the final state is always drawn on :meth:`close`).
    clock : callable, optional
        Seconds as a float; default ``time.monotonic`` (tests pass a fake clock).
    """

    def __init__(self, total: float, label: str = "", unit: str = "", *,
                 stream: TextIO | None = None, enabled: bool | None = None, width: int = 28,
                 min_interval_s: float = 0.1, clock: Callable[[], float] | None = None):
        self.total = float(total)
        self.label = label
        self.unit = unit
        self.stream = sys.stderr if stream is None else stream
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty()) if callable(isatty) else False
        self.enabled = enabled
        self.width = width
        self.min_interval_s = min_interval_s
        self._clock = clock or time.monotonic
        self._start = self._clock()
        self._last_draw = -float("inf")
        self._done = 0.0
        self._note = ""
        self._drawn = False
        self._closed = False

    def line(self) -> str:
        """The current state as text (without carriage return)."""
        frac = min(1.0, self._done / self.total) if self.total > 0 else 1.0
        filled = round(frac * self.width)
        elapsed = self._clock() - self._start
        parts = [f"{self.label} " if self.label else "",
                 f"[{'#' * filled}{'.' * (self.width - filled)}] ",
                 f"{self._done:,.0f}/{self.total:,.0f}{' ' + self.unit if self.unit else ''}",
                 f"  {frac * 100:3.0f}%  {_duration(elapsed)}"]
        if 0 < frac < 1 and elapsed > 0:
            parts.append(f"  eta {_duration(elapsed * (1 - frac) / frac)}")
        if self._note:
            parts.append(f"  {self._note}")
        return "".join(parts)

    def update(self, done: float, total: float | None = None, note: str = "") -> None:
        """Report progress: ``done`` of ``total`` (``total`` may change, e.g. adaptive runs)."""
        if total is not None:
            self.total = float(total)
        self._done = float(done)
        self._note = note
        if not self.enabled or self._closed:
            return
        now = self._clock()
        if now - self._last_draw >= self.min_interval_s:
            self._draw()
            self._last_draw = now

    def _draw(self) -> None:
        text = self.line()
        self.stream.write("\r" + text + "\x1b[K")  # \x1b[K clears what a longer line left
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Draw the final state and end the line (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def day_progress(bar: ProgressBar) -> Callable[[float, float], None]:
    """A ``progress(sim_day, total_days)`` callback for :func:`hubsim.simulate` drawing ``bar``."""

    def callback(sim_day: float, total_days: float) -> None:
        bar.update(sim_day, total_days)

    return callback
