"""dask workers forked from the calling process: the workers of hubsim's own dask
``LocalCluster`` when the process that asks for it runs a single thread (the command line's,
see :mod:`hubsim.threads`).

A dask ``LocalCluster`` starts its worker processes from its nannies, in its event loop's
thread. They cannot be forked from the caller there (a fork copies the locks the caller's
other threads hold), so they come from a fork server (:func:`~hubsim.experiments.executors.
worker_context`), a fresh interpreter that first imports ``distributed``, pandas and hubsim's
run modules, one after the other: the cluster was up 1.2-1.4 s after it was asked for,
against 0.02-0.04 s for a process pool forked from the caller. With 4 replications of a year
on 2 workers that start alone held dask's speed-up under issue 13's 1.85x.

Here the caller forks the worker processes itself, with everything it has imported
(``distributed`` included), *before* the cluster starts any thread: :func:`fork_workers`.
Each waits on a pipe. The cluster is then started without workers, and each forked process
joins it through :class:`ForkedWorker`, dask's own extension point for workers a cluster does
not start itself (a ``ProcessInterface`` of a ``SpecCluster``, as dask-jobqueue's and
dask-kubernetes' are): the process is sent the scheduler's address and the worker options the
cluster's nannies would have passed, runs a ``distributed.Worker`` until told to stop, and
answers with the worker's address once it is registered with the scheduler. Everything else
(scheduler, client, tasks, plugins, retiring and closing) is dask's.

What a nanny does for its worker, :class:`ForkedWorker` does in part: it stops the process when
the cluster closes (asked first, then killed after :data:`STOP_WAIT` seconds), reaps it, and
when the process dies under it (a crash, the out-of-memory killer) it asks the cluster for a
worker in its place: a nanny's, spawned as dask starts them (the caller runs dask's threads by
then, so it cannot fork another), and another again while one fails to start (its worker killed
by the run before it said it had started: :func:`_replacement`). The scheduler reschedules the
dead worker's task and, once more than ``distributed.scheduler.allowed-failures`` workers have
died running it, reports it failed (``KilledWorker``), as with nannies. A process stopped by
SIGTERM (a ``kill`` of the whole process group) is not replaced. What it does not do: kill its
worker past 95% of the worker's memory limit (``distributed.worker.memory.terminate``, a
nanny's job; the worker itself still pauses at 80%), as the process pool's workers have no such
limit either; a run that outgrows the machine meets the kernel's out-of-memory killer. Measured
on 2 cores, a cluster of 2 workers from creation to a first trivial task done: 0.38-0.52 s
forked (of which importing ``distributed`` 0.29-0.39 s), 1.32-1.78 s from the fork server.

Linux only (``os.fork``, ``os.pidfd_open``: :func:`can_fork_workers`); this module imports
``distributed``, so it is imported only where a local cluster is made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import weakref
from collections.abc import Callable
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Any

from distributed import Worker
from distributed.core import Status
from distributed.deploy.spec import ProcessInterface

from hubsim.threads import frozen_for_fork

__all__ = ["STOP_WAIT", "ForkedProcess", "ForkedWorker", "can_fork_workers", "fork_workers",
           "kill_all"]

#: Seconds a forked worker is given to close when its cluster closes before it is killed (a
#: worker in the middle of a run cannot stop it; an idle one closes in about 0.05 s).
STOP_WAIT = 3.0

#: Seconds the cluster waits for a forked worker to say it has joined.
START_WAIT = 60.0

#: Times in a row a worker in place of one that died may fail to start (see
#: :func:`_replacement`).
REPLACE_TRIES = 10

#: The tasks bringing up workers in place of ones that died.
_REPLACING: set[asyncio.Future[None]] = set()

_LOG = logging.getLogger(__name__)

#: Options a nanny takes that a ``distributed.Worker`` does not.
_NANNY_ONLY = ("silence_logs", "env", "config", "worker_class", "quiet")


class ForkedProcess:
    """A worker process forked by :func:`fork_workers`: its pid, a descriptor that becomes
    readable when it ends (``os.pidfd_open``) and this side of its pipe. Its methods may be
    called from any thread: the cluster's event loop watches the process while the command's
    main thread may stop it."""

    def __init__(self, pid: int, pidfd: int, conn: Connection) -> None:
        self.pid = pid
        self.pidfd = pidfd
        self.conn = conn
        self.reaped = False
        #: how it ended (``os.waitpid``'s status), once reaped
        self.status: int | None = None
        #: set by :meth:`stop_now`: the process ends because we ended it
        self.stopping = False
        self._lock = threading.Lock()

    def reap(self) -> None:
        """Collect the ended process's status (no zombie left) and let go of its descriptors;
        waits for it to end."""
        with self._lock:
            if self.reaped:
                return
            with contextlib.suppress(ChildProcessError):
                self.status = os.waitpid(self.pid, 0)[1]
            self.reaped = True
            os.close(self.pidfd)
            self.conn.close()

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the process unless it has been reaped (through its descriptor, so
        never to another process that took its pid)."""
        with self._lock:
            if not self.reaped:
                with contextlib.suppress(ProcessLookupError):
                    signal.pidfd_send_signal(self.pidfd, sig)

    def stop_now(self) -> None:
        """End the process at once (SIGKILL); the thread that watches it (the cluster's,
        :class:`ForkedWorker`) reaps it and asks for no worker in its place."""
        self.stopping = True
        self.signal(signal.SIGKILL)

    def kill(self) -> None:
        """End the process at once (SIGKILL) and reap it."""
        self.signal(signal.SIGKILL)
        self.reap()

    def terminated(self) -> bool:
        """Whether it ended on SIGTERM or SIGINT: somebody stopping it (a ``kill`` of the whole
        process group), not a crash."""
        return (self.status is not None and os.WIFSIGNALED(self.status)
                and os.WTERMSIG(self.status) in (signal.SIGTERM, signal.SIGINT))


