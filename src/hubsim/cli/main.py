"""The ``hubsim`` command: a thin shell over the Python API.

Exit codes: 0 done; 1 ``--strict`` and a target not met, or ``check`` found KPIs that moved
beyond tolerance; 2 bad input or a missing golden file (one line on stderr, no
traceback, no results folder); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from hubsim.api import load_scenario, simulate
from hubsim.cli import experiments as experiment_cli
from hubsim.cli.common import DEFAULT_SCENARIO, default_scenario
from hubsim.errors import ScenarioError
from hubsim.present.text import table
from hubsim.scenario.schema import Scenario, field_table
from hubsim.sim.network import build_network, route_table
from hubsim.version import __version__


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's own convention)
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="hubsim", description="Simulate multimodal freight networks and judge "
                "them against throughput targets (reference network: Chongqing).")
    p.add_argument("--version", action="version", version=f"hubsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", help="simulate a scenario and write a results folder",
                         description="Simulate SCENARIO, print the verdict against its targets "
                         "and a summary by hub and mode, and write a new results folder "
                         "(kpis.csv, targets.csv, events.parquet, consignments.parquet, "
                         "trips.parquet, manifest.json, PNG plots).")
    run.add_argument("scenario", nargs="?", type=Path,
                     help=f"scenario YAML file (default: scenarios/{DEFAULT_SCENARIO})")
    run.add_argument("--out", type=Path, help="results folder to create (must not exist; "
                     "default: results/<scenario>-<timestamp>/)")
    run.add_argument("--seed", type=int, help="random seed (default: the scenario's run.seed)")
    run.add_argument("--days", type=float, help="measured days after the warm-up (default: "
                     "the scenario's horizon_days - warmup_days)")
    run.add_argument("--strict", action="store_true",
                     help="exit with status 1 when any target is not met")
    run.add_argument("--quiet", action="store_true", help="print only the results folder "
                     "(and no progress bar)")
    run.add_argument("--report", action="store_true", help="also write report.html, a "
                     "self-contained HTML report (verdict, figures, tables, manifest)")
    experiment_cli.add_run_options(run)

    rep = sub.add_parser("report", help="write report.html for a results folder",
                         description="Write RESULTS_DIR/report.html: one self-contained HTML "
                         "file (figures embedded) with the verdict, key figures, KPI tables, "
                         "scenario summary and manifest of a folder written by 'hubsim run'. "
                         "Replaces an earlier report.html in that folder.")
    rep.add_argument("results_dir", type=Path, metavar="RESULTS_DIR",
                     help="results folder written by 'hubsim run'")

    val = sub.add_parser("validate", help="check a scenario file and summarise it",
                         description="Load and check SCENARIO (types, units, references, "
                         "routes) and summarise its network, services, demand and targets, "
                         "without simulating.")
    val.add_argument("scenario", type=Path, help="scenario YAML file")

    fields = sub.add_parser("fields", help="list every scenario field with unit and default",
                            description="Print the scenario format: every field, its unit, "
                            "default and meaning (the same metadata the error messages use).")
    fields.add_argument("--markdown", action="store_true", help="as a Markdown table")

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
    chk.add_argument("--seeds", type=int, nargs="+", metavar="N",
                     help="with --update: seeds to replicate over (default: the file's, or "
                     "1 2 3 4 for a new file)")
    chk.add_argument("--days", type=float, help="with --update: measured days after the "
                     "warm-up (default: the file's, or 60 for a new file)")
    chk.add_argument("--jobs", type=int, default=1,
                     help="worker processes for the replications (default: 1)")

    show = sub.add_parser("show", help="print the fully resolved scenario as YAML",
                          description="Resolve SCENARIO (following extends: overlays and CSV "
                          "tables) and print it as one YAML scenario, every field written out.")
    show.add_argument("scenario", type=Path, help="scenario or overlay YAML file")

    dif = sub.add_parser("diff", help="what changed between two scenarios, field by field",
                         description="Print the semantic difference from scenario A to "
                         "scenario B: one line per changed field with its unit and relative "
                         "change, items matched by id (links by from-to:mode, demand by "
                         "origin-destination), + added, - removed.")
    dif.add_argument("a", type=Path, metavar="A", help="scenario file (before)")
    dif.add_argument("b", type=Path, metavar="B", help="scenario file (after)")

    cmp_ = sub.add_parser("compare", help="run what-ifs against a base, side by side",
                          description="Run BASE and each WHATIF with the same seed (common "
                          "random numbers), print every target and headline KPI side by side "
                          "with absolute and relative differences, and write comparison.csv, "
                          "targets.csv, comparison.png and manifest.json into a new folder.")
    cmp_.add_argument("base", type=Path, metavar="BASE", help="the reference scenario file")
    cmp_.add_argument("whatifs", type=Path, nargs="+", metavar="WHATIF",
                      help="scenario or overlay file(s) to compare with BASE")
    cmp_.add_argument("--seed", type=int, help="seed for every run (default: BASE's run.seed)")
    cmp_.add_argument("--days", type=float, help="measured days after the warm-up (default: "
                      "BASE's horizon_days - warmup_days)")
    cmp_.add_argument("--replications", type=int, default=1, metavar="N",
                      help="runs per scenario on paired seeds; differences get a 95%% "
                      "confidence interval (default: 1)")
    cmp_.add_argument("--out", type=Path, help="folder to create (must not exist; default: "
                      "results/compare-<base>-<timestamp>/)")

    cal = sub.add_parser("calibrate", help="compare simulated figures with published ones",
                         description="Simulate SCENARIO and print, for every figure of "
                         "data/calibration_map.csv, the published value (data/"
                         "reference_figures.csv, with year and source), the simulated value, "
                         "the gap, the tolerance and why the gap is expected.")
    cal.add_argument("scenario", nargs="?", type=Path,
                     help="scenario YAML file (default: scenarios/chongqing_2019.yaml)")
    cal.add_argument("--seed", type=int, help="random seed (default: the scenario's run.seed)")
    cal.add_argument("--markdown", action="store_true",
                     help="print the docs/calibration.md page instead of a text table")
    experiment_cli.add_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "check":
            return _check(args)
        if args.command == "calibrate":
            return _calibrate(args)
        if args.command in ("show", "diff", "compare"):
            return _overlay_commands(args)
        if args.command == "report":
            return _report(args)
        if args.command in ("sweep", "goal", "capacity"):
            return getattr(experiment_cli, f"run_{args.command}")(args)
        return _fields(args)
    except (ScenarioError, FileExistsError, ValueError) as exc:
        print(f"hubsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hubsim: interrupted; no results written", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    from hubsim.present.output import default_folder, write_results
    from hubsim.present.tables import run_text

    if args.replications is not None:
        return experiment_cli.run_replications(args)
    experiment_cli.check_single_run(args)
    path = args.scenario or default_scenario()
    scn = load_scenario(path)
    if args.days is not None and args.days <= 0:
        raise ValueError(f"--days must be > 0, got {args.days:g}")
    if args.out is not None and args.out.exists():
        raise FileExistsError(f"{args.out}: already exists; results are never overwritten")
    if not args.quiet:
        days = args.days if args.days is not None else \
            scn.run.horizon_days - scn.run.warmup_days
        print(f"hubsim {__version__}: {scn.name} from {path}, seed "
              f"{scn.run.seed if args.seed is None else args.seed}, {days:g} measured days "
              f"after {scn.run.warmup_days:g} warm-up days", flush=True)
    from hubsim.present.progress import ProgressBar, day_progress

    # on a terminal only (standard error), never with --quiet
    with ProgressBar(0, label=scn.name, unit="simulated days",
                     enabled=False if args.quiet else None) as bar:
        res = simulate(scn, seed=args.seed, days=args.days, progress=day_progress(bar))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = args.out or default_folder(res, stamp)
    n = 1
    while args.out is None and folder.exists():
        n += 1
        folder = default_folder(res, f"{stamp}-{n}")
    write_results(res, folder, report=args.report)
    if args.quiet:
        print(folder)
    else:
        print(run_text(res))
        print(f"\nResults: {folder}/")
    if args.strict and not bool(res.targets["met"].all()):
        return 1
    return 0


def _report(args: argparse.Namespace) -> int:
    from hubsim.present.report import write_report

    print(write_report(args.results_dir))
    return 0


def _check(args: argparse.Namespace) -> int:
    from hubsim.experiments.golden import run_check
    from hubsim.present.tables import check_text

    return run_check(args.scenarios, args.expected, update=args.update, seeds=args.seeds,
                     days=args.days, jobs=args.jobs,
                     echo=lambda line: print(line, flush=True), render=check_text)


def _calibrate(args: argparse.Namespace) -> int:
    from hubsim.experiments.calibration import run_calibrate
    from hubsim.present.calibration_text import calibration_markdown, calibration_text

    table, res, label = run_calibrate(args.scenario, seed=args.seed)
    print(calibration_markdown(table, label, res) if args.markdown
          else calibration_text(table, res.scenario.name, label, res.seed))
    return 0


def _overlay_commands(args: argparse.Namespace) -> int:
    """show, diff and compare (logic in hubsim.scenario.diff and hubsim.experiments.compare)."""
    if args.command == "show":
        from hubsim.scenario.diff import show_text

        print(show_text(load_scenario(args.scenario)), end="")
        return 0
    if args.command == "diff":
        from hubsim.scenario.diff import diff_text

        print(diff_text(load_scenario(args.a), load_scenario(args.b), str(args.a),
                        str(args.b)))
        return 0
    from hubsim.experiments.compare import compare

    base = load_scenario(args.base)
    whatifs = [load_scenario(p) for p in args.whatifs]
    if args.days is not None and args.days <= 0:
        raise ValueError(f"--days must be > 0, got {args.days:g}")
    if args.seed is not None and args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    if args.replications < 1:
        raise ValueError(f"--replications must be >= 1, got {args.replications}")
    if args.out is not None and args.out.exists():
        raise FileExistsError(f"{args.out}: already exists; results are never overwritten")
    result = compare(base, whatifs, seed=args.seed, days=args.days,
                     replications=args.replications)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = args.out or Path("results") / f"compare-{base.name}-{stamp}"
    n = 1
    while args.out is None and folder.exists():
        n += 1
        folder = Path("results") / f"compare-{base.name}-{stamp}-{n}"
    result.write(folder)
    print(result.text())
    print(f"\nResults: {folder}/")
    return 0


def _validate(args: argparse.Namespace) -> int:
    scn = load_scenario(args.scenario)
    print(summary_text(scn))
    print(f"\n{args.scenario}: OK")
    return 0


def summary_text(scn: Scenario) -> str:
    """What ``hubsim validate`` prints: the scenario at a glance."""
    out = [f"Scenario {scn.name}: {scn.description.strip().splitlines()[0]}"
           if scn.description.strip() else f"Scenario {scn.name}",
           f"  run: {scn.run.horizon_days:g} days ({scn.run.warmup_days:g} warm-up), "
           f"seed {scn.run.seed}",
           f"  nodes: {len(scn.hubs)} hubs ({', '.join(scn.hubs)}), {len(scn.zones)} zones, "
           f"{len(scn.gateways)} gateways ({', '.join(scn.gateways)})"]
    by_mode: dict[str, int] = {}
    for lk in scn.links:
        by_mode[lk.mode] = by_mode.get(lk.mode, 0) + 1
    out.append(f"  links: {len(scn.links)} ("
               + ", ".join(f"{m} {n}" for m, n in sorted(by_mode.items())) + ")")
    rows = []
    for svc in scn.services:
        unit = "TEU" if svc.cargo == "container" else "t"
        if svc.on_demand:
            freq, yearly = "on demand", "-"
        else:
            per_week = 168.0 / svc.headway
            dirs = 2 if svc.bidirectional else 1
            freq = f"{per_week:g}/week"
            yearly = f"{per_week * 52.14 * svc.capacity * dirs:,.0f} {unit}"
        rows.append([svc.id, f"{svc.from_}-{svc.to}", svc.mode, f"{svc.capacity:g} {unit}",
                     freq, str(svc.fleet or "unlimited"), yearly])
    out += ["", f"Services ({len(scn.services)})",
            table(rows, ["id", "link", "mode", "capacity", "frequency", "fleet",
                          "capacity/yr (both ways)"])]
    routes = route_table(build_network(scn), scn)
    rows = []
    teu = tonnes = intl_t = 0.0
    for dem in scn.demand:
        legs = routes[(dem.origin, dem.destination, dem.cargo)]
        path = dem.origin + "".join(f" -{leg.mode}-> {leg.v}" for leg in legs)
        rows.append([f"{dem.origin}->{dem.destination}", dem.cargo,
                     f"{dem.teu_per_year:,.0f}", f"{dem.tonnes_per_year:,.0f}", path])
        teu += dem.teu_per_year
        tonnes += dem.tonnes_per_year
        gw_intl = any(scn.gateways[n].international for n in (dem.origin, dem.destination)
                      if n in scn.gateways)
        if (dem.international if dem.international is not None else gw_intl):
            intl_t += dem.tonnes_per_year
    out += ["", f"Demand ({len(scn.demand)} flows): {teu:,.0f} TEU/yr, {tonnes:,.0f} t/yr "
                f"({intl_t:,.0f} t/yr international)",
            table(rows, ["flow", "cargo", "TEU/yr", "t/yr", "route"])]
    if scn.targets:
        out += ["", "Targets"] + [f"  {t.id}: {t.kpi}{' at ' + t.hub if t.hub else ''} "
                                  f"{t.sense} {t.threshold:,.0f}" for t in scn.targets]
    from hubsim.scenario.disruptions import describe

    out += describe(scn)
    return "\n".join(out)


def _fields(args: argparse.Namespace) -> int:
    print(fields_markdown() if args.markdown else table(
        [[r["field"], r["unit"], r["default"], r["description"]] for r in field_table()],
        ["field", "unit", "default", "description"]))
    return 0


def fields_markdown() -> str:
    """The scenario format as a Markdown table (docs/scenario-format.md is this output)."""
    lines = ["| field | unit | default | description |", "|---|---|---|---|"]
    for r in field_table():
        lines.append(f"| `{r['field']}` | {r['unit']} | {r['default']} | {r['description']} |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
