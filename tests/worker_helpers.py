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
