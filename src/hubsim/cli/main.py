"""The ``hubsim`` command: parse the arguments, call the command's handler, turn errors into
exit codes. The handlers live in :mod:`hubsim.cli.run`, :mod:`hubsim.cli.scenario_cmds`,
:mod:`hubsim.cli.compare_cmds` and :mod:`hubsim.cli.experiments`; the parser in
:mod:`hubsim.cli.parser`.

Exit codes: 0 done; 1 ``--strict`` and a target not met, ``check`` found KPIs that moved beyond
tolerance, or an experiment had failed runs; 2 bad input or an output place that cannot be
used: a :class:`~hubsim.errors.HubsimError` (one line ``hubsim: error: ...`` on stderr, no
traceback, no results folder); 141 the reader of standard output went away (``hubsim ... |
head``: no traceback); 130 interrupted (Ctrl-C at any moment, start-up included: one
line ``hubsim: interrupted; no results written``, no traceback); 143 terminated (SIGTERM, as
``kill`` or ``timeout`` send it: the same clean stop as Ctrl-C, its worker processes stopped
too, one line ``hubsim: terminated; no results written``). Any other exception is a bug: it
propagates with its traceback (exit 1).

This module imports nothing heavy at import time: the parser and the handlers (pandas, SimPy,
matplotlib) are imported inside :func:`main`, where Ctrl-C is already caught.
"""

from __future__ import annotations

import signal
import sys

from hubsim.errors import HubsimError, Terminated

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType

__all__ = ["INTERRUPTED", "TERMINATED", "interrupted", "main"]

#: The line a Ctrl-C prints (on standard error) before hubsim exits with status 130.
INTERRUPTED = "hubsim: interrupted; no results written"
#: The line SIGTERM prints before hubsim exits with status 143 (128 + SIGTERM).
TERMINATED = "hubsim: terminated; no results written"

#: The signal that stops the command, once one came (SIGINT or SIGTERM; the first one wins).
_stopping: list[int] = []


def interrupted(terminated: bool = False) -> int:
    """After a Ctrl-C: print :data:`INTERRUPTED` on standard error and return 130; with
    ``terminated`` (a SIGTERM), :data:`TERMINATED` and 143."""
    print(TERMINATED if terminated else INTERRUPTED, file=sys.stderr, flush=True)
    return 143 if terminated else 130


def _importing(frame: FrameType | None) -> bool:
    """True while ``frame`` or a caller of it runs Python's import machinery."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGINT and SIGTERM handler of the command (and SIGALRM, to try again): raise
    KeyboardInterrupt (:class:`~hubsim.errors.Terminated` for SIGTERM), and ignore both
    signals (those it handles) from then on, and cancel a pending retry, so cleaning up
    (removing a temporary folder, stopping the workers) and exiting stay quiet.

    Not in the middle of an import: a KeyboardInterrupt there can be lost (importlib's module
    lock callbacks swallow it) or turned into another error (a compiled extension failing to
    import its dependencies), so it is raised 20 ms later, once the import is done."""
    if signum != signal.SIGALRM and not _stopping:
        _stopping.append(signum)
    if _importing(frame):
        signal.setitimer(signal.ITIMER_REAL, 0.02)
        return
    for s in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(s) == _on_interrupt:
            signal.signal(s, signal.SIG_IGN)
    # a retry still pending (a Ctrl-C that came during an import, then a SIGTERM outside
    # one) would raise a second time, inside the cleaning up
    signal.setitimer(signal.ITIMER_REAL, 0)
    raise Terminated if _stopping == [signal.SIGTERM] else KeyboardInterrupt


def _handle_stops() -> None:
    """Install :func:`_on_interrupt` for SIGINT (where Python's default handler has it) and
    SIGTERM (where it has its default action), and for SIGALRM with either; only in the main
    thread (elsewhere, where ``signal.signal`` refuses, nothing changes)."""
    _stopping.clear()
    stops = [s for s, default in ((signal.SIGINT, signal.default_int_handler),
                                  (signal.SIGTERM, signal.SIG_DFL))
             if signal.getsignal(s) == default]
    try:
        for s in [signal.SIGALRM, *stops] if stops else []:
            signal.signal(s, _on_interrupt)
    except ValueError:  # not the main thread: the first call refused, nothing was changed
        return
    if stops:
        sys.unraisablehook = _unraisable


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """``sys.unraisablehook`` of the command: a stop (the KeyboardInterrupt raised by
    :func:`_on_interrupt`) that came while Python ran code whose exceptions it ignores (a
    weakref callback, a garbage-collector callback, a ``__del__``: dask's run in hubsim's
    process) would be lost, printed as "Exception ignored in ..." while the command went on:
    it is raised again 1 ms later (SIGALRM), outside that code. Anything else is printed as
    Python does."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt) and _stopping:
        signal.setitimer(signal.ITIMER_REAL, 0.001)
        return
    sys.__unraisablehook__(unraisable)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    Run as the program (``argv`` None, in the main thread), a Ctrl-C during an import takes
    effect when the import is done, and a second Ctrl-C is ignored while the first one unwinds
    (see :func:`_on_interrupt`), unless SIGINT has a handler other than Python's default (or
    is ignored: a command a script starts in the background, ``hubsim run ... &``, ignores it,
    and keeps ignoring it). SIGTERM gets the same clean stop whenever its action is the
    default one, whatever SIGINT's: a background job is stopped with ``kill``."""
    try:
        if argv is None:
            _handle_stops()
        # before anything imports numpy or pyarrow (parsing --days loads the schema): one
        # thread, so that the command's process pools fork their workers (hubsim.threads)
        from hubsim.threads import no_helper_threads

        no_helper_threads()
        from hubsim.cli.common import warning_lines
        from hubsim.cli.parser import build_parser

        parser = build_parser()
        argv = sys.argv[1:] if argv is None else list(argv)
        if not argv:  # a bare `hubsim`: what can I do? (the help, not an error)
            parser.print_help()
            return 0
        args = parser.parse_args(argv)
        from hubsim.memory import return_freed_memory

        return_freed_memory()
        with warning_lines():
            return int(args.handler(args))
    except HubsimError as exc:
        print(f"hubsim: error: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        return interrupted(terminated=True)
    except KeyboardInterrupt:
        return interrupted()
    except BrokenPipeError:
        return _reader_gone()


def _reader_gone() -> int:
    """The reader of standard output went away (``hubsim goal | head``): stop quietly, as a
    Unix tool killed by SIGPIPE would, and return 141 (128 + SIGPIPE). Standard output is
    pointed at the null device so that flushing it at exit does not raise again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