def can_fork_workers() -> bool:
    """Whether this system lets :func:`fork_workers` watch the processes it forks
    (``os.pidfd_open`` and ``signal.pidfd_send_signal``: Linux 5.3 and a Python built for it,
    where no container profile refuses them)."""
    if not (hasattr(os, "pidfd_open") and hasattr(signal, "pidfd_send_signal")):
        return False
    try:
        fd = os.pidfd_open(os.getpid())
    except OSError:
        return False
    try:
        signal.pidfd_send_signal(fd, 0)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def fork_workers(n: int, setup: Callable[[int], None]) -> list[ForkedProcess]:
    """Fork ``n`` worker processes from this one, which must run a single thread; each calls
    ``setup(parent_pid)`` and then waits for :class:`ForkedWorker` to send it a scheduler.

    Raises ``OSError`` when a process cannot be forked or watched (see
    :func:`can_fork_workers`); those already forked are killed first."""
    parent = os.getpid()
    pipes = [Pipe(duplex=True) for _ in range(n)]
    for stream in (sys.stdout, sys.stderr):  # what is buffered is printed once, by us
        with contextlib.suppress(Exception):
            stream.flush()
    forked: list[ForkedProcess] = []
    try:
        # a worker inherits every object frozen, out of its collections' reach: it runs
        # inside this block until it exits (os._exit)
        with frozen_for_fork():
            for ours, theirs in pipes:
                pid = os.fork()
                if pid == 0:  # the worker: never returns
                    try:
                        others = [c for p in pipes for c in p if c is not theirs]
                        _worker_process(theirs, others, setup, parent)
                    finally:
                        os._exit(1)
                try:
                    pidfd = os.pidfd_open(pid)
                except OSError:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    raise
                theirs.close()
                forked.append(ForkedProcess(pid, pidfd, ours))
    except BaseException:
        kill_all(forked)
        for ours, theirs in pipes[len(forked):]:
            ours.close()
            theirs.close()
        raise
    return forked


