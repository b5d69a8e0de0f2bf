"""Keep the processes hubsim owns (the command, its workers) at one thread, so they can fork.

numpy's BLAS (OpenBLAS) starts a thread for each core beyond the first when numpy is
imported, and pyarrow (which pandas imports) starts a background thread for its jemalloc
allocator. Neither does work a second thread would speed up here: a run does no linear algebra,
and Arrow's jemalloc pool is unused (the system pool, :mod:`hubsim.memory`). A process that runs
a single thread can fork worker processes safely: a fork copies the locks that other threads
hold, which is why forking a process with threads may deadlock (Python 3.12 warns about it),
and with one thread there are none. The command line asks for no such threads
(:func:`no_helper_threads`) before it imports numpy or pyarrow; its process pools then fork
their workers from it (:func:`hubsim.experiments.executors.pool_context`), and the fork server
the workers of its dask cluster come from starts with the same settings. A program that merely
imports hubsim keeps its own: a library does not change the threads of its host.

>>> sorted(NO_HELPER_THREADS)
['JE_ARROW_MALLOC_CONF', 'MKL_NUM_THREADS', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS']
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator

__all__ = ["NO_HELPER_THREADS", "frozen_for_fork", "no_helper_threads", "single_threaded"]

#: Environment read by the libraries when they load: one BLAS thread (OpenBLAS, OpenMP, MKL)
#: and no background thread for Arrow's jemalloc.
NO_HELPER_THREADS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                     "MKL_NUM_THREADS": "1", "JE_ARROW_MALLOC_CONF": "background_thread:false"}


def no_helper_threads() -> None:
    """Set :data:`NO_HELPER_THREADS` in this process's environment, each variable unless the
    environment already has it (the user's choice stands). It takes effect for the libraries
    this process has yet to load, and for the processes it starts; numpy or pyarrow loaded
    already keep their threads."""
    for key, value in NO_HELPER_THREADS.items():
        os.environ.setdefault(key, value)


def single_threaded() -> bool:
    """True on Linux when this process runs one thread, Python's or any library's (counted in
    ``/proc/self/task``); False when another runs or the count cannot be read."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


@contextlib.contextmanager
def frozen_for_fork() -> Iterator[None]:
    """Fork worker processes inside this block: every object this process holds is moved out
    of the cyclic garbage collector's reach (:func:`gc.freeze`) while they are forked, and
    back (:func:`gc.unfreeze`) for this process when the block ends.

    What Python's documentation advises for a fork without exec: a forked worker inherits the
    objects frozen, so its full collections (one per run, :func:`hubsim.sim.engine.simulate`,
    besides the automatic ones) never scan the objects of the modules it inherited (125,000 with
    a run's modules and ``distributed``), and never write to them, which would copy their pages
    from its parent. Measured in such a process: a full collection takes 47-50 ms, 0 ms once
    frozen; the collections of a year's run in it took 62-63 ms, 3 ms once frozen. Four
    replications of a year on 2 forked workers (``benchmarks/bench_replications.py``, 3 repeats
    each, alternating): speed-ups 1.93-1.98x (process pool) and 1.90-2.00x (dask) with it,
    1.82-1.95x and 1.80-1.87x without. Nothing collectable is lost: what the workers inherit is
    alive in this process when they fork.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
