"""Task functions for executor tests, in a module of their own so that worker processes
unpickling them import nothing heavy."""

from __future__ import annotations

import os
import signal
from pathlib import Path


def square_but_die_once(arg: tuple[str, int]) -> int:
    """``x * x``; for ``x == 3`` the first time (no marker file yet) the worker kills itself."""
    marker, x = arg
    if x == 3 and not os.path.exists(marker):
        Path(marker).touch()
        os.kill(os.getpid(), signal.SIGKILL)  # a worker killed mid-run
    return x * x


def always_die(_: object) -> None:
    """Kill this worker, every time."""
    os.kill(os.getpid(), signal.SIGKILL)


def worker_state(_: object) -> dict[str, object]:
    """What a worker process had before its first task: hubsim's run modules imported (by the
    fork server it was forked from), Arrow's memory pool and its number of BLAS threads."""
    import sys

    state: dict[str, object] = {
        "preloaded": all(m in sys.modules for m in ("hubsim.experiments.store",
                                                     "hubsim.analysis.kpis", "pandas")),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}
    import pyarrow

    state["arrow_pool"] = pyarrow.default_memory_pool().backend_name
    return state


def pid_then_sleep(seconds: float) -> int:
    """This worker's process id, after ``seconds`` of sleep (0: at once)."""
    import time

    time.sleep(seconds)
    return os.getpid()


def signal_state(_: object) -> dict[str, str]:
    """The handlers of the signals hubsim's command line handles, in this worker, by name:
    ``default_int_handler``, ``SIG_DFL``, ``SIG_IGN`` or a function's name."""
    import signal

    def name(handler: object) -> str:
        return getattr(handler, "__name__", None) or getattr(handler, "name", str(handler))

    return {s.name: name(signal.getsignal(s))
            for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)}


def frozen_objects(_: object) -> int:
    """How many objects this worker holds out of its cyclic collector's reach (those it
    inherited frozen: hubsim.threads.frozen_for_fork)."""
    import gc

    return gc.get_freeze_count()
