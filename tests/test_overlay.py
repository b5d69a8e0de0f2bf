"""Scenario overlays: apply_changes by dotted path, overlay files with extends/set/add/remove,
and every error case, on hand-written files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import hubsim
from hubsim.api import load_scenario
from hubsim.scenario.build import build_scenario
from hubsim.scenario.diff import diff_scenarios, diff_table, diff_text, show_text
from hubsim.scenario.overlay import scenario_data
from hubsim.scenario.paths import path_targets

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


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_scenario_round_trips(path: Path) -> None:
    scn = load_scenario(path)
    assert build_scenario(scn.model_dump(by_alias=True, mode="json")) == scn
    assert build_scenario(yaml.safe_load(show_text(scn))) == scn


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


def test_wildcard_over_every_area_of_every_hub() -> None:
    base = hubsim.load_scenario("scenarios/chongqing_2022_target.yaml")
    out = hubsim.apply_changes(base, {"hubs.*.areas.*.moves_per_hour": "x0.5"})
    pairs = [(a.moves_per_hour, out.hubs[h].areas[m].moves_per_hour)
             for h, hub in base.hubs.items() for m, a in hub.areas.items()]
    assert len(pairs) >= 8 and all(new == pytest.approx(old / 2) for old, new in pairs)


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
    ({"hubs.port.equipment": "x1e400"},
     "hubs.port.equipment: cannot scale 'x1e400': the factor must be a finite number"),
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


@pytest.mark.parametrize(("path", "expected"), [
    ("hubs.nope.equipment", "no hub 'nope'"),
    ("links.9.speed_kmh", "index 9 is past the end"),
    ("hubs.port.equipment.x", "it has no field 'x'"),
])
def test_path_lookups_raise_scenario_errors(tiny: hubsim.Scenario, path: str,
                                            expected: str) -> None:
    # path_targets is used directly by goal-seek (--vary): one error type, no bare LookupError
    with pytest.raises(hubsim.ScenarioError, match=re.escape(expected)):
        path_targets(scenario_data(tiny), path)


def test_ambiguous_demand_key_lists_the_choices(make_scenario, tiny: hubsim.Scenario) -> None:
    data = scenario_data(tiny)
    data["demand"].append({**data["demand"][0], "teu_per_year": 100})
    scn = make_scenario(data)
    with pytest.raises(hubsim.ScenarioError, match=re.escape(
            "'park-west' matches several demand: park-west#1, park-west#2")):
        hubsim.apply_changes(scn, {"demand.park-west.teu_per_year": 1})
    out = hubsim.apply_changes(scn, {"demand.park-west#2.teu_per_year": 200})
    assert [d.teu_per_year for d in out.demand] == [12000, 6000, 10000, 200]


# --------------------------------------------------------------------------- overlay files
def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture
def folder(tmp_path: Path, tiny_path: Path) -> Path:
    """A folder holding a copy of tiny.yaml, for overlays to extend."""
    (tmp_path / "tiny.yaml").write_text(tiny_path.read_text())
    return tmp_path


RAIL2 = """
add:
  hubs:
    rail2: {lat: 29.7, lon: 106.5, equipment: 2, moves_per_hour: 20, yard_teu: 2000}
  links:
    - {from: rail2, to: west, mode: rail, distance_km: 11000, speed_kmh: 30, co2_g_per_tkm: 20}
  services:
    - {id: cre2, from: rail2, to: west, mode: rail, capacity_teu: 80, per_week: 2}
