"""Commands that judge simulations against a reference: ``check`` (golden files), ``compare``
(what-ifs against a base) and ``calibrate`` (published figures)."""

from __future__ import annotations

import argparse
import os
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from hubsim.cli.common import (
    MAX_REPLICATIONS,
    MAX_WORKERS,
    check_new_folder,
    count,
    days,
    free_folder,
    output_errors,
    seed,
)
from hubsim.errors import ExperimentError
from hubsim.experiments.defaults import COMPARE_REPLICATIONS as DEFAULT_REPLICATIONS

__all__ = ["add_parsers", "calibrate", "check", "compare"]


def add_parsers(sub: Any) -> None:
    """Add the ``check``, ``compare`` and ``calibrate`` subcommands."""
    chk = sub.add_parser("check", help="rerun scenarios and compare their KPIs with the "
                         "golden files", description="Rerun each SCENARIO with the seeds, "
                         "warm-up and measured days stored in its golden file "
                         "DIR/<scenario file stem>.csv and compare the KPI means; exit 1 with a "
                         "table of the KPIs that moved beyond tolerance. With --update, "
                         "(re)write the golden files instead.")
    chk.add_argument("scenarios", nargs="+", type=Path, metavar="SCENARIO",
                     help="scenario YAML file(s)")
    chk.add_argument("--expected", type=Path, default=Path("expected"), metavar="DIR",
                     help="folder of the golden files (default: expected)")
    chk.add_argument("--update", action="store_true",
                     help="regenerate the golden files (keeps each file's seeds and days)")
    chk.add_argument("--seeds", type=seed, nargs="+", metavar="N",
                     help="with --update: seeds to replicate over (default: the file's, or "
                     "1 2 3 4 for a new file)")
    chk.add_argument("--days", type=days, help="with --update: measured days after the "
                     "warm-up (default: the file's, or 60 for a new file)")
    chk.add_argument("--jobs", type=count(MAX_WORKERS), default=1,
                     help="worker processes for the replications (default: 1)")
    chk.set_defaults(handler=check)

    cmp_ = sub.add_parser("compare", help="run what-ifs against a base, side by side",
                          description="Run BASE and each WHATIF on the same seeds (common "
                          "random numbers, paired replications), print every target and "
                          "headline KPI side by side with absolute and relative differences, "
                          "each difference with its 95% confidence interval (n.s. = not "
                          "significant: the interval holds 0) and each target's verdict (MET, "
                          "NOT MET, TOO CLOSE TO CALL: the interval of the mean holds the "
                          "threshold), and write comparison.csv, targets.csv, runs.csv, "
                          "comparison.png and manifest.json into a new folder.")
    cmp_.add_argument("base", type=Path, metavar="BASE", help="the reference scenario file")
    cmp_.add_argument("whatifs", type=Path, nargs="+", metavar="WHATIF",
                      help="scenario or overlay file(s) to compare with BASE")
    cmp_.add_argument("--seed", type=seed, help="seed for every run (default: BASE's run.seed)")
    cmp_.add_argument("--days", type=days, help="measured days after the warm-up (default: "
                      "BASE's horizon_days - warmup_days)")
    cmp_.add_argument("--replications", type=count(MAX_REPLICATIONS),
                      default=DEFAULT_REPLICATIONS, metavar="N",
                      help="runs per scenario on paired seeds; differences get a 95%% "
                      "confidence interval and targets a verdict judged against noise "
                      f"(default: {DEFAULT_REPLICATIONS}; 1 = one draw each, which judges "
                      "nothing)")
    cmp_.add_argument("--workers", type=count(MAX_WORKERS), metavar="N",
                      help="runs at a time: this process and N-1 worker processes (default: "
                      "all cores; 1 = only this process)")
    cmp_.add_argument("--scheduler", metavar="ADDRESS",
                      help="run the replications after the first of each scenario on the "
                      "dask.distributed scheduler at ADDRESS (e.g. tcp://10.0.0.5:8786), or "
                      "'local' for a dask LocalCluster of N-1 workers (--workers N: this "
                      "process runs one of the N); the numbers are the same as on the process "
                      "pool")
    cmp_.add_argument("--out", type=Path, help="folder to create (must not exist; default: "
                      "results/compare-<base>-<timestamp>/)")
    cmp_.add_argument("--quiet", action="store_true", help="no progress bar; print only the "
                      "results folder")
    cmp_.set_defaults(handler=compare)

    cal = sub.add_parser("calibrate", help="compare simulated figures with published ones",
                         description="Simulate SCENARIO and print, for every figure of "
                         "data/calibration_map.csv, the published value (data/"
                         "reference_figures.csv, with year and source), the simulated value, "
                         "the gap, the tolerance and why the gap is expected.")
    cal.add_argument("scenario", nargs="?", type=Path,
                     help="scenario YAML file (default: scenarios/chongqing_2019.yaml)")
    cal.add_argument("--seed", type=seed, help="random seed (default: the scenario's run.seed)")
    cal.add_argument("--markdown", action="store_true",
                     help="print the docs/calibration.md page instead of a text table")
    cal.set_defaults(handler=calibrate)


