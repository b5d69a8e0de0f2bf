"""Command-line front of the experiments: ``hubsim run --replications``, ``hubsim sweep``,
``hubsim goal`` and ``hubsim capacity`` (argument definitions and thin handlers over
:mod:`hubsim.experiments.replicate`, :mod:`hubsim.experiments.goal` and
:mod:`hubsim.experiments.capacity`).

Each command writes a results folder, by default ``results/<scenario>-<command>-<hash>/``
where the hash identifies the scenario content and the options that decide the runs: the same
command finds the same folder, so ``--resume`` continues an interrupted experiment.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hubsim.catalogue import CATALOGUE
from hubsim.cli.common import (
    MAX_REPLICATIONS,
    MAX_WORKERS,
    check_new_folder,
    count,
    days,
    default_scenario,
    finite,
    positive,
    seed,
    share,
    tolerance,
)
from hubsim.errors import ExperimentError, ScenarioError, Terminated
from hubsim.experiments.executors import Executor, make_executor
from hubsim.present.progress import ProgressBar
from hubsim.present.text import format_interval, format_value, table

if TYPE_CHECKING:
    from hubsim.experiments.replicate import Experiment
    from hubsim.scenario.schema import Scenario

__all__ = ["add_execution_options", "add_parsers", "add_run_options", "check_single_run",
           "executor",
           "run_capacity",
           "run_goal", "run_replications", "run_sweep"]


def add_execution_options(p: argparse.ArgumentParser) -> None:
    """--workers, --scheduler, --resume, --out, --seed, --days, --quiet."""
    p.add_argument("--workers", type=count(MAX_WORKERS), metavar="N",
                   help="worker processes (default: all cores, for hubsim run at most one per "
                   "replication beside its own; 1 = in this process; with --scheduler local: "
                   "the LocalCluster's size)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on the dask.distributed scheduler at ADDRESS "
                   "(e.g. tcp://10.0.0.5:8786), or 'local' for a dask LocalCluster")
    p.add_argument("--resume", action="store_true",
                   help="continue the experiment in its results folder, skipping finished runs")


def add_run_options(run: argparse.ArgumentParser) -> None:
    """Options ``hubsim run`` gains for replications."""
    run.add_argument("--replications", type=count(MAX_REPLICATIONS), metavar="N",
                     help="independent yearly replications behind the verdict (default 4: "
                     "means, 95%% confidence intervals, the probability each target is met; "
                     "the event log, tables and figures are the first, the scenario's seed); "
                     "1 = one labelled draw")
    run.add_argument("--precision", type=share, metavar="REL",
                     help="add batches of N runs (default 4) until every target KPI's 95%% "
                     "CI half-width is at most REL x its mean (e.g. 0.01); keeps only KPIs "
                     "(an experiment folder, resumable), no event log or figures")
    run.add_argument("--max-replications", type=count(MAX_REPLICATIONS), default=100, metavar="N",
                     help="with --precision: stop at this many replications (default 100)")
    add_execution_options(run)


def check_single_run(args: argparse.Namespace) -> None:
    """``hubsim run --replications 1`` (one draw): refuse the options that need several."""
    if args.replications != 1:
        return
    given = [flag for flag, value in (("--precision", args.precision),
                                      ("--workers", args.workers),
                                      ("--scheduler", args.scheduler),
                                      ("--resume", args.resume or None)) if value is not None]
    if given:
        raise ExperimentError(f"{', '.join(given)} needs more than one replication "
                              "(--replications 1 is one run in one process)")


def _common(p: argparse.ArgumentParser, reps: int) -> None:
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument("--replications", type=count(MAX_REPLICATIONS), default=reps, metavar="N",
                   help=f"replications per point (default {reps})")
    p.add_argument("--seed", type=seed, help="base seed (default: the scenario's run.seed)")
    p.add_argument("--days", type=days, help="measured days per run (default: the "
                   "scenario's horizon_days - warmup_days)")
    p.add_argument("--out", type=Path, help="results folder (default: "
                   "results/<scenario>-<command>-<hash of the options>/)")
    p.add_argument("--quiet", action="store_true", help="no progress bar; print only the "
                   "results folder")
    add_execution_options(p)


def add_parsers(sub: Any) -> None:
    """Add the ``sweep``, ``goal`` and ``capacity`` subcommands."""
    sw = sub.add_parser("sweep", help="replications over a grid of parameter values",
                        description="Run replications at every combination of the --set "
                        "values; write one tidy table (one row per point x replication), "
                        "summaries with 95% CIs and a plot of the target KPI against the "
                        "first parameter. Prints each target per point with its verdict (MET, "
                        "NOT MET, or TOO CLOSE TO CALL when the 95% CI of the mean holds the "
                        "threshold) and its difference from the first point, paired over the "
                        "same seeds, with its 95% CI (n.s. = not significant: it holds 0).")
    _common(sw, 5)
    sw.set_defaults(handler=run_sweep)
    sw.add_argument("--set", dest="sets", action="append", required=True,
                    metavar="PATH=VALUES", help="a parameter and its values: a list 4,6,8, "
                    "a range 2:10 or 2:10:2, or scales x0.8,x1.2 / x0.5:1.5:0.25; repeat for "
                    "a grid (paths as in overlays: hubs.guoyuan.areas.water.equipment, "
                    "services.<id>.per_week, demand.*.teu_per_year)")
    sw.add_argument("--kpi", help="KPI to plot (default: the first target's)")

    gl = sub.add_parser("goal", help="smallest parameter value that meets a target",
                        description="Find the smallest value of --vary at which --target is "
                        "met in at least --probability of the replications (assumes more "
                        "never hurts); reuses every finished run. When the target is not met "
                        "at the current value, a pilot first tries 4 x the current value (or "
                        "--high) and stops, naming what binds instead, when the KPI does not "
                        "respond.")
    _common(gl, 10)
    gl.set_defaults(handler=run_goal)
    gl.add_argument("--target", required=True,
                    help="target id, or the KPI of one target (e.g. channel_teu)")
    gl.add_argument("--vary", required=True, metavar="PATH",
                    help="the number field to vary (e.g. hubs.guoyuan.areas.water.equipment)")
    gl.add_argument("--probability", type=share, default=0.9,
                    help="required fraction of replications meeting the target (default 0.9)")
    gl.add_argument("--low", type=finite, help="smallest value tried (default: --step)")
    gl.add_argument("--high", type=finite, help="largest value tried (default: 64 x current)")
    gl.add_argument("--step", type=positive, help="grid step of the values (default 1)")
    gl.add_argument("--no-pilot", action="store_true",
                    help="search without first testing whether the KPI responds to --vary")

    cp = sub.add_parser("capacity", help="sustainable channel TEU and what binds it",
                        description="Scale all demand until the network stops keeping up "
                        "(the TEU waiting at nodes grows, or a TEU resource is saturated); "
                        "report the largest channel TEU/yr it sustains for the scenario's "
                        "demand pattern with its 95% interval, the TEU resources' utilisation "
                        "and queue growth (TEU/day), the resource that binds, network-wide "
                        "and per corridor, and the channel TEU/yr one more unit of it adds.")
    _common(cp, 3)
    cp.set_defaults(handler=run_capacity)
    cp.add_argument("--tol", type=tolerance, default=0.02,
                    help="relative precision of the sustainable demand scale (default 0.02)")
    cp.add_argument("--no-marginal", action="store_true",
                    help="skip the searches with one more unit of each binding resource")
    cp.add_argument("--no-corridors", action="store_true",
                    help="skip the per-corridor searches (the network-wide answer only)")


# --------------------------------------------------------------------------- plumbing
def _check_finite(spec: str, values: list[Any]) -> None:
    """A ``--set`` value (or scale ``xK``) that is inf or nan: ScenarioError naming the spec."""
    for value in values:
        text = str(value).strip().lstrip("x*") if isinstance(value, str) else value
        try:
            number = float(text)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(number):
            raise ScenarioError(f"--set {spec!r:.90}: values must be finite numbers, "
                                f"got {value!r:.40}")


def _folder(args: argparse.Namespace, kind: str, scn: Scenario, keys: dict[str, Any]) -> Path:
    from hubsim.experiments.params import scenario_digest

    text = json.dumps({"scenario": scenario_digest(scn), "kind": kind, **keys},
                      sort_keys=True, default=str)
    folder = args.out if args.out is not None else \
        Path("results") / f"{scn.name}-{kind}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"
    check_new_folder(folder, exist_ok=True)  # writable before any run; RunStore: --resume
    return folder


class _Bar:
    """Progress over several batches of runs (a search submits one batch per step)."""

    def __init__(self, label: str, quiet: bool):
        self.bar = ProgressBar(0, label, "runs", enabled=False if quiet else None)
        self.before = 0
        self.last_total = 0

    def __call__(self, done: int, total: int, running: int) -> None:
        if done == 0:
            self.before += self.last_total
            self.last_total = total
        self.bar.update(self.before + done, self.before + total, f"{running} running")

    def close(self) -> None:
        self.bar.close()


def executor(args: argparse.Namespace) -> Executor:
    """The executor ``--workers`` / ``--scheduler`` ask for."""
    local = args.scheduler is not None and args.scheduler.strip().lower() == "local"
    return make_executor(args.workers, None if local else args.scheduler, dask=local)


def _interrupted(folder: Path, exc: KeyboardInterrupt) -> int:
    """Ctrl-C (130) or SIGTERM (143, :class:`~hubsim.errors.Terminated`): the finished runs
    stay in ``folder`` for ``--resume``."""
    runs = len(list((folder / "runs").glob("*.json"))) if (folder / "runs").is_dir() else 0
    terminated = isinstance(exc, Terminated)
    print(f"hubsim: {'terminated' if terminated else 'interrupted'}; {runs} finished "
          f"run{'' if runs == 1 else 's'} kept in {folder}/ (rerun the same command with "
          "--resume to continue)", file=sys.stderr)
    return 143 if terminated else 130


def _execute(args: argparse.Namespace, folder: Path, label: str,
             job: Callable[[Executor, _Bar], Any]) -> Any:
    bar = _Bar(label, args.quiet)
    try:
        with executor(args) as ex:
            return job(ex, bar)
    finally:
        bar.close()


def _search_failed(exc: Exception, folder: Path) -> int:
    print(f"hubsim: error: {exc} (runs so far kept in {folder}/)", file=sys.stderr)
    return 1


def _failures(exp: Experiment) -> list[str]:
    out = []
    for d in exp.failures.to_dict("records"):
        params = ", ".join(f"{p}={d[p]}" for p in exp.parameters)
        out.append(f"  FAILED run point {d['point']} replication {d['replication']} seed "
                   f"{d['seed']}{' (' + params + ')' if params else ''}: {d['error']}")
    return out


# --------------------------------------------------------------------------- handlers
def run_replications(args: argparse.Namespace) -> int:
    """``hubsim run SCENARIO --replications N [--precision REL]``."""
    from hubsim.api import load_scenario
    from hubsim.experiments.replicate import replicate
    from hubsim.experiments.verdict import DEFAULT_REPLICATIONS
    from hubsim.present.tables import experiment_targets_text

    if args.replications is None:
        args.replications = DEFAULT_REPLICATIONS
    path = args.scenario or default_scenario()
    scn = load_scenario(path)
    folder = _folder(args, "replications", scn, {
        "seed": args.seed, "days": args.days, "replications": args.replications,
        "precision": args.precision, "max": args.max_replications})
    try:
        exp = _execute(args, folder, "replications", lambda ex, bar: replicate(
            scn, args.replications, seed=args.seed, days=args.days, precision=args.precision,
            max_replications=args.max_replications, executor=ex, out=folder,
            resume=args.resume, progress=bar))
    except KeyboardInterrupt as exc:
        return _interrupted(folder, exc)
    if args.quiet:
        print(exp.folder)
        return 1 if len(exp.failures) else 0
    print(f"{scn.name}: {len(exp.runs)} replications ({exp.simulated} simulated, "
          f"{exp.reused} reused), 95% confidence intervals")
    print(experiment_targets_text(exp.targets, []))
    for line in _failures(exp):
        print(line)
    print(f"\nResults: {exp.folder}/")
    return 1 if len(exp.failures) else 0


def run_sweep(args: argparse.Namespace) -> int:
    from hubsim.api import load_scenario
    from hubsim.experiments.params import parse_set
    from hubsim.experiments.replicate import sweep

    params: dict[str, list[Any]] = {}
    for spec in args.sets:
        path, values = parse_set(spec)
        _check_finite(spec, values)
        if path in params:
            raise ScenarioError(f"--set {path}: given twice")
        params[path] = values
    if args.kpi is not None and args.kpi not in CATALOGUE:
        raise ScenarioError(f"--kpi {args.kpi!r}: no such KPI (known: {', '.join(CATALOGUE)})")
    scn = load_scenario(args.scenario)
    folder = _folder(args, "sweep", scn, {"seed": args.seed, "days": args.days,
                                          "replications": args.replications,
                                          "params": params})
    try:
        exp = _execute(args, folder, "sweep", lambda ex, bar: sweep(
            scn, params, args.replications, seed=args.seed, days=args.days, executor=ex,
            out=folder, resume=args.resume, progress=bar))
    except KeyboardInterrupt as exc:
        return _interrupted(folder, exc)
    from hubsim.present.experiment_output import write_sweep_figure

    write_sweep_figure(exp, args.kpi or (scn.targets[0].kpi if scn.targets else "channel_teu"))
    if args.quiet:
        print(exp.folder)
        return 1 if len(exp.failures) else 0
    from hubsim.present.sweep_text import sweep_text

    reps = f"{args.replications} replication{'s' if args.replications > 1 else ''}"
    print(f"{scn.name}: {exp.runs['point'].nunique() if len(exp.runs) else 0} points x "
          f"{reps} ({exp.simulated} simulated, {exp.reused} reused)")
    print(sweep_text(exp, scn.targets, args.replications, args.kpi))
    for line in _failures(exp):
        print(line)
    print(f"\nResults: {exp.folder}/")
    return 1 if len(exp.failures) else 0


def run_goal(args: argparse.Namespace) -> int:
    """``hubsim goal SCENARIO --target T --vary PATH``: the smallest value meeting T; stops
    after a pilot when T's KPI does not respond to PATH."""
    from hubsim.api import load_scenario
    from hubsim.experiments.goal import goal_seek
    from hubsim.experiments.replicate import SearchFailed
    from hubsim.present.tables import unit_of

    scn = load_scenario(args.scenario)
    folder = _folder(args, "goal", scn, {"seed": args.seed, "days": args.days})
    try:
        res = _execute(args, folder, "goal", lambda ex, bar: goal_seek(
            scn, args.target, args.vary, args.probability, args.replications,
            low=args.low, high=args.high, step=args.step, seed=args.seed, days=args.days,
            pilot=not args.no_pilot, executor=ex, out=folder, resume=args.resume,
            progress=bar))
    except KeyboardInterrupt as exc:
        return _interrupted(folder, exc)
    except SearchFailed as exc:
        return _search_failed(exc, folder)
    if args.quiet:
        print(res.folder)
        return 0 if res.value is not None else 1
    unit = unit_of(res.kpi)
    rows = [[str(r["phase"]), str(r["value"]), f"{r['p_met'] * 100:.0f}%",
             format_value(r["mean"], unit), format_interval(r["ci_low"], r["ci_high"], unit),
             "yes" if r["met"] else "no"] for r in res.steps.to_dict("records")]
    print(f"{scn.name}: {res.vary} for target {res.target} met with probability >= "
          f"{res.probability:g} ({args.replications} replications per value; "
          f"{res.simulated} runs simulated, {res.reused} reused)")
    print(table(rows, ["", res.vary, "P(met)", "mean", "95% CI", "enough"], align="lrrrrl"))
    if res.pilot is not None:
        print()
        for line in _pilot_lines(res, unit):
            print(line)
    if res.stopped:
        print(f"Stopped after the pilot ({res.simulated + res.reused} runs).")
    elif res.value is None:
        print("\nNot met at any value up to the search limit; raise --high.")
    else:
        print(f"\nSmallest value: {res.vary} = {res.value}")
    print(f"Results: {res.folder}/")
    return 0 if res.value is not None else 1


