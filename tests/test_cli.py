"""CLI tier: ``hubsim`` run as a user runs it, in a subprocess."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from hubsim.present.output import FIGURES

SUBCOMMANDS = ["run", "validate", "fields"]


def hubsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "hubsim.cli", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns,
                     hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def first_run(tiny_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "x"
    proc = hubsim("run", tiny_path, "--out", out)
    return proc, out


def test_run_succeeds_and_prints_the_verdict(first_run):
    proc, out = first_run
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    text = proc.stdout
    assert "Targets over 4 replications (seeds 3, " in text
    header = next(line for line in text.splitlines() if line.strip().startswith("target"))
    assert [h.strip() for h in header.split("  ") if h.strip()] == \
        ["target", "mean ± 95% CI (adjusted)", "threshold", "P(met)", "this draw (seed 3)",
         "verdict"]  # tiny measures 50 days: the means are adjusted for its seasonality
    for target in ("channel", "intl"):
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(target + " "))
        assert line.rstrip().endswith(("MET (window, seasonally adjusted)",
                                       "TOO CLOSE TO CALL (window, seasonally adjusted)"))
    assert "Conservation: generated" in text
    assert f"Results: {out}/" in text


def test_run_writes_the_results_folder(first_run, tiny_path):
    proc, out = first_run
    assert proc.returncode == 0, proc.stderr
    for name in ("kpis.csv", "targets.csv", "events.parquet", "consignments.parquet",
                 "trips.parquet", "handling.parquet", "manifest.json",
                 "throughput_vs_target.png", "hub_utilisation.png", "mode_split.png"):
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    handling = pd.read_parquet(out / "handling.parquet")
    assert {"node", "op", "position_h", "start_h", "end_h", "units", "moves"} <= \
        set(handling.columns) and len(handling) > 0
    for png in out.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png.name
    assert sorted(p.name for p in out.glob("*.png")) == sorted(FIGURES)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario_sha256"] == hashlib.sha256(tiny_path.read_bytes()).hexdigest()
    assert manifest["seed"] == 3  # the scenario's run.seed
    assert isinstance(manifest["wall_time_s"], float) and manifest["wall_time_s"] >= 0
    assert isinstance(manifest["simpy_events"], int) and manifest["simpy_events"] > 0
    targets = (out / "targets.csv").read_text().splitlines()
    assert targets[0].startswith("target,kpi,hub,sense,threshold,value")
    assert len(targets) == 3
    # no temporary folder left next to the results
    assert [p.name for p in out.parent.iterdir()] == ["x"]


def test_second_run_to_same_folder_is_refused(first_run, tiny_path):
    proc, out = first_run
    assert proc.returncode == 0, proc.stderr
    before = snapshot(out)
    again = hubsim("run", tiny_path, "--out", out)
    assert again.returncode == 2
    assert again.stdout == ""
    lines = again.stderr.splitlines()
    assert len(lines) == 1, again.stderr
    assert lines[0].startswith("hubsim: error: ") and "already exists" in lines[0]
    assert str(out) in lines[0]
    assert snapshot(out) == before


def test_broken_scenario_exits_2_with_one_line(tiny_path, tmp_path):
    data = yaml.safe_load(tiny_path.read_text())
    data["hubs"]["rail"]["equipment"] = 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    work = tmp_path / "work"
    work.mkdir()
    proc = hubsim("run", bad, "--out", tmp_path / "out", cwd=work)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"hubsim: error: {bad}: hubs.rail.equipment:"), lines[0]
    assert not (tmp_path / "out").exists()
    # without --out, no default results/ folder appears either
    proc = hubsim("run", bad, cwd=work)
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1
    assert list(work.iterdir()) == []


def test_validate_broken_scenario_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhubs: {a: {lat: 1, lon: 2\n")
    proc = hubsim("validate", bad)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1
    assert "malformed YAML" in proc.stderr and "line " in proc.stderr


def test_validate_prints_the_summary(tiny_path):
    proc = hubsim("validate", tiny_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("Scenario tiny")
    assert "nodes: 2 hubs (rail, port), 1 zones, 2 gateways (west, east)" in out
    assert "links: 4 (rail 2, road 1, water 1)" in out
    assert "Services (4)" in out
    assert "Demand (3 flows): 28,000 TEU/yr" in out
    assert "park -road-> rail -rail-> port -water-> east" in out
    assert "channel: channel_teu >= 25,000" in out
    assert out.rstrip().endswith(f"{tiny_path}: OK")


def test_validate_shows_the_terminals_and_the_lock_calendar():
    proc = hubsim("validate", "scenarios/whatif_lock_cre_closure.yaml")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    quay = next(line for line in lines if line.strip().startswith("guoyuan:water"))
    assert "16 berths" in quay and "8 quay cranes" in quay and "1-2" in quay
    assert any(line.split()[:4] == ["jiangbei", "yard", "5,000", "t"] for line in lines)
    lock = lines.index("Locks")
    assert "a lockage of up to 4 ships every 1.54 h" in lines[lock + 1]
    assert lines[lock + 2].strip() == "closed days 212-226"


@pytest.mark.parametrize("args", [["--help"]] + [[cmd, "--help"] for cmd in SUBCOMMANDS],
                         ids=["top", *SUBCOMMANDS])
def test_help(args):
    proc = hubsim(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: hubsim")
    assert "%%" not in proc.stdout  # argparse's escape printed as is ("95%%")
    if len(args) == 2:
        assert proc.stdout.startswith(f"usage: hubsim {args[0]}")
    else:
        for cmd in SUBCOMMANDS:
            assert cmd in proc.stdout


def test_fields_lists_units():
    proc = hubsim("fields")
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if "hubs.<id>.moves_per_hour" in ln)
    assert "moves/h per unit" in line


def test_default_scenario_is_named_not_located(tmp_path):
    """Without a scenario argument the header names the bundled file, not where the package
    happens to be installed."""
    proc = hubsim("run", "--days", "1", "--replications", "1", "--out", tmp_path / "r")
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert " from the bundled scenarios/chongqing_2022_target.yaml, seed 2022, 1 measured day " \
        "after 30 warm-up days (one draw)" in first
    assert os.sep + "scenarios" + os.sep not in first


def test_reader_gone_is_quiet():
    """``hubsim fields | head`` where the reader has already gone: exit 141 (as SIGPIPE would),
    no traceback, no "Exception ignored" at exit."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "hubsim.cli", "fields"], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode == 141
    assert proc.stderr == ""


