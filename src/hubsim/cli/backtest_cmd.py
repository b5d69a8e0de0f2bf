"""Command line of ``hubsim backtest``: fit on 2019-2021, simulate 2022 and 2023, compare with
the published figures (thin handler over :mod:`hubsim.experiments.backtest`)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from hubsim.cli.common import MAX_WORKERS, check_new_folder, count, days, free_folder

__all__ = ["add_parsers", "backtest"]


def _years(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(y) for y in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be years separated by commas (2021,2022,2023), "
                                         f"got {text!r}") from None


def add_parsers(sub: Any) -> None:
    """Add the ``backtest`` subcommand."""
    p = sub.add_parser(
        "backtest", help="fit demand on 2019-2021, simulate 2022-2023, compare with what was "
        "published", description="Fit each demand group's growth to the published 2019-2021 "
        "volumes (least squares on their logarithms), run the historical scenarios of 2021 "
        "(in-sample), 2022 and 2023 with their published service levels, and set every "
        "published figure the fit did not use beside the simulated one with its 95%% "
        "interval; gaps beyond 15%% carry their reason (definition, data or model). Writes "
        "backtest.csv, fit.csv, factors.csv and backtest.md into the results folder.")
    p.add_argument("--replications", type=count(100), default=3, metavar="N",
                   help="runs per year (default 3; at least 2)")
    p.add_argument("--years", type=_years, default=(2021, 2022, 2023), metavar="Y,Y",
                   help="years to simulate (default 2021,2022,2023)")
    p.add_argument("--days", type=days, help="measured days per run (default: the whole "
                   "year; figures whose months end later are left out)")
    p.add_argument("--workers", type=count(MAX_WORKERS), metavar="N",
                   help="worker processes (default: all cores; 1 = in this process)")
    p.add_argument("--out", type=Path, help="results folder (default: "
                   "results/backtest-<timestamp>/)")
    p.add_argument("--doc", type=Path, metavar="FILE",
                   help="also write the markdown to FILE (docs/backtest.md is made this way)")
    p.set_defaults(handler=backtest)


def backtest(args: argparse.Namespace) -> int:
    """``hubsim backtest``."""
    from hubsim.atomic import atomic_write, publish, temp_path
    from hubsim.experiments.backtest import backtest as run_backtest
    from hubsim.experiments.executors import make_executor
    from hubsim.present.backtest_text import backtest_markdown, backtest_text

    check_new_folder(args.out)
    with make_executor(args.workers) as ex:
        bt = run_backtest(args.replications, args.years, days=args.days, executor=ex)
    print(backtest_text(bt))
    command = "hubsim backtest" + (f" --replications {args.replications}"
                                   if args.replications != 3 else "") \
        + (f" --years {','.join(map(str, args.years))}"
           if tuple(args.years) != (2021, 2022, 2023) else "") \
        + (f" --days {args.days:g}" if args.days is not None else "")
    md = backtest_markdown(bt, command)
    folder = args.out or free_folder(lambda s: Path("results") / f"backtest-{s}",
                                     time.strftime("%Y%m%d-%H%M%S"))
    tmp = temp_path(folder)
    tmp.mkdir(parents=True)
    bt.table.to_csv(tmp / "backtest.csv", index=False)
    bt.fits.to_csv(tmp / "fit.csv", index=False)
    bt.factors.to_csv(tmp / "factors.csv", index=False)
    (tmp / "backtest.md").write_text(md)
    publish(tmp, folder)
    if args.doc is not None:
        def write_doc(path: Path) -> None:
            path.write_text(md)

        atomic_write(args.doc, write_doc, replace=True)
    print(f"\nResults: {folder}/")
    return 0