def _pilot_lines(res: Any, unit: str) -> list[str]:
    """What the goal's pilot found, as text."""
    p = res.pilot
    a, b = f"{p.low:g}", f"{p.high:g}"
    verb = "responds" if p.responds else "does not respond"
    ci = format_interval(p.diff_ci[0], p.diff_ci[1], unit) if p.n >= 2 else "n/a"
    out = [f"Pilot: {res.kpi} {verb} to {res.vary} between {a} and {b}: mean "
           f"{format_value(p.mean_low, unit)} -> {format_value(p.mean_high, unit)} "
           f"({format_value(p.diff, unit, signed=True)}, 95% CI {ci}, paired over {p.n} "
           f"replications; a material change is {format_value(p.material, unit)})."]
    if p.varied is not None:
        out.append(f"  {p.varied} is used to {format_value(p.varied_utilisation[0], 'fraction')}"
                   f" of its capacity at {a} and "
                   f"{format_value(p.varied_utilisation[1], 'fraction')} at {b}.")
    if p.responds or p.binding is None:
        return out
    busy = (f"{format_value(p.binding_utilisation[0], 'fraction')} of its capacity at {a}, "
            f"{format_value(p.binding_utilisation[1], 'fraction')} at {b}")
    per_year = f"{p.unit}/yr"
    if p.demand_bound:
        short = ""
        if p.limiting:
            names = ", ".join(p.limiting[:3]) + (" and others" if len(p.limiting) > 3 else "")
            short = (f"; {names} {'does' if len(p.limiting) == 1 else 'do'} not keep up, but "
                     f"{'its queue holds' if len(p.limiting) == 1 else 'their queues hold'} "
                     f"back only about {format_value(p.held_back, per_year)}")
        out.append(f"  At {b} the network keeps up (the load waiting at nodes grows by "
                   f"{format_value(p.backlog_share, 'fraction')} of the load offered a "
                   f"day){short}. {res.kpi} misses its threshold by "
                   f"{format_value(p.gap, unit)}: it is bounded by the scenario's demand, not "
                   f"by capacity (busiest: {p.binding}, {busy}); hubsim capacity shows how far "
                   "demand could grow.")
    elif p.binding_why in ("saturated", "queue grows"):
        why = "saturated" if p.binding_why == "saturated" else "its queue grows"
        held = p.resources.set_index("resource")["queue_growth_over"].get(p.binding)
        held_text = f"; its queue grows by about {format_value(held * 365, per_year)}" \
            if held is not None and held == held and held > 0 else ""
        out.append(f"  Binding instead: {p.binding} ({why}; {busy}{held_text}).")
    else:
        out.append(f"  The load waiting at nodes grows at {b} but no {p.unit} resource feeding "
                   f"{res.target} is saturated or has a growing queue; busiest: {p.binding} "
                   f"({busy}).")
    return out


