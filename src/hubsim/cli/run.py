"""``hubsim run`` (one simulation; with ``--replications`` see :mod:`hubsim.cli.experiments`)
and ``hubsim report`` (the HTML report of a results folder)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from hubsim.cli import experiments as experiment_cli
from hubsim.cli.common import (
    DEFAULT_SCENARIO,
    check_new_folder,
    days,
    default_scenario,
    free_folder,
    output_errors,
    seed,
)
from hubsim.version import __version__

__all__ = ["add_parsers", "report", "run"]


def add_parsers(sub: Any) -> None:
    """Add the ``run`` and ``report`` subcommands."""
    run_p = sub.add_parser("run", help="simulate a scenario and write a results folder",
                           description="Simulate SCENARIO over 4 independent yearly "
                           "replications (--replications), print each target's verdict (mean, "
                           "95% confidence interval, P(met); MET, NOT MET or TOO CLOSE TO "
                           "CALL), what the demand offered against what was carried, where "
                           "the network jams and a summary by hub and mode, and write a new "
                           "results folder (verdict.csv, bottlenecks.csv, kpis.csv, "
                           "events.parquet and the other tables of the first replication, "
                           "manifest.json, PNG plots).")
    run_p.add_argument("scenario", nargs="?", type=Path,
                       help=f"scenario YAML file (default: scenarios/{DEFAULT_SCENARIO})")
    run_p.add_argument("--out", type=Path, help="results folder to create (must not exist; "
                       "default: results/<scenario>-<timestamp>/)")
    run_p.add_argument("--seed", type=seed,
                       help="random seed (default: the scenario's run.seed)")
    run_p.add_argument("--days", type=days, help="measured days after the warm-up "
                       "(default: the scenario's horizon_days - warmup_days)")
    run_p.add_argument("--strict", action="store_true",
                       help="exit with status 1 unless every target is MET (too close to "
                       "call counts as not met)")
    run_p.add_argument("--quiet", action="store_true", help="print only the results folder "
                       "(and no progress bar)")
    run_p.add_argument("--report", action="store_true", help="also write report.html, a "
                       "self-contained HTML report (verdict, figures, tables, manifest)")
    experiment_cli.add_run_options(run_p)
    run_p.set_defaults(handler=run)

    rep = sub.add_parser("report", help="write report.html for a results folder",
                         description="Write RESULTS_DIR/report.html: one self-contained HTML "
                         "file (figures embedded) with the verdict, key figures, KPI tables, "
                         "scenario summary and manifest of a folder written by 'hubsim run'. "
                         "Replaces an earlier report.html in that folder.")
    rep.add_argument("results_dir", type=Path, metavar="RESULTS_DIR",
                     help="results folder written by 'hubsim run'")
    rep.set_defaults(handler=report)


def run(args: argparse.Namespace) -> int:
    """``hubsim run``: exit 0, or 1 with ``--strict`` unless every target is MET."""
    import os

    import pandas as pd

    from hubsim.api import load_scenario
    from hubsim.experiments.executors import ProcessExecutor
    from hubsim.experiments.verdict import DEFAULT_REPLICATIONS, Verdict, start_verdict, summary
    from hubsim.present.output import default_folder, write_results
    from hubsim.present.progress import ProgressBar, Stage, day_progress
    from hubsim.present.tables import run_text
    from hubsim.present.verdict import verdict_text

    if args.precision is not None or args.resume:
        return experiment_cli.run_replications(args)
    experiment_cli.check_single_run(args)
    n = args.replications or DEFAULT_REPLICATIONS
    path = args.scenario or default_scenario()
    scn = load_scenario(path)
    check_new_folder(args.out)
    seed_ = scn.run.seed if args.seed is None else args.seed
    if args.workers is not None or args.scheduler is not None:
        executor = experiment_cli.executor(args)
    else:  # the other replications beside this process, at most one per core
        executor = ProcessExecutor(max(1, min(os.cpu_count() or 1, n - 1)))
    if not args.quiet:
        days = args.days if args.days is not None else \
            scn.run.horizon_days - scn.run.warmup_days
        others = f"; {n - 1} more replications on {executor.workers} worker" \
            f"{'s' if executor.workers > 1 else ''}" if n > 1 else " (one draw)"
        shown = path if args.scenario else f"the bundled scenarios/{DEFAULT_SCENARIO}"
        print(f"hubsim {__version__}: {scn.name} from {shown}, seed {seed_}, {days:g} measured "
              f"day{'' if days == 1 else 's'} after {scn.run.warmup_days:g} warm-up "
              f"day{'' if scn.run.warmup_days == 1 else 's'}{others}", flush=True)
    # on a terminal only (standard error), never with --quiet
    bar_on = False if args.quiet else None
    with executor:
        with ProgressBar(0, label=scn.name, unit="simulated days", enabled=bar_on) as bar:
            pending = start_verdict(scn, n, seed=args.seed, days=args.days,
                                    executor=executor,
                                    progress=day_progress(bar, scn.run.warmup_days))
        res = pending.results
        folder = args.out or free_folder(lambda stamp: default_folder(res, stamp),
                                         time.strftime("%Y%m%d-%H%M%S"))
        verdicts: list[Verdict] = []
        stage = Stage(enabled=bar_on)

        def finish() -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
            """The other replications, awaited once replication 0's folder is written."""
            stage.done()
            bars: list[ProgressBar] = []  # drawn only if there is something to wait for

            def waiting(done: int, total: int) -> None:
                if not bars:
                    bars.append(ProgressBar(0, label="replications", unit="runs",
                                            enabled=bar_on))
                bars[0].update(done + 1, total + 1, "running")

            try:
                v = pending.finish(waiting)
            finally:
                for b in bars:
                    b.close()
            verdicts.append(v)
            stage.start("writing results: verdict, manifest"
                        + (", report" if args.report else ""))
            return ({"verdict.csv": v.table, "runs.csv": v.experiment.runs,
                     "summary.csv": v.experiment.summary}, {"verdict": summary(v)})

        stage.start("writing results: tables, event log, figures")
        try:
            with output_errors(folder):
                write_results(res, folder, report=args.report, late=finish,
                              free_records=True)
        except BaseException:
            stage.stop()
            pending.abort()  # the other replications are not waited for
            raise
        stage.done()
    v = verdicts[0]
    if args.quiet:
        print(folder)
    else:
        print(run_text(res, verdict_text(v.table, v.seeds)))
        print(f"\nResults: {folder}/")
    if args.strict and not bool((v.table["verdict"] == "MET").all()) \
            and not (n == 1 and bool(res.targets["met"].all())):
        return 1
    return 0


def report(args: argparse.Namespace) -> int:
    """``hubsim report``: write report.html into a results folder and print its path."""
    from hubsim.present.report import write_report

    with output_errors(args.results_dir):
        print(write_report(args.results_dir))
    return 0
