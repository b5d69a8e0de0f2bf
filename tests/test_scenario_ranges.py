"""Plausible ranges per mode, the allow_outliers list, windows that never act, and the run
length and seed every entry point accepts (no simulation runs here beyond a few refusals)."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

import hubsim
from hubsim.errors import HubsimWarning, ScenarioError
from hubsim.experiments.replicate import replicate, sweep
from hubsim.scenario.fields import PLAUSIBLE, Plausible, plausible
from hubsim.scenario.loader import build_scenario, load_scenario
from hubsim.scenario.schema import MAX_DAYS

ROOT = Path(__file__).resolve().parents[1]
TINY = Path(__file__).resolve().parent / "scenarios" / "tiny.yaml"
TEST_SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml")) + \
    sorted((ROOT / "tests" / "scenarios").glob("*.yaml"))


def tiny() -> dict[str, Any]:
    return yaml.safe_load(TINY.read_text())


def link_index(data: dict[str, Any], mode: str) -> int:
    return next(i for i, lk in enumerate(data["links"]) if lk["mode"] == mode)


def with_value(row: Plausible, value: float) -> tuple[dict[str, Any], str]:
    """tiny.yaml with ``value`` in the field of ``row`` (a link of the row's mode, added when
    tiny has none), and the path that names it."""
    data = tiny()
    if row.field.startswith("hubs."):
        data["hubs"]["rail"]["moves_per_hour"] = value
        return data, "hubs.rail.moves_per_hour"
    field = row.field.split(".")[-1]
    modes = {lk["mode"] for lk in data["links"]}
    if row.mode not in modes:  # a link of this mode from the rail hub to the west gateway
        data["links"].append({"from": "rail", "to": "west", "mode": row.mode,
                              "distance_km": 2000, "speed_kmh": 500 if row.mode == "air" else 20,
                              "co2_g_per_tkm": 500})
    i = link_index(data, row.mode)
    lk = data["links"][i]
    lk.pop("transit_h", None)
    if field == "speed_kmh":
        lk["speed_kmh"] = value
    else:
        lk["speed_kmh"] = plausible("links[].speed_kmh", row.mode).low * 2  # type: ignore[union-attr]
        lk[field] = value
    return data, f"links.{lk['from']}-{lk['to']}:{row.mode}.{field}"


def row_id(row: Plausible) -> str:
    return f"{row.field}-{row.mode or 'any'}"


# --------------------------------------------------------------------------- the table
@pytest.mark.parametrize("row", PLAUSIBLE, ids=row_id)
@pytest.mark.parametrize("end", ["low", "high"])
def test_a_value_just_inside_the_range_loads(row, end):
    value = row.low * 1.001 if end == "low" else row.high * 0.999
    data, _ = with_value(row, value)
    build_scenario(data, source="x.yaml")


@pytest.mark.parametrize("row", PLAUSIBLE, ids=row_id)
@pytest.mark.parametrize("end", ["low", "high"])
def test_a_value_just_outside_the_range_is_an_error_naming_field_and_range(row, end):
    value = row.low * 0.99 if end == "low" else row.high * 1.01
    data, path = with_value(row, value)
    with pytest.raises(ScenarioError) as info:
        build_scenario(data, source="x.yaml")
    text = str(info.value)
    assert text.startswith(f"x.yaml: {path}: {value:,g} "), text
    assert f"is outside the plausible range{' for ' + row.mode if row.mode else ''} " \
           f"({row.text()}); if deliberate, list it under allow_outliers" in text
    # ... and listing exactly that path lets it load
    data["allow_outliers"] = [path]
    build_scenario(data, source="x.yaml")


def test_every_row_has_a_source_and_a_sane_range():
    for row in PLAUSIBLE:
        assert 0 < row.low < row.high and math.isfinite(row.high)
        assert row.source and row.unit
    assert {r.mode for r in PLAUSIBLE if r.field == "links[].speed_kmh"} == \
        {"road", "rail", "water", "air"}


def test_the_issue_example_speed_8000_on_rail(tmp_path):
    data = tiny()
    data["links"][link_index(data, "rail")]["speed_kmh"] = 8000
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match=r"^.*x\.yaml: links\.rail-port:rail\.speed_kmh: "
                       r"8,000 km/h is outside the plausible range for rail \(5-160 km/h\); "
                       r"if deliberate, list it under allow_outliers$"):
        load_scenario(path)


@pytest.mark.parametrize(("hours", "ok"), [(384, True), (5, False), (0, False), (3000, False)])
def test_a_transit_time_is_held_to_the_speed_range(hours, ok):
    # tiny's rail-west link: 11,000 km; 384 h is 29 km/h, 5 h would be 2,200 km/h
    data = tiny()
    lk = next(lk for lk in data["links"] if lk["to"] == "west")
    lk["transit_h"] = hours
    if ok:
        build_scenario(data)
        return
    with pytest.raises(ScenarioError, match=rf"links\.rail-west:rail\.transit_h: a mean of "
                       rf"{hours:,g} h over 11,000 km .* outside the plausible range for rail"):
        build_scenario(data)


def test_a_distance_in_metres_is_caught():
    data = tiny()
    data["links"][0]["distance_km"] = 1.2e6
    with pytest.raises(ScenarioError, match=r"distance_km: 1\.2e\+06 km is outside"):
        build_scenario(data)


# --------------------------------------------------------------------------- allow_outliers
@pytest.mark.parametrize("entry", [
    "links.rail-port:rail.speed_kmh", "links.port-rail:rail.speed_kmh",
    "links.rail-port.speed_kmh", "links.1.speed_kmh", "links.*.speed_kmh"])
def test_an_outlier_is_allowed_by_any_path_that_names_it(entry):
    data = tiny()
    data["links"][1]["speed_kmh"] = 8000
    data["allow_outliers"] = [entry]
    assert build_scenario(data).links[1].speed_kmh == 8000


def test_allowing_one_field_does_not_allow_another():
    data = tiny()
    data["links"][1]["speed_kmh"] = 8000
    data["links"][1]["distance_km"] = 0.01
    data["allow_outliers"] = ["links.rail-port:rail.speed_kmh"]
    with pytest.raises(ScenarioError, match=r"links\.rail-port:rail\.distance_km: 0\.01 km"):
        build_scenario(data)


def test_hub_rates_are_allowed_by_id_or_star():
    data = tiny()
    data["hubs"]["rail"]["moves_per_hour"] = 500
    data["hubs"]["port"]["moves_per_hour"] = 500
    data["allow_outliers"] = ["hubs.rail.moves_per_hour"]
    with pytest.raises(ScenarioError, match=r"hubs\.port\.moves_per_hour: 500 TEU/h per unit"):
        build_scenario(data)
    data["allow_outliers"] = ["hubs.*.moves_per_hour"]
    build_scenario(data)


@pytest.mark.parametrize("entry", ["links.rail-port:rail.sped_kmh", "links.nowhere.speed_kmh",
                                   "hubs.rail.equipment", "speed_kmh", "links.*.co2_g_per_tkm"])
def test_an_allow_entry_that_names_nothing_is_an_error(entry):
    data = tiny()
    data["allow_outliers"] = [entry]
    with pytest.raises(ScenarioError, match=r"allow_outliers\[0\]: .* names no field with a "
                                            r"plausible range"):
        build_scenario(data, source="x.yaml")


def test_an_overlay_can_set_an_outlier_and_allow_it(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY.read_text())
    over = tmp_path / "fast.yaml"
    over.write_text("extends: tiny.yaml\nset:\n  links.rail-port.speed_kmh: 8000\n")
    with pytest.raises(ScenarioError, match=r"fast\.yaml: .*speed_kmh: 8,000 km/h is outside"):
        load_scenario(over)
    over.write_text("extends: tiny.yaml\nset:\n  links.rail-port.speed_kmh: 8000\n"
                    "  allow_outliers: [links.rail-port.speed_kmh]\n")
    assert load_scenario(over).links[1].speed_kmh == 8000


@pytest.mark.parametrize("path", TEST_SCENARIOS, ids=lambda p: p.name)
def test_bundled_and_test_scenarios_are_plausible_without_allowances(path):
    scn = load_scenario(path)  # (filterwarnings=error: no window warning either)
    assert scn.allow_outliers == ()


# --------------------------------------------------------------------------- windows
def with_changes(**sections: Any) -> dict[str, Any]:
    data = tiny()  # run: 60 days, 10 of warm-up: days -10 to 50
    data.update(copy.deepcopy(sections))
    return data


@pytest.mark.parametrize(("start", "end", "every"), [(60, 70, None), (-40, -20, None),
                                                      (50, 55, None), (-30, -10, None),
                                                      (100, 110, 365)])
def test_a_disruption_window_outside_the_run_is_a_warning(start, end, every):
    d = {"kind": "hub_capacity", "hub": "rail", "factor": 0.5, "start_day": start,
         "end_day": end, **({"every_days": every} if every else {})}
    data = with_changes(disruptions=[{**d, "start_day": 1, "end_day": 2}, d])
    with pytest.warns(HubsimWarning) as caught:
        scn = build_scenario(data, source="x.yaml")
    assert len(scn.disruptions) == 2  # still loaded: a warning, not an error
    [w] = caught
    assert str(w.message).startswith(f"x.yaml: disruptions[1]: window days {start:g}-{end:g}")
    assert str(w.message).endswith("the run covers days -10 to 50 (the 60-day horizon, "
                                   "warm-up included); it never acts")


@pytest.mark.parametrize(("start", "end", "every"), [(-11, -9, None), (49, 60, None),
                                                     (-5, 5, None), (100, 110, 30)])
def test_a_window_that_touches_the_run_is_quiet(start, end, every):
    d = {"kind": "clearance", "factor": 2, "start_day": start, "end_day": end,
         **({"every_days": every} if every else {})}
    build_scenario(with_changes(disruptions=[d]))  # filterwarnings=error: no warning


def test_an_investment_after_the_run_is_a_warning_one_before_it_is_not():
    before = {"from_day": -100, "hub": "rail", "add_equipment": 1}
    after = {"from_day": 50, "hub": "rail", "add_equipment": 1}
    with pytest.warns(HubsimWarning, match=r"^<scenario>: investments\[1\]: from_day 50 is "
                                           r"after the run ends"):
        build_scenario(with_changes(investments=[before, after]))


def test_the_cli_shows_a_window_warning_as_one_line(tmp_path, capsys):
    from hubsim.cli.main import main

    path = tmp_path / "late.yaml"
    path.write_text(yaml.safe_dump(with_changes(disruptions=[
        {"kind": "hub_capacity", "hub": "rail", "factor": 0.5, "start_day": 400,
         "end_day": 420}])))
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert err == (f"hubsim: warning: {path}: disruptions[0]: window days 400-420 lies outside "
                   "the run: the run covers days -10 to 50 (the 60-day horizon, warm-up "
                   "included); it never acts\n")


# --------------------------------------------------------------------------- days and seed
BAD_DAYS = [math.inf, -math.inf, math.nan, 0, -1, MAX_DAYS * 1.0001, 1e9]


@pytest.mark.parametrize("days", BAD_DAYS, ids=str)
def test_simulate_refuses_days_that_are_not_finite_or_out_of_range(days):
    scn = load_scenario(TINY)
    with pytest.raises(ScenarioError, match=r"^days: must be a finite number of days in "
                                            r"\(0, 36500\], got "):
        hubsim.simulate(scn, days=days)


@pytest.mark.parametrize("seed", [-1, 2**63, 2**100, 1.5])
def test_simulate_refuses_seeds_out_of_range(seed):
    with pytest.raises(ScenarioError, match=r"^seed: must be a whole number in \[0, "):
        hubsim.simulate(load_scenario(TINY), seed=seed)


@pytest.mark.parametrize("days", [math.inf, math.nan, 1e9], ids=str)
def test_experiments_refuse_the_same_days_before_any_folder(days, tmp_path):
    scn = load_scenario(TINY)
    with pytest.raises(ScenarioError, match=r"^days: must be a finite number of days"):
        replicate(scn, 1, days=days, out=tmp_path / "rep")
    with pytest.raises(ScenarioError, match=r"^days: must be a finite number of days"):
        sweep(scn, {"hubs.rail.equipment": [2, 3]}, 1, days=days, out=tmp_path / "sw")
    assert list(tmp_path.iterdir()) == []


def test_the_horizon_of_a_scenario_has_the_same_bound():
    data = tiny()
    data["run"]["horizon_days"] = MAX_DAYS * 2
    with pytest.raises(ScenarioError, match=r"run\.horizon_days: .*36500"):
        build_scenario(data)


def test_the_cli_shows_a_finding_once_through_an_overlay(tmp_path, capsys):
    from hubsim.cli.main import main

    (tmp_path / "late.yaml").write_text(yaml.safe_dump(with_changes(investments=[
        {"from_day": 900, "hub": "rail", "add_equipment": 1}])))
    (tmp_path / "more.yaml").write_text("extends: late.yaml\nset: {hubs.rail.equipment: 3}\n")
    assert main(["validate", str(tmp_path / "more.yaml")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("hubsim: warning: "), err
    assert err[0].endswith("investments[0]: from_day 900 is after the run ends: the run covers "
                           "days -10 to 50 (the 60-day horizon, warm-up included); it never acts")