def test_usage_error_is_one_line():
    proc = hubsim("run", "--seed", "many")
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1
    assert proc.stderr.startswith("hubsim: error: --seed: must be a whole number")


def test_console_script_installed():
    exe = shutil.which("hubsim", path=os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    assert exe is not None, "the hubsim console script is not installed"
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert proc.stdout.startswith("hubsim ")


# --------------------------------------------------------------------------- one error family
def test_bad_set_spec_is_one_line_exit_2(tiny_path, tmp_path, capsys):
    from hubsim.cli.main import main

    for spec, message in (("hubs.rail.equipment", "write PATH=VALUES"),
                          ("hubs.rail.equipment=5:2", "LOW <= HIGH")):
        code = main(["sweep", str(tiny_path), "--set", spec, "--workers", "1",
                     "--out", str(tmp_path / "sw")])
        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith(f"hubsim: error: --set '{spec}': ") and message in err
        assert err.count("\n") == 1
    code = main(["sweep", str(tiny_path), "--set", "hubs.rail.equipment=1,2", "--kpi", "nope",
                 "--out", str(tmp_path / "sw")])
    assert code == 2
    assert capsys.readouterr().err.startswith("hubsim: error: --kpi 'nope': no such KPI")
    assert not (tmp_path / "sw").exists()


def test_output_place_that_cannot_be_written_is_one_line(tiny_path, tmp_path, capsys):
    from hubsim.cli.main import main

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code = main(["run", str(tiny_path), "--days", "5", "--quiet",
                 "--out", str(blocker / "results")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"hubsim: error: {blocker}") and err.count("\n") == 1


@pytest.mark.parametrize("bug", [RuntimeError("engine bug"), ValueError("plain bug")],
                         ids=["RuntimeError", "ValueError"])
def test_internal_bug_is_not_reported_as_bad_input(tiny_path, tmp_path, monkeypatch, bug):
    """Only a HubsimError is bad input (exit 2, one line); anything else propagates."""
    import hubsim.experiments.verdict
    from hubsim.cli.main import main

    def broken(*args, **kwargs):
        raise bug

    monkeypatch.setattr(hubsim.experiments.verdict, "simulate", broken)
    with pytest.raises(type(bug), match=str(bug)):
        main(["run", str(tiny_path), "--out", str(tmp_path / "r")])
    assert not (tmp_path / "r").exists()


BROKEN_RUN = """
import sys
import hubsim.experiments.verdict
from hubsim.cli.main import main

def broken(*args, **kwargs):
    raise ValueError("an internal bug, not bad input")

hubsim.experiments.verdict.simulate = broken
sys.exit(main(sys.argv[1:]))
"""


def test_internal_bug_exits_1_with_a_traceback(tiny_path, tmp_path):
    proc = subprocess.run([sys.executable, "-c", BROKEN_RUN, "run", str(tiny_path), "--out",
                           str(tmp_path / "r")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert proc.stderr.rstrip().endswith("ValueError: an internal bug, not bad input")
    assert "hubsim: error:" not in proc.stderr


def test_interrupted_sweep_keeps_its_runs_and_exits_130(tiny_path, tmp_path, monkeypatch,
                                                         capsys):
    import hubsim.cli.experiments
    from hubsim.cli.main import main
    from hubsim.experiments.executors import SerialExecutor

    monkeypatch.setattr(hubsim.cli.experiments, "make_executor",
                        lambda *a, **k: SerialExecutor(stop_after=2))
    out = tmp_path / "sw"
    code = main(["sweep", str(tiny_path), "--set", "services.cre.per_week=2,4",
                 "--replications", "2", "--days", "5", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 130
    assert f"2 finished runs kept in {out}/" in err and "--resume" in err
    assert len(list((out / "runs").glob("*.json"))) == 2


def test_a_terminated_sweep_keeps_its_runs_and_exits_143(tiny_path, tmp_path, monkeypatch,
                                                          capsys):
    """SIGTERM (:class:`~hubsim.errors.Terminated`, raised by the command's handler) stops an
    experiment as Ctrl-C does, but says so and exits 143."""
    import hubsim.cli.experiments
    from hubsim.cli.main import main
    from hubsim.errors import Terminated
    from hubsim.experiments.executors import SerialExecutor

    class StopsWithSigterm(SerialExecutor):
        def _outcomes(self, fn, tasks):
            for k, outcome in enumerate(super()._outcomes(fn, tasks)):
                if k == 1:
                    raise Terminated
                yield outcome

    monkeypatch.setattr(hubsim.cli.experiments, "make_executor",
                        lambda *a, **k: StopsWithSigterm())
    out = tmp_path / "sw"
    code = main(["sweep", str(tiny_path), "--set", "services.cre.per_week=2,4",
                 "--replications", "2", "--days", "5", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 143
    assert err.startswith(f"hubsim: terminated; 1 finished run kept in {out}/")
    assert len(list((out / "runs").glob("*.json"))) == 1


# --------------------------------------------------------------------------- number options
SCN = "tiny.yaml"  # copied into the working folder of each test
# (command, options before the bad value, option, what the message says)
NUMBER_OPTIONS = [
    (["run", SCN], "--days", "finite number of days in (0, 36500]"),
    (["run", SCN], "--seed", "whole number in [0, 9223372036854775807]"),
    (["run", SCN], "--replications", "whole number in [1, 10000]"),
    (["run", SCN, "--replications", "2"], "--precision", "number in (0, 1]"),
    (["run", SCN, "--replications", "2"], "--max-replications", "whole number in [1, 10000]"),
    (["run", SCN, "--replications", "2"], "--workers", "whole number in [1, 1024]"),
    (["sweep", SCN, "--set", "hubs.rail.equipment=2,3"], "--days", "finite number of days"),
    (["sweep", SCN, "--set", "hubs.rail.equipment=2,3"], "--seed", "whole number in [0, "),
    (["sweep", SCN, "--set", "hubs.rail.equipment=2,3"], "--replications", "whole number"),
    (["sweep", SCN, "--set", "hubs.rail.equipment=2,3"], "--workers", "whole number in [1, "),
    (["goal", SCN, "--target", "x", "--vary", "hubs.rail.equipment"], "--probability",
     "number in (0, 1]"),
    (["goal", SCN, "--target", "x", "--vary", "hubs.rail.equipment"], "--low",
     "must be a finite number"),
    (["goal", SCN, "--target", "x", "--vary", "hubs.rail.equipment"], "--high",
     "must be a finite number"),
    (["goal", SCN, "--target", "x", "--vary", "hubs.rail.equipment"], "--step",
     "must be a finite number > 0"),
    (["goal", SCN, "--target", "x", "--vary", "hubs.rail.equipment"], "--days",
     "finite number of days"),
    (["capacity", SCN], "--tol", "number in (0, 1)"),
    (["capacity", SCN], "--days", "finite number of days"),
    (["capacity", SCN], "--replications", "whole number in [1, 10000]"),
    (["compare", SCN, SCN], "--days", "finite number of days"),
    (["compare", SCN, SCN], "--seed", "whole number in [0, "),
    (["compare", SCN, SCN], "--replications", "whole number in [1, 10000]"),
    (["check", SCN, "--expected", "exp", "--update"], "--days", "finite number of days"),
    (["check", SCN, "--expected", "exp", "--update"], "--jobs", "whole number in [1, 1024]"),
    (["check", SCN, "--expected", "exp", "--update", "--seeds", "1"], "--seeds",
     "whole number in [0, "),
    (["calibrate", SCN], "--seed", "whole number in [0, "),
]
# values no option accepts: not finite, negative, absurdly large, not a number at all
BAD_NUMBERS = ["inf", "nan", "-inf", "-1", "1e9", "1e400", "9" * 30, "lots"]


def _main_exit(args: list[str]) -> int:
    """hubsim.cli.main.main in this process (a bad option value exits through SystemExit)."""
    from hubsim.cli.main import main

    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize(("before", "option", "expected"), NUMBER_OPTIONS,
                         ids=[f"{b[0]}{o}" for b, o, _ in NUMBER_OPTIONS])
def test_every_number_option_refuses_bad_values_before_any_work(
        tiny_path, tmp_path, monkeypatch, capsys, before, option, expected, value):
    if (option in ("--low", "--high") and value in ("-1", "1e9", "9" * 30)) or \
            (option == "--step" and value in ("1e9", "9" * 30)):
        pytest.skip("in the varied field's own unit: any finite bound or step > 0 is a value")
    shutil.copy(tiny_path, tmp_path / SCN)
    monkeypatch.chdir(tmp_path)
    out_option = [] if before[0] in ("check", "calibrate") else ["--out", "out"]
    # (--days=-inf: written apart, argparse would read -inf as an option)
    assert _main_exit([*before, f"{option}={value}", *out_option]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    expected = expected.removeprefix("must be a ")
    assert err.startswith(f"hubsim: error: {option}: must be a {expected}"), err
    assert err.endswith(f", got {value!r} (see hubsim {before[0]} --help)\n"), err
    assert err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [SCN]  # no results, no experiment


def test_the_issue_example_days_inf_with_one_replication_writes_nothing(tiny_path, tmp_path,
                                                                         monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert _main_exit(["run", str(tiny_path), "--replications", "1", "--days", "inf"]) == 2
    assert capsys.readouterr().err == (
        "hubsim: error: --days: must be a finite number of days in (0, 36500], got 'inf' "
        "(see hubsim run --help)\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("values", ["1,inf", "nan", "x1,xinf", "1,-inf"])
def test_sweep_set_values_must_be_finite(tiny_path, tmp_path, monkeypatch, capsys, values):
    monkeypatch.chdir(tmp_path)
    spec = f"hubs.rail.equipment={values}"
    assert _main_exit(["sweep", str(tiny_path), "--set", spec]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hubsim: error: --set '{spec}': values must be finite numbers, got ")
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_long_bad_value_is_echoed_short(tiny_path, capsys):
    assert _main_exit(["run", str(tiny_path), "--days", "x" * 100_000]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 250


def test_bare_command_prints_the_help(capsys):
    """`hubsim` with no command shows what it can do (exit 0), not a usage error."""
    from hubsim.cli.main import main

    assert main([]) == 0
    out = capsys.readouterr()
    assert out.err == "" and "usage: hubsim" in out.out and "sweep" in out.out


def test_sweep_help_prints_a_single_percent_sign(capsys):
    from hubsim.cli.main import main

    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    out = capsys.readouterr().out
    assert "95% CIs" in out and "%%" not in out


@pytest.mark.parametrize("cmd", ["run", "compare", "sweep", "goal", "capacity"])
def test_every_experiment_command_takes_quiet_and_workers(cmd):
    """The README says every command that runs replications takes --quiet and --workers."""
    proc = hubsim(cmd, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "--quiet" in proc.stdout and "--workers" in proc.stdout
