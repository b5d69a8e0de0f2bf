"""Golden outputs and ``hubsim check``: update writes reviewable files, an unchanged scenario
passes, a 10% change of the crane rate fails with a table naming the KPIs, bad or missing
golden files are one-line errors (exit 2)."""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import hubsim
from hubsim.cli.main import main
from hubsim.experiments import golden as check

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
BUSY = SCENARIOS / "busy_hub.yaml"  # crane-bound: equipment busy ~70%
DAYS = 60  # measured days for busy_hub: enough for the crane rate to stand out of the noise


def cli(*args: object) -> int:
    try:
        return main([str(a) for a in args])
    except SystemExit as exc:  # a bad option value stops argparse: exit 2
        return int(exc.code or 0)


def copy_with(src: Path, dst_dir: Path, edit=None) -> Path:
    """Copy a scenario under the same file name (so it maps to the same golden file)."""
    data = yaml.safe_load(src.read_text())
    if edit is not None:
        edit(data)
    dst_dir.mkdir(parents=True, exist_ok=True)
    dst = dst_dir / src.name
    dst.write_text(yaml.safe_dump(data, sort_keys=False))
    return dst


@pytest.fixture(scope="module")
def busy_golden(tmp_path_factory) -> Path:
    """Golden files for busy_hub, written by ``hubsim check --update`` (default seeds)."""
    expected = tmp_path_factory.mktemp("golden") / "expected"
    assert cli("check", "--update", BUSY, "--expected", expected, "--days", DAYS) == 0
    return expected


def test_update_writes_a_sorted_rounded_golden_file(tiny_path, tmp_path, capsys):
    expected = tmp_path / "expected"
    rc = cli("check", "--update", tiny_path, "--expected", expected, "--seeds", 1, 2, 3,
             "--days", 20)
    assert rc == 0
    path = expected / "tiny.csv"
    assert f"wrote {path}" in capsys.readouterr().out
    assert [p.name for p in expected.iterdir()] == ["tiny.csv"]  # no temporary file left
    text = path.read_text()
    header = dict(line[2:].split(": ", 1) for line in text.splitlines()
                  if line.startswith("# ") and ": " in line and line[2].islower())
    assert header["scenario"] == "tiny"
    assert header["seeds"] == "1 2 3"
    assert header["warmup_days"] == "10" and header["measured_days"] == "20"
    assert header["hubsim_version"] == hubsim.__version__
    assert header["scenario_sha256"] == hubsim.load_scenario(tiny_path).source_hash
    body = [line for line in text.splitlines() if not line.startswith("#")]
    rows = list(csv.reader(body))
    assert rows[0] == ["kpi", "scope", "key", "unit", "mean", "sd"]
    keys = [tuple(r[:3]) for r in rows[1:]]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)  # sorted, one row per KPI
    assert {r[0] for r in rows[1:]} <= set(check.GOLDEN_KPIS)
    assert {"channel_teu", "equipment_utilisation", "door_to_door_mean_h",
            "backlog_end_teu"} <= {r[0] for r in rows[1:]}
    for r in rows[1:]:
        for cell in r[4:]:
            if cell != "nan":
                digits = cell.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
                assert len(digits) <= check.SIG_DIGITS, r
    # the stored numbers are the mean and sample sd over the seeds, rounded
    scn = hubsim.load_scenario(tiny_path)
    values = [hubsim.simulate(scn, seed=s, days=20).kpi("channel_teu") for s in (1, 2, 3)]
    row = next(r for r in rows[1:] if r[:3] == ["channel_teu", "total", ""])
    assert float(row[4]) == pytest.approx(sum(values) / 3, rel=1e-5)
    assert float(row[5]) == pytest.approx(pd.Series(values).std(), rel=1e-5)
    assert float(row[5]) > 0
    # regenerating is reproducible to the byte, and keeps the file's seeds and days
    assert cli("check", "--update", tiny_path, "--expected", expected) == 0
    assert path.read_text() == text


def test_unchanged_scenario_passes(busy_golden, capsys):
    assert cli("check", BUSY, "--expected", busy_golden) == 0
    out = capsys.readouterr().out
    assert f"{BUSY}: ok," in out and "FAIL" not in out
    assert "4 seeds (1 2 3 4) x 60 days after 10 warm-up days" in out


