"""Terminals and locks in the scenario: hub areas, the shared pool, lockage locks, priorities.

Every bad input is one ScenarioError naming the file and the field path (the style of
test_scenario_errors.py: tests/scenarios/tiny.yaml with one change, written to tmp_path and
loaded). The last part holds the bundled 2019 and 2022 scenarios to the figures their comments
derive: Guoyuan's quay cranes 55-75% busy, the Three Gorges lock 85-92% busy.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hubsim.api import load_scenario
from hubsim.errors import HubsimWarning, ScenarioError
from hubsim.scenario.schema import Scenario, field_table

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

QUAY = {"positions": 2, "position_name": "berths", "equipment": 2,
        "equipment_name": "quay cranes", "moves_per_hour": 25, "min_units": 1, "max_units": 2,
        "source": "estimate: test quay"}
TRACKS = {"positions": 3, "position_name": "tracks", "equipment": 2, "moves_per_hour": 20}
LOCKAGE = {"name": "locks", "model": "lockage", "lines": 1, "ships_per_lockage": 4,
           "cycle_h": 1.5, "passage_h": "lognormal(7.5, 0.15)",
           "passage_back_h": "lognormal(8.5, 0.15)", "other_ships_per_day": 20,
           "other_priority": 0}


@pytest.fixture(scope="module")
def base(tiny_path: Path) -> dict[str, Any]:
    """tiny.yaml with the port hub as areas (quay and tracks), no shared pool."""
    data = yaml.safe_load(tiny_path.read_text())
    port = data["hubs"]["port"]
    del port["equipment"], port["moves_per_hour"]
    port["teu_per_move"] = 1.5
    port["areas"] = {"water": dict(QUAY), "rail": dict(TRACKS)}
    return data


def write(tmp_path: Path, data: dict[str, Any], name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def lockage(data: dict[str, Any]) -> None:
    data["links"][3]["lock"] = dict(LOCKAGE)


def _set(*path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        for p in path[:-1]:
            d = d[p]
        d[path[-1]] = value
    return mutate


def _pop(*path: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        for p in path[:-1]:
            d = d[p]
        del d[path[-1]]
    return mutate


def _no_pools(d: dict[str, Any]) -> None:
    del d["hubs"]["rail"]["equipment"], d["hubs"]["rail"]["moves_per_hour"]


def _no_rail_area(d: dict[str, Any]) -> None:
    del d["hubs"]["port"]["areas"]["rail"]


def _invest(area: str | None) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        inv: dict[str, Any] = {"from_day": 5, "hub": "port", "add_equipment": 1}
        if area is not None:
            inv["area"] = area
        d["investments"] = [inv]
    return mutate


def _lock_wait_on_lockage(d: dict[str, Any]) -> None:
    lockage(d)
    d["disruptions"] = [{"kind": "lock_wait", "start_day": 1, "end_day": 5,
                         "link": ["port", "east"], "hold_h": 48}]


def _wait_lock_with(**fields: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        d["links"][3]["lock"].update(fields)
    return mutate


def _lockage_with(**fields: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        lockage(d)
        lock = d["links"][3]["lock"]
        for k, v in fields.items():
            if v is None:
                lock.pop(k)
            else:
                lock[k] = v
    return mutate


# (id, mutation, field path in the message, expectation fragments)
CASES = [
    ("min-above-max", _set("hubs", "port", "areas", "water", "min_units", value=3),
     "hubs.port.areas.water", ["min_units (3) must be <= max_units (2)"]),
    ("min-above-equipment", _set("hubs", "port", "areas", "rail", "min_units", value=3),
     "hubs.port.areas.rail", ["min_units (3) must be <= max_units (1)"]),
    ("zero-positions", _set("hubs", "port", "areas", "water", "positions", value=0),
     "hubs.port.areas.water.positions", ["greater than or equal to 1", "[count]"]),
    ("zero-area-rate", _set("hubs", "port", "areas", "water", "moves_per_hour", value=0),
     "hubs.port.areas.water.moves_per_hour", ["greater than 0", "[moves/h per unit]"]),
    ("area-of-unknown-mode", _set("hubs", "port", "areas", "ship", value=dict(QUAY)),
     "hubs.port.areas.ship.[key]", ["'rail', 'road', 'water' or 'air'", "got 'ship'"]),
    ("area-without-equipment", _pop("hubs", "port", "areas", "water", "equipment"),
     "hubs.port.areas.water.equipment", ["required field is missing"]),
    ("area-unknown-field", _set("hubs", "port", "areas", "water", "cranes", value=3),
     "hubs.port.areas.water.cranes", ["unknown field"]),
    ("zero-teu-per-move", _set("hubs", "port", "teu_per_move", value=0),
     "hubs.port.teu_per_move", ["greater than 0", "[TEU/move (air: t/move)]"]),
    ("neither-pool-nor-areas", _no_pools, "hubs.rail",
     ["no handling units: give equipment and moves_per_hour (a shared pool) or areas"]),
    ("half-a-pool", _pop("hubs", "rail", "moves_per_hour"), "hubs.rail.moves_per_hour",
     ["required field is missing (the shared pool needs both moves_per_hour and equipment"]),
    ("half-a-pool-other-half", _pop("hubs", "rail", "equipment"), "hubs.rail.equipment",
     ["required field is missing (the shared pool needs both equipment and moves_per_hour"]),
    ("served-mode-without-area", _no_rail_area, "hubs.port.areas",
     ["'port' serves rail (link rail-port)", "no rail area (areas: water)",
      "no shared pool", "add areas.rail"]),
    ("investment-in-missing-area", _invest("road"), "investments[0].area",
     ["hub 'port' has no road area (areas: rail, water)"]),
    ("investment-without-area-or-pool", _invest(None), "investments[0].area",
     ["hub 'port' has no shared pool", "say which area add_equipment grows (rail, water)"]),
    ("lock-wait-on-lockage", _lock_wait_on_lockage, "disruptions[0].kind",
     ["lock_wait applies to a lock with model: wait", "the water link port-east",
      "model: lockage", "lock.closures"]),
    ("wait-lock-with-lockage-fields", _wait_lock_with(ships_per_lockage=4, cycle_h=1.5),
     "links[3].lock", ["ships_per_lockage, cycle_h apply to model: lockage"]),
    ("wait-lock-with-other-traffic", _wait_lock_with(other_ships_per_day=10),
     "links[3].lock", ["other_ships_per_day apply to model: lockage"]),
    ("wait-lock-without-hold", _pop("links", 3, "lock", "hold_h"), "links[3].lock",
     ["a wait lock needs capacity and hold_h"]),
    ("lockage-without-cycle", _lockage_with(cycle_h=None), "links[3].lock",
     ["a lockage lock needs cycle_h"]),
    ("lockage-with-capacity", _lockage_with(capacity=3), "links[3].lock",
     ["capacity and hold_h apply to model: wait"]),
    ("lockage-zero-cycle", _lockage_with(cycle_h=0), "links[3].lock.cycle_h",
     ["greater than 0", "[h]"]),
    ("closure-backwards", _lockage_with(closures=[{"start_day": 9, "end_day": 2}]),
     "links[3].lock.closures[0]", ["end_day (2) must be after start_day (9)"]),
    ("closure-factor-one", _lockage_with(closures=[{"start_day": 1, "end_day": 2,
                                                    "capacity_factor": 1}]),
     "links[3].lock.closures[0].capacity_factor", ["less than 1", "[fraction]"]),
    ("priority-out-of-range", _set("services", 3, "priority", value=1000),
     "services[3].priority", ["less than or equal to 100"]),
    ("area-rate-per-shift", _set("hubs", "port", "areas", "water", "moves_per_hour", value=200),
     "hubs.port.areas.water.moves_per_hour",
     ["200 moves/h x 1.5 per move = 300 TEU/h per unit is outside the plausible range "
      "(1-200 TEU/h per unit); if deliberate, list it under allow_outliers"]),
    ("allow-outliers-unknown-area", _set("allow_outliers",
                                         value=["hubs.port.areas.road.moves_per_hour"]),
     "allow_outliers[0]", ["names no field with a plausible range",
                           "hubs.<id>.areas.<mode>.moves_per_hour"]),
]


@pytest.mark.parametrize(("mutate", "field", "expect"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_terminal_field_names_file_field_and_expectation(tmp_path, base, mutate, field,
                                                            expect):
    data = copy.deepcopy(base)
    mutate(data)
    path = write(tmp_path, data, "bad.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: {field}:"), msg
    for fragment in expect:
        assert fragment in msg, (fragment, msg)
    assert "\n" not in msg


# --------------------------------------------------------------------------- valid inputs
def test_valid_areas_load(tmp_path, base):
    scn = load_scenario(write(tmp_path, base))
    port = scn.hubs["port"]
    assert port.equipment is None and port.moves_per_hour is None
    assert port.teu_per_move == 1.5 and port.units == 4
    quay = port.areas["water"]
    assert (quay.positions, quay.equipment, quay.moves_per_hour) == (2, 2, 25.0)
    assert (quay.min_units, quay.max_units) == (1, 2)
    assert quay.position_name == "berths" and quay.equipment_name == "quay cranes"
    tracks = port.areas["rail"]
    assert (tracks.min_units, tracks.max_units) == (1, 1)  # defaults: one unit per vehicle
    assert scn.hubs["rail"].areas == {} and scn.hubs["rail"].equipment == 2


def test_areas_and_a_shared_pool_together(tmp_path, base):
    # the pool serves the modes without an area: here rail, beside the quay
    data = copy.deepcopy(base)
    del data["hubs"]["port"]["areas"]["rail"]
    data["hubs"]["port"].update(equipment=2, moves_per_hour=20)
    data["investments"] = [{"from_day": 5, "hub": "port", "add_equipment": 1},
                           {"from_day": 5, "hub": "port", "area": "water",
                            "add_equipment": 1}]
    scn = load_scenario(write(tmp_path, data))
    assert scn.hubs["port"].units == 4
    assert [i.area for i in scn.investments] == [None, "water"]


def test_lockage_lock_and_priorities_load(tmp_path, base):
    data = copy.deepcopy(base)
    lockage(data)
    data["links"][3]["lock"]["closures"] = [
        {"start_day": 212, "end_day": 226, "capacity_factor": 0, "source": "estimate"},
        {"start_day": 300, "end_day": 310, "capacity_factor": 0.5}]
    data["services"][3]["priority"] = 1
    scn = load_scenario(write(tmp_path, data))
    lock = scn.links[3].lock
    assert lock is not None and lock.model == "lockage"
    assert lock.back_passage is not None and lock.back_passage.expected == pytest.approx(8.5)
    assert lock.other_back_per_day == 20  # none: as the forward direction
    assert [c.capacity_factor for c in lock.closures] == [0.0, 0.5]
    assert scn.services[3].priority == 1 and scn.services[0].priority == 0


def test_lock_wait_still_acts_on_a_wait_lock(tmp_path, base):
    data = copy.deepcopy(base)
    data["disruptions"] = [{"kind": "lock_wait", "start_day": 1, "end_day": 5,
                            "link": ["port", "east"], "hold_h": 48}]
    assert load_scenario(write(tmp_path, data)).disruptions[0].kind == "lock_wait"


def test_an_area_no_link_uses_is_a_warning(tmp_path, base):
    data = copy.deepcopy(base)
    data["hubs"]["port"]["areas"]["air"] = {"positions": 2, "equipment": 1,
                                            "moves_per_hour": 10}
    with pytest.warns(HubsimWarning, match=r"hubs\.port\.areas\.air: no air link ends at "
                                           r"'port': this area handles nothing"):
        load_scenario(write(tmp_path, data))


@pytest.mark.parametrize("entry", ["hubs.port.areas.water.moves_per_hour",
                                   "hubs.*.areas.water.moves_per_hour",
                                   "hubs.port.areas.*.moves_per_hour",
                                   "hubs.*.areas.*.moves_per_hour"])
def test_allow_outliers_names_an_area_rate(tmp_path, base, entry):
    data = copy.deepcopy(base)
    data["hubs"]["port"]["areas"]["water"]["moves_per_hour"] = 500
    data["allow_outliers"] = [entry]
    assert load_scenario(write(tmp_path, data)).hubs["port"].areas["water"].moves_per_hour \
        == 500


def test_a_hub_without_shared_pool_has_no_pool_rate_to_check(tmp_path, base):
    # the hub-level range applies to the shared pool only; a hub of areas is checked per area
    data = copy.deepcopy(base)
    data["allow_outliers"] = ["hubs.port.moves_per_hour"]  # still a valid path (hubs.<id>)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_scenario(write(tmp_path, data))


def test_field_table_lists_the_terminal_fields_with_units():
    rows = {r["field"]: r for r in field_table()}
    expect = {
        "hubs.<id>.teu_per_move": "TEU/move (air: t/move)",
        "hubs.<id>.areas.<mode>.positions": "count",
        "hubs.<id>.areas.<mode>.moves_per_hour": "moves/h per unit",
        "hubs.<id>.areas.<mode>.max_units": "count",
        "hubs.<id>.depot.teu": "TEU",
        "hubs.<id>.depot.cost_usd_per_teu": "USD/TEU",
        "links[].lock.cycle_h": "h",
        "links[].lock.other_ships_per_day": "ships/day",
        "links[].lock.closures[].capacity_factor": "fraction",
        "services[].priority": "",
    }
    for field, unit in expect.items():
        assert rows[field]["unit"] == unit, field
        assert rows[field]["description"], field
    assert "investments[].area" in rows


# --------------------------------------------------------------------------- bundled data
def _barge_per_day(scn: Scenario) -> float:
    """Modelled barges through the lock per day, each way."""
    return sum(7 * 24 / (s.headway or math.inf) / 7 for s in scn.services if s.mode == "water")


@pytest.mark.parametrize("name", ["chongqing_2019", "chongqing_2022_target"])
def test_three_gorges_lock_runs_85_to_92_percent_busy(name):
    scn = load_scenario(SCENARIOS / f"{name}.yaml")
    (link,) = [lk for lk in scn.links if lk.lock is not None]
    lock = link.lock
    assert lock is not None and lock.model == "lockage" and lock.closures == ()
    assert lock.ships_per_lockage is not None and lock.cycle_h is not None
    capacity = lock.lines * lock.ships_per_lockage * 24 / lock.cycle_h  # ships/day each way
    barges = _barge_per_day(scn)
    for other in (lock.other_ships_per_day, lock.other_back_per_day):
        assert 0.85 <= (other + barges) / capacity <= 0.92, (other, barges, capacity)
    assert lock.other_priority == 0
    assert all(s.priority == 1 for s in scn.services if s.mode == "water")
    assert "hold_h" not in (SCENARIOS / f"{name}.yaml").read_text()


def test_guoyuan_binds_first_at_the_quay_in_2022():
    scn = load_scenario(SCENARIOS / "chongqing_2022_target.yaml")
    hub = scn.hubs["guoyuan"]
    barge_teu = sum(d.teu_per_year for d in scn.demand if "shanghai" in (d.origin,
                                                                           d.destination))
    quay = hub.areas["water"]
    utilisation = barge_teu / hub.teu_per_move / (quay.equipment * quay.moves_per_hour * 8760)
    assert 0.55 <= utilisation <= 0.75, utilisation
    assert hub.units == 40  # 8 quay + 32 gantry cranes (People's Daily 2025-01-26)
    assert quay.positions == 16 and hub.areas["rail"].positions == 14  # published


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundled_hub_area_says_where_its_figures_come_from(path):
    scn = load_scenario(path)
    for hid, hub in scn.hubs.items():
        for mode, area in hub.areas.items():
            assert area.source.strip(), f"{path.name}: hubs.{hid}.areas.{mode}.source"


def test_lock_and_cre_closure_what_if():
    scn = load_scenario(SCENARIOS / "whatif_lock_cre_closure.yaml")
    (lock,) = [lk.lock for lk in scn.links if lk.lock is not None]
    assert lock is not None
    assert [(c.start_day, c.end_day, c.capacity_factor) for c in lock.closures] == \
        [(212.0, 226.0, 0.0)]  # 1-14 August
    outages = {tuple(sorted(d.link or ())): (d.start_day, d.end_day)
               for d in scn.disruptions if d.kind == "link_outage"}
    assert outages == {("duisburg", "tuanjie"): (151.0, 181.0),
                       ("duisburg", "guoyuan"): (151.0, 181.0)}  # June