"""


def test_overlay_removes_adds_and_sets(folder: Path, tiny: hubsim.Scenario) -> None:
    path = write(folder, "more.yaml", "# what if\nextends: tiny.yaml\n"
                 "description: more cranes, a second rail hub\n"
                 "remove: {demand: [west-park]}\n" + RAIL2 +
                 "set:\n  hubs.port.equipment: x2\n  services.cre2.per_week: 3\n")
    scn = load_scenario(path)
    assert scn.name == "more"                       # default: the file's stem
    assert scn.description == "more cranes, a second rail hub"
    assert list(scn.hubs) == ["rail", "port", "rail2"]
    assert [s.id for s in scn.services] == ["dray", "shuttle", "cre", "barge", "cre2"]
    assert scn.services[-1].per_week == 3           # set runs after add
    assert scn.hubs["port"].equipment == 4
    assert [(d.origin, d.destination) for d in scn.demand] == [("park", "west"),
                                                               ("park", "east")]
    assert scn.links[:4] == tiny.links and scn.seasonality == tiny.seasonality
    assert scn.source_path == str(path) and len(scn.source_hash) == 64


def test_overlay_chain_and_provenance(folder: Path) -> None:
    write(folder, "a.yaml", "extends: tiny.yaml\nname: a\nset: {hubs.port.equipment: 5}\n")
    sub = folder / "sub"
    sub.mkdir()
    b = write(sub, "b.yaml", "extends: ../a.yaml\nset: {run.seed: 9, hubs.port.equipment: x2}\n")
    scn = load_scenario(b)
    assert (scn.name, scn.run.seed, scn.hubs["port"].equipment) == ("b", 9, 10)
    before = scn.source_hash
    write(folder, "a.yaml", "extends: tiny.yaml\nname: a\nset: {hubs.port.equipment: 6}\n")
    again = load_scenario(b)
    assert again.hubs["port"].equipment == 12 and again.source_hash != before


def test_overlay_on_a_parent_with_csv_tables(folder: Path) -> None:
    (folder / "demand.csv").write_text(
        "origin,destination,teu_per_year,tonnes_per_year,batch_mean\n"
        "park,west,12000,144000,8\npark,east,10000,120000,5\n")
    data = yaml.safe_load((folder / "tiny.yaml").read_text())
    data["demand"] = "demand.csv"
    (folder / "tiny.yaml").write_text(yaml.safe_dump(data))
    path = write(folder, "w.yaml", "extends: tiny.yaml\nset: {demand.park-east.batch_mean: 2}\n")
    assert [d.batch_mean for d in load_scenario(path).demand] == [8, 2]


def test_resolved_scenario_shows_as_yaml_that_loads_back_equal(folder: Path) -> None:
    path = write(folder, "more.yaml", "extends: tiny.yaml\n" + RAIL2)
    scn = load_scenario(path)
    text = show_text(scn)
    assert text.startswith(f"# more: resolved from {path}\n")
    assert "dwell_h: lognormal(24, 0.5)" in text and "extends" not in text
    assert build_scenario(yaml.safe_load(text)) == scn


@pytest.mark.parametrize(("text", "expected"), [
    ("extends: nothere.yaml\n",
     "w.yaml: extends: parent scenario 'nothere.yaml' not found (looked for "),
    ("extends: 3\n", "w.yaml: extends: must be the path of a scenario file"),
    ("extends: tiny.yaml\nhubs: {}\n",
     "w.yaml: hubs: unknown key in an overlay file (an overlay holds extends, name, "
     "description, remove, add, set; change other fields with set)"),
    ("extends: tiny.yaml\nname: [x]\n", "w.yaml: name: must be text, got ['x']"),
    ("extends: tiny.yaml\nset: {hubs.port.cranes: 3}\n",
     "w.yaml: set: hubs.port.cranes: unknown field 'cranes' of hubs.port (fields: "),
    ("extends: tiny.yaml\nset: {services.nope.fleet: 3}\n",
     "w.yaml: set: services.nope.fleet: no service 'nope' (known: dray, shuttle, cre, barge)"),
    ("extends: tiny.yaml\nset: [hubs.port.equipment]\n",
     "w.yaml: set: expected a mapping of path: value, got list"),
    ("extends: tiny.yaml\nset: {hubs.port.equipment: -1}\n",
     "w.yaml: hubs.port.equipment: must be greater than or equal to 1 [count], got -1"),
    ("extends: tiny.yaml\nremove: {hubs: [port]}\n",
     "w.yaml: remove: hubs: hub 'port' is still used by links.rail-port:rail; remove that too"),
    ("extends: tiny.yaml\nremove: {zones: [park]}\n",
     "w.yaml: remove: zones: zone 'park' is still used by links.park-rail:road"),
    ("extends: tiny.yaml\nremove: {links: [port-east:water]}\n",
     "w.yaml: remove: links: the water link port-east is still used by services.barge; "
     "remove that too"),
    ("extends: tiny.yaml\nremove: {services: [nope]}\n",
     "w.yaml: remove: services: no service 'nope' (known: dray, shuttle, cre, barge)"),
    ("extends: tiny.yaml\nremove: {hubs: [nope]}\n",
     "w.yaml: remove: hubs: no hub 'nope' (known: rail, port)"),
    ("extends: tiny.yaml\nremove: {services: cre}\n",
     "w.yaml: remove: services: expected a list of ids"),
    ("extends: tiny.yaml\nremove: {services: [shuttle]}\n",
     "w.yaml: demand.park-east: no route carries container cargo from 'park' to 'east'"),
    ("extends: tiny.yaml\nadd: {hubs: {port: {lat: 1, lon: 1, equipment: 1, "
     "moves_per_hour: 1, yard_teu: 1}}}\n",
     "w.yaml: add: hubs: 'port' already exists in hubs; use set to change it"),
    ("extends: tiny.yaml\nadd: {gateways: {rail: {lat: 1, lon: 1, corridor: x}}}\n",
     "w.yaml: add: gateways: 'rail' already exists in hubs"),
    ("extends: tiny.yaml\nadd: {run: [1]}\n", "w.yaml: add: cannot add to 'run' (sections: "),
    ("extends: tiny.yaml\nadd: {links: {from: a}}\n",
     "w.yaml: add: links: expected a list of items"),
    ("extends: tiny.yaml\nadd: {services: [{id: x, from: rail, to: port, mode: rail, "
     "capacity_teu: 0, per_week: 1}]}\n",
     "w.yaml: services.x.capacity_teu: must be greater than 0 [TEU/vehicle], got 0"),
])
def test_overlay_errors_name_file_path_and_expectation(folder: Path, text: str,
                                                       expected: str) -> None:
    path = write(folder, "w.yaml", text)
    with pytest.raises(hubsim.ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{folder}/"), str(info.value)
    assert expected in str(info.value)


def test_removing_a_hub_with_everything_that_uses_it_is_allowed(folder: Path) -> None:
    path = write(folder, "w.yaml", "extends: tiny.yaml\nremove:\n  hubs: [port]\n"
                 "  links: [port-east:water, rail-port]\n  services: [barge, shuttle]\n"
                 "  demand: [park-east]\n  gateways: [east]\n  seasonality: [cny]\n")
    scn = load_scenario(path)
    assert list(scn.hubs) == ["rail"] and list(scn.gateways) == ["west"]
    assert [s.id for s in scn.services] == ["dray", "cre"] and len(scn.demand) == 2


def test_extends_cycle_is_an_error(folder: Path) -> None:
    write(folder, "c1.yaml", "extends: c2.yaml\n")
    write(folder, "c2.yaml", "extends: c1.yaml\n")
    with pytest.raises(hubsim.ScenarioError, match=re.escape(
            "c2.yaml: extends: 'c1.yaml' makes a cycle (c1.yaml -> c2.yaml -> c1.yaml)")):
        load_scenario(folder / "c1.yaml")
    write(folder, "self.yaml", "extends: self.yaml\n")
    with pytest.raises(hubsim.ScenarioError, match="makes a cycle"):
        load_scenario(folder / "self.yaml")


def test_an_error_in_the_parent_names_the_parent(folder: Path) -> None:
    write(folder, "bad.yaml", "extends: tiny.yaml\nset: {hubs.port.equipment: 0}\n")
    path = write(folder, "w.yaml", "extends: bad.yaml\n")
    with pytest.raises(hubsim.ScenarioError, match=re.escape(
            f"{folder}/bad.yaml: hubs.port.equipment: must be greater")):
        load_scenario(path)


# --------------------------------------------------------------------------- diff
def test_diff_lists_each_changed_field_with_unit_and_relative_change(
        folder: Path, tiny: hubsim.Scenario) -> None:
    path = write(folder, "w.yaml", "extends: tiny.yaml\nname: w\n"
                 "remove: {demand: [west-park]}\n" + RAIL2 +
                 "set: {hubs.port.equipment: 3, hubs.port.dwell_h: x2, "
                 "links.rail-port.speed_kmh: 50}\n")
    other = load_scenario(path)
    changes = {c.path: c for c in diff_scenarios(tiny, other)}
    assert set(changes) == {"name", "hubs.port.equipment", "hubs.port.dwell_h",
                            "links.rail-port:rail.speed_kmh", "hubs.rail2",
                            "links.rail2-west:rail", "services.cre2", "demand.west-park"}
    eq = changes["hubs.port.equipment"]
    assert (eq.kind, eq.before, eq.after, eq.unit, eq.relative) == ("changed", 2, 3, "count", 0.5)
    assert changes["links.rail-port:rail.speed_kmh"].unit == "km/h"
    assert (changes["hubs.port.dwell_h"].before, changes["hubs.port.dwell_h"].after) == \
        ("lognormal(24, 0.5)", "lognormal(48, 0.5)")
    assert changes["hubs.rail2"].kind == "added" and changes["demand.west-park"].kind == "removed"
    text = diff_text(tiny, other, "tiny.yaml", "w.yaml")
    assert text.splitlines()[0] == "tiny.yaml -> w.yaml: 8 difference(s)"
    assert "~ hubs.port.equipment: 2 -> 3 [count] (+50.0%)" in text
    assert "~ links.rail-port:rail.speed_kmh: 40 -> 50 [km/h] (+25.0%)" in text
    assert "+ services.cre2: id 'cre2', from 'rail2', to 'west', mode 'rail', " \
           "capacity_teu 80 TEU/vehicle, per_week 2 departures/week" in text
    assert "- demand.west-park: origin 'west', destination 'park'" in text
    table = diff_table(tiny, other)
    assert list(table.columns) == ["path", "change", "before", "after", "unit", "relative"]
    assert len(table) == 8


def test_diff_ignores_order_and_reports_no_differences(tiny: hubsim.Scenario) -> None:
    data = scenario_data(tiny)
    data["links"] = data["links"][::-1]
    data["services"] = data["services"][::-1]
    data["demand"] = data["demand"][::-1]
    data["hubs"] = dict(reversed(list(data["hubs"].items())))
    shuffled = build_scenario(data)
    assert diff_scenarios(tiny, shuffled) == []
    assert diff_text(tiny, shuffled).endswith(": no differences")


def test_diff_of_a_field_that_becomes_unset(tiny: hubsim.Scenario) -> None:
    other = hubsim.apply_changes(tiny, {"links.rail-port.speed_kmh": None,
                                        "links.rail-port.transit_h": "exp(2)"})
    changes = {c.path: (c.before, c.after, c.unit) for c in diff_scenarios(tiny, other)}
    assert changes == {"links.rail-port:rail.speed_kmh": (40.0, None, "km/h"),
                       "links.rail-port:rail.transit_h": (None, "exp(2)", "h")}


# --------------------------------------------------------------------------- command line
def hubsim_cli(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "hubsim.cli", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def test_cli_show_prints_the_resolved_scenario(folder: Path) -> None:
    path = write(folder, "more.yaml", "extends: tiny.yaml\n" + RAIL2)
    proc = hubsim_cli("show", path)
    assert proc.returncode == 0 and proc.stderr == ""
    assert build_scenario(yaml.safe_load(proc.stdout)) == load_scenario(path)


def test_cli_diff_prints_the_semantic_difference(folder: Path) -> None:
    path = write(folder, "w.yaml", "extends: tiny.yaml\nname: w\n"
                 "set: {hubs.port.equipment: 3, services.cre.per_week: x1.5}\n")
    proc = hubsim_cli("diff", "tiny.yaml", "w.yaml", cwd=folder)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.splitlines() == [
        "tiny.yaml -> w.yaml: 3 difference(s)",
        "~ name: 'tiny' -> 'w'",
        "~ hubs.port.equipment: 2 -> 3 [count] (+50.0%)",
        "~ services.cre.per_week: 4 -> 6 [departures/week] (+50.0%)"]
    same = hubsim_cli("diff", path, path)
    assert same.stdout.strip().endswith(": no differences")


@pytest.mark.parametrize(("args", "expected"), [
    (["show", "missing.yaml"], "hubsim: error: missing.yaml: no such scenario file"),
    (["show", "c1.yaml"], "hubsim: error: c2.yaml: extends: 'c1.yaml' makes a cycle"),
    (["diff", "tiny.yaml", "bad.yaml"],
     "hubsim: error: bad.yaml: set: hubs.port.cranes: unknown field 'cranes' of hubs.port"),
    (["compare", "tiny.yaml", "bad.yaml", "--out", "out"],
     "hubsim: error: bad.yaml: set: hubs.port.cranes: unknown field"),
    (["compare", "tiny.yaml", "tiny.yaml", "--days", "0", "--out", "out"],
     "hubsim: error: --days: must be a finite number of days in (0, 36500], got '0'"),
    (["compare", "tiny.yaml", "--out", "out"],
     "hubsim compare: error: the following arguments are required: WHATIF"),
])
def test_cli_errors_are_one_line_exit_2_and_write_nothing(
        folder: Path, args: list[str], expected: str, monkeypatch, capsys) -> None:
    write(folder, "c1.yaml", "extends: c2.yaml\n")
    write(folder, "c2.yaml", "extends: c1.yaml\n")
    write(folder, "bad.yaml", "extends: tiny.yaml\nset: {hubs.port.cranes: 3}\n")
    before = sorted(p.name for p in folder.iterdir())
    monkeypatch.chdir(folder)
    code = _main_code(args)
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(expected), err
    assert sorted(p.name for p in folder.iterdir()) == before


def _main_code(args: list[str]) -> int:
    """hubsim.cli.main.main in this process (argparse exits through SystemExit)."""
    from hubsim.cli.main import main

    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_cli_compare_refuses_an_existing_folder(folder: Path, monkeypatch, capsys) -> None:
    (folder / "out").mkdir()
    monkeypatch.chdir(folder)
    assert _main_code(["compare", "tiny.yaml", "tiny.yaml", "--out", "out"]) == 2
    assert capsys.readouterr().err == \
        "hubsim: error: out: already exists; results are never overwritten\n"
    assert list((folder / "out").iterdir()) == []


@pytest.mark.parametrize("command", ["show", "diff", "compare"])
def test_cli_help(command: str, capsys) -> None:
    assert _main_code([command, "--help"]) == 0
    assert capsys.readouterr().out.startswith(f"usage: hubsim {command}")


def test_readme_worked_example_matches_the_files_and_the_diff() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Overlays and what-ifs", 1)[1].split("\n## ", 1)[0]
    whatif = ROOT / "scenarios" / "whatif_guoyuan_cranes.yaml"
    for line in ("extends: chongqing_2022_target.yaml",
                 "  hubs.guoyuan.areas.water.equipment: 12",
                 "  hubs.guoyuan.areas.water.moves_per_hour: x1.25",
                 "  hubs.guoyuan.areas.road.equipment: 36"):
        assert f"\n{line}\n" in section and f"\n{line}\n" in whatif.read_text()
    base = load_scenario(ROOT / "scenarios" / "chongqing_2022_target.yaml")
    text = diff_text(base, load_scenario(whatif), "scenarios/chongqing_2022_target.yaml",
                     "scenarios/whatif_guoyuan_cranes.yaml")
    for line in text.splitlines():
        if not line.startswith("~ description"):
            assert line in section, line
    for stem in ("chongqing_2019", "chongqing_2022_target", "whatif_landsea_trains_doubled",
                 "whatif_guoyuan_cranes", "whatif_fifth_port_luohuang",
                 "whatif_air_terminal_capacity", "whatif_demand_plus20",
                 "whatif_lock_cre_closure"):
        assert f"`{stem}.yaml`" in section, f"README library table lacks {stem}.yaml"


def test_cli_compare_default_folder(folder: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(folder)
    write(folder, "w.yaml", "extends: tiny.yaml\nset: {services.cre.per_week: 5}\n")
    assert _main_code(["compare", "tiny.yaml", "w.yaml", "--days", "5"]) == 0
    out = capsys.readouterr().out
    made = list((folder / "results").iterdir())
    assert len(made) == 1 and re.fullmatch(r"compare-tiny-\d{8}-\d{6}", made[0].name)
    assert out.rstrip().endswith(f"Results: results/{made[0].name}/")
    assert (made[0] / "comparison.csv").is_file()


def test_diff_gives_no_relative_change_for_unitless_numbers(tiny: hubsim.Scenario) -> None:
    (change,) = diff_scenarios(tiny, hubsim.apply_changes(tiny, {"run.seed": 30}))
    assert (change.path, change.before, change.after, change.relative) == ("run.seed", 3, 30,
                                                                          None)


def test_overlays_and_diff_handle_any_list_section(folder: Path, tiny: hubsim.Scenario) -> None:
    path = write(folder, "w.yaml", "extends: tiny.yaml\nadd:\n  disruptions:\n"
                 "    - {kind: link_outage, start_day: 10, end_day: 12, link: [rail, west]}\n"
                 "set: {disruptions.0.end_day: 15}\n")
    scn = load_scenario(path)
    assert len(scn.disruptions) == 1 and scn.disruptions[0].end_day == 15
    (change,) = [c for c in diff_scenarios(tiny, scn) if c.path != "name"]
    assert (change.path, change.kind) == ("disruptions.0", "added")
    assert "+ disruptions.0: kind 'link_outage', start_day 10 day, end_day 15 day" in \
        diff_text(tiny, scn)
    with pytest.raises(hubsim.ScenarioError, match=re.escape(
            "set: disruptions.3.end_day: index 3 is past the end (1 disruptions)")):
        load_scenario(write(folder, "v.yaml", "extends: w.yaml\n"
                            "set: {disruptions.3.end_day: 15}\n"))