def run_capacity(args: argparse.Namespace) -> int:
    """``hubsim capacity SCENARIO``: the sustainable channel TEU and what binds it."""
    from hubsim.api import load_scenario
    from hubsim.experiments.capacity import capacity
    from hubsim.experiments.replicate import SearchFailed

    scn = load_scenario(args.scenario)
    folder = _folder(args, "capacity", scn, {"seed": args.seed, "days": args.days})
    try:
        res = _execute(args, folder, "capacity", lambda ex, bar: capacity(
            scn, args.replications, seed=args.seed, days=args.days, tol=args.tol,
            marginal=not args.no_marginal, corridors=not args.no_corridors, executor=ex,
            out=folder, resume=args.resume, progress=bar))
    except KeyboardInterrupt as exc:
        return _interrupted(folder, exc)
    except SearchFailed as exc:
        return _search_failed(exc, folder)
    if args.quiet:
        print(res.folder)
        return 0
    for line in _capacity_lines(scn.name, res, args.replications):
        print(line)
    print(f"Results: {res.folder}/")
    return 0


_WHY = {"saturated": "saturated beyond the sustainable demand",
        "queue grows": "its queue grows beyond the sustainable demand",
        "busiest": "the busiest; nothing saturated or growing beyond",
        "network": "its demand passes the network's binding resource"}


