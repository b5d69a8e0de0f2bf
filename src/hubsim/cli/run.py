"""``hubsim run`` (one simulation; with ``--replications`` see :mod:`hubsim.cli.experiments`)
and ``hubsim report`` (the HTML report of a results folder)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from hubsim.api import load_scenario, simulate
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
                           description="Simulate SCENARIO, print the verdict against its "
                           "targets and a summary by hub and mode, and write a new results "
                           "folder (kpis.csv, targets.csv, events.parquet, "
                           "consignments.parquet, trips.parquet, manifest.json, PNG plots).")
    run_p.add_argument("scenario", nargs="?", type=Path,
                       help=f"scenario YAML file (default: scenarios/{DEFAULT_SCENARIO})")
    run_p.add_argument("--out", type=Path, help="results folder to create (must not exist; "
                       "default: results/<scenario>-<timestamp>/)")
    run_p.add_argument("--seed", type=seed,
                       help="random seed (default: the scenario's run.seed)")
    run_p.add_argument("--days", type=days, help="measured days after the warm-up "
                       "(default: the scenario's horizon_days - warmup_days)")
    run_p.add_argument("--strict", action="store_true",
                       help="exit with status 1 when any target is not met")
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
    """``hubsim run``: exit 0, or 1 with ``--strict`` when a target is not met."""
    from hubsim.present.output import default_folder, write_results
    from hubsim.present.progress import ProgressBar, day_progress
    from hubsim.present.tables import run_text

    if args.replications is not None:
        return experiment_cli.run_replications(args)
    experiment_cli.check_single_run(args)
    path = args.scenario or default_scenario()
    scn = load_scenario(path)
    check_new_folder(args.out)
    if not args.quiet:
        days = args.days if args.days is not None else \
            scn.run.horizon_days - scn.run.warmup_days
        print(f"hubsim {__version__}: {scn.name} from {path}, seed "
              f"{scn.run.seed if args.seed is None else args.seed}, {days:g} measured days "
              f"after {scn.run.warmup_days:g} warm-up days", flush=True)
    # on a terminal only (standard error), never with --quiet
    with ProgressBar(0, label=scn.name, unit="simulated days",
                     enabled=False if args.quiet else None) as bar:
        res = simulate(scn, seed=args.seed, days=args.days, progress=day_progress(bar))
    folder = args.out or free_folder(lambda stamp: default_folder(res, stamp),
                                     time.strftime("%Y%m%d-%H%M%S"))
    with output_errors(folder):
        write_results(res, folder, report=args.report)
    if args.quiet:
        print(folder)
    else:
        print(run_text(res))
        print(f"\nResults: {folder}/")
    if args.strict and not bool(res.targets["met"].all()):
        return 1
    return 0


def report(args: argparse.Namespace) -> int:
    """``hubsim report``: write report.html into a results folder and print its path."""
    from hubsim.present.report import write_report

    with output_errors(args.results_dir):
        print(write_report(args.results_dir))
    return 0
