"""Property tests: generated broken scenario files always give the one clear error.

Starting from the valid tests/scenarios/tiny.yaml, hypothesis breaks one thing at a time: a
wrong type, a missing required field, a dangling reference, an absurd number (negative, NaN,
infinite, out of range, or so large the run could never finish), truncated YAML, bytes that
are not text, a broken cell in a CSV table. Every file must give a :class:`ScenarioError` that
names the file (and the field, where one is broken), on one line; the CLI must print that one
line, exit 2, and write no results folder. Nothing may raise another exception or hang.

Generation is derandomized (the same examples on every run), so CI never flakes.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import math
import signal
import string
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubsim.cli.main import main
from hubsim.scenario.loader import ScenarioError, load_scenario

TINY = Path(__file__).resolve().parent / "scenarios" / "tiny.yaml"
BASE = yaml.safe_load(TINY.read_text())
NODES = {*BASE["hubs"], *BASE["zones"], *BASE["gateways"]}
PROPERTY = settings(max_examples=200, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# required fields (no default), as paths into tiny.yaml, and how the message spells them
REQUIRED = [
    ("name",), ("hubs",), ("links",), ("services",), ("demand",),
    ("hubs", "rail", "equipment"), ("hubs", "port", "moves_per_hour"),
    ("hubs", "rail", "yard_teu"), ("hubs", "port", "lat"), ("zones", "park", "lon"),
    ("gateways", "west", "corridor"), ("links", 0, "from"), ("links", 1, "to"),
    ("links", 2, "mode"), ("links", 0, "distance_km"), ("links", 3, "co2_g_per_tkm"),
    ("links", 3, "lock", "hold_h"), ("services", 0, "id"), ("services", 1, "from"),
    ("services", 2, "mode"), ("demand", 0, "origin"), ("demand", 1, "destination"),
    ("targets", 0, "kpi"), ("targets", 1, "threshold"),
]
# numeric fields that must be >= 0 (or > 0, or >= 1): negative, NaN and infinite are absurd
NON_NEGATIVE = [
    ("hubs", "rail", "equipment"), ("hubs", "port", "moves_per_hour"),
    ("hubs", "rail", "yard_teu"), ("links", 0, "distance_km"), ("links", 1, "speed_kmh"),
    ("links", 0, "co2_g_per_tkm"), ("links", 2, "cost_usd_per_teu"),
    ("links", 3, "lock", "capacity"), ("services", 1, "capacity_teu"),
    ("services", 1, "headway_h"), ("services", 2, "per_week"), ("services", 0, "fleet"),
    ("services", 3, "max_wait_h"), ("demand", 0, "teu_per_year"),
    ("demand", 1, "tonnes_per_year"), ("demand", 2, "batch_mean"), ("run", "horizon_days"),
    ("run", "warmup_days"), ("run", "seed"), ("targets", 0, "threshold"),
]
COORDINATES = [("hubs", "rail", "lat"), ("zones", "park", "lon"), ("gateways", "east", "lat")]
# fields so large (or small) that the run would generate an impossible amount of work
WORKLOAD = [("demand", 0, "teu_per_year"), ("services", 1, "headway_h"),
            ("demand", 2, "batch_mean")]
REFERENCES = [(sec, i, end) for sec, n, ends in (("links", 4, ("from", "to")),
                                                 ("services", 4, ("from", "to")),
                                                 ("demand", 3, ("origin", "destination")))
              for i in range(n) for end in ends]


def spelled(path: tuple) -> str:
    """A field path as error messages write it: ``links[0].distance_km``."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _parent(data: dict, path: tuple):
    for p in path[:-1]:
        data = data[p]
    return data


def _not_a_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return True
    return False


not_numbers = st.one_of(
    st.booleans(),  # YAML true: pydantic alone would read it as 1
    st.text(alphabet=string.ascii_letters + " %/-", min_size=1, max_size=8)
    .filter(_not_a_number),
    st.lists(st.integers(), min_size=1, max_size=3),
    st.dictionaries(st.sampled_from(["a", "mean", "value"]), st.integers(), min_size=1,
                    max_size=2),
)
absurd_numbers = st.one_of(
    st.floats(max_value=-1e-6, allow_nan=False, allow_infinity=True),
    st.integers(max_value=-1),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)
names = st.text(alphabet=string.ascii_lowercase + string.digits + "_-", min_size=1,
                max_size=12).filter(lambda s: s not in NODES)


