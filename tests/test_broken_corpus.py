"""The corpus of broken inputs: every case under tests/broken/ gets the one clear error.

A case is a file ``tests/broken/<class>/<name>.yaml`` whose first lines say what must happen
(tests/broken/README.md)::

    # what is broken, in a few words
    # expect: text the one error line must contain      (one line per text)
    # args: extra options of hubsim run                 ({case}, {dir}, {tmp} are replaced)
    # names: what the line names instead of the file    (an option such as --days, /proc)

Files beside it named ``<name>.<anything>`` (a CSV table, a parent scenario) belong to it.
Each case runs as ``hubsim run <case> --out <tmp>/out/res --quiet <args>``: exit status 2,
exactly one line on standard error, starting ``hubsim: error:`` and naming the file (any
``<name>.`` file) or what ``names`` says, every ``expect`` text in it, no traceback, nothing
written (no results folder, no temporary folder, the case's folder unchanged), in under 5 s.

Huge inputs (a 50 MB scenario, an 11 MB table, values of 2 MB) are made at test time in
``tmp_path`` instead of being committed. The fast tier runs every case in this process
(:func:`hubsim.cli.main.main`); the slow tier runs each again as a separate process.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hubsim
from hubsim.cli.main import main
from hubsim.scenario.yamlread import MAX_ALIASES, MAX_EXPANDED

TESTS = Path(__file__).resolve().parent
BROKEN = TESTS / "broken"
TINY = TESTS / "scenarios" / "tiny.yaml"
BUDGET_S = 5.0  # every broken input is refused within this (the figure)


@dataclass(frozen=True)
class Case:
    """One broken input and what its error line must say."""

    path: Path
    expect: tuple[str, ...]
    args: str = ""
    names: str = ""

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"


def read_case(path: Path) -> Case:
    """The case in ``path``: its ``# expect:``, ``# args:`` and ``# names:`` lines."""
    expect, fields = [], {"args": "", "names": ""}
    for raw in path.read_bytes().splitlines():
        line = raw.decode("utf-8", errors="replace")
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        if key == "expect":
            expect.append(value.strip())
        elif key in fields:
            fields[key] = value.strip()
    return Case(path, tuple(expect), fields["args"], fields["names"] or f"{path.stem}.")


def corpus() -> list[Case]:
    """Every case file (``<class>/<name>.yaml``; ``<name>.<x>.yaml`` files belong to a case)."""
    return [read_case(p) for p in sorted(BROKEN.glob("*/*.yaml")) if "." not in p.stem]


CASES = corpus()


def command(case: Case, tmp: Path) -> list[str]:
    """The ``hubsim`` arguments that run ``case`` as a user would."""
    extra = [a.format(case=case.path, dir=case.path.parent, tmp=tmp)
             for a in shlex.split(case.args)]
    out = [] if "--out" in extra else ["--out", str(tmp / "out" / "res")]
    return ["run", str(case.path), *out, "--quiet", *extra]


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: SIGALRM raises in the main thread after ``seconds``."""

    def _alarm(signum, frame):
        raise TimeoutError(f"no answer within {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_in_process(argv: list[str]) -> tuple[int, str, str, float]:
    """``hubsim argv`` in this process: exit code, stdout, stderr, seconds."""
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            time_limit(4 * BUDGET_S):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - start


def run_process(argv: list[str]) -> tuple[int, str, str, float]:
    """``python -m hubsim argv`` as a separate process."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "hubsim", *argv], capture_output=True,
                          text=True, timeout=60, cwd=TESTS.parent,
                          env={**os.environ, "PYTHONWARNINGS": "error"})
    return proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


def assert_refused(case: Case, tmp: Path, run: Callable[[list[str]], tuple[int, str, str, float]],
                   budget: float = BUDGET_S) -> str:
    """Run ``case`` and check the promise; return the error line."""
    before = listing(case.path.parent)
    tmp_before = listing(tmp)
    code, out, err, seconds = run(command(case, tmp))
    assert "Traceback" not in err, err[-3000:]
    assert code == 2, f"exit {code}: {err[:2000]}"
    assert err.count("\n") == 1 and err.endswith("\n"), f"not one line: {err[:2000]!r}"
    line = err.rstrip("\n")
    assert line.startswith("hubsim: error: "), line
    assert len(line) < 1000, f"{len(line)} characters: {line[:300]}..."
    assert case.names in line, f"does not name {case.names!r}: {line}"
    for text in case.expect:
        assert text in line, f"{text!r} not in: {line}"
    assert out == "", out
    assert listing(tmp) == tmp_before, f"written: {listing(tmp) - tmp_before}"
    assert listing(case.path.parent) == before, "written beside the case"
    assert seconds < budget, f"{seconds:.1f} s: {line}"
    return line


@pytest.fixture(scope="module", autouse=True)
def _imported() -> None:
    """What a command imports on first use is imported before any case is timed."""
    code, _, err, _ = run_in_process(["validate", str(TINY)])
    assert code == 0, err


