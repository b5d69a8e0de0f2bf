"""Runs and where they are kept: the task a worker runs, the results folder, the run cache.

A worker gets a :class:`RunTask` (the scenario with the point's changes applied, a seed) and
returns a compact, picklable result (the KPI table and the targets of its run, never the event
log). :class:`RunStore` keeps one JSON file per finished run in ``runs/``, renamed into place
atomically, so a killed experiment leaves only whole runs and ``--resume`` skips them (and
the temporary files of a killed experiment are removed when it resumes).
:class:`RunCache` asks the store before simulating, so no run is simulated twice.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hubsim.api import Results, apply_changes
from hubsim.atomic import atomic_write, clean_stale
from hubsim.errors import OutputError, OutputExistsError
from hubsim.experiments.executors import Executor, SerialExecutor
from hubsim.experiments.params import Changes, point_key, replication_seed, run_id
from hubsim.memory import release_freed
from hubsim.scenario.schema import Scenario

__all__ = ["Progress", "RunCache", "RunStore", "RunTask", "record", "run_task"]

#: progress callback: (runs done, runs in all, runs running)
Progress = Callable[[int, int, int], None]


@dataclass(frozen=True)
class RunTask:
    """One run for a worker: the scenario with the point's changes already applied."""

    scenario: Scenario
    replication: int
    seed: int
    days: float | None
    diagnostics: bool = False


def run_task(task: RunTask) -> dict[str, Any]:
    """Simulate one run and return its compact result (picklable, JSON-able):
    ``kpis`` as rows ``[kpi, scope, key, value, unit]`` and ``targets`` as rows
    ``[target, kpi, value, threshold, sense, met]``."""
    from hubsim.api import simulate

    res = simulate(task.scenario, seed=task.seed, days=task.days)
    out = record(res, task.diagnostics)
    del res
    # a worker's next run starts from the memory the first one started from, not from what
    # this one's tables left in the middle of the heap
    release_freed()
    return out


def record(res: Results, diagnostics: bool = False) -> dict[str, Any]:
    """The compact result of one finished run (see :func:`run_task`)."""
    k = res.kpis
    if diagnostics:
        from hubsim.analysis.diagnostics import diagnostics as diagnose

        k = pd.concat([k, diagnose(res.events, res.trips, res.nodes, res.scenario,
                                      res.window, lock_passages=res.lock_passages)],
                      ignore_index=True)
    t = res.targets
    return {
        "kpis": [[r.kpi, r.scope, r.key, _num(r.value), r.unit] for r in k.itertuples()],
        "targets": [[r.target, r.kpi, _num(r.value), _float(r.threshold), r.sense, bool(r.met)]
                    for r in t.itertuples()],
        "wall_time_s": round(res.wall_time_s, 3),
    }


def _float(v: Any) -> float:
    return float(v)


def _num(v: Any) -> float | None:
    v = float(v)
    return None if math.isnan(v) else v


class RunStore:
    """The runs of one experiment on disk: one JSON file per finished run, written atomically.

    ``experiment.json`` records the experiment's identity (kind, scenario content hash, base
    seed, days); resuming with a different identity is refused.

    Raises
    ------
    OutputExistsError
        ``folder`` exists and ``resume`` is false.
    OutputError
        ``resume`` into a folder of another experiment, or the folder cannot be created.
    """

    def __init__(self, folder: str | Path, identity: dict[str, Any], resume: bool = False):
        self.folder = Path(folder)
        self.identity = identity
        meta = self.folder / "experiment.json"
        if os.path.lexists(self.folder) and not resume:
            raise OutputExistsError(f"{self.folder}: already exists; add --resume to continue "
                                    "the experiment in it, or choose another --out")
        if resume and meta.exists():
            old = json.loads(meta.read_text())
            diff = [k for k in identity if old.get(k) != identity[k]]
            if diff:
                raise OutputError(f"{self.folder}: cannot resume: "
                                  + ", ".join(f"{k} was {old.get(k)!r}, now {identity[k]!r}"
                                              for k in diff))
        elif resume and self.folder.exists() and any(self.folder.iterdir()):
            raise OutputError(f"{self.folder}: cannot resume: no experiment.json in it")
        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            try:  # claim the folder: one made by another process meanwhile is never shared
                self.folder.mkdir()
            except FileExistsError:
                if not resume:
                    raise OutputExistsError(f"{self.folder}: already exists; add --resume to "
                                            "continue the experiment in it, or choose another "
                                            "--out") from None
            (self.folder / "runs").mkdir(exist_ok=True)
            (self.folder / "failed").mkdir(exist_ok=True)
        except OutputError:
            raise
        except OSError as exc:
            raise OutputError(f"{exc.filename or self.folder}: cannot create the results "
                              f"folder: {exc.strerror or exc}") from exc
        for sub in (self.folder, self.folder / "runs", self.folder / "failed"):
            clean_stale(sub)  # temporary files of a killed run of this experiment
        if not meta.exists():
            from hubsim.version import __version__

            # never replace: two processes starting the same experiment keep one record
            with contextlib.suppress(OutputExistsError):
                self.write_json(meta, {**identity, "hubsim_version": __version__},
                                replace=False)

    @staticmethod
    def write_json(path: Path, data: Any, replace: bool = True) -> None:
        """Write ``data`` as JSON to ``path`` atomically (a temporary file renamed into place;
        with ``replace`` false, an existing ``path`` is kept: :class:`OutputExistsError`)."""
        def dump(tmp: Path) -> None:
            with open(tmp, "w") as fh:
                json.dump(data, fh, indent=1)
                fh.write("\n")

        _atomic_write(path, dump, replace)

    def load(self, rid: str) -> dict[str, Any] | None:
        """The finished run ``rid``, or None when it is not in the folder."""
        path = self.folder / "runs" / f"{rid}.json"
        if not path.exists():
            return None
        try:
            record: dict[str, Any] = json.loads(path.read_text())
        except json.JSONDecodeError:  # cannot happen with atomic writes; rerun it anyway
            return None
        return record

    def save(self, rid: str, record: dict[str, Any]) -> None:
        """Keep a finished run (and forget an earlier failure of it)."""
        self.write_json(self.folder / "runs" / f"{rid}.json", record)
        (self.folder / "failed" / f"{rid}.json").unlink(missing_ok=True)

    def save_failure(self, rid: str, record: dict[str, Any]) -> None:
        """Keep the record of a failed run (seed, parameters, error)."""
        self.write_json(self.folder / "failed" / f"{rid}.json", record)

    def write_table(self, name: str, table: pd.DataFrame) -> None:
        """Write ``table`` as ``name`` (``.parquet`` or CSV) in the folder, atomically."""
        def write(tmp: Path) -> None:
            if name.endswith(".parquet"):
                table.to_parquet(tmp, index=False)
            else:
                table.to_csv(tmp, index=False)

        _atomic_write(self.folder / name, write)


