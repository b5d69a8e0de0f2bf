"""Every bad input is one ScenarioError naming the file, the field path and what was expected.

Each case starts from the valid tests/scenarios/tiny.yaml, breaks one thing, writes the file
into tmp_path and loads it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from hubsim.api import load_scenario
from hubsim.errors import ScenarioError
from hubsim.scenario.build import build_scenario


@pytest.fixture(scope="module")
def base(tiny_path) -> dict:
    return yaml.safe_load(tiny_path.read_text())


def _set(*path, value) -> Callable[[dict], None]:
    def mutate(d: dict) -> None:
        for p in path[:-1]:
            d = d[p]
        d[path[-1]] = value
    return mutate


def _pop(*path) -> Callable[[dict], None]:
    def mutate(d: dict) -> None:
        for p in path[:-1]:
            d = d[p]
        del d[path[-1]]
    return mutate


def _add_unreachable_demand(d: dict) -> None:
    d["zones"]["island"] = {"lat": 0, "lon": 0}
    d["demand"].append({"origin": "island", "destination": "west", "teu_per_year": 100})


def _add_service_without_link(d: dict) -> None:
    d["services"].append({"id": "ghost", "from": "port", "to": "west", "mode": "rail",
                          "capacity_teu": 10, "headway_h": 24})


# (id, mutation, field path in the message, expectation fragments)
CASES = [
    ("unknown-hub-in-link", _set("links", 1, "to", value="nowhere"), "links[1].to",
     ["unknown node 'nowhere'", "known: east, park, port, rail, west"]),
    ("zero-equipment", _set("hubs", "rail", "equipment", value=0), "hubs.rail.equipment",
     ["greater than or equal to 1", "[count]", "got 0"]),
    ("negative-yard", _set("hubs", "port", "yard_teu", value=-5), "hubs.port.yard_teu",
     ["greater than 0", "[TEU]", "got -5"]),
    ("zero-capacity", _set("services", 1, "capacity_teu", value=0), "services[1].capacity_teu",
     ["greater than 0", "[TEU/vehicle]", "got 0"]),
    ("negative-distance", _set("links", 0, "distance_km", value=-3), "links[0].distance_km",
     ["greater than 0", "[km]", "got -3"]),
    ("demand-without-route", _add_unreachable_demand, "demand[3]",
     ["no route", "'island'", "'west'"]),
    ("service-without-link", _add_service_without_link, "services[4]",
     ["no rail link between 'port' and 'west'", "'ghost'"]),
    ("service-on-wrong-mode", _set("services", 1, "mode", value="water"), "services[1]",
     ["no water link between 'rail' and 'port'"]),
    ("unknown-field", _set("hubs", "rail", "cranes", value=3), "hubs.rail.cranes",
     ["unknown field"]),
    ("missing-field", _pop("hubs", "rail", "moves_per_hour"), "hubs.rail.moves_per_hour",
     ["required field is missing"]),
    ("missing-section", _pop("links"), "links", ["required field is missing"]),
    ("bad-distribution-name", _set("hubs", "rail", "dwell_h", value="expo(12)"),
     "hubs.rail.dwell_h", ["cannot read 'expo(12)'", "exp(mean)", "[h]"]),
    ("bad-distribution-arity", _set("links", 2, "transit_h", value="tri(300, 384)"),
     "links[2].transit_h", ["triangular takes 3 argument(s)", "got 2"]),
    ("bad-distribution-value", _set("hubs", "port", "dwell_h", value="uniform(5, 1)"),
     "hubs.port.dwell_h", ["low <= high"]),
    ("bad-mode", _set("links", 0, "mode", value="teleport"), "links[0].mode",
     ["'rail', 'road', 'water' or 'air'", "got 'teleport'"]),
    ("warmup-too-long", _set("run", "warmup_days", value=100), "run",
     ["warmup_days (100) must be shorter than horizon_days (60)"]),
    ("unknown-seasonality", _set("demand", 2, "seasonality", value="summer"),
     "demand[2].seasonality", ["unknown seasonality profile 'summer'"]),
]


@pytest.mark.parametrize(("mutate", "field", "expect"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_field_names_file_field_and_expectation(tmp_path, base, mutate, field, expect):
    data = copy.deepcopy(base)
    mutate(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: {field}:"), msg
    for fragment in expect:
        assert fragment in msg, (fragment, msg)
    assert "\n" not in msg


def test_valid_base_loads(tmp_path, base):
    # the cases above fail because of their one change, not because the base is broken
    path = tmp_path / "good.yaml"
    path.write_text(yaml.safe_dump(base, sort_keys=False))
    assert load_scenario(path).name == "tiny"


def test_malformed_yaml_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nhubs:\n  a:\n    lat: 1\n   lon: 2\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: line 5, column 4: malformed YAML"), msg


def test_top_level_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(ScenarioError, match="expected a mapping of sections"):
        load_scenario(path)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "absent.yaml")


LINKS_HEADER = "from,to,mode,distance_km,speed_kmh,co2_g_per_tkm,cost_usd_per_teu\n"
GOOD_ROWS = ["park,rail,road,30,40,90,60", "rail,port,rail,40,40,20,40",
             "rail,west,rail,11000,30,20,8000", "port,east,water,2400,10,39,500"]


def _with_links_csv(tmp_path: Path, base: dict, rows: list[str]) -> Path:
    (tmp_path / "links.csv").write_text(LINKS_HEADER + "\n".join(rows) + "\n")
    data = copy.deepcopy(base)
    data["links"] = "links.csv"
    path = tmp_path / "scn.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_csv_table_loads(tmp_path, base):
    scn = load_scenario(_with_links_csv(tmp_path, base, GOOD_ROWS))
    assert [lk.distance_km for lk in scn.links] == [30, 40, 11000, 2400]
    assert len(scn.source_hash) == 64


@pytest.mark.parametrize(("line", "bad_row", "expect"), [
    (3, "rail,port,rail,forty,40,20,40", "distance_km: must be a valid number"),
    (5, "port,mars,water,2400,10,39,500", "to: unknown node 'mars'"),
    (2, "park,rail,road,30,40,90,60,7", "more cells than the header's 7 columns"),
    (4, "rail,west,rail,11000,-30,20,8000", "speed_kmh: must be greater than 0 [km/h]"),
])
def test_csv_bad_cell_names_the_csv_and_line(tmp_path, base, line, bad_row, expect):
    rows = list(GOOD_ROWS)
    rows[line - 2] = bad_row  # line 1 is the header
    with pytest.raises(ScenarioError) as info:
        load_scenario(_with_links_csv(tmp_path, base, rows))
    msg = str(info.value)
    assert msg.startswith(f"{(tmp_path / 'links.csv').resolve()}: line {line}: "), msg
    assert expect in msg, msg


def test_build_scenario_names_the_source():
    with pytest.raises(ScenarioError, match=r"^<scenario>: name: required field is missing"):
        build_scenario({"hubs": {}, "links": [], "services": [], "demand": []})