def test_the_corpus_is_large_and_every_case_says_what_it_expects():
    assert len(CASES) >= 60
    classes = {c.path.parent.name for c in CASES}
    assert classes >= {"references", "units", "types", "duplicates", "malformed", "tables",
                       "overlays", "aliases", "cli", "output"}
    for case in CASES:
        assert case.expect, f"{case.id}: no '# expect:' line"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_input_gets_one_clear_error(case: Case, tmp_path: Path) -> None:
    assert_refused(case, tmp_path, run_in_process)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_input_as_a_process(case: Case, tmp_path: Path) -> None:
    """As a user sees it: a real process (its start-up included, so a looser budget)."""
    assert_refused(case, tmp_path, run_process, budget=3 * BUDGET_S)


# --------------------------------------------------------------------------- made at test time
# (name, writer(folder) -> (scenario path, expected texts)); each writes into tmp_path
def _huge_scenario(folder: Path) -> tuple[Path, list[str]]:
    path = folder / "huge_scenario.yaml"
    with path.open("w") as fh:
        fh.write(TINY.read_text())
        fh.write("description: |\n")
        line = "  " + "x" * 1022 + "\n"
        for _ in range(50 * 1024):  # 50 MB
            fh.write(line)
    return path, ["scenario file is 50.1 MB, larger than the limit of 10 MB"]


def _huge_table(folder: Path) -> tuple[Path, list[str]]:
    data = yaml.safe_load(TINY.read_text())
    data["links"] = "huge_table.links.csv"
    path = folder / "huge_table.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with (folder / "huge_table.links.csv").open("w") as fh:
        fh.write("from,to,mode,distance_km,speed_kmh,co2_g_per_tkm,cost_usd_per_teu\n")
        row = "park,rail,road,30,40,90,60\n"
        fh.write(row * (11 * 1024 * 1024 // len(row)))  # 11 MB
    return path, ["huge_table.yaml: links: ", "huge_table.links.csv: table is 11.0 MB, larger than "
                  "the limit of 10 MB"]


def _long_value(where: str, expect: list[str]) -> Callable[[Path], tuple[Path, list[str]]]:
    """A 2 MB text put into the field ``where`` (a path into tiny.yaml)."""

    def write(folder: Path) -> tuple[Path, list[str]]:
        data = yaml.safe_load(TINY.read_text())
        keys = [int(k) if k.isdigit() else k for k in where.split(".")]
        parent = data
        for key in keys[:-1]:
            parent = parent[key]
        value = "9" * 1000 + "x" * (2 * 1024 * 1024)
        if keys[-1] == "<key>":  # a 2 MB field name
            parent[value] = 1
        else:
            parent[keys[-1]] = value
        path = folder / "long_value.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, width=10**9))
        return path, [*expect, "characters)"]

    return write


def _many_aliases(folder: Path) -> tuple[Path, list[str]]:
    path = folder / "many_aliases.yaml"
    text = TINY.read_text().replace("name: tiny", "name: tiny\nx-anchor: &a [1]")
    path.write_text(text + "x-uses: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n")
    return path, ["more than 100,000 alias uses"]


def _symlink_out(folder: Path) -> tuple[Path, list[str]]:
    """A table inside the folder that is a symbolic link to a file outside it."""
    outside = folder.parent / "outside.csv"
    outside.write_text("from,to,mode,distance_km,speed_kmh,co2_g_per_tkm,cost_usd_per_teu\n")
    (folder / "links.csv").symlink_to(outside)
    data = yaml.safe_load(TINY.read_text())
    data["links"] = "links.csv"
    path = folder / "symlinked_table.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path, ["symlinked_table.yaml: links: table 'links.csv' is outside the scenario's "
                  "folder"]


def _huge_cell(folder: Path) -> tuple[Path, list[str]]:
    """A CSV cell of 200 kB, beyond the csv module's field limit."""
    data = yaml.safe_load(TINY.read_text())
    data["links"] = "huge_cell.links.csv"
    path = folder / "huge_cell.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    (folder / "huge_cell.links.csv").write_text(
        "from,to,mode,distance_km,speed_kmh,co2_g_per_tkm,cost_usd_per_teu\n"
        f"park,rail,road,30,40,{'9' * 200_000},60\n")
    return path, ["huge_cell.links.csv: line 2: malformed CSV: field larger than field limit"]


GENERATED = {
    "csv_cell_200_kb": _huge_cell,
    "table_symlinked_outside": _symlink_out,
    "scenario_50_mb": _huge_scenario,
    "table_11_mb": _huge_table,
    "number_field_2_mb": _long_value("hubs.rail.equipment", ["hubs.rail.equipment", "got '9999"]),
    "distribution_2_mb": _long_value("hubs.rail.dwell_h", ["hubs.rail.dwell_h",
                                                           "cannot read '9999"]),
    "node_id_2_mb": _long_value("links.1.to", ["links[1].to", "unknown node '9999"]),
    "field_name_2_mb": _long_value("hubs.rail.<key>", ["hubs.rail.9999", "unknown field"]),
    "alias_uses": _many_aliases,
}


