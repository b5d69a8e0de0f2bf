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

__all__ = ["ProgressBar", "Stage", "day_progress"]


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


def day_progress(bar: ProgressBar, warmup_days: float = 0.0) -> Callable[[float, float], None]:
    """A ``progress(sim_day, total_days)`` callback for :func:`hubsim.simulate` drawing ``bar``.

    The bar counts every simulated day, the warm-up's too (they cost the same); its note
    says which part of the run a day belongs to: ``warm-up 12/30`` (not measured), then
    ``measured 5/60``.
    """

    def callback(sim_day: float, total_days: float) -> None:
        if sim_day < warmup_days:
            note = f"warm-up {sim_day:,.0f}/{warmup_days:,.0f}"
        else:
            note = f"measured {sim_day - warmup_days:,.0f}/{total_days - warmup_days:,.0f}"
        bar.update(sim_day, total_days, note if warmup_days > 0 else "")

    return callback


class Stage:
    """One line on a terminal naming what a command is doing between bars (``writing
    results: tables, event log, figures ...``), ended with its time (``done in 4.8 s``).

    Silent when the stream is not a terminal or when disabled, like :class:`ProgressBar`.

    >>> import io
    >>> stage = Stage(stream=io.StringIO())  # not a terminal: silent
    >>> stage.start("writing results")
    >>> stage.done()
    >>> stage.stream.getvalue()
    ''
    """

    def __init__(self, *, stream: TextIO | None = None, enabled: bool | None = None,
                 clock: Callable[[], float] | None = None):
        self.stream = sys.stderr if stream is None else stream
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty()) if callable(isatty) else False
        self.enabled = enabled
        self._clock = clock or time.monotonic
        self._text: str | None = None
        self._start = 0.0

    def start(self, text: str) -> None:
        """Show ``text ...`` (ending the stage before, if one is open)."""
        self.done()
        self._text, self._start = text, self._clock()
        self._write(f"\r{text} ...\x1b[K")

    def done(self) -> None:
        """End the open stage: ``text ... done in 4.8 s`` and a new line (nothing if none)."""
        if self._text is None:
            return
        took = _duration(self._clock() - self._start) if self._clock() - self._start >= 1 \
            else f"{self._clock() - self._start:.1f}s"
        self._write(f"\r{self._text} ... done in {took}\x1b[K\n")
        self._text = None

    def stop(self) -> None:
        """End the open stage's line without calling it done (an error follows)."""
        if self._text is not None:
            self._write("\n")
            self._text = None

    def _write(self, text: str) -> None:
        if self.enabled:
            self.stream.write(text)
            self.stream.flush()
