"""Golden outputs: stored expected KPIs per scenario and the check that reruns them.

A golden file ``expected/<scenario file stem>.csv`` holds, for one scenario, the mean and the
standard deviation over a fixed set of seeds of every KPI in :data:`GOLDEN_KPIS`, plus a header
recording the seeds, the warm-up and measured days, the hubsim version and the scenario file's
sha256. ``hubsim check`` reruns the scenario with the file's seeds, warm-up and measured days and
compares the new mean of each KPI with the stored one.

Tolerance rule (one KPI, ``n`` seeds, ``sd_golden`` and ``sd_now`` the sample standard
deviations over the seeds in the golden file and in the rerun)::

    |mean_now - mean_golden| <= max(Z * sqrt((sd_golden**2 + sd_now**2) / n),
                                    REL_FLOOR * |mean_golden|, ABS_FLOOR)

The square root is the standard error of the difference of two means of ``n`` replications,
with the spread pooled from both sets of runs (a two-sample t statistic with ``2n - 2``
degrees of freedom: four seeds alone would estimate it too poorly, and a KPI that happened to
be zero on every golden seed, such as a rare queue, gets its spread from the rerun). A change
of the code that only reshuffles random draws (statistically the same model) mostly stays
within ``Z`` standard errors (with about a hundred KPIs per scenario, a heavy-tailed one can
still cross now and then: README, Regression checks, has measured rates), while a change of
the model's behaviour moves the KPIs beyond them. A
KPI with no spread at all (fixed timetables, zero overflow) falls back on the floors, which
only absorb rounding in the file (six significant digits, relative error 5e-6) and
floating-point differences between machines. With unchanged code and the same seeds hubsim
reproduces its numbers exactly, so an unchanged tree always passes.

The file is plain sorted CSV behind ``#`` header lines, so ``git diff`` of a regenerated file
is what a reviewer reads.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hubsim.api import load_scenario, simulate
from hubsim.catalogue import CATALOGUE
from hubsim.errors import GoldenError
from hubsim.scenario.schema import Scenario
from hubsim.version import __version__

__all__ = [
    "ABS_FLOOR", "DEFAULT_DAYS", "DEFAULT_SEEDS", "GOLDEN_KPIS", "REL_FLOOR", "Z", "Golden",
    "GoldenError", "compare", "golden_path", "measure", "read_golden", "run_check",
    "tolerance", "write_golden",
]

#: KPIs stored in golden files (every scope and key of each): the catalogue's entries marked
#: ``golden`` (see :mod:`hubsim.catalogue`): the targets' KPIs, channel TEU and international
#: tonnes by corridor, mode and direction, hub lifts, equipment use and queueing, yard use,
#: dwell, overflow, service load factors, door-to-door times, cost, CO2 and the backlog at the
#: end. Tail statistics (p50, p95, max, end levels) are left out: they are noisy over a few
#: short replications and add little a mean does not show.
GOLDEN_KPIS = tuple(k.name for k in CATALOGUE.values() if k.golden)
DEFAULT_SEEDS = (1, 2, 3, 4)
DEFAULT_DAYS = 60.0
#: standard errors of the difference of means a KPI may move before the check fails
Z = 5.0
#: relative floor: rounding to six significant digits in the file, floating-point noise
REL_FLOOR = 1e-5
#: absolute floor, in the KPI's own unit, for KPIs near zero
ABS_FLOOR = 1e-6
SIG_DIGITS = 6
COLUMNS = ["kpi", "scope", "key", "unit", "mean", "sd"]
_HEADER = re.compile(r"^# ([a-z_0-9]+): (.*)$")




@dataclass(frozen=True)
class Golden:
    """The expected KPIs of one scenario and how they were produced.

    ``table`` has the columns of :data:`COLUMNS`, one row per KPI, sorted by kpi, scope, key.
    """

    scenario: str
    seeds: tuple[int, ...]
    warmup_days: float
    measured_days: float
    table: pd.DataFrame
    hubsim_version: str = __version__
    scenario_sha256: str = ""


def golden_path(scenario_path: str | Path, expected_dir: str | Path) -> Path:
    """``expected_dir/<stem of the scenario file>.csv``."""
    return Path(expected_dir) / f"{Path(scenario_path).stem}.csv"


def tolerance(mean: float, sd: float, n: int, sd_now: float = 0.0) -> float:
    """Largest change of a KPI's mean over ``n`` seeds the check accepts (see module doc).

    ``sd`` is the spread over the golden seeds, ``sd_now`` over the rerun's.
    """
    var = sum(x * x for x in (sd, sd_now) if not math.isnan(x))
    spread = Z * math.sqrt(var / n) if n > 0 else 0.0
    rel = REL_FLOOR * abs(mean) if not math.isnan(mean) else 0.0
    return max(spread, rel, ABS_FLOOR)


def _with_warmup(scn: Scenario, warmup_days: float) -> Scenario:
    if scn.run.warmup_days == warmup_days:
        return scn
    run = scn.run.model_copy(update={"warmup_days": float(warmup_days)})
    return scn.model_copy(update={"run": run})


def _seed_kpis(scn: Scenario, seed: int, measured_days: float) -> pd.DataFrame:
    k = simulate(scn, seed=int(seed), days=measured_days).kpis
    return k[k["kpi"].isin(GOLDEN_KPIS)].assign(seed=int(seed))


def _summarise(frames: list[pd.DataFrame]) -> pd.DataFrame:
    allk = pd.concat(frames, ignore_index=True)
    grouped = allk.groupby(["kpi", "scope", "key", "unit"], sort=True, dropna=False)["value"]
    # a KPI that is NaN on some seeds (no delivery on that corridor in the window) keeps the
    # mean and sd of the others; one that is NaN on every seed stays NaN
    out = grouped.agg(mean="mean", sd="std").reset_index()
    out["sd"] = out["sd"].fillna(0.0)
    return out[COLUMNS].sort_values(["kpi", "scope", "key"], kind="stable") \
        .reset_index(drop=True)


def measure(scn: Scenario, seeds: Sequence[int], measured_days: float,
            warmup_days: float | None = None) -> pd.DataFrame:
    """Run ``scn`` once per seed and return the golden KPIs: mean and sd over the seeds.

    Columns of :data:`COLUMNS`, sorted by kpi, scope, key. ``sd`` is the sample standard
    deviation (0 with fewer than two values). ``warmup_days`` overrides the scenario's
    warm-up.
    """
    if warmup_days is not None:
        scn = _with_warmup(scn, warmup_days)
    return _summarise([_seed_kpis(scn, seed, measured_days) for seed in seeds])


def _round(x: float) -> str:
    if math.isnan(x):
        return "nan"
    text = f"{x:.{SIG_DIGITS}g}"
    return "0" if text == "-0" else text


def write_golden(path: str | Path, golden: Golden) -> Path:
    """Write ``golden`` to ``path`` atomically (a temporary file renamed into place)."""
    path = Path(path)
    buf = io.StringIO()
    buf.write("# Golden KPIs of hubsim (README, Regression checks); regenerate them with\n"
              "# hubsim check --update SCENARIO... and review the diff.\n")
    meta = {
        "scenario": golden.scenario,
        "scenario_sha256": golden.scenario_sha256,
        "hubsim_version": golden.hubsim_version,
        "seeds": " ".join(str(s) for s in golden.seeds),
        "warmup_days": f"{golden.warmup_days:g}",
        "measured_days": f"{golden.measured_days:g}",
        "tolerance": f"|mean_now - mean| <= max({Z:g} * sqrt((sd^2 + sd_now^2)/n), "
                     f"{REL_FLOOR:g} * |mean|, {ABS_FLOOR:g})",
    }
    for key, value in meta.items():
        buf.write(f"# {key}: {value}\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    table = golden.table.sort_values(["kpi", "scope", "key"], kind="stable")
    for row in table.to_dict("records"):
        writer.writerow([row["kpi"], row["scope"], row["key"], row["unit"],
                         _round(row["mean"]), _round(row["sd"])])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(buf.getvalue())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_golden(path: str | Path) -> Golden:
    """Read a golden file; :class:`GoldenError` naming the file if it is missing or malformed."""
    path = Path(path)
    if not path.is_file():
        raise GoldenError(f"{path}: no golden file")
    meta: dict[str, str] = {}
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            m = _HEADER.match(line)
            if m:
                meta[m.group(1)] = m.group(2).strip()
        elif line.strip():
            body.append(line)
    for key in ("scenario", "seeds", "warmup_days", "measured_days"):
        if key not in meta:
            raise GoldenError(f"{path}: header line '# {key}: ...' is missing")
    try:
        seeds = tuple(int(s) for s in meta["seeds"].split())
        warmup = float(meta["warmup_days"])
        days = float(meta["measured_days"])
    except ValueError as exc:
        raise GoldenError(f"{path}: bad header value ({exc})") from None
    if not seeds or days <= 0 or warmup < 0:
        raise GoldenError(f"{path}: header needs at least one seed, measured_days > 0 and "
                          f"warmup_days >= 0, got seeds {meta['seeds']!r}, measured_days "
                          f"{meta['measured_days']}, warmup_days {meta['warmup_days']}")
    reader = csv.reader(body)
    header = next(reader, None)
    if header != COLUMNS:
        raise GoldenError(f"{path}: the table must start with the columns "
                          f"{','.join(COLUMNS)}, got {','.join(header or [])!r}")
    rows = []
    for i, cells in enumerate(reader, start=2):
        if len(cells) != len(COLUMNS):
            raise GoldenError(f"{path}: table row {i}: expected {len(COLUMNS)} cells, "
                              f"got {len(cells)}")
        try:
            mean, sd = float(cells[4]), float(cells[5])
        except ValueError:
            raise GoldenError(f"{path}: table row {i}: mean and sd must be numbers, got "
                              f"{cells[4]!r}, {cells[5]!r}") from None
        rows.append([*cells[:4], mean, sd])
    table = pd.DataFrame(rows, columns=COLUMNS).astype({"mean": float, "sd": float})
    return Golden(scenario=meta["scenario"], seeds=seeds, warmup_days=warmup,
                  measured_days=days, table=table,
                  hubsim_version=meta.get("hubsim_version", ""),
                  scenario_sha256=meta.get("scenario_sha256", ""))


def compare(golden: Golden, now: pd.DataFrame) -> pd.DataFrame:
    """Compare the KPI means measured now (``now``: columns of :data:`COLUMNS`, as from
    :func:`measure`) with the golden ones.

    Returns one row per KPI in either table, columns ``kpi, scope, key, unit, golden, sd, now,
    change, tol, status`` with ``status`` one of ``ok``, ``moved`` (beyond tolerance),
    ``missing`` (in the golden file, not produced now) and ``new`` (produced now, not in the
    golden file: reported, not a failure).
    """
    keys = ["kpi", "scope", "key"]
    g = golden.table.rename(columns={"mean": "golden"})
    m = now[[*keys, "unit", "mean", "sd"]].rename(
        columns={"mean": "now", "unit": "unit_now", "sd": "sd_now"})
    both = g.merge(m, on=keys, how="outer", indicator="side", sort=True)
    n = len(golden.seeds)
    rows = []
    for r in both.to_dict("records"):
        unit = r["unit"] if isinstance(r["unit"], str) else r["unit_now"]
        golden_mean, now_mean = float(r["golden"]), float(r["now"])
        if r["side"] == "left_only":
            status, tol, change = "missing", float("nan"), float("nan")
        elif r["side"] == "right_only":
            status, tol, change = "new", float("nan"), float("nan")
        else:
            tol = tolerance(golden_mean, float(r["sd"]), n, float(r["sd_now"]))
            if math.isnan(golden_mean) or math.isnan(now_mean):
                change = float("nan")
                status = "ok" if math.isnan(golden_mean) and math.isnan(now_mean) else "moved"
            else:
                change = now_mean - golden_mean
                status = "ok" if abs(change) <= tol else "moved"
        rows.append({"kpi": r["kpi"], "scope": r["scope"], "key": r["key"], "unit": unit,
                     "golden": r["golden"], "sd": r["sd"], "now": r["now"], "change": change,
                     "tol": tol, "status": status})
    return pd.DataFrame(rows, columns=["kpi", "scope", "key", "unit", "golden", "sd", "now",
                                       "change", "tol", "status"])


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
    if seeds is not None and any(s < 0 for s in seeds):
        raise GoldenError(f"--seeds must be >= 0, got {' '.join(map(str, seeds))}")
    if days is not None and days <= 0:
        raise GoldenError(f"--days must be > 0, got {days:g}")
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
            yield _summarise([_seed_kpis(job.scn, s, job.days) for s in job.seeds])
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # not fork: the parent may hold threads (BLAS); workers import hubsim afresh
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx)
    try:
        futures = [[pool.submit(_seed_kpis, job.scn, s, job.days) for s in job.seeds]
                   for job in plan]
        for fs in futures:
            yield _summarise([f.result() for f in fs])
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