@pytest.mark.parametrize("name", list(GENERATED))
def test_huge_input_gets_one_clear_error_fast(name: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path, expect = GENERATED[name](folder)
    case = Case(path, tuple(expect), names=f"{path.stem}.")
    line = assert_refused(case, tmp_path / "run", run_in_process)
    assert len(line) < 600, line


# --------------------------------------------------------------------------- what stays valid
def test_tables_outside_the_folder_load_when_the_scenario_allows_it(tmp_path: Path) -> None:
    shared, own = tmp_path / "shared", tmp_path / "own"
    shared.mkdir()
    own.mkdir()
    data = yaml.safe_load(TINY.read_text())
    (shared / "demand.csv").write_text(
        "origin,destination,teu_per_year,tonnes_per_year,batch_mean\n"
        + "".join(f"{d['origin']},{d['destination']},{d['teu_per_year']},"
                  f"{d['tonnes_per_year']},{d['batch_mean']}\n" for d in data["demand"]))
    data["demand"] = "../shared/demand.csv"
    path = own / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(hubsim.ScenarioError, match=r"s\.yaml: demand: table "
                       r"'\.\./shared/demand\.csv' is outside the scenario's folder"):
        hubsim.load_scenario(path)
    path.write_text(yaml.safe_dump({"allow_tables_outside": True, **data}, sort_keys=False))
    assert len(hubsim.load_scenario(path).demand) == 3
    (own / "sub").mkdir()  # a table below the scenario's folder needs no permission
    (own / "sub" / "demand.csv").write_text((shared / "demand.csv").read_text())
    path.write_text(yaml.safe_dump({**data, "demand": "sub/demand.csv"}, sort_keys=False))
    assert len(hubsim.load_scenario(path).demand) == 3


def test_anchors_aliases_and_merge_keys_still_work(tmp_path: Path) -> None:
    text = TINY.read_text().replace("  rail: {lat", "  rail: &hub {lat", 1)
    text = text.replace("  port: {lat: 29.6, lon: 106.7, equipment: 2, moves_per_hour: 20, "
                        "yard_teu: 2000,", "  port: {<<: *hub, lon: 106.7, equipment: 3,")
    path = tmp_path / "anchors.yaml"
    path.write_text(text)
    scn = hubsim.load_scenario(path)
    assert (scn.hubs["port"].equipment, scn.hubs["port"].yard_teu) == (3, 2000)
    assert scn.hubs["port"].clearance_h == scn.hubs["rail"].clearance_h


def test_libyaml_is_used_when_present() -> None:
    from hubsim.scenario import yamlread

    if yaml.__with_libyaml__:
        assert issubclass(yamlread._Loader, yaml.CSafeLoader)


# ----------------------------------------------------------------------- generated by hypothesis
BLOCK = yaml.safe_dump(yaml.safe_load(TINY.read_text()), sort_keys=False,
                       default_flow_style=False).splitlines()
KEY_LINES = [i for i, line in enumerate(BLOCK) if re.match(r"^ *[a-z_]+:", line)]
PROPERTY = settings(max_examples=40, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


@PROPERTY
@given(index=st.sampled_from(KEY_LINES))
def test_any_key_given_twice_names_both_lines(index: int, tmp_path: Path) -> None:
    """Any key line of tiny.yaml (block style) written twice: both lines in the message."""
    lines = [*BLOCK[:index + 1], BLOCK[index], *BLOCK[index + 1:]]
    path = tmp_path / "twice.yaml"
    path.write_text("\n".join(lines) + "\n")
    key = BLOCK[index].split(":")[0].strip()
    with pytest.raises(hubsim.ScenarioError) as info:
        hubsim.load_scenario(path)
    assert str(info.value) == (f"{path}: line {index + 2}: duplicate key '{key}' "
                               f"(first at line {index + 1})")


@PROPERTY
@given(width=st.integers(2, 12), levels=st.integers(1, 10))
def test_alias_bombs_are_refused_before_they_expand(width: int, levels: int,
                                                    tmp_path: Path) -> None:
    """A laughs-style bomb of any width and depth: refused quickly when it would expand past
    the limit, else an ordinary error (description must be text); never a hang."""
    rows = ["  - &l0 [" + ", ".join(["lol"] * width) + "]"]
    rows += [f"  - &l{n} [" + ", ".join([f"*l{n - 1}"] * width) + "]"
             for n in range(1, levels)]
    path = tmp_path / "bomb.yaml"
    path.write_text(TINY.read_text().replace("name: tiny", "name: tiny\ndescription:\n"
                                             + "\n".join(rows), 1))
    start = time.perf_counter()
    with time_limit(4 * BUDGET_S), pytest.raises(hubsim.ScenarioError) as info:
        hubsim.load_scenario(path)
    assert time.perf_counter() - start < BUDGET_S
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    expanded = sum(width ** (n + 1) for n in range(levels))
    if expanded > 2 * MAX_EXPANDED:
        assert "aliases expand to more than" in message, message
    elif expanded < MAX_EXPANDED // 2:
        assert "description: must be a valid string" in message, message