def kill_all(processes: list[ForkedProcess]) -> None:
    """Kill and reap every process of ``processes`` still running."""
    for proc in processes:
        proc.kill()


def _worker_process(conn: Connection, others: list[Connection], setup: Callable[[int], None],
                    parent: int) -> None:
    """The forked worker process: set up, wait for a scheduler, run a dask worker until told
    to stop (or until the parent closes its end of the pipe), then end without running the
    parent's exit handlers."""
    code = 1
    # Ctrl-C at a terminal reaches the whole process group: the command stops its workers
    # itself (a worker stopped by it mid-run would only print a traceback)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        for other in others:  # the other workers' pipes and our parent's ends
            other.close()
        setup(parent)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # setup gave it a fresh process's
        try:
            start = conn.recv()
        except EOFError:  # the cluster was never started
            code = 0
        else:
            asyncio.run(_serve(conn, **start))
            code = 0
    except BaseException as exc:
        with contextlib.suppress(Exception):
            conn.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        os._exit(code)


async def _serve(conn: Connection, scheduler: str, options: dict[str, Any]) -> None:
    """Run a ``distributed.Worker`` of ``scheduler`` until ``conn`` says stop or closes."""
    async with Worker(scheduler, **options) as worker:
        conn.send({"address": worker.address})
        stop = asyncio.ensure_future(_wait_readable(conn.fileno()))
        finished = asyncio.ensure_future(worker.finished())
        await asyncio.wait([stop, finished], return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not finished.done():
            await worker.close(nanny=False, executor_wait=False, timeout=STOP_WAIT,
                               reason="hubsim-close")


class ForkedWorker(ProcessInterface):
    """The ``ProcessInterface`` of a worker process forked by :func:`fork_workers`, for the
    worker spec of a ``SpecCluster`` (see the module docstring): ``options`` are the worker's
    (a nanny's options are accepted: those a worker does not take are left out)."""

    def __init__(self, scheduler: str, name: Any = None, *, process: ForkedProcess,
                 cluster: weakref.ref[Any] | None = None, **options: Any) -> None:
        super().__init__(scheduler, name)
        self.scheduler = scheduler
        self.name = name
        self.process = process
        #: the cluster (a weak reference; SpecCluster sets ``_cluster`` too, but only once
        #: every worker of a batch has started)
        self.cluster = cluster
        self.options = {k: v for k, v in options.items() if k not in _NANNY_ONLY}

    async def start(self) -> None:
        proc = self.process
        try:
            proc.conn.send({"scheduler": self.scheduler,
                            "options": {**self.options, "name": self.name}})
            if not await _wait_readable(proc.conn.fileno(), START_WAIT):
                raise TimeoutError(f"no answer in {START_WAIT:g} s")
            reply = proc.conn.recv()  # a whole message: the worker sends one at a time
        except (TimeoutError, EOFError, OSError) as exc:
            proc.kill()
            raise RuntimeError(f"forked dask worker {self.name} did not start "
                               f"({type(exc).__name__}: {exc})") from None
        if "error" in reply:
            proc.kill()
            raise RuntimeError(f"forked dask worker {self.name} did not start: "
                               f"{reply['error']}")
        self.address = reply["address"]
        asyncio.get_running_loop().add_reader(proc.pidfd, self._ended)
        await super().start()

    def _ended(self) -> None:
        """The process ended; unless it was stopped (by :meth:`close`, by
        :meth:`ForkedProcess.stop_now`, or by a SIGTERM that stops the whole process group)
        or the cluster is closing, ask the cluster for a worker in its place (a nanny's)."""
        loop = asyncio.get_running_loop()
        loop.remove_reader(self.process.pidfd)
        self.process.reap()
        if self.status != Status.running or self.process.stopping:
            return
        self.status = Status.closed
        self._event_finished.set()
        if not self.process.terminated():
            self._replace()

    def _replace(self) -> None:
        """Ask the cluster for a nanny's worker in place of this one, if it still has this
        one in its spec (a process cannot be forked twice) and is not closing."""
        cluster = self.cluster() if self.cluster is not None else None
        if cluster is None or not _open(cluster):
            return
        spec = cluster.worker_spec.get(self.name)
        if spec is not None and spec.get("options", {}).get("process") is self.process:
            del cluster.worker_spec[self.name]
            task = asyncio.ensure_future(_replacement(cluster))
            _REPLACING.add(task)  # held until done (the loop keeps weak references only)
            task.add_done_callback(_REPLACING.discard)

    async def close(self) -> None:
        """Stop the process: asked, then killed after :data:`STOP_WAIT` s. Where the cluster
        closes this worker without taking it out of its spec (a worker its scheduler lost
        while its process ran on), a nanny's worker takes the place."""
        proc = self.process
        if self.status == Status.running:
            self.status = Status.closing
        if not proc.reaped:
            asyncio.get_running_loop().remove_reader(proc.pidfd)
            with contextlib.suppress(OSError):
                proc.conn.send("stop")
            if not await _wait_readable(proc.pidfd, STOP_WAIT):
                proc.signal(signal.SIGKILL)  # a run cannot be stopped in the middle
                await _wait_readable(proc.pidfd, STOP_WAIT)
            proc.reap()
        await super().close()
        self._replace()


async def _replacement(cluster: Any) -> None:
    """Add a nanny's worker to ``cluster``, and another in its place while one fails to start
    (at most :data:`REPLACE_TRIES` in a row, while the cluster runs). A nanny fails to start
    when its worker dies before saying it has: a run that kills every worker it is given is
    sent to the new worker as soon as it registers. Left failed, it would stay in the cluster
    without a worker, and a cluster whose workers had all gone that way would leave its runs
    waiting for ever instead of reporting them failed once more than
    ``distributed.scheduler.allowed-failures`` workers have died running them."""
    for attempt in range(REPLACE_TRIES):
        if not _open(cluster):
            return
        name = _unused_name(cluster)
        cluster.worker_spec[name] = cluster.new_spec
        with contextlib.suppress(Exception):  # the failed start is looked at below
            await cluster._correct_state()
        worker = cluster.workers.get(name)
        if worker is not None and worker.status == Status.running:
            return
        # out of the spec and the cluster (it has closed itself), so that a new one is made
        cluster.worker_spec.pop(name, None)
        cluster.workers.pop(name, None)
        await asyncio.sleep(min(0.1 * 2 ** attempt, 2.0))
    _LOG.warning("a dask worker in place of one that died failed to start %d times; the "
                 "cluster goes on with one worker fewer", REPLACE_TRIES)


def _open(cluster: Any) -> bool:
    """Whether ``cluster`` is starting or running (not closing or closed)."""
    return cluster.status in (Status.created, Status.starting, Status.running)


def _unused_name(cluster: Any) -> Any:
    """A name for a new worker of ``cluster`` that no worker has had: neither in its spec
    nor among its workers (a dead worker stays there until the scheduler has let it go), nor
    given before. A name used again could be taken for the dead worker's: the cluster closes a
    worker whose name the scheduler has not seen for ``lost-worker-timeout``."""
    while True:
        name = cluster._new_worker_name(cluster._i)
        cluster._i += 1
        if name not in cluster.worker_spec and name not in cluster.workers:
            return name


async def _wait_readable(fd: int, timeout: float | None = None) -> bool:
    """Wait until ``fd`` is readable, at most ``timeout`` seconds (None: as long as it takes);
    whether it is. Cancelled, it stops watching ``fd``."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, readable)
    try:
        await asyncio.wait_for(ready, timeout)
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(fd)
    return True