@pytest.mark.parametrize("factor", [0.9, 1.1])
def test_crane_rate_changed_by_10_percent_fails(busy_golden, tmp_path, capsys, factor):
    def cranes(data):
        data["hubs"]["terminal"]["moves_per_hour"] *= factor

    changed = copy_with(BUSY, tmp_path, cranes)
    assert cli("check", changed, "--expected", busy_golden) == 1
    out = capsys.readouterr().out
    assert f"{changed}: FAIL" in out
    table = out.split(f"{changed}: FAIL", 1)[1].splitlines()[1:]
    assert table[0].split() == ["kpi", "scope", "key", "golden", "now", "change", "change",
                                "%", "tol", "status"]  # values carry their unit
    # each vehicle's handling time is the crane rate's plainest trace (deterministic moves:
    # almost no spread between seeds), so it moves far beyond its tolerance
    util = next(line for line in table if line.strip().startswith("vehicle_handling_mean_h"))
    assert "terminal:shared" in util and util.rstrip().endswith("moved")
    sign = "+" if factor < 1 else "-"  # slower cranes take longer
    assert f" {sign}" in util
    assert "note: the scenario file changed since the golden file was written" in out
    assert "regenerate with hubsim check --update" in out


def test_check_uses_the_golden_warmup_not_the_scenario_one(tiny_path, tmp_path):
    expected = tmp_path / "expected"
    assert cli("check", "--update", tiny_path, "--expected", expected, "--days", 15) == 0

    def longer_warmup(data):
        data["run"]["warmup_days"] = 25

    assert cli("check", copy_with(tiny_path, tmp_path / "w", longer_warmup),
               "--expected", expected) == 0


def test_workers_give_the_same_golden_file(tiny_path, tmp_path):
    for name, jobs in (("one", 1), ("two", 2)):
        assert cli("check", "--update", tiny_path, "--expected", tmp_path / name,
                   "--days", 10, "--jobs", jobs) == 0
    assert (tmp_path / "one" / "tiny.csv").read_bytes() == \
        (tmp_path / "two" / "tiny.csv").read_bytes()


def run_cli(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hubsim.cli", *map(str, args)], cwd=cwd,
                          env={**os.environ, "MPLBACKEND": "Agg"}, capture_output=True,
                          text=True, timeout=120)


def test_missing_golden_file_is_a_one_line_error(tiny_path, tmp_path):
    expected = tmp_path / "expected"
    proc = run_cli("check", tiny_path, "--expected", expected, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"hubsim: error: {expected / 'tiny.csv'}: no golden file")
    assert f"hubsim check --update {tiny_path}" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written


def test_a_missing_golden_file_stops_before_any_run(tiny_path, tmp_path, capsys):
    expected = tmp_path / "expected"
    assert cli("check", "--update", tiny_path, "--expected", expected, "--days", 5) == 0
    capsys.readouterr()
    assert cli("check", tiny_path, BUSY, "--expected", expected) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # tiny was not run either
    assert "busy_hub.csv: no golden file" in captured.err


@pytest.mark.parametrize(("damage", "message"), [
    (lambda t: t.replace("# seeds: 1 2\n", ""), "header line '# seeds: ...' is missing"),
    (lambda t: t.replace("# seeds: 1 2", "# seeds: one two"), "bad header value"),
    (lambda t: t.replace("kpi,scope,key,unit,mean,sd", "kpi,value"), "must start with"),
    (lambda t: t + "channel_teu,total,,TEU/yr,lots,1\n", "must be numbers"),
])
def test_malformed_golden_file_is_a_one_line_error(tiny_path, tmp_path, capsys, damage,
                                                   message):
    expected = tmp_path / "expected"
    assert cli("check", "--update", tiny_path, "--expected", expected, "--days", 5,
               "--seeds", 1, 2) == 0
    golden = expected / "tiny.csv"
    golden.write_text(damage(golden.read_text()))
    capsys.readouterr()
    assert cli("check", tiny_path, "--expected", expected) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"hubsim: error: {golden}: ")
    assert message in err[0]


