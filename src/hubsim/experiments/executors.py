"""Where experiment runs execute: in this process, in a local process pool, or on dask.

An executor maps a picklable function over a list of tasks and yields each outcome as it
finishes, in completion order: ``(index, ok, value)`` where ``value`` is the function's result
when ``ok`` and a one-line error text otherwise. A task that raises never takes the others down.
Callers put the outcomes back in task order, so results never depend on the executor, the
number of workers or the order runs finish in.

``stop_after=k`` makes an executor raise :class:`RunsStopped` (a ``KeyboardInterrupt``) once
``k`` outcomes have been handed out, before handing out another: a deterministic stand-in for
Ctrl-C after exactly ``k`` finished runs, for testing interrupt and resume.

>>> ex = SerialExecutor()
>>> sorted(ex.map_unordered(abs, [-2, 3]))
[(0, True, 2), (1, True, 3)]
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from hubsim.atomic import STOPS, interrupts_held
from hubsim.errors import ExperimentError
from hubsim.threads import NO_HELPER_THREADS, frozen_for_fork, single_threaded

if TYPE_CHECKING:
    import logging
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.context import BaseContext

__all__ = ["DaskExecutor", "Executor", "ProcessExecutor", "RunsStopped", "SerialExecutor",
           "exit_with", "make_executor", "pool_context", "pool_worker", "stop_workers",
           "worker_context"]

#: (task index, ok, result when ok else a one-line error text)
Outcome = tuple[int, bool, Any]
Outcomes = Generator[Outcome, None, None]


class RunsStopped(KeyboardInterrupt):
    """Raised by an executor with ``stop_after=k`` once ``k`` outcomes were handed out; the
    caller treats it like Ctrl-C (finished runs are kept, ``--resume`` continues)."""


def _error_text(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" ({os.path.basename(last[0].filename)}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


class Executor:
    """Base class: ``workers`` runs at a time; :meth:`map_unordered`; :attr:`running` (runs
    started and not finished, for progress bars); :attr:`finished` (outcomes handed out so
    far); a context manager that releases workers. Subclasses implement :meth:`_outcomes`."""

    workers = 1
    name = "serial"

    def __init__(self, *, stop_after: int | None = None) -> None:
        self.running = 0
        self.finished = 0
        self.stop_after = stop_after

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Outcome]:
        """Yield ``(index, ok, value)`` for every task as it finishes (see the module doc)."""
        outcomes = self._outcomes(fn, tasks)
        try:
            for outcome in outcomes:
                if self.stop_after is not None and self.finished >= self.stop_after:
                    raise RunsStopped(f"stopped after {self.finished} runs (stop_after)")
                self.finished += 1
                yield outcome
        finally:
            outcomes.close()  # cancels what is still queued or running

    def _outcomes(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Outcomes:
        raise NotImplementedError

    def close(self) -> None:
        """Release the workers (idempotent)."""

    def abort(self) -> None:
        """Stop now (Ctrl-C, SIGTERM): release the workers without waiting for runs whose
        results nobody will read, as far as the executor can."""
        self.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Runs each task in this process, one after the other."""

    def _outcomes(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Outcomes:
        for i, task in enumerate(tasks):
            self.running = 1
            try:
                value = fn(task)
            except Exception as exc:  # a failing run is reported, the others go on
                self.running = 0
                yield i, False, _error_text(exc)
                continue
            self.running = 0
            yield i, True, value


#: What a run needs, imported once by the fork server the local workers are forked from:
#: :func:`hubsim.experiments.store.run_task` (the engine, pandas) and the KPI table's modules.
WORKER_MODULES = ("hubsim.experiments.store", "hubsim.analysis.kpis")

_server_lock = threading.Lock()


def worker_context(*modules: str) -> BaseContext:
    """The ``multiprocessing`` context the workers of hubsim's dask LocalCluster start in: on
    Linux a fork server, started now unless it is running already; elsewhere ``spawn``
    (macOS's system libraries are not safe to fork, even from a server).

    The server imports ``__main__`` (as it does by default), :data:`WORKER_MODULES` and
    ``modules`` once, in its own process, beside this one, with no helper threads
    (:data:`hubsim.threads.NO_HELPER_THREADS`).
    Each worker is then forked from it with all of that imported, and inherits none of this
    process's threads, locks or open files (which a plain ``fork`` of a process with threads
    may deadlock on). Without it every worker imports hubsim and pandas itself, on the
    critical path of the first runs: a dask worker about 1 s (``distributed`` 0.46 s, then
    hubsim and pandas 0.45-0.55 s), two of them at once on two cores. Measured on 2 cores, a
    dask ``LocalCluster`` of 2 workers from creation to 2 trivial tasks done and closed:
    1.44-2.00 s spawned (median 1.59 of 8), 0.91-1.04 s forked from this server (8).

    ``multiprocessing`` keeps one fork server per process. The first request starts it, with
    its modules and environment; later ones (a cluster after a process pool, or a pool after
    a cluster) get that server, and their workers import what it lacks. A program that
    imports hubsim and later makes a fork-server pool of its own gets this server too. Where
    the server cannot start (no room for its socket's path), ``spawn``.
    """
    import multiprocessing

    if not sys.platform.startswith("linux"):
        return multiprocessing.get_context("spawn")
    from multiprocessing import forkserver

    ctx = multiprocessing.get_context("forkserver")
    # for the server only (the caller's values come back below): no helper threads, so that
    # it runs a single thread when it forks; Arrow's pool is the caller's choice where it made
    # one, else the system pool (the server imports pyarrow before any worker could choose)
    env = {"ARROW_DEFAULT_MEMORY_POOL": os.environ.get("ARROW_DEFAULT_MEMORY_POOL", "system"),
           **NO_HELPER_THREADS}
    with _server_lock:
        ctx.set_forkserver_preload(["__main__", *WORKER_MODULES, *modules])
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            forkserver.ensure_running()  # started with this environment
        except OSError:
            return multiprocessing.get_context("spawn")
        finally:
            for k, old in saved.items():
                if os.environ.get(k) != env[k]:
                    continue  # changed meanwhile by someone else: theirs
                if old is None:
                    del os.environ[k]
                else:
                    os.environ[k] = old
    return ctx


def pool_context() -> BaseContext:
    """The context of hubsim's process pools (:class:`ProcessExecutor`, ``hubsim check``).

    On Linux, in a process that runs a single thread when the pool starts (the command
    line's, see :mod:`hubsim.threads`, unless it runs a thread of its own then):
    ``fork``. Each worker is a copy of this process, with everything it has imported, and
    starts its first run at once; a worker of the fork server first imports hubsim, pandas
    and pyarrow itself (0.8-1.2 s on 2 cores, two at once). Measured here: four replications
    of 120 days on 2 workers, alternating, 6.25-9.89 s forked against 7.70-9.85 s from the
    fork server (median of 8, 7.5 against 8.0 s; the first runs start 0.03 s after the pool
    is made, against 0.8-1.2 s). A fork copies the locks other threads hold, which is why
    forking is unsafe in a process with threads (Python 3.12 warns about it); with a single
    thread there are none. :func:`pool_worker` gives the worker a fresh process's signal
    handlers.

    Otherwise (another thread runs: Arrow's or BLAS's in a program that imported them
    without :func:`hubsim.threads.no_helper_threads`, a notebook's, or ``hubsim run``'s
    replications thread, which starts the pool): multiprocessing's fork server where there
    is one, whose workers import hubsim themselves (two at once on two cores: preloading them
    in the server gained nothing measurable for the pool), else ``spawn``. Neither inherits
    this process's threads or open files. Results never depend on the context."""
    import multiprocessing

    if sys.platform.startswith("linux") and single_threaded():
        return multiprocessing.get_context("fork")
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class ProcessExecutor(Executor):
    """A local pool of ``workers`` processes (:func:`pool_context`)."""

    name = "processes"
    #: new pools started after worker deaths before the remaining tasks are reported failed
    MAX_RESTARTS = 3

    def __init__(self, workers: int | None = None, *, stop_after: int | None = None):
        super().__init__(stop_after=stop_after)
        self.workers = int(workers or os.cpu_count() or 1)
        if self.workers < 1:
            raise ExperimentError(f"--workers must be >= 1, got {self.workers}")
        self._pool: ProcessPoolExecutor | None = None
        self._aborted = False
        #: held while a submit may start a worker process, and while the pool is taken away
        #: (:meth:`_kill_pool`, :meth:`close`): a pool is never stopped halfway through
        #: starting a worker, which it would not know of yet, nor kill. Re-entrant: the
        #: garbage collector may close an abandoned outcome generator of this executor (which
        #: kills the pool) in this thread while it submits
        self._lock = threading.RLock()

    def abort(self) -> None:
        """Stop at once (Ctrl-C): kill the worker processes instead of waiting for their runs
        to finish, and never start a new pool; a thread waiting for outcomes gets
        :class:`RunsStopped`."""
        self._aborted = True
        self._kill_pool()

    def _kill_pool(self) -> None:
        """Stop the pool's workers at once (:func:`stop_workers`); a later task starts a new
        pool, unless the executor was aborted."""
        pool = self._take_pool()
        if pool is not None:
            stop_workers(pool)

    def _take_pool(self) -> ProcessPoolExecutor | None:
        """The pool, taken away under the lock (never halfway through a submit); None if
        there is none."""
        with self._lock:
            pool, self._pool = self._pool, None
        return pool

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._aborted:
            raise RunsStopped("stopped: the worker processes were killed (abort)")
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor

            # workers give freed blocks back to the system, as the command's process does,
            # and end with this process (pool_worker)
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=pool_context(),
                                             initializer=pool_worker,
                                             initargs=(os.getpid(),))
        return self._pool

    def _outcomes(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Outcomes:
        # keep at most 2 x workers submitted: a Ctrl-C then cancels little, and the running
        # count stays meaningful. A worker that dies (killed, out of memory) breaks the whole
        # pool: start a new one and resubmit every unfinished task, at most MAX_RESTARTS times.
        queue = list(range(len(tasks)))[::-1]  # next task at the end
        pending: dict[Future[Any], int] = {}
        restarts = 0
        try:
            while queue or pending:
                if self._aborted:
                    raise RunsStopped("stopped: the worker processes were killed (abort)")
                broken = self._submit(fn, tasks, queue, pending)
                if not broken:
                    broken = yield from self._collect(pending)
                if broken:
                    restarts += 1
                    yield from self._restart(queue, pending, restarts)
            self.running = 0
        except BaseException:
            # interrupted (Ctrl-C, SIGTERM), or closed before the end because the caller
            # stopped reading (an error, an interrupt in its own code): the runs under way
            # would be thrown away once done, so their workers are stopped rather than
            # waited for. The executor stays usable: a new pool starts on the next task.
            self._kill_pool()
            raise

    def _submit(self, fn: Callable[[Any], Any], tasks: Sequence[Any], queue: list[int],
                pending: dict[Future[Any], int]) -> bool:
        """Submit queued tasks up to 2 x workers pending; True when the pool is broken."""
        from concurrent.futures.process import BrokenProcessPool

        while queue and len(pending) < 2 * self.workers:
            i = queue.pop()
            try:
                # a submit may start a worker: an abort from another thread (Ctrl-C in
                # `hubsim run` and `hubsim compare`, whose replications thread submits) waits
                # for the lock, so the new worker is known to the pool, and killed with it,
                # before the pool is stopped. Stopped halfway, a worker of the fork server is
                # left to start alone after the command ended, and prints a traceback when it
                # finds the pool's queues gone. (Stops are not held back here: a forked worker
                # would start with the holding handlers, and ignore the SIGTERM that stops it.)
                with self._lock:
                    fresh = self._pool is None
                    pool = self._get_pool()
                    # a new pool forks its workers on its first task: they inherit this
                    # process's objects frozen, out of their collections' reach
                    with frozen_for_fork() if fresh else contextlib.nullcontext():
                        pending[pool.submit(fn, tasks[i])] = i
            except BrokenProcessPool:
                queue.append(i)
                return True
        return False

    def _collect(self, pending: dict[Future[Any], int]) -> Generator[Outcome, None, bool]:
        """Yield the outcomes of the next finished tasks; return True if the pool broke."""
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        broken = False
        self.running = min(self.workers, len(pending))
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for fut in sorted(done, key=pending.__getitem__):
            exc = fut.exception()
            if isinstance(exc, BrokenProcessPool):
                broken = True
                continue
            i = pending.pop(fut)
            if exc is None:
                yield i, True, fut.result()
            else:
                yield i, False, _error_text(exc)
        return broken

    def _restart(self, queue: list[int], pending: dict[Future[Any], int],
                 restarts: int) -> Outcomes:
        """Requeue unfinished tasks, drop the broken pool; past MAX_RESTARTS fail the rest."""
        queue.extend(sorted(pending.values(), reverse=True))
        pending.clear()
        self._discard_pool()
        if restarts > self.MAX_RESTARTS:
            for i in sorted(queue):
                yield i, False, ("BrokenProcessPool: worker processes died "
                                 f"{restarts} times; giving up")
            queue.clear()

    def _discard_pool(self) -> None:
        pool = self._take_pool()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        pool = self._take_pool()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __exit__(self, *exc: object) -> None:
        """Close; leaving on Ctrl-C or SIGTERM (a ``KeyboardInterrupt``), stop the workers
        first rather than wait for their runs: the caller's outcome generator may not have
        been closed yet (the exception's traceback still holds it)."""
        if isinstance(exc[0], type) and issubclass(exc[0], KeyboardInterrupt):
            self._kill_pool()
        self.close()


#: Options of the scheduler of hubsim's dask ``LocalCluster`` (see :class:`DaskExecutor`).
_SCHEDULER = {"dashboard_address": "127.0.0.1:0"}

#: dask settings of the ``LocalCluster`` :class:`DaskExecutor` starts (never of a cluster at an
#: address). Each worker runs one long simulation at a time in its task thread, while dask's
#: housekeeping wakes the worker's event-loop thread: its tick every 20 ms, its system monitor
#: every 500 ms, its statistical profiler every 10 ms and its memory monitor every 100 ms.
#: Each wake takes the GIL from the simulation. With no dashboard nobody reads the profiles or
#: the monitor's history, so the profiler is off and the tick and monitor run every 1 s and
#: 5 s (a blocked event loop is still reported, after 3 s as before). The memory monitor
#: (the worker's, and its nanny's, which would restart a worker past its memory limit) looks
#: every 1 s. The scheduler and nannies of that cluster, which run in the calling process,
#: tick as slowly; the caller's own dask settings are left as they were. Measured on 2 cores
#: (a shared host), a 120-day run of the 2022 scenario with its KPI table in a one-worker
#: cluster, the two alternating: 4.8 s with dask's defaults, 4.2 s with the first three
#: (medians of 9 runs; in the calling process itself, 4.3 s in another 9). The memory
#: monitor's 1 s took the calling process's CPU time while 4 replications of a year ran on 2
#: workers from 0.46-0.49 s to 0.36-0.38 s (three pairs, alternating). No result depends on
#: them.
QUIET_WORKERS = {"distributed.worker.profile.enabled": False,
                 "distributed.admin.tick.interval": "1s",
                 "distributed.admin.system-monitor.interval": "5s",
                 "distributed.worker.memory.monitor-interval": "1s"}


class DaskExecutor(Executor):
    """Runs tasks on a dask.distributed cluster: the scheduler at ``address``, or a
    ``LocalCluster`` of ``workers`` single-threaded worker processes when no address is given.

    On Linux, where this process runs a single thread once it has imported ``distributed``
    and hubsim's run modules (the command line's, :mod:`hubsim.threads`), the workers of that
    cluster are forked from it before the cluster starts its threads, and join it as soon as
    its scheduler is up (:mod:`hubsim.experiments.forked_workers`): the cluster is up in about
    0.1 s after the imports, against 1.0-1.4 s from a fork server. They are this process's
    children, set up as a process pool's workers are (:func:`pool_worker`) but ignoring
    Ctrl-C, which this process handles for them. Every hubsim command that makes a local
    cluster does so from its main thread before it starts any other (``hubsim run`` too,
    before its replications thread), so all of them fork.

    Elsewhere on Linux (another thread runs: a notebook's, or numpy's BLAS threads in a program
    that imported numpy itself) the nannies fork their workers from the fork server of
    :func:`worker_context`, which imports ``distributed`` and hubsim's run modules once while
    this process starts the scheduler (unless a process pool started the server before: then
    each worker imports ``distributed`` itself), instead of spawning fresh interpreters that
    import both on the critical path. A worker forked from it exits without tearing its
    interpreter down, so closing the cluster takes 0.03 s instead of 0.25-0.3 s. What dask
    sets in the environment before starting a worker (``distributed.nanny.pre-spawn-environ``)
    reaches the worker's ``os.environ`` but not what the process read when it started: the
    allocator's trim threshold, the hash seed and the number of BLAS threads are the server's
    (:data:`hubsim.threads.NO_HELPER_THREADS`; no result depends on them, and the allocator's
    mmap threshold is set in each worker, :func:`_worker_plugin`). A worker that dies (a
    forked one included) is replaced by a nanny's, spawned, as by dask's default.
    """

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None, *,
                 stop_after: int | None = None):
        super().__init__(stop_after=stop_after)
        import importlib.util

        if importlib.util.find_spec("distributed") is None:  # hubsim[dask] is not installed
            raise ExperimentError("dask needs the optional extra: pip install 'hubsim[dask]'")
        self._cluster: Any = None
        self._client: Any = None
        self._forked: list[Any] = []
        if address:
            Client = _client_class()
            try:
                self._client = Client(address, timeout="10s")
            except OSError as exc:
                raise ExperimentError(f"--scheduler {address}: cannot connect ({exc})") \
                    from None
        else:
            n = int(workers or os.cpu_count() or 1)
            if n < 1:
                raise ExperimentError(f"--workers must be >= 1, got {n}")
            self._start_local(n)
        try:
            info = self._client.scheduler_info()
        except BaseException:
            with contextlib.suppress(Exception):  # the error (or interrupt) that came first
                self.abort()
            raise
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))

    def _start_local(self, n: int) -> None:
        """Start our own ``LocalCluster`` of ``n`` workers and its client (see the class)."""
        fork = sys.platform.startswith("linux") and single_threaded() and _can_fork()
        # otherwise the fork server imports dask and hubsim while this process does the same
        # and starts the scheduler; the nannies then fork their workers from it
        method = None if fork else worker_context("distributed").get_start_method()
        Client = _client_class()
        import dask
        from dask.distributed import LocalCluster

        settings = dict(QUIET_WORKERS)
        if method is not None:
            settings["distributed.worker.multiprocessing-method"] = method
        try:
            # a cluster stopped half-started fails to close (distributed's exit handler
            # asserts on a worker still starting) and its workers, still being forked, fail
            # to start with tracebacks: Ctrl-C and SIGTERM (and the command's retry of one
            # that came during an import, SIGALRM) wait until it is up (about 1 s from the
            # fork server, 0.1 s forked), then close it
            with interrupts_held(*STOPS), dask.config.set(settings):
                if fork:  # before the cluster starts its threads, with its settings
                    self._forked = _fork_workers(n)
                # no dashboard; the scheduler's HTTP server (its /metrics) still starts, on
                # dask's dashboard port 8787 by default, where another cluster (a second
                # hubsim run, a notebook's) makes it warn on stderr: any free port of this
                # machine's loopback instead
                # forked: started without workers, with the memory limit dask gives each of
                # n workers (for a nanny's worker that replaces a forked one too)
                more = {"memory_limit": _memory_share(n)} if fork else {}
                self._cluster = LocalCluster(n_workers=0 if fork else n, threads_per_worker=1,
                                             processes=True, dashboard_address=None,
                                             scheduler_kwargs=_SCHEDULER, **more)
                if fork:
                    _join_forked(self._cluster, self._forked)
                self._client = Client(self._cluster)
                # workers of our own cluster free memory like ProcessExecutor's (a worker
                # restarted by its nanny too); a cluster at an address is somebody else's
                self._client.register_plugin(_worker_plugin(), name="hubsim-worker")
        except BaseException:
            with contextlib.suppress(Exception):  # the error (or interrupt) that came first
                self.abort()
            raise

    def _outcomes(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Outcomes:
        from dask.distributed import as_completed

        futures = {self._client.submit(fn, task, pure=False): i for i, task in enumerate(tasks)}
        left = len(futures)
        try:
            done = as_completed(list(futures))
            for fut in done:
                if fut.status in ("lost", "pending"):
                    # its result was lost with the worker that held it and is being computed
                    # again: it comes back when it is done, after the outcomes ready before
                    done.add(fut)
                    continue
                i = futures[fut]
                left -= 1
                self.running = min(self.workers, left)
                yield (i, *_outcome(fut))
                fut.release()
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise

    def __exit__(self, *exc: object) -> None:
        """Close; leaving on Ctrl-C or SIGTERM (a ``KeyboardInterrupt``), :meth:`abort`."""
        if isinstance(exc[0], type) and issubclass(exc[0], KeyboardInterrupt):
            self.abort()
        else:
            self.close()

    def abort(self) -> None:
        """Close, the runs under way cancelled. A worker cannot stop a run in the middle, so
        the workers of our own cluster are killed: at once where they were forked from this
        process, after 4 s by their nannies otherwise; meanwhile its scheduler, nannies and
        client, in this process, report the shutdown's races (a worker killed, a worker the
        scheduler no longer knows): expected here (the command prints its own line), so
        distributed's loggers are quiet while it closes."""
        for proc in self._forked:  # a run cannot be stopped in the middle: no wait
            proc.stop_now()
        if self._cluster is None:
            self.close()
            return
        import logging

        loggers = _distributed_loggers()
        levels = [log.level for log in loggers]
        for log in loggers:
            log.setLevel(logging.CRITICAL)
        try:
            self.close()
        finally:
            for log, level in zip(loggers, levels, strict=True):
                log.setLevel(level)

    def close(self) -> None:
        try:
            if self._client is not None:
                client, self._client = self._client, None
                client.close()
        finally:
            forked, self._forked = self._forked, []
            if self._cluster is not None:
                cluster, self._cluster = self._cluster, None
                try:
                    cluster.close()
                except BaseException:
                    for proc in forked:  # its event loop may still watch them: no reaping
                        proc.stop_now()
                    raise
            if forked:  # any the cluster did not stop (one that failed to start)
                from hubsim.experiments.forked_workers import kill_all

                kill_all(forked)


def _outcome(fut: Any) -> tuple[bool, Any]:
    """``(True, result)`` or ``(False, one-line error text)`` of a dask future that has
    finished (waited for again where its result is lost meanwhile); a run cancelled (the
    client lost its scheduler) or whose result could not be gathered failed too."""
    exc = fut.exception()
    if exc is not None:
        return False, _error_text(exc)
    try:
        return True, fut.result()
    except Exception as err:  # cancelled (FutureCancelledError), or lost and then failed
        return False, _error_text(err)


def _client_class() -> Any:
    """``dask.distributed.Client``; :class:`~hubsim.errors.ExperimentError` where dask is
    installed but cannot be imported (e.g. dask and distributed of different releases)."""
    try:
        from dask.distributed import Client
    except ImportError as exc:
        raise ExperimentError(f"dask cannot be imported: {exc}") from None
    return Client


def _can_fork() -> bool:
    """Whether this process, which runs one thread, still does once it has imported
    ``distributed`` and what a run needs (its own tables need them anyway), and can watch
    processes it forks: then :class:`DaskExecutor` forks its workers from it. Where the imports
    start a thread (numpy's BLAS or Arrow's, imported without
    :func:`hubsim.threads.no_helper_threads`), or where the forked processes could not be
    watched, the nannies fork the workers from the fork server instead."""
    import importlib

    _client_class()  # distributed importable, or the error that says why not
    from hubsim.experiments.forked_workers import can_fork_workers

    for module in WORKER_MODULES:
        importlib.import_module(module)
    return single_threaded() and can_fork_workers()


def _fork_workers(n: int) -> list[Any]:
    """``n`` dask worker processes forked from this process (which runs one thread), set up as
    a pool's workers (:func:`pool_worker`); see :mod:`hubsim.experiments.forked_workers`."""
    from hubsim.experiments.forked_workers import fork_workers

    return fork_workers(n, _forked_worker)


def _forked_worker(parent: int) -> None:
    """Set up a dask worker process forked by :func:`_fork_workers`: as a pool's worker
    (:func:`pool_worker`), with distributed's log as quiet from the start as
    :func:`_worker_plugin` makes it once the worker has joined (a nanny's worker logs only
    warnings until then, its nanny's ``silence_logs``)."""
    import logging

    pool_worker(parent)
    for log in _distributed_loggers():
        log.setLevel(logging.CRITICAL)


def _memory_share(n: int) -> int:
    """The memory limit dask's ``"auto"`` gives each of ``n`` single-threaded workers."""
    from distributed.system import MEMORY_LIMIT

    return int(MEMORY_LIMIT // n)


def _join_forked(cluster: Any, forked: list[Any]) -> None:
    """Start ``forked`` (:func:`_fork_workers`) as the workers of ``cluster``, a
    ``LocalCluster`` started without workers, with the options its nannies would have had.
    A nanny's worker that later replaces one of them gets the dask settings in force now
    (:data:`QUIET_WORKERS`), as the forked ones did."""
    import copy
    import weakref

    import dask

    from hubsim.experiments.forked_workers import ForkedWorker

    options = cluster.new_spec["options"]
    options["config"] = copy.deepcopy(dask.config.config)  # ForkedWorker leaves it out
    ref = weakref.ref(cluster)
    cluster.worker_spec.update({i: {"cls": ForkedWorker,
                                    "options": {**options, "process": p, "cluster": ref}}
                                for i, p in enumerate(forked)})
    try:
        cluster.sync(cluster._correct_state)
    except RuntimeError as exc:  # a worker did not start: the reason is in the message
        raise ExperimentError(f"dask: {exc}") from None


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool`` at once: its worker processes killed (SIGTERM), queued tasks cancelled,
    nothing waited for."""
    kill = getattr(pool, "terminate_workers", None)  # Python 3.14
    if kill is not None:
        kill()
    else:
        procs = getattr(pool, "_processes", None) or {}
        for proc in list(procs.values()):
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def pool_worker(parent: int) -> None:
    """Set up a worker of hubsim's process pools (:class:`ProcessExecutor`'s, ``hubsim
    check``'s): a fresh process's signal handlers (:func:`_fresh_signals`), the allocator of
    :func:`hubsim.memory.return_freed_memory`, and an exit as soon as process ``parent`` (the
    one that made the pool) ends.

    A pool's workers outlive a parent that dies without shutting the pool down (``kill -9``,
    the out-of-memory killer): each holds both ends of the pool's queues, so none ever sees
    the parent go, and they would run every task already queued and then wait for more,
    forever. On Linux a thread of the worker waits on a file descriptor of the parent
    (``os.pidfd_open``, Linux 5.3) and ends the worker when the parent ends; it sleeps in the
    kernel until then and costs nothing. Elsewhere nothing is watched.
    """
    from hubsim.memory import return_freed_memory

    _fresh_signals()
    return_freed_memory()
    exit_with(parent)


def _fresh_signals() -> None:
    """In a worker forked from the command's process (:func:`pool_context`), the handlers a
    fresh process has for the signals the command handles itself (:mod:`hubsim.cli.main`):
    SIGINT raises ``KeyboardInterrupt``, SIGTERM and SIGALRM end the process, as in a worker
    of the fork server. Without this, the command's handler would turn the SIGTERM with which
    hubsim stops its workers (:func:`stop_workers`) into an exception inside the run, and the
    worker would go on. A signal the command ignores stays ignored, as it would in a spawned
    process; Python's own hook for unraisable exceptions comes back."""
    for sig, default in ((signal.SIGINT, signal.default_int_handler),
                         (signal.SIGTERM, signal.SIG_DFL), (signal.SIGALRM, signal.SIG_DFL)):
        handler = signal.getsignal(sig)
        if callable(handler) and handler is not default:
            signal.signal(sig, default)
    sys.unraisablehook = sys.__unraisablehook__


def exit_with(parent: int) -> None:
    """End this process (status 1) as soon as process ``parent`` ends (see
    :func:`pool_worker`); at once if it has already ended. Nothing where ``os.pidfd_open``
    is missing or refused."""
    try:
        fd = os.pidfd_open(parent)
    except ProcessLookupError:  # gone already
        os._exit(1)
    except (AttributeError, OSError):  # not Linux, an old kernel, or not allowed
        return

    def watch() -> None:
        import select

        select.select([fd], [], [])  # readable once the parent has ended
        os._exit(1)

    threading.Thread(target=watch, name="hubsim-exit-with-parent", daemon=True).start()


def _worker_plugin() -> Any:
    """The dask ``WorkerPlugin`` of our own cluster's workers. Its setup calls
    :func:`hubsim.memory.return_freed_memory`, and quiets distributed's log in the worker
    process (only CRITICAL lines pass). Every failure of a run reaches hubsim through the run's
    future (and is reported as a failed run; a worker that dies is reported by its nanny, or by
    the scheduler where it was forked, in hubsim's process); what is left of the workers' log is
    dask's housekeeping, and, when hubsim stops them (Ctrl-C, SIGTERM), the races of their
    shutdown: a cancelled run ("Async instruction ... ended with CancelledError"), a heartbeat
    to a scheduler already closed (with a traceback), printed under the command's own line."""
    from dask.distributed import WorkerPlugin

    class HubsimWorker(WorkerPlugin):
        def setup(self, worker: Any) -> None:
            import logging

            from hubsim.memory import return_freed_memory

            return_freed_memory()
            for log in _distributed_loggers():
                log.setLevel(logging.CRITICAL)

    return HubsimWorker()


def _distributed_loggers() -> list[logging.Logger]:
    """The loggers that decide what distributed logs in this process: its own, and those of
    its modules that set a level of their own (the others take their parent's)."""
    import logging

    return [logging.getLogger("distributed"),
            *(log for name, log in logging.root.manager.loggerDict.items()
              if name.startswith("distributed.") and isinstance(log, logging.Logger)
              and log.level != logging.NOTSET)]


def make_executor(workers: int | None = None, scheduler: str | None = None,
                  dask: bool = False, *, stop_after: int | None = None) -> Executor:
    """The executor the command line asks for.

    ``scheduler`` (an address such as ``tcp://host:8786``): that dask cluster. ``dask=True``
    without an address: a dask ``LocalCluster`` of ``workers`` processes. Otherwise
    ``workers == 1`` runs serially in this process and any other number (default: every core)
    uses a local process pool. ``stop_after``: see the module docstring.

    Raises :class:`~hubsim.errors.ExperimentError` for fewer than one worker or a scheduler
    that cannot be reached.
    """
    if scheduler or dask:
        return DaskExecutor(scheduler, workers, stop_after=stop_after)
    n = int(workers) if workers is not None else (os.cpu_count() or 1)
    if n < 1:
        raise ExperimentError(f"--workers must be >= 1, got {n}")
    return SerialExecutor(stop_after=stop_after) if n == 1 \
        else ProcessExecutor(n, stop_after=stop_after)