def _capacity_lines(name: str, res: Any, replications: int) -> list[str]:
    """The console text of a capacity result."""
    teu = [format_value(v, "TEU/yr") for v in (res.demand_teu, res.channel_teu)]
    out = [f"{name}: keeps up with demand x{res.scale:.3g} ({teu[0]} of demand); "
           f"sustainable channel throughput {teu[1]} (95% CI "
           f"{format_interval(res.channel_ci[0], res.channel_ci[1], 'TEU/yr')}); "
           f"{replications} replications per point, {res.simulated} runs simulated, "
           f"{res.reused} reused"]
    if res.binding is None:
        out.append(f"No TEU resource binds up to demand x{res.scale:.3g} (the largest scale "
                   "tried).")
        return out
    over = f"x{res.first_unsustainable:.3g}" if res.first_unsustainable else "beyond"
    out.append(f"\nResources carrying TEU, at the sustainable demand and beyond it ({over}):")
    rows = [[r["resource"], format_value(r["utilisation"], "fraction"),
             format_value(r["utilisation_over"], "fraction"),
             format_value(r["queue_growth_over"], r["growth_unit"], signed=True)]
            for r in res.resources.head(8).to_dict("records")]
    out.append(table(rows, ["resource", "utilisation", "beyond", "queue growth beyond"],
                     align="lrrr"))
    out.append(f"\nBinding first: {res.binding} ({_WHY.get(res.binding_why, res.binding_why)})")
    if res.marginal_change is not None:
        gain = format_value(res.marginal_teu, "TEU/yr", signed=True)
        line = f"One more unit ({res.marginal_change}): {gain} of sustainable channel " \
            "throughput"
        nxt = res.marginal_next
        if not (res.marginal_teu or 0) > 0:
            line += (": the limit moved less than the search's tolerance; "
                     + (f"with it {nxt} binds at about the same demand" if nxt and
                        nxt != res.binding else "it still binds within the tolerance"))
        elif nxt and nxt != res.binding:
            line += f"; then {nxt} binds"
        out.append(line)
    if len(res.corridors):
        caps = "Every corridor's demand grows together above, so the first resource to " \
            "fill caps the whole pattern. " if len(res.corridors) > 1 else ""
        if res.corridors["binding"].isna().all():  # --no-corridors: the network's limit only
            out.append(f"\nPer corridor at the network's limit (x{res.scale:.3g}; the "
                       "per-corridor searches were skipped):")
        else:
            out.append(f"\n{caps}Per corridor (its rows that do not pass {res.binding} "
                       f"scaled alone, the others held at x{res.scale:.3g}):")
        out.append(table(_corridor_rows(res.corridors),
                         ["corridor", "channel TEU/yr", "95% CI", "demand", "binding",
                          "why", "one more unit", "gain"], align="lrrrllll"))
    return out


def _text(v: Any) -> str:
    """A table cell: "-" for a missing value (None or NaN)."""
    return "-" if v is None or v != v or v == "" else str(v)


def _corridor_rows(corridors: Any) -> list[list[str]]:
    rows = []
    for r in corridors.to_dict("records"):
        why = r.get("why")
        if why == "saturated":
            why = f"{format_value(r.get('utilisation_over'), 'fraction')} busy beyond"
        elif why == "queue grows":
            growth = format_value(r.get("queue_growth_over"), r.get("growth_unit"), signed=True)
            why = f"queue {growth} beyond"
        elif why == "network":
            why = "network-wide binder"
        gain = r.get("marginal_teu")
        rows.append([r["corridor"], format_value(r["channel_teu"], "TEU/yr"),
                     format_interval(r["ci_low"], r["ci_high"], "TEU/yr"),
                     f"x{r['demand_scale']:.3g}", _text(r.get("binding")),
                     _text(why), _text(r.get("marginal_change")),
                     format_value(gain, "TEU/yr", signed=True)
                     if gain is not None and gain == gain else "-"])
    return rows