@pytest.mark.parametrize(("args", "message"), [
    (["--seeds", "1", "2"], "only apply with --update"),
    (["--update", "--seeds", "4"], "at least two different seeds"),
    (["--update", "--days", "0"], "--days: must be a finite number of days in (0, 36500]"),
    (["--update", "--jobs", "0"], "--jobs: must be a whole number in [1, 1024]"),
])
def test_bad_options_exit_2(tiny_path, tmp_path, capsys, args, message):
    assert cli("check", tiny_path, "--expected", tmp_path, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("hubsim: error: ") and message in err
    assert list(tmp_path.iterdir()) == []


# pure functions: no simulation


def golden(rows: list[tuple], n: int = 4) -> check.Golden:
    table = pd.DataFrame(rows, columns=check.COLUMNS)
    return check.Golden(scenario="x", seeds=tuple(range(n)), warmup_days=1, measured_days=1,
                        table=table)


def test_tolerance_rule():
    # Z standard errors of a difference of two means of n seeds, spread pooled from both sets
    assert check.tolerance(100.0, 2.0, 4) == pytest.approx(check.Z * math.sqrt(4 / 4))
    assert check.tolerance(100.0, 2.0, 4, 2.0) == pytest.approx(check.Z * 2.0 * math.sqrt(2 / 4))
    assert check.tolerance(100.0, 0.0, 4, 3.0) == pytest.approx(check.Z * 3.0 / 2)
    # no spread: relative floor, then absolute floor
    assert check.tolerance(1e6, 0.0, 4) == pytest.approx(check.REL_FLOOR * 1e6)
    assert check.tolerance(0.0, 0.0, 4, 0.0) == check.ABS_FLOOR
    assert check.tolerance(float("nan"), 0.0, 4) == check.ABS_FLOOR


def test_compare_flags_moves_missing_and_nan_changes():
    g = golden([
        ("a", "total", "", "TEU/yr", 1000.0, 10.0),   # tol = Z * sqrt(2 * 10**2 / 4)
        ("b", "total", "", "TEU/yr", 1000.0, 10.0),
        ("c", "hub", "h1", "h", 0.0, 0.0),            # deterministic zero
        ("d", "hub", "h1", "h", float("nan"), 0.0),   # never defined
        ("e", "hub", "h1", "h", 5.0, 0.0),
        ("gone", "total", "", "t", 1.0, 0.0),
        ("rare", "hub", "h1", "h", 0.0, 0.0),         # zero on every golden seed
        ("fixed", "service", "s", "1/yr", 730.0, 0.0),
    ])
    tol = check.Z * math.sqrt(200 / 4)
    now = pd.DataFrame([
        ("a", "total", "", "TEU/yr", 1000.0 + 0.99 * tol, 10.0),  # within
        ("b", "total", "", "TEU/yr", 1000.0 + 1.01 * tol, 10.0),  # beyond
        ("c", "hub", "h1", "h", 1e-12, 0.0),           # floating noise
        ("d", "hub", "h1", "h", float("nan"), 0.0),
        ("e", "hub", "h1", "h", float("nan"), 0.0),    # became undefined
        ("fresh", "total", "", "t", 3.0, 0.0),
        ("rare", "hub", "h1", "h", 0.25, 0.5),         # 1.0 on one seed of four now
        ("fixed", "service", "s", "1/yr", 731.0, 0.0),  # a deterministic KPI moved
    ], columns=check.COLUMNS)
    diff = check.compare(g, now).set_index("kpi")
    assert diff["status"].to_dict() == {
        "a": "ok", "b": "moved", "c": "ok", "d": "ok", "e": "moved", "fixed": "moved",
        "fresh": "new", "gone": "missing", "rare": "ok"}
    assert diff.loc["b", "change"] == pytest.approx(1.01 * tol)
    assert diff.loc["a", "tol"] == pytest.approx(tol)
    from hubsim.present.tables import check_text

    text = check_text(diff.reset_index().query("status != 'ok'"))
    assert text.splitlines()[1].split()[:5] == ["b", "total", "-", "1,000", "TEU/yr"]
    assert f"+{1.01 * tol / 10:.1f}%" in text


def test_golden_file_round_trip(tmp_path):
    g = golden([("a", "total", "", "TEU/yr", 1234567.891, 0.000123456789),
                ("b", "hub", "x y", "h", float("nan"), 0.0)])
    path = check.write_golden(tmp_path / "g.csv", g)
    back = check.read_golden(path)
    assert back.seeds == g.seeds and back.measured_days == 1 and back.scenario == "x"
    assert back.table.loc[0, "mean"] == 1234570.0  # six significant digits
    assert back.table.loc[0, "sd"] == pytest.approx(0.000123457)
    assert math.isnan(back.table.loc[1, "mean"]) and back.table.loc[1, "key"] == "x y"


def test_help_describes_check(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: hubsim check")
    for option in ("--expected", "--update", "--seeds", "--days", "--jobs"):
        assert option in out