def _atomic_write(path: Path, write: Callable[[Path], None], replace: bool = True) -> None:
    """``write`` a hidden temporary file beside ``path``, then rename it to ``path``: a reader
    (or a resumed experiment) sees the whole file or none (see
    :func:`hubsim.atomic.atomic_write`; temporary files are cleaned when the store opens, not
    at every write). An ``OSError`` (full disk, no permission) becomes an
    :class:`OutputError` naming ``path``."""
    try:
        atomic_write(path, write, replace=replace, clean=False)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc


class RunCache:
    """Finished runs of an experiment, in memory and (with a store) on disk: every search step
    asks it first, so no run is simulated twice."""

    #: what a worker runs for one task (a module-level function, so it pickles)
    task: Callable[[RunTask], dict[str, Any]] = staticmethod(run_task)

    def __init__(self, scenario: Scenario, base_seed: int, days: float | None,
                 executor: Executor | None = None, store: RunStore | None = None,
                 progress: Progress | None = None, diagnostics: bool = False):
        self.scenario = scenario
        self.base_seed = int(base_seed)
        self.days = days
        self.executor = executor or SerialExecutor()
        self.store = store
        self.progress = progress
        self.diagnostics = diagnostics
        self.records: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, dict[str, Any]] = {}
        self.points: dict[str, Changes] = {}
        self.simulated = 0
        self.reused = 0

    def run(self, points: Sequence[Changes], replications: Sequence[int]) -> None:
        """Make sure every (point, replication) has a finished run or a recorded failure."""
        todo = self._todo(points, replications)
        total = len(todo)
        if self.progress:
            self.progress(0, total, 0)
        if not todo:
            return
        outcomes = self.executor.map_unordered(self.task, [t for _, t, _ in todo])
        for done, (i, ok, value) in enumerate(outcomes, start=1):
            self._record(*todo[i], ok, value)
            if self.progress:
                self.progress(done, total, self.executor.running if done < total else 0)

    def _todo(self, points: Sequence[Changes], replications: Sequence[int]) \
            -> list[tuple[str, RunTask, Changes]]:
        """The runs neither in memory nor in the store, as (run id, task, changes)."""
        todo: list[tuple[str, RunTask, Changes]] = []
        scenarios: dict[Changes, Scenario] = {}
        for changes in points:
            self.points.setdefault(point_key(changes), changes)
            if changes not in scenarios:  # bad paths and values fail here, before any run
                scenarios[changes] = apply_changes(self.scenario, dict(changes)) \
                    if changes else self.scenario
            for rep in replications:
                rid = run_id(changes, rep)
                if rid in self.records:
                    continue
                rec = self.store.load(rid) if self.store else None
                if rec is not None:
                    self.records[rid] = rec
                    self.reused += 1
                    continue
                task = RunTask(scenarios[changes], rep,
                               replication_seed(self.base_seed, rep), self.days,
                               self.diagnostics)
                todo.append((rid, task, changes))
        return todo

    def _record(self, rid: str, task: RunTask, changes: Changes, ok: bool, value: Any) -> None:
        """Keep one outcome: a finished run, or the error text of a failed one."""
        head = {"run": rid, "replication": task.replication, "seed": task.seed,
                "params": dict(changes)}
        if ok:
            rec = {**head, **value}
            self.records[rid] = rec
            self.failures.pop(rid, None)
            if self.store:
                self.store.save(rid, rec)
            self.simulated += 1
        else:
            fail = {**head, "error": value}
            self.failures[rid] = fail
            if self.store:
                self.store.save_failure(rid, fail)

    def get(self, changes: Changes, rep: int) -> dict[str, Any] | None:
        """The finished run of ``changes`` and replication ``rep``, if any."""
        return self.records.get(run_id(changes, rep))