def check(args: argparse.Namespace) -> int:
    """``hubsim check``: exit 1 when a KPI moved beyond tolerance (see
    :func:`hubsim.experiments.golden.run_check`)."""
    from hubsim.experiments.golden import run_check
    from hubsim.present.tables import check_text

    if args.update:
        check_new_folder(args.expected, exist_ok=True)  # before any run
    with output_errors(args.expected) if args.update else nullcontext():
        return run_check(args.scenarios, args.expected, update=args.update, seeds=args.seeds,
                         days=args.days, jobs=args.jobs,
                         echo=lambda line: print(line, flush=True), render=check_text)


def compare(args: argparse.Namespace) -> int:
    """``hubsim compare``: what-ifs against a base on common random numbers."""
    from hubsim.api import load_scenario
    from hubsim.experiments.compare import compare as compare_scenarios
    from hubsim.experiments.executors import ProcessExecutor, SerialExecutor, make_executor
    from hubsim.present.progress import ProgressBar

    base = load_scenario(args.base)
    whatifs = [load_scenario(p) for p in args.whatifs]
    check_new_folder(args.out)
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    runs = args.replications * (1 + len(whatifs))
    local = args.scheduler is not None and args.scheduler.strip().lower() == "local"
    if args.scheduler is not None and args.replications == 1:
        raise ExperimentError("--scheduler needs more than one replication: replication 0 of "
                              "each scenario runs in this process, only the others on the "
                              "workers")
    if local and workers == 1:  # a remote scheduler brings its own workers
        given = "--workers 1" if args.workers is not None else "this machine's 1 core"
        raise ExperimentError(f"--scheduler local needs --workers N with N >= 2 (got "
                              f"{given}): this process runs one of the N, and a LocalCluster "
                              "of N-1 workers the others")
    # replication 0 runs in this process, the others in a pool of workers - 1 processes, or
    # on dask: a LocalCluster of as many, or the workers of the scheduler at the address
    others = max(1, min(workers, runs) - 1)
    if args.scheduler is not None:
        pool = make_executor(others, None if local else args.scheduler, dask=local)
    else:
        pool = ProcessExecutor(others) \
            if workers > 1 and args.replications > 1 else SerialExecutor()
    bar = ProgressBar(runs, "compare", "runs", enabled=False if args.quiet else None)
    try:
        with pool:
            result = compare_scenarios(base, whatifs, seed=args.seed, days=args.days,
                                       replications=args.replications, executor=pool,
                                       progress=lambda done, total: bar.update(done, total))
    finally:
        bar.close()
    folder = args.out or free_folder(
        lambda stamp: Path("results") / f"compare-{base.name}-{stamp}",
        time.strftime("%Y%m%d-%H%M%S"))
    from hubsim.present.comparison_text import comparison_text
    from hubsim.present.experiment_output import write_comparison

    with output_errors(folder):
        write_comparison(result, folder)
    if args.quiet:
        print(folder)
        return 0
    print(comparison_text(result))
    print(f"\nResults: {folder}/")
    return 0


def calibrate(args: argparse.Namespace) -> int:
    """``hubsim calibrate``: simulated figures beside the published ones."""
    from hubsim.experiments.calibration import run_calibrate
    from hubsim.present.calibration_text import calibration_markdown, calibration_text

    table, res, label = run_calibrate(args.scenario, seed=args.seed)
    print(calibration_markdown(table, label, res) if args.markdown
          else calibration_text(table, res.scenario.name, label, res.seed))
    return 0
