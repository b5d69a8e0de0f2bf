"""Scenario overlays: apply_changes by dotted path, overlay files with extends/set/add/remove,
and every error case, on hand-written files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import hubsim
from hubsim.loader import build_scenario, load_scenario
from hubsim.overlay import scenario_data

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def tiny(tiny_path: Path) -> hubsim.Scenario:
    return load_scenario(tiny_path)


# --------------------------------------------------------------------------- round trip
@pytest.mark.parametrize("compact", [False, True])
def test_dump_and_rebuild_gives_an_equal_scenario(tiny: hubsim.Scenario, compact: bool) -> None:
    again = build_scenario(scenario_data(tiny, compact=compact))
    assert again == tiny
    assert again.source_path == "" and tiny.source_path.endswith("tiny.yaml")


def test_model_dump_json_round_trips_for_the_bundled_2022_scenario() -> None:
    scn = load_scenario(ROOT / "scenarios" / "chongqing_2022_target.yaml")
    assert build_scenario(scn.model_dump(by_alias=True, mode="json")) == scn


def test_scenarios_with_different_content_are_not_equal(tiny: hubsim.Scenario) -> None:
    assert hubsim.apply_changes(tiny, {"run.seed": 4}) != tiny


# --------------------------------------------------------------------------- apply_changes
def test_apply_changes_sets_fields_by_every_path_form(tiny: hubsim.Scenario) -> None:
    out = hubsim.apply_changes(tiny, {
        "hubs.port.equipment": 5,
        "services.cre.per_week": 6,
        "services.1.fleet": 3,                       # by list index
        "links.port-rail.speed_kmh": 50,             # ends reversed, mode left out
        "links.park-rail:road.cost_usd_per_teu": 70,
        "demand.park-west.teu_per_year": 15000,
        "demand.2.batch_mean": 4,
        "targets.intl.threshold": 90000,             # by id
        "targets.channel_teu.threshold": 20000,      # by the KPI only one target uses
        "run.seed": 11,
        "routing.transfer_penalty_usd": 10,
        "gateways.west.corridor": "europe",
        "seasonality.cny": [1.0] * 12,
    })
    assert out.hubs["port"].equipment == 5
    assert out.services[2].per_week == 6 and out.services[1].fleet == 3
    assert out.links[1].speed_kmh == 50 and out.links[0].cost_usd_per_teu == 70
    assert out.demand[0].teu_per_year == 15000 and out.demand[2].batch_mean == 4
    assert [t.threshold for t in out.targets] == [20000, 90000]
    assert out.run.seed == 11 and out.routing.transfer_penalty_usd == 10
    assert out.gateways["west"].corridor == "europe"
    assert out.seasonality["cny"] == (1.0,) * 12
    # the input is left alone and untouched fields carry over
    assert tiny.hubs["port"].equipment == 2 and out.hubs["rail"] == tiny.hubs["rail"]
    assert out.source_path == tiny.source_path and out.source_hash != tiny.source_hash


def test_scale_form_multiplies_numbers_and_distributions(tiny: hubsim.Scenario) -> None:
    out = hubsim.apply_changes(tiny, {
        "demand.*.teu_per_year": "x1.2",
        "services.cre.fleet": "x1.5",       # int field: 10 * 1.5 = 15
        "hubs.rail.equipment": "x1.4",      # 2 * 1.4 = 2.8 -> 3 (rounded)
        "hubs.port.dwell_h": "x2",          # lognormal(24, 0.5) -> lognormal(48, 0.5)
        "hubs.rail.clearance_h": "*0.5",    # fixed 6 -> 3
        "links.rail-west.transit_h": "x0.5",
    })
    assert [d.teu_per_year for d in out.demand] == pytest.approx([14400, 7200, 12000])
    assert out.services[2].fleet == 15 and out.hubs["rail"].equipment == 3
    dwell = out.hubs["port"].dwell_h
    assert (dwell.dist, dwell.mean, dwell.cv) == ("lognormal", 48.0, 0.5)
    assert out.hubs["rail"].clearance_h.expected == 3.0
    tri = out.links[2].transit_h
    assert (tri.low, tri.mode, tri.high) == (150, 192, 240)


def test_wildcard_over_an_id_table(tiny: hubsim.Scenario) -> None:
    out = hubsim.apply_changes(tiny, {"hubs.*.equipment": 4})
    assert {h.equipment for h in out.hubs.values()} == {4}


def test_numpy_values_are_accepted(tiny: hubsim.Scenario) -> None:
    np = pytest.importorskip("numpy")
    out = hubsim.apply_changes(tiny, {"hubs.port.equipment": np.int64(3),
                                      "services.cre.per_week": np.float64(5.5)})
    assert out.hubs["port"].equipment == 3 and out.services[2].per_week == 5.5


@pytest.mark.parametrize(("changes", "expected"), [
    ({"hubs.nope.equipment": 3}, "hubs.nope.equipment: no hub 'nope' (known: rail, port)"),
    ({"hubs.port.cranes": 3}, "hubs.port.cranes: unknown field 'cranes' of hubs.port"),
    ({"services.x.per_week": 3}, "services.x.per_week: no service 'x' (known: dray, shuttle"),
    ({"links.port-rail:road.speed_kmh": 1}, "no link 'port-rail:road' (known: park-rail:road"),
    ({"demand.5.teu_per_year": 1}, "demand.5.teu_per_year: index 5 is past the end"),
    ({"targets.nope.threshold": 1}, "targets.nope.threshold: no target 'nope'"),
    ({"run.foo": 1}, "run.foo: unknown field 'foo' of run"),
    ({"foo": 1}, "foo: unknown field 'foo' of the scenario"),
    ({"hubs.port.equipment.x": 1}, "hubs.port.equipment is 2, it has no field 'x'"),
    ({"hubs..equipment": 1}, "hubs..equipment: empty path segment"),
    ({"services.dray.per_week": "x2"}, "cannot scale 'x2': the field holds no value"),
    ({"hubs.port.equipment": 0},
     "hubs.port.equipment: must be greater than or equal to 1 [count], got 0"),
    ({"services.cre.per_week": -1},
     "services.cre.per_week: must be greater than 0 [departures/week], got -1"),
    ({"services.cre.headway_h": 12},
     "services.cre: give exactly one of headway_h, per_week, or on_demand: true"),
    ({"demand.park-east.destination": "nowhere"},
     "demand.park-nowhere.destination: unknown node 'nowhere'"),
])
def test_apply_changes_errors_name_source_path_and_expectation(
        tiny: hubsim.Scenario, changes: dict, expected: str) -> None:
    with pytest.raises(hubsim.ScenarioError) as info:
        hubsim.apply_changes(tiny, changes)
    message = str(info.value)
    assert message.startswith(f"{tiny.source_path}: ")
    assert expected in message


def test_ambiguous_demand_key_lists_the_choices(make_scenario, tiny: hubsim.Scenario) -> None:
    data = scenario_data(tiny)
    data["demand"].append({**data["demand"][0], "teu_per_year": 100})
    scn = make_scenario(data)
    with pytest.raises(hubsim.ScenarioError, match=re.escape(
            "'park-west' matches several demand: park-west#1, park-west#2")):
        hubsim.apply_changes(scn, {"demand.park-west.teu_per_year": 1})
    out = hubsim.apply_changes(scn, {"demand.park-west#2.teu_per_year": 200})
    assert [d.teu_per_year for d in out.demand] == [12000, 6000, 10000, 200]