@st.composite
def broken(draw) -> tuple[str, dict | str | bytes, str | None]:
    """``(kind, content, field path the message must name or None)``; content is a dict to
    dump as YAML, or raw text/bytes."""
    kind = draw(st.sampled_from(["type", "missing", "reference", "absurd", "coordinate",
                                 "workload", "section", "truncated", "garbage", "binary"]))
    data = copy.deepcopy(BASE)
    if kind == "type":
        path = draw(st.sampled_from(NON_NEGATIVE + COORDINATES))
        _parent(data, path)[path[-1]] = draw(not_numbers)
        return kind, data, spelled(path)
    if kind == "missing":
        path = draw(st.sampled_from(REQUIRED))
        del _parent(data, path)[path[-1]]
        return kind, data, spelled(path)
    if kind == "reference":
        path = draw(st.sampled_from(REFERENCES))
        _parent(data, path)[path[-1]] = draw(names)
        # a service on a link that does not exist is reported on the service itself
        return kind, data, spelled(path[:2])
    if kind == "absurd":
        path = draw(st.sampled_from(NON_NEGATIVE))
        _parent(data, path)[path[-1]] = draw(absurd_numbers)
        return kind, data, spelled(path)
    if kind == "coordinate":
        path = draw(st.sampled_from(COORDINATES))
        sign = draw(st.sampled_from([-1, 1]))
        _parent(data, path)[path[-1]] = sign * draw(st.floats(min_value=180.001, max_value=1e300))
        return kind, data, spelled(path)
    if kind == "workload":
        path = draw(st.sampled_from(WORKLOAD))
        value = draw(st.floats(min_value=1e12, max_value=1e300)) if path[-1] != "headway_h" \
            else draw(st.floats(min_value=1e-300, max_value=1e-9))
        _parent(data, path)[path[-1]] = value
        return kind, data, spelled(path)
    if kind == "section":
        section = draw(st.sampled_from(["hubs", "links", "services", "demand", "run"]))
        data[section] = draw(st.one_of(st.integers(), st.text(max_size=5), st.just(None)))
        return kind, data, section
    text = yaml.safe_dump(BASE, sort_keys=False)
    if kind == "truncated":
        return kind, text[:draw(st.integers(0, len(text) - 1))], None
    if kind == "garbage":
        return kind, draw(st.text(max_size=200)), None
    return kind, draw(st.binary(min_size=1, max_size=200)), None


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: SIGALRM raises in the main thread after ``seconds``."""
    def _alarm(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s")
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def write(folder: Path, content: dict | str | bytes) -> Path:
    path = folder / "broken.yaml"
    if isinstance(content, dict):
        path.write_text(yaml.safe_dump(content, sort_keys=False))
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def assert_one_clear_line(code: int, err: str, path: Path, field: str | None) -> None:
    assert code == 2, err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(f"hubsim: error: {path}"), err
    assert "Traceback" not in err
    if field is not None:
        assert f": {field}" in err, (field, err)


@PROPERTY
@given(case=broken())
def test_broken_scenario_gives_one_clear_error(case):
    kind, content, field = case
    with tempfile.TemporaryDirectory() as tmp, time_limit(20):
        folder = Path(tmp)
        path = write(folder, content)
        try:
            load_scenario(path)
        except ScenarioError as exc:
            message = str(exc)
            assert "\n" not in message, message
            assert message.startswith(f"{path}: "), message
            if field is not None:
                assert f": {field}" in message, (field, message)
        else:
            # only a truncation that ends on a complete line can leave a valid scenario
            assert kind == "truncated", f"{kind}: accepted {content!r}"[:2000]
            return
        code, out, err = run_cli("validate", str(path))
        assert out == ""
        assert_one_clear_line(code, err, path, field)
        results = folder / "results"
        code, _, err = run_cli("run", str(path), "--out", str(results), "--quiet")
        assert_one_clear_line(code, err, path, field)
        assert not results.exists()


@st.composite
def broken_cell(draw) -> tuple[int, str, str]:
    column = draw(st.sampled_from(["from", "to", "mode", "distance_km", "co2_g_per_tkm"]))
    if column in ("from", "to"):
        value = draw(names)
    elif column == "mode":
        value = draw(names.filter(lambda s: s not in ("rail", "road", "water", "air")))
    else:
        value = draw(not_numbers.filter(lambda v: isinstance(v, str) and "," not in v))
    return draw(st.integers(0, 2)), column, value


@PROPERTY
@given(cell=broken_cell())
def test_broken_csv_cell_names_the_table_and_line(cell):
    """links given as a CSV table: a broken cell is reported with the CSV file, its line and
    the column."""
    row, column, value = cell
    data = copy.deepcopy(BASE)
    # the three links without a lock (a nested lock does not fit a CSV row)
    links = [dict(lk) for lk in data["links"] if "lock" not in lk]
    links[row][column] = value
    cols = ["from", "to", "mode", "distance_km", "speed_kmh", "transit_h", "co2_g_per_tkm",
            "cost_usd_per_teu"]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(cols)
    writer.writerows([lk.get(c, "") for c in cols] for lk in links)
    data["links"] = "links.csv"
    data["services"] = [s for s in data["services"] if s["id"] != "barge"]
    data["demand"] = [d for d in data["demand"] if d["destination"] != "east"]
    with tempfile.TemporaryDirectory() as tmp, time_limit(20):
        folder = Path(tmp)
        table = folder / "links.csv"
        table.write_text(text.getvalue())
        path = write(folder, data)
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{table.resolve()}: line {row + 2}"), message
    assert column in message, message


@pytest.mark.parametrize("content", [
    "name: tiny\nhubs:\n  rail: {lat: 29.6, lon: 106.4, equipment: 2, moves_per_h",
    yaml.safe_dump({**BASE, "links": [{**BASE["links"][0], "distance_km": math.inf},
                                      *BASE["links"][1:]]}, sort_keys=False),
], ids=["truncated", "infinite-distance"])
def test_cli_process_prints_one_line_and_exits_2(tmp_path, content):
    """As a user sees it: a real process, one line on stderr, status 2, nothing written."""
    path = write(tmp_path, content)
    out = tmp_path / "results"
    proc = subprocess.run([sys.executable, "-m", "hubsim.cli", "run", str(path), "--out",
                           str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"hubsim: error: {path}")
    assert "Traceback" not in proc.stderr
    assert not out.exists()
