"""``hubsim check``: rerun each scenario with its golden file's seeds and compare the KPIs.

The golden file format, the tolerance rule and the comparison live in
:mod:`hubsim.analysis.golden` (re-exported here); this module runs the simulations
(:func:`measure`, :func:`run_check`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hubsim.analysis.golden import (
    ABS_FLOOR,
    COLUMNS,
    GOLDEN_KPIS,
    REL_FLOOR,
    SIG_DIGITS,
    Golden,
    Z,
    compare,
    golden_path,
    read_golden,
    summarise_seeds,
    tolerance,
    write_golden,
)
from hubsim.api import load_scenario, simulate
from hubsim.errors import GoldenError
from hubsim.scenario.limits import days_problem, seed_problem
from hubsim.scenario.schema import Scenario
from hubsim.version import __version__

__all__ = [
    "ABS_FLOOR",
    "COLUMNS",
    "DEFAULT_DAYS",
    "DEFAULT_SEEDS",
    "GOLDEN_KPIS",
    "REL_FLOOR",
    "SIG_DIGITS",
    "Golden",
    "GoldenError",
    "Z",
    "compare",
    "golden_path",
    "measure",
    "read_golden",
    "run_check",
    "tolerance",
    "write_golden",
]

#: seeds and measured days of a new golden file (``hubsim check --update`` without a file)
DEFAULT_SEEDS = (1, 2, 3, 4)
DEFAULT_DAYS = 60.0


def _with_warmup(scn: Scenario, warmup_days: float) -> Scenario:
    if scn.run.warmup_days == warmup_days:
        return scn
    run = scn.run.model_copy(update={"warmup_days": float(warmup_days)})
    return scn.model_copy(update={"run": run})


def _seed_kpis(scn: Scenario, seed: int, measured_days: float) -> pd.DataFrame:
    k = simulate(scn, seed=int(seed), days=measured_days).kpis
    return k[k["kpi"].isin(GOLDEN_KPIS)].assign(seed=int(seed))


def measure(scn: Scenario, seeds: Sequence[int], measured_days: float,
            warmup_days: float | None = None) -> pd.DataFrame:
    """Run ``scn`` once per seed and return the golden KPIs: mean and sd over the seeds.

    Columns of :data:`COLUMNS`, sorted by kpi, scope, key. ``sd`` is the sample standard
    deviation (0 with fewer than two values). ``warmup_days`` overrides the scenario's
    warm-up.
    """
    if warmup_days is not None:
        scn = _with_warmup(scn, warmup_days)
    return summarise_seeds([_seed_kpis(scn, seed, measured_days) for seed in seeds])


def run_check(scenarios: Sequence[str | Path], expected_dir: str | Path = "expected", *,
              update: bool = False, seeds: Sequence[int] | None = None,
              days: float | None = None, jobs: int = 1,
              echo: Callable[[str], None] = print,
              render: Callable[[pd.DataFrame], str] | None = None) -> int:
    """Check (or with ``update``, regenerate) the golden files of ``scenarios``.

    Without ``update`` every golden file must exist (else :class:`GoldenError` before anything
    runs); each scenario is rerun with its file's seeds, warm-up and measured days and the
    KPIs beyond tolerance are printed. With ``update`` the files are rewritten (all at the
    end, after every run succeeded), keeping an existing file's seeds and days unless
    ``seeds`` / ``days`` are given; a new file gets :data:`DEFAULT_SEEDS`,
    :data:`DEFAULT_DAYS` and the scenario's warm-up. ``jobs > 1`` runs the replications in
    that many worker processes (same numbers). ``echo`` receives each line of the report;
    ``render`` turns the rows of :func:`compare` that moved into the table echoed (``hubsim
    check`` passes :func:`hubsim.present.tables.check_text`; default: pandas' ``to_string``).

    Returns
    -------
    int
        0 when every scenario passes (or was updated), 1 when any KPI moved or went missing.
    """
    _check_arguments(scenarios, expected_dir, update, seeds, days, jobs)
    # everything that can be wrong with the input is found before the first run
    plan = [_plan(p, expected_dir, update, seeds, days) for p in scenarios]
    start = time.perf_counter()
    failed = 0
    pending: list[tuple[Path, Golden]] = []
    with closing(_measure_all(plan, jobs)) as measured:
        for job, now in zip(plan, measured, strict=True):
            if update:
                pending.append((job.gpath, Golden(
                    scenario=job.scn.name, seeds=job.seeds, warmup_days=job.scn.run.warmup_days,
                    measured_days=job.days, table=now, scenario_sha256=job.scn.source_hash)))
                echo(f"{job.path}: measured {len(now)} KPIs, {job.what}")
            else:
                failed += not _report(job, now, echo, render)
    for gpath, golden in pending:
        write_golden(gpath, golden)
        echo(f"wrote {gpath}")
    echo(f"hubsim check: {len(plan)} scenario(s) in {time.perf_counter() - start:.1f} s")
    if failed:
        echo(f"hubsim check: {failed} of {len(plan)} scenario(s) moved beyond tolerance; if "
             "the change is intended, regenerate with hubsim check --update and review the "
             "diff")
        return 1
    return 0


@dataclass(frozen=True)
class _Job:
    """One scenario of a check or an update: its golden file and how to rerun it."""

    path: Path
    scn: Scenario  #: with the warm-up of the golden file (check) or its own (update)
    gpath: Path
    old: Golden | None  #: the golden file as read; None when an update creates it
    seeds: tuple[int, ...]
    days: float

    @property
    def what(self) -> str:
        return (f"{len(self.seeds)} seeds ({' '.join(map(str, self.seeds))}) x {self.days:g} "
                f"days after {self.scn.run.warmup_days:g} warm-up days")


def _check_arguments(scenarios: Sequence[str | Path], expected_dir: str | Path, update: bool,
                     seeds: Sequence[int] | None, days: float | None, jobs: int) -> None:
    """:class:`GoldenError` for options that do not fit together, before anything runs."""
    if seeds is not None and (len(seeds) < 2 or len(set(seeds)) != len(seeds)):
        raise GoldenError(f"--seeds needs at least two different seeds (their spread sets the "
                          f"tolerance), got {' '.join(map(str, seeds))}")
    bad_seed = next((p for p in map(seed_problem, seeds or ()) if p is not None), None)
    if bad_seed is not None:
        raise GoldenError(f"--seeds: {bad_seed}")
    if days is not None and days_problem(days) is not None:
        raise GoldenError(f"--days: {days_problem(days)}")
    if jobs < 1:
        raise GoldenError(f"--jobs must be >= 1, got {jobs}")
    if not update and (seeds is not None or days is not None):
        raise GoldenError("--seeds and --days only apply with --update; a check uses the "
                          "seeds and days stored in the golden file")
    if not scenarios:
        raise GoldenError("no scenario given")
    stems: dict[str, Path] = {}
    for p in scenarios:
        other = stems.setdefault(Path(p).stem, Path(p))
        if other != Path(p):
            raise GoldenError(f"{other} and {p} would share the golden file "
                              f"{golden_path(p, expected_dir)}")


def _plan(p: str | Path, expected_dir: str | Path, update: bool, seeds: Sequence[int] | None,
          days: float | None) -> _Job:
    """Load scenario ``p`` and its golden file; the seeds, days and warm-up to run with."""
    scn = load_scenario(p)
    gpath = golden_path(p, expected_dir)
    if not update:
        if not gpath.is_file():
            raise GoldenError(f"{gpath}: no golden file for scenario {p}; create it with "
                              f"hubsim check --update {p} --expected {expected_dir}")
        old = read_golden(gpath)
        return _Job(Path(p), _with_warmup(scn, old.warmup_days), gpath, old, old.seeds,
                    old.measured_days)
    found = read_golden(gpath) if gpath.is_file() else None
    use_seeds = tuple(seeds) if seeds is not None else \
        (found.seeds if found is not None else DEFAULT_SEEDS)
    use_days = days if days is not None else \
        (found.measured_days if found is not None else DEFAULT_DAYS)
    return _Job(Path(p), scn, gpath, found, use_seeds, use_days)


def _measure_all(plan: list[_Job], jobs: int) -> Generator[pd.DataFrame, None, None]:
    """Each job's golden KPIs (:func:`_summarise` over its seeds), in the order of ``plan``.

    With ``jobs > 1`` every replication is submitted at once to that many worker processes
    and collected in order (the same numbers as one process).
    """
    if jobs == 1:
        for job in plan:
            yield summarise_seeds([_seed_kpis(job.scn, s, job.days) for s in job.seeds])
        return
    from concurrent.futures import ProcessPoolExecutor

    from hubsim.experiments.executors import pool_context, pool_worker, stop_workers

    # the workers end with this process however it ends (executors.pool_worker)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=pool_context(),
                               initializer=pool_worker, initargs=(os.getpid(),))
    try:
        futures = [[pool.submit(_seed_kpis, job.scn, s, job.days) for s in job.seeds]
                   for job in plan]
        for fs in futures:
            yield summarise_seeds([f.result() for f in fs])
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the runs under way are not waited for
        stop_workers(pool)
        raise
    finally:
        pool.shutdown(cancel_futures=True)


def _report(job: _Job, now: pd.DataFrame, echo: Callable[[str], None],
            render: Callable[[pd.DataFrame], str] | None = None) -> bool:
    """Print one scenario's verdict (and the table of what moved); True when it passes."""
    old = job.old
    if old is None:  # only an update runs without a golden file, and it reports nothing
        raise GoldenError(f"{job.gpath}: no golden file to check against")
    diff = compare(old, now)
    bad = diff[diff["status"].isin(["moved", "missing"])]
    new = diff[diff["status"] == "new"]
    if bad.empty:
        echo(f"{job.path}: ok, {int((diff['status'] == 'ok').sum())} KPIs within tolerance of "
             f"{job.gpath} ({job.what})")
    else:
        echo(f"{job.path}: FAIL, {len(bad)} of {len(old.table)} KPIs moved beyond tolerance "
             f"of {job.gpath} ({job.what})")
        echo(render(bad) if render is not None else bad.to_string(index=False))
        if old.scenario_sha256 and old.scenario_sha256 != job.scn.source_hash:
            echo("  note: the scenario file changed since the golden file was written")
        if old.hubsim_version and old.hubsim_version != __version__:
            echo(f"  note: golden file from hubsim {old.hubsim_version}, now {__version__}")
    if not new.empty:
        echo(f"  note: {len(new)} KPI(s) not in the golden file (not checked): "
             + ", ".join(f"{k}/{s}/{key}" for k, s, key in
                         zip(new["kpi"], new["scope"], new["key"], strict=True)))
    return bad.empty
