"""Emissions per ISO 14083 (hubsim.analysis.emissions) against a hand calculation.

The hand case: zone ``z`` -> hub ``h`` by truck (10 km), ``h`` -> gateway ``g`` by train
(100 km, corridor west). Two consignments, cid 1 (1 TEU, 10 t) and cid 2 (1 TEU, 20 t), each
trucked to ``h`` on its own truck, then together on one train; the train comes back empty.

Factors (``FACTORS`` below): diesel TTW 2.0 + WTT 0.5 = WTW 2.5 kg CO2e/L; truck 1.0 L/km
empty, 2.0 L/km at 20 t; train 10 L/km empty, 30 L/km at 1,000 t; hub moves 1.0 L (road:
the gate) and 2.0 L (rail).

Train TOC: loaded trip 100 km x (10 + 20 x 30/1000) = 1,060 L; empty return 100 x 10 =
1,000 L; 2,060 L x 2.5 = 5,150 kg WTW (TTW 4,120); 30 t x 100 km = 3,000 tkm ->
1.716667 kg/tkm; cid 1 (1,000 tkm) 1,716.667 kg, cid 2 (2,000 tkm) 3,433.333 kg.
Truck TOC: 10 x (1 + 1 x 10/20) = 15 L and 10 x (1 + 1 x 20/20) = 20 L; both trucks run
z -> h and nothing runs back loaded, so (backhaul_share 0) both return empty: 20 vehicle-km x
1 L = 20 L; 55 L x 2.5 = 137.5 kg WTW (TTW 110); 300 tkm -> 0.458333 kg/tkm; cid 1 (100 tkm)
45.833 kg, cid 2 (200 tkm) 91.667 kg.
HOC at h: road (the trucks' discharge) 2 moves x 1 L x 2.5 = 5 kg, 2.5 kg/TEU; rail (the
train's loading) 2 moves x 2 L x 2.5 = 10 kg, 5 kg/TEU; each consignment 7.5 kg.
Per consignment: cid 1 1,716.667 + 45.833 + 7.5 = 1,770.0 kg; cid 2 3,433.333 + 91.667 +
7.5 = 3,532.5 kg; together 5,302.5 kg = 5,150 + 137.5 + 5 + 10 (conservation). West: 2 TEU
delivered -> 2,651.25 kg CO2e/TEU.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import hubsim
from hubsim.analysis import emissions as EM
from hubsim.analysis.kpis import Window
from hubsim.errors import ScenarioError
from hubsim.scenario.emission_factors import COLUMNS, load_emission_factors

ROOT = Path(__file__).resolve().parents[1]
WINDOW = Window(0.0, 100.0)
_E = {c: "" for c in COLUMNS}
FACTORS = [
    {**_E, "kind": "carrier", "id": "diesel", "energy_unit": "L", "ttw_kg_co2e": "2.0",
     "wtt_kg_co2e": "0.5", "source": "test"},
    {**_E, "kind": "vehicle", "id": "truck", "mode": "road", "carrier": "diesel",
     "energy_empty": "1.0", "energy_full": "2.0", "payload_t": "20", "backhaul_share": "0",
     "default_min": "0", "default_max": "10", "source": "test"},
    {**_E, "kind": "vehicle", "id": "train", "mode": "rail", "carrier": "diesel",
     "energy_empty": "10", "energy_full": "30", "payload_t": "1000", "default_min": "0",
     "default_max": "1000", "source": "test"},
    {**_E, "kind": "hub", "id": "gate", "mode": "road", "carrier": "diesel",
     "energy_per_op": "1.0", "op_unit": "move", "source": "test"},
    {**_E, "kind": "hub", "id": "siding", "mode": "rail", "carrier": "diesel",
     "energy_per_op": "2.0", "op_unit": "move", "source": "test"},
]


def _factors(tmp_path: Path, rows: list[dict[str, str]] | None = None):
    path = tmp_path / "emission_factors.csv"
    pd.DataFrame(rows if rows is not None else FACTORS, columns=COLUMNS).to_csv(path,
                                                                                index=False)
    return load_emission_factors(path)


LINKS = pd.DataFrame({
    "link": ["z-h:road", "h-g:rail"], "mode": ["road", "rail"], "distance_km": [10.0, 100.0],
    "gateway": ["", "g"], "corridor": ["", "west"]}).set_index("link")
SERVICES = pd.DataFrame({
    "service": ["truck_svc", "train_svc"], "mode": ["road", "rail"], "on_demand": [True, False],
    "bidirectional": [True, True], "capacity": [2.0, 10.0], "cargo": ["container"] * 2,
    "vehicle_type": ["truck", "train"]}).set_index("service")
CONSIGNMENTS = pd.DataFrame({
    "cid": [1, 2], "parent": [-1, -1], "demand": [0, 0], "origin": ["z", "z"],
    "destination": ["g", "g"], "cargo": ["container"] * 2, "international": [True] * 2,
    "created_h": [0.0, 0.0], "teu": [1.0, 1.0], "tonnes": [10.0, 20.0]})


def _trips(empty_return: bool = True) -> pd.DataFrame:
    rows = [  # trip, service, link, from, to, depart_h, load, capacity, vehicles
        (3, "truck_svc", "z-h:road", "z", "h", 5.0, 1.0, 2.0, 1),
        (4, "truck_svc", "z-h:road", "z", "h", 6.0, 1.0, 2.0, 1),
        (1, "train_svc", "h-g:rail", "h", "g", 10.0, 2.0, 10.0, 1)]
    if empty_return:
        rows.append((2, "train_svc", "h-g:rail", "g", "h", 50.0, 0.0, 10.0, 1))
    t = pd.DataFrame(rows, columns=["trip", "service", "link", "from", "to", "depart_h",
                                    "load", "capacity", "vehicles"])
    return t.assign(scheduled_h=t["depart_h"], arrive_h=t["depart_h"] + 5)


def _events() -> pd.DataFrame:
    rows = [  # t_h, event, cid, node, link, service, trip, teu, tonnes
        (5.0, "depart", 1, "z", "z-h:road", "truck_svc", 3, 1.0, 10.0),
        (6.0, "depart", 2, "z", "z-h:road", "truck_svc", 4, 1.0, 20.0),
        (7.0, "lift_off", 1, "h", "z-h:road", "truck_svc", 3, 1.0, 10.0),
        (8.0, "lift_off", 2, "h", "z-h:road", "truck_svc", 4, 1.0, 20.0),
        (9.0, "lift_on", 1, "h", "h-g:rail", "train_svc", -1, 1.0, 10.0),
        (9.0, "lift_on", 2, "h", "h-g:rail", "train_svc", -1, 1.0, 20.0),
        (10.0, "depart", 1, "h", "h-g:rail", "train_svc", 1, 1.0, 10.0),
        (10.0, "depart", 2, "h", "h-g:rail", "train_svc", 1, 1.0, 20.0),
        (40.0, "delivered", 1, "g", None, None, -1, 1.0, 10.0),
        (40.0, "delivered", 2, "g", None, None, -1, 1.0, 20.0)]
    return pd.DataFrame(rows, columns=["t_h", "event", "cid", "node", "link", "service",
                                       "trip", "teu", "tonnes"])


HANDLING = pd.DataFrame({
    "node": ["h", "h", "h"], "link": ["z-h:road", "z-h:road", "h-g:rail"],
    "service": ["truck_svc", "truck_svc", "train_svc"], "trip": [3, 4, -1],
    "op": ["lift_off", "lift_off", "lift_on"], "end_h": [7.0, 8.0, 9.0],
    "moves": [1, 1, 2], "load": [1.0, 1.0, 2.0]})


def _run(tmp_path: Path, trips: pd.DataFrame | None = None, factors=None) -> EM.Emissions:
    return EM.emissions(_events(), CONSIGNMENTS, _trips() if trips is None else trips,
                        HANDLING, LINKS, SERVICES, factors or _factors(tmp_path), WINDOW)


def test_hand_case_matches_the_hand_calculation(tmp_path):
    em = _run(tmp_path)
    toc = em.toc.set_index("service")
    assert toc.loc["train_svc", "energy"] == pytest.approx(2060.0)
    assert toc.loc["train_svc", "wtw_kg"] == pytest.approx(5150.0)
    assert toc.loc["train_svc", "ttw_kg"] == pytest.approx(4120.0)
    assert toc.loc["train_svc", "tkm"] == pytest.approx(3000.0)
    assert toc.loc["train_svc", "wtw_g_per_tkm"] == pytest.approx(1716.6667, rel=1e-6)
    assert toc.loc["train_svc", "empty_share"] == pytest.approx(0.5)
    assert toc.loc["truck_svc", "energy"] == pytest.approx(55.0)
    assert toc.loc["truck_svc", "wtw_kg"] == pytest.approx(137.5)
    assert toc.loc["truck_svc", "empty_vehicle_km"] == pytest.approx(20.0)
    hoc = em.hoc.set_index("mode")
    assert hoc.loc["road", "wtw_kg"] == pytest.approx(5.0)
    assert hoc.loc["rail", "wtw_kg"] == pytest.approx(10.0)
    assert hoc.loc["rail", "wtw_kg_per_unit"] == pytest.approx(5.0)
    cons = em.consignments.set_index("cid")
    assert cons.loc[1, "transport_wtw_kg"] == pytest.approx(1716.6667 + 45.8333, rel=1e-6)
    assert cons.loc[1, "hub_wtw_kg"] == pytest.approx(7.5)
    assert cons.loc[1, "wtw_kg"] == pytest.approx(1770.0)
    assert cons.loc[2, "wtw_kg"] == pytest.approx(3532.5)
    # TTW: train 4,120 x 1/3 + truck 110 x 1/3 + hubs (1 L at the gate + 2 L at the siding
    # per TEU) x 2.0 kg/L = 1,373.333 + 36.667 + 6 = 1,416 kg
    assert cons.loc[1, "ttw_kg"] == pytest.approx(1416.0)
    west = em.corridors.set_index("corridor").loc["west"]
    assert west["delivered_per_year"] == pytest.approx(2 * WINDOW.per_year)
    assert west["wtw_kg_per_unit"] == pytest.approx(2651.25)
    assert "ISO 14083" in west["method"]


def test_consignments_add_up_to_the_operation_categories(tmp_path):
    em = _run(tmp_path)
    assert em.consignments["wtw_kg"].sum() == pytest.approx(5302.5)
    assert em.consignments["wtw_kg"].sum() == pytest.approx(
        em.toc["wtw_kg"].sum() + em.hoc["wtw_kg"].sum())


def test_an_empty_run_raises_the_intensity(tmp_path):
    with_empty = _run(tmp_path).toc.set_index("service").loc["train_svc"]
    without = _run(tmp_path, trips=_trips(empty_return=False)).toc.set_index("service") \
        .loc["train_svc"]
    # without the empty return: 1,060 L x 2.5 / 3,000 tkm = 0.883333 kg/tkm
    assert without["wtw_g_per_tkm"] == pytest.approx(883.3333, rel=1e-6)
    assert with_empty["wtw_g_per_tkm"] > without["wtw_g_per_tkm"]


def test_two_consignments_on_one_vehicle_share_by_tonne_km(tmp_path):
    em = _run(tmp_path)
    cons = em.consignments.set_index("cid")
    # on the train: cid 2 carries 20 t, cid 1 10 t over the same 100 km -> 2 : 1
    train_1 = 1000 * 5150 / 3000
    train_2 = 2000 * 5150 / 3000
    assert cons.loc[2, "tkm"] - cons.loc[1, "tkm"] == pytest.approx(2000 + 200 - 1000 - 100)
    assert cons.loc[1, "transport_wtw_kg"] == pytest.approx(train_1 + 100 * 137.5 / 300)
    assert cons.loc[2, "transport_wtw_kg"] == pytest.approx(train_2 + 200 * 137.5 / 300)


def test_backhaul_share_covers_returns_by_opposite_loads(tmp_path):
    rows = [dict(r) for r in FACTORS]
    rows[1]["backhaul_share"] = "1"
    trips = _trips()
    # one of the two trucks is now a loaded truck h -> z: it is the other's return
    trips.loc[trips["trip"] == 4, ["from", "to"]] = ["h", "z"]
    em = _run(tmp_path, trips=trips, factors=_factors(tmp_path, rows))
    truck = em.toc.set_index("service").loc["truck_svc"]
    # n_ab = n_ba = 1, all paired: no return added; 15 + 20 L
    assert truck["empty_vehicle_km"] == pytest.approx(0.0)
    assert truck["energy"] == pytest.approx(35.0)


def test_conservation_and_kpis_on_a_simulated_run():
    res = hubsim.simulate(hubsim.load_scenario(ROOT / "tests/scenarios/tiny.yaml"), days=15)
    em = res.emission_tables
    assert len(em.toc) > 0
    assert len(em.hoc) > 0
    total = em.toc["wtw_kg"].sum() + em.hoc["wtw_kg"].sum() - em.toc["unallocated_kg"].sum()
    assert em.consignments["wtw_kg"].sum() == pytest.approx(total, rel=1e-6)
    assert res.kpi("co2e_wtw_total") == pytest.approx(
        (em.toc["wtw_kg"].sum() + em.hoc["wtw_kg"].sum()) * res.window.per_year / 1e3)
    assert res.kpi("co2e_wtw_total") > res.kpi("co2e_ttw_total") > 0
    by_corridor = res.emissions().set_index("corridor")
    assert res.kpi("co2e_per_teu", "corridor", "west") == pytest.approx(
        by_corridor.loc["west", "wtw_kg_per_unit"])
    with pytest.raises(ValueError, match="by: must be one of"):
        res.emissions("mode")


def test_bundled_factors_load_and_name_a_source_per_row():
    f = load_emission_factors()
    for table in (f.carriers, f.vehicles, f.hubs):
        assert table["source"].str.len().min() > 10
    assert f.default_vehicle("air", 25) == "aircraft_cargo_shorthaul"
    assert f.default_vehicle("air", 80) == "aircraft_cargo_longhaul"
    assert f.default_vehicle("water", 300) == "barge_container_diesel"


@pytest.mark.parametrize(("row", "field", "value", "message"), [
    (1, "energy_full", "lots", "row 3 (truck): energy_full: must be a number, got 'lots'"),
    (1, "energy_full", "0.5", "row 3 (truck): energy_full: must be >= energy_empty"),
    (2, "payload_t", "0", "row 4 (train): payload_t: must be a finite number > 0"),
    (3, "carrier", "petrol", "row 5 (gate): carrier: must be a carrier row's id"),
    (3, "op_unit", "box", "row 5 (gate): op_unit: must be one of move, t"),
    (0, "source", "", "row 2 (diesel): source: must say where the figures come from"),
    (2, "default_min", "5", "default ranges of rail overlap"),
    (1, "kind", "ship", "row 3 (truck): kind: must be one of"),
])
def test_bad_factors_name_file_row_and_field(tmp_path, row, field, value, message):
    rows = [dict(r) for r in FACTORS]
    rows[row][field] = value
    if field == "default_min":  # a second rail default overlapping the train's [0, 1000)
        rows.append({**rows[2], "id": "train2"})
        rows[2][field] = "0"
    with pytest.raises(ScenarioError, match=r"emission_factors\.csv: ") as err:
        _factors(tmp_path, rows)
    assert message in str(err.value)


def test_no_default_vehicle_is_a_clear_error(tmp_path):
    with pytest.raises(ScenarioError, match="no vehicle type is the default for road"):
        _factors(tmp_path).default_vehicle("road", 12)


def test_a_service_without_a_vehicle_type_is_reported_by_the_checks():
    from types import SimpleNamespace

    from hubsim.scenario.checks import CHECKS, check_vehicle_types

    assert check_vehicle_types in CHECKS
    svc = SimpleNamespace(mode="water", capacity=200000.0, capacity_teu=200000.0,
                          vehicle_type=None)
    problems = check_vehicle_types(SimpleNamespace(services=(svc,)))  # type: ignore[arg-type]
    assert problems[0][0] == ("services", 0, "capacity_teu")
    assert "no vehicle type is the default for water services of capacity 200000" \
        in problems[0][1]
    tiny = hubsim.load_scenario(ROOT / "tests/scenarios/tiny.yaml")
    assert check_vehicle_types(tiny) == []


def test_report_section_names_the_method_and_shows_containers_and_air(tmp_path):
    from hubsim.present.report_parts import emissions_section

    em = _run(tmp_path)
    air = em.corridors.assign(corridor="air_international", cargo="air", unit="t")
    html = emissions_section(pd.concat([em.corridors, air], ignore_index=True), em.toc)
    assert "ISO 14083:2023" in html
    assert "2,651 kg/TEU" in html
    assert "2,651 kg/t" in html
    assert "train_svc" in html
    assert "No emission tables" in emissions_section(None, None)


def test_vehicle_type_field_overrides_the_default_and_is_checked():
    tiny = hubsim.load_scenario(ROOT / "tests/scenarios/tiny.yaml")
    factors = load_emission_factors()
    assert EM.service_table(tiny, factors).loc["cre", "vehicle_type"] == \
        "train_container_electric"
    diesel = hubsim.apply_changes(tiny, {"services.cre.vehicle_type": "train_container_diesel"})
    assert EM.service_table(diesel, factors).loc["cre", "vehicle_type"] == \
        "train_container_diesel"
    with pytest.raises(ScenarioError, match=r"services\.cre\.vehicle_type: must be a rail "
                                            r"vehicle type of emission_factors\.csv "
                                            r"\(train_container_diesel, "
                                            r"train_container_electric\), got 'truck_x'"):
        hubsim.apply_changes(tiny, {"services.cre.vehicle_type": "truck_x"})
    res = hubsim.simulate(diesel, days=10)
    toc = res.emissions("toc").set_index("service")
    assert toc.loc["cre", "vehicle_type"] == "train_container_diesel"
    assert toc.loc["cre", "carrier"] == "diesel"
    assert toc.loc["cre", "ttw_kg"] > 0  # diesel burns in the locomotive: TTW, not only WTT


def test_cargo_without_tonnes_is_allocated_by_teu_km(tmp_path):
    # a scenario giving TEU only (tonnes 0): every trip burns its empty energy; the train's
    # 2 x 100 x 10 L = 2,000 L (5,000 kg) and the trucks' 2 x 10 + 20 L = 40 L (100 kg) go to
    # the two 1-TEU consignments by TEU-km: 2,500 + 50 kg each (+ 7.5 kg at the hub)
    events = _events().assign(tonnes=0.0)
    em = EM.emissions(events, CONSIGNMENTS, _trips(), HANDLING, LINKS, SERVICES,
                      _factors(tmp_path), WINDOW)
    toc = em.toc.set_index("service")
    assert list(toc["allocation"]) == ["TEU-km", "TEU-km"]
    assert toc.loc["train_svc", "wtw_kg"] == pytest.approx(5000.0)
    cons = em.consignments.set_index("cid")
    assert cons.loc[1, "wtw_kg"] == pytest.approx(2557.5)
    assert cons.loc[2, "wtw_kg"] == pytest.approx(2557.5)
    assert em.consignments["wtw_kg"].sum() == pytest.approx(
        em.toc["wtw_kg"].sum() + em.hoc["wtw_kg"].sum())


def test_a_service_that_carried_nothing_keeps_its_emissions_unallocated(tmp_path):
    trips = _trips()
    empty = trips[trips["trip"] == 2].assign(trip=9, service="truck_svc", link="z-h:road",
                                             **{"from": "h", "to": "z"})
    only_empty = pd.concat([trips[trips["service"] == "train_svc"], empty])
    events = _events()
    events = events[events["service"] != "truck_svc"]
    handling = HANDLING[HANDLING["service"] == "train_svc"]
    em = EM.emissions(events, CONSIGNMENTS, only_empty, handling, LINKS, SERVICES,
                      _factors(tmp_path), WINDOW)
    truck = em.toc.set_index("service").loc["truck_svc"]
    # one empty truck run h -> z, 10 km x 1 L, plus its return (nothing the other way): 20 L
    assert truck["allocation"] == "none"
    assert truck["unallocated_kg"] == pytest.approx(20 * 2.5)
    assert em.consignments["wtw_kg"].sum() == pytest.approx(
        em.toc["wtw_kg"].sum() + em.hoc["wtw_kg"].sum() - truck["unallocated_kg"])


def test_an_empty_box_hauls_its_tare_and_is_reported_apart(tmp_path):
    """The train's return carries one empty box (cid 3, 1 TEU, no cargo tonnes) g -> h.

    Train TOC: loaded trip 1,060 L; the return now hauls the box's tare, 2.2 t:
    100 x (10 + 20 x 2.2 / 1,000) = 1,004.4 L; 2,064.4 L x 2.5 = 5,161 kg WTW over
    3,000 + 220 = 3,220 tkm -> 1.602795 kg/tkm; the box 220 x that = 352.615 kg, cid 1
    1,602.795 kg of train. West containers: (1,602.795 + 3,205.590 + 137.5 + 15) / 2 TEU.
    """
    cons = pd.concat([CONSIGNMENTS, pd.DataFrame({
        "cid": [3], "parent": [-1], "demand": [-1], "origin": ["g"], "destination": ["h"],
        "cargo": ["empty"], "international": [False], "created_h": [45.0], "teu": [1.0],
        "tonnes": [0.0]})], ignore_index=True)
    events = pd.concat([_events(), pd.DataFrame(
        [(50.0, "depart", 3, "g", "h-g:rail", "train_svc", 2, 1.0, 0.0),
         (60.0, "delivered", 3, "h", None, None, -1, 1.0, 0.0)],
        columns=["t_h", "event", "cid", "node", "link", "service", "trip", "teu", "tonnes"])],
        ignore_index=True)
    trips = _trips()
    trips.loc[trips["trip"] == 2, "load"] = 1.0
    em = EM.emissions(events, cons, trips, HANDLING, LINKS, SERVICES, _factors(tmp_path),
                      WINDOW)
    train = em.toc.set_index("service").loc["train_svc"]
    assert train["energy"] == pytest.approx(2064.4)
    assert train["tkm"] == pytest.approx(3220.0)
    assert train["empty_vehicle_km"] == pytest.approx(0.0)  # the return is no longer empty
    per = em.consignments.set_index("cid")
    assert per.loc[3, "wtw_kg"] == pytest.approx(220 * 5161 / 3220)
    assert per.loc[3, "cargo"] == "empty"
    assert per.loc[1, "transport_wtw_kg"] == pytest.approx(1000 * 5161 / 3220 + 45.8333,
                                                           rel=1e-6)
    assert em.consignments["wtw_kg"].sum() == pytest.approx(5161 + 137.5 + 15)
    rows = em.corridors.set_index(["corridor", "cargo"])
    assert rows.loc[("west", "empty"), "unit"] == "TEU"
    assert rows.loc[("west", "empty"), "wtw_kg_per_unit"] == pytest.approx(352.6148, rel=1e-6)
    assert rows.loc[("west", "container"), "wtw_kg_per_unit"] == pytest.approx(
        (3000 * 5161 / 3220 + 137.5 + 15) / 2)
    kpis = pd.DataFrame(EM.emission_rows(em, WINDOW))
    got = kpis.set_index(["kpi", "scope", "key"])["value"]
    assert got[("co2e_empties_total", "total", "")] == pytest.approx(
        220 * 5161 / 3220 * WINDOW.per_year / 1e3)
    assert got[("co2e_empties_total", "corridor", "west")] == pytest.approx(
        got[("co2e_empties_total", "total", "")])
    # the loaded containers' figure per TEU leaves the box out
    assert got[("co2e_per_teu", "total", "")] == pytest.approx(
        (3000 * 5161 / 3220 + 137.5 + 15) / 2)
