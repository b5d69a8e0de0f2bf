"""KPI counting rules on hand-made records (no simulation): every number here is worked out by
hand from the few events below.

The frames are built with the same columns and dtypes as :mod:`hubsim.sim.records` (categoricals
for event, node, link, service) and :mod:`hubsim.sim.network` (link and node tables);
``test_hand_made_frames_match_the_real_ones`` keeps them honest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hubsim
from hubsim.analysis import kpis as K
from hubsim.analysis.definitions import definition_summary
from hubsim.analysis.yard import yard_series
from hubsim.scenario.schema import Target
from hubsim.sim.records import EVENT_NAMES

NODES = ["rail", "port", "park", "west", "east"]
LINKS = ["park-rail:road", "rail-port:rail", "rail-west:rail", "port-east:water",
         "rail-east:air"]
SERVICES = ["dray", "shuttle", "cre", "barge", "plane"]

# Window: 73 days after a 10-day warm-up, so per-year factor = 365 / 73 = 5
WINDOW = K.Window(240.0, 240.0 + 73 * 24.0)


def _cat(values, names) -> pd.Categorical:
    codes = [-1 if v is None else list(names).index(v) for v in values]
    return pd.Categorical.from_codes(np.array(codes, dtype=np.int32), categories=list(names))


def make_events(rows: list[tuple]) -> pd.DataFrame:
    """rows: (t_h, event, cid, node, link, service, trip, teu, tonnes, wait_h, dur_h)."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * 11
    return pd.DataFrame({
        "t_h": np.array(cols[0], dtype=np.float64),
        "event": _cat(cols[1], EVENT_NAMES),
        "cid": np.array(cols[2], dtype=np.int32),
        "node": _cat(cols[3], NODES),
        "link": _cat(cols[4], LINKS),
        "service": _cat(cols[5], SERVICES),
        "trip": np.array(cols[6], dtype=np.int32),
        "teu": np.array(cols[7], dtype=np.float64),
        "tonnes": np.array(cols[8], dtype=np.float64),
        "wait_h": np.array(cols[9], dtype=np.float64),
        "dur_h": np.array(cols[10], dtype=np.float64),
    })


def make_consignments(rows: list[tuple]) -> pd.DataFrame:
    """rows: (cid, origin, destination, cargo, international, teu, tonnes)."""
    cid, origin, dest, cargo, intl, teu, tonnes = zip(*rows, strict=True)
    n = len(rows)
    return pd.DataFrame({
        "cid": np.array(cid, dtype=np.int32), "parent": np.full(n, -1, np.int32),
        "demand": np.zeros(n, np.int32), "origin": _cat(origin, NODES),
        "destination": _cat(dest, NODES), "cargo": _cat(cargo, ("container", "air")),
        "international": np.array(intl, dtype=bool), "created_h": np.zeros(n),
        "teu": np.array(teu, dtype=np.float64), "tonnes": np.array(tonnes, dtype=np.float64),
    })


def make_trips(rows: list[tuple]) -> pd.DataFrame:
    """rows: (trip, service, link, from, to, scheduled_h, depart_h, arrive_h, load, capacity,
    vehicles)."""
    c = list(zip(*rows, strict=True))
    return pd.DataFrame({
        "trip": np.array(c[0], dtype=np.int32), "service": _cat(c[1], SERVICES),
        "link": _cat(c[2], LINKS), "from": _cat(c[3], NODES), "to": _cat(c[4], NODES),
        "scheduled_h": np.array(c[5], float), "depart_h": np.array(c[6], float),
        "arrive_h": np.array(c[7], float), "load": np.array(c[8], float),
        "capacity": np.array(c[9], float), "vehicles": np.array(c[10], dtype=np.int32),
    })


@pytest.fixture
def links() -> pd.DataFrame:
    rows = [
        ("park-rail:road", "park", "rail", "road", 30.0, "", "", 60.0, 0.0, 90.0),
        ("rail-port:rail", "rail", "port", "rail", 40.0, "", "", 40.0, 0.0, 20.0),
        ("rail-west:rail", "rail", "west", "rail", 11000.0, "west", "west", 8000.0, 0.0, 20.0),
        ("port-east:water", "port", "east", "water", 2400.0, "east", "east", 500.0, 0.0, 39.0),
        ("rail-east:air", "rail", "east", "air", 1500.0, "east", "east", 0.0, 3.0, 600.0),
    ]
    cols = ["link", "from", "to", "mode", "distance_km", "gateway", "corridor",
            "cost_usd_per_teu", "cost_usd_per_t", "co2_g_per_tkm"]
    return pd.DataFrame(rows, columns=cols).set_index("link")


@pytest.fixture
def nodes() -> pd.DataFrame:
    nan = np.nan
    rows = [
        ("rail", "hub", "rail", 29.6, 106.4, 2.0, 20.0, 100.0, 0.0, ""),
        ("port", "hub", "port", 29.6, 106.7, 1.0, 20.0, 50.0, 0.0, ""),
        ("park", "zone", "park", 29.5, 106.3, nan, nan, nan, 0.0, ""),
        ("west", "gateway", "west", 51.4, 6.7, nan, nan, nan, 0.0, "west"),
        ("east", "gateway", "east", 31.2, 121.5, nan, nan, nan, 0.0, "east"),
    ]
    cols = ["node", "kind", "name", "lat", "lon", "equipment", "moves_per_hour", "yard_teu",
            "depot_cost_usd_per_teu", "corridor"]
    return pd.DataFrame(rows, columns=cols).set_index("node")


@pytest.fixture
def consignments() -> pd.DataFrame:
    return make_consignments([
        (1, "park", "west", "container", True, 10.0, 100.0),
        (2, "west", "park", "container", True, 4.0, 40.0),
        (3, "park", "east", "container", False, 6.0, 70.0),
        (4, "park", "west", "container", True, 20.0, 200.0),
        (5, "park", "rail", "container", False, 3.0, 30.0),
        (6, "rail", "east", "air", True, 0.0, 2.5),
    ])


@pytest.fixture
def events() -> pd.DataFrame:
    return make_events([
        # out from the region on a gateway link: counts (west, rail)
        (300.0, "depart", 1, "rail", "rail-west:rail", "cre", 1, 10.0, 100.0, 5.0, 0.0),
        # a departure FROM the gateway is not a crossing (the arrival in the region is)
        (310.0, "depart", 2, "west", "rail-west:rail", "cre", 2, 4.0, 40.0, 0.0, 0.0),
        # in to the region: arrival at the region node counts
        (700.0, "arrive", 2, "rail", "rail-west:rail", "cre", 2, 4.0, 40.0, 0.0, 390.0),
        # arrival at the gateway is not a second crossing
        (800.0, "arrive", 1, "west", "rail-west:rail", "cre", 1, 10.0, 100.0, 0.0, 500.0),
        # out by water, not international (east, water)
        (400.0, "depart", 3, "port", "port-east:water", "barge", 3, 6.0, 70.0, 0.0, 0.0),
        # a crossing before the window: in crossings(), not in the per-year KPIs
        (100.0, "depart", 4, "rail", "rail-west:rail", "cre", 0, 20.0, 200.0, 0.0, 0.0),
        # not a gateway link
        (500.0, "depart", 5, "park", "park-rail:road", "dray", 4, 3.0, 30.0, 0.0, 0.0),
        # air cargo out (tonnes only), international
        (600.0, "depart", 6, "rail", "rail-east:air", "plane", 5, 0.0, 2.5, 0.0, 0.0),
        # lifts at the rail hub
        (290.0, "lift_on", 1, "rail", "rail-west:rail", "cre", -1, 10.0, 100.0, 0.5, 2.0),
        (699.0, "lift_off", 2, "rail", "rail-west:rail", "cre", 2, 4.0, 40.0, 1.5, 1.0),
        (590.0, "lift_on", 6, "rail", "rail-east:air", "plane", -1, 0.0, 2.5, 0.0, 0.5),
        (200.0, "lift_on", 4, "rail", "rail-west:rail", "cre", -1, 20.0, 200.0, 9.0, 3.0),
        # a lift at the port
        (390.0, "lift_on", 3, "port", "port-east:water", "barge", -1, 6.0, 70.0, 0.0, 0.3),
    ])


def test_hand_made_frames_match_the_real_ones(tiny_path, events, consignments, links, nodes):
    res = hubsim.simulate(hubsim.load_scenario(tiny_path), days=5)
    for mine, real in ((events, res.events), (consignments, res.consignments),
                       (links, res.links), (nodes, res.nodes)):
        assert list(mine.columns) == list(real.columns)
        assert [str(t) for t in mine.dtypes] == [str(t) for t in real.dtypes]
    assert str(events["event"].cat.categories.tolist()) == \
        str(res.events["event"].cat.categories.tolist())


def test_window_factor():
    assert WINDOW.hours == 73 * 24.0
    assert WINDOW.per_year == pytest.approx(5.0, rel=1e-12)
    t = pd.Series([239.9, 240.0, 1991.9, 1992.0])
    assert WINDOW.mask(t).tolist() == [False, True, True, False]


def test_crossings_count_once_per_boundary_crossing(events, links, consignments):
    cross = K.crossings(events, links, consignments)
    got = cross.sort_values("t_h")[["t_h", "cid", "direction", "gateway", "mode", "corridor",
                                    "international"]]
    expected = [
        (100.0, 4, "out", "west", "rail", "west", True),
        (300.0, 1, "out", "west", "rail", "west", True),
        (400.0, 3, "out", "east", "water", "east", False),
        (600.0, 6, "out", "east", "air", "east", True),
        (700.0, 2, "in", "west", "rail", "west", True),
    ]
    assert [tuple(r) for r in got.itertuples(index=False)] == expected


def test_categorical_crossings_hold_the_same_rows_and_give_the_same_kpis(events, links,
                                                                       consignments):
    # the KPI table works on the categorical form; Results.crossings is the string form
    text = K.crossings(events, links, consignments)
    cats = K.crossings(events, links, consignments, categorical=True)
    for col in ("link", "mode", "corridor", "gateway"):
        assert isinstance(cats[col].dtype, pd.CategoricalDtype)
        assert not isinstance(text[col].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(cats.astype({c: str for c in ("link", "mode", "corridor",
                                                                "gateway")}), text)
    zones = pd.Index(["park"])
    # the second window holds only the west crossing at 700 h: a corridor, mode or gateway
    # with no crossing in the window gets no row in either form
    for window in (WINDOW, K.Window(650.0, 800.0)):
        rows = K.channel_summary(cats, window)
        assert rows == K.channel_summary(text, window)
        assert definition_summary(cats, consignments, zones, window.mask(cats["t_h"]),
                                  window.per_year) == \
            definition_summary(text, consignments, zones, window.mask(text["t_h"]),
                               window.per_year)
    assert {r["key"] for r in rows if r["scope"] == "corridor"} == {"west"}


def test_channel_teu_annualised_over_the_window(events, links, consignments):
    rows = pd.DataFrame(K.channel_summary(K.crossings(events, links, consignments), WINDOW))

    def value(kpi, scope="total", key=""):
        sel = rows[(rows["kpi"] == kpi) & (rows["scope"] == scope) & (rows["key"] == key)]
        assert len(sel) == 1, (kpi, scope, key)
        return sel["value"].iloc[0]

    # in the window: 10 out + 4 in + 6 out + 0 (air) TEU = 20 TEU in 73 days -> x5
    assert value("channel_teu") == pytest.approx(100.0)
    assert value("channel_teu", "corridor", "west") == pytest.approx(70.0)
    assert value("channel_teu", "corridor", "east") == pytest.approx(30.0)
    assert value("channel_teu", "mode", "rail") == pytest.approx(70.0)
    assert value("channel_teu", "mode", "water") == pytest.approx(30.0)
    assert value("channel_teu", "mode", "air") == pytest.approx(0.0)
    assert value("channel_teu", "direction", "out") == pytest.approx(80.0)
    assert value("channel_teu", "direction", "in") == pytest.approx(20.0)
    # international tonnes: cid 1 (100 t) + cid 2 (40 t) + air cid 6 (2.5 t); cid 3 (70 t) is
    # domestic and cid 4 is before the window
    assert value("international_tonnes") == pytest.approx(142.5 * 5)
    assert value("international_tonnes", "corridor", "east") == pytest.approx(2.5 * 5)
    assert value("international_tonnes", "corridor", "west") == pytest.approx(140.0 * 5)
    assert value("air_tonnes") == pytest.approx(2.5 * 5)
    assert rows["unit"][rows["kpi"] == "channel_teu"].eq("TEU/yr").all()


def test_hub_lifts_and_equipment_utilisation(events, nodes):
    rows = pd.DataFrame(K.hub_summary(events, nodes, WINDOW)).set_index(["kpi", "key"])["value"]
    # rail: lift_on 10 + lift_off 4 + air 0 TEU in the window (the 20 TEU lift at t=200 is not)
    assert rows["hub_lifts_teu", "rail"] == pytest.approx(14 * 5)
    assert rows["hub_lifts_tonnes_air", "rail"] == pytest.approx(2.5 * 5)
    assert rows["hub_lifts_teu", "port"] == pytest.approx(6 * 5)
    # busy hours / (units x window hours)
    assert rows["equipment_utilisation", "rail"] == pytest.approx(3.5 / (2 * WINDOW.hours))
    assert rows["equipment_utilisation", "port"] == pytest.approx(0.3 / (1 * WINDOW.hours))
    assert rows["equipment_wait_mean_h", "rail"] == pytest.approx((0.5 + 1.5 + 0.0) / 3)
    # dwell: departures' wait_h at the hub
    assert rows["hub_dwell_mean_h", "rail"] == pytest.approx((5.0 + 0.0) / 2)


def test_yard_mean_is_time_weighted(nodes):
    window = K.Window(100.0, 200.0)
    ev = make_events([
        (0.0, "generated", 10, "port", None, None, -1, 10.0, 100.0, 0.0, 0.0),
        (150.0, "lift_off", 11, "port", "port-east:water", "barge", 7, 20.0, 200.0, 0.0, 1.0),
        (175.0, "lift_on", 10, "port", "port-east:water", "barge", -1, 10.0, 100.0, 0.0, 0.5),
        (250.0, "delivered", 11, "port", None, None, -1, 20.0, 200.0, 0.0, 99.0),
    ])
    series = yard_series(ev, nodes)
    assert series["level"].tolist() == [10.0, 30.0, 20.0, 0.0]
    rows = pd.DataFrame(K.hub_summary(ev, nodes, window)).set_index(["kpi", "key"])["value"]
    # 10 TEU for 50 h, 30 TEU for 25 h, 20 TEU for 25 h, over 100 h (not the event average 20)
    assert rows["yard_mean", "port"] == pytest.approx(17.5)
    assert rows["yard_max", "port"] == pytest.approx(30.0)
    assert rows["yard_end", "port"] == pytest.approx(20.0)
    assert rows["yard_mean_utilisation", "port"] == pytest.approx(17.5 / 50.0)
    assert rows["yard_mean", "rail"] == 0.0


def test_yard_series_sorts_by_time_keeps_ties_in_log_order_and_sums_per_hub(nodes):
    # two hubs interleaved, the log not in time order, two changes at the same hour; rows
    # at a node that is not a hub and events that do not move the yard are left out
    ev = make_events([
        (5.0, "lift_off", 1, "port", "port-east:water", "barge", 3, 2.0, 20.0, 0.0, 1.0),
        (1.0, "generated", 2, "rail", None, None, -1, 1.0, 10.0, 0.0, 0.0),
        (5.0, "lift_on", 2, "rail", "rail-west:rail", "cre", 4, 1.0, 10.0, 0.0, 0.5),
        (3.0, "generated", 3, "port", None, None, -1, 0.0, 7.5, 0.0, 0.0),
        (2.0, "generated", 5, "park", None, None, -1, 3.0, 30.0, 0.0, 0.0),
        (5.0, "generated", 4, "rail", None, None, -1, 4.0, 40.0, 0.0, 0.0),
        (4.0, "depart", 3, "port", "port-east:water", "barge", 3, 0.0, 7.5, 0.0, 0.0),
        (6.0, "delivered", 1, "port", None, None, -1, 2.0, 20.0, 0.0, 9.0),
    ])
    series = yard_series(ev, nodes)
    assert series["t_h"].tolist() == [1.0, 3.0, 5.0, 5.0, 5.0, 6.0]
    assert series["node"].astype(str).tolist() == ["rail", "port", "port", "rail", "rail",
                                                   "port"]
    # air cargo (0 TEU) counts in tonnes; rail: +1, -1, +4; port: +7.5 t, +2, -2
    assert series["level"].tolist() == [1.0, 7.5, 9.5, 0.0, 4.0, 7.5]
    assert isinstance(series["node"].dtype, pd.CategoricalDtype)
    assert list(series.index) == list(range(6))


def test_service_summary_load_factor(events):
    trips = make_trips([
        (0, "cre", "rail-west:rail", "rail", "west", 290.0, 300.0, 800.0, 40.0, 80.0, 1),
        (1, "cre", "rail-west:rail", "rail", "west", 330.0, 330.0, np.nan, 80.0, 80.0, 1),
        (2, "cre", "rail-west:rail", "rail", "west", 0.0, 10.0, 500.0, 80.0, 80.0, 1),
    ])
    rows = pd.DataFrame(K.service_summary(trips, WINDOW)).set_index(["kpi", "key"])["value"]
    assert rows["departures", "cre"] == pytest.approx(2 * 5)
    assert rows["load_factor", "cre"] == pytest.approx(120.0 / 160.0)
    assert rows["departure_delay_mean_h", "cre"] == pytest.approx(5.0)


def test_kpi_table_on_hand_made_records(events, consignments, links, nodes):
    trips = make_trips([
        (1, "cre", "rail-west:rail", "rail", "west", 295.0, 300.0, 800.0, 10.0, 80.0, 1)])
    table = K.kpi_table(events, consignments, trips, links, nodes, WINDOW)
    assert list(table.columns) == ["kpi", "scope", "key", "value", "unit"]
    one = table.set_index(["kpi", "scope", "key"])["value"]
    assert one["channel_teu", "total", ""] == pytest.approx(100.0)
    assert one["hub_lifts_teu", "hub", "rail"] == pytest.approx(70.0)
    # nothing generated or delivered in these records
    assert one["backlog_end_teu", "total", ""] == 0.0


def test_conservation_from_events():
    ev = make_events([
        (1.0, "generated", 1, "park", None, None, -1, 4.0, 40.0, 0.0, 0.0),
        (2.0, "generated", 2, "west", None, None, -1, 0.0, 3.0, 0.0, 0.0),
        (9.0, "delivered", 1, "west", None, None, -1, 4.0, 40.0, 0.0, 8.0),
    ])
    assert K.conservation(ev) == {
        "generated_teu": 4.0, "delivered_teu": 4.0, "in_system_teu": 0.0,
        "generated_tonnes": 43.0, "delivered_tonnes": 40.0, "in_system_tonnes": 3.0}


def _kpis(channel: float, rail_lifts: float) -> pd.DataFrame:
    return pd.DataFrame([
        {"kpi": "channel_teu", "scope": "total", "key": "", "value": channel, "unit": "TEU/yr"},
        {"kpi": "channel_teu", "scope": "mode", "key": "rail", "value": 1e9, "unit": "TEU/yr"},
        {"kpi": "hub_lifts_teu", "scope": "hub", "key": "rail", "value": rail_lifts,
         "unit": "TEU/yr"},
        {"kpi": "hub_lifts_teu", "scope": "hub", "key": "port", "value": 30.0,
         "unit": "TEU/yr"},
    ])


@pytest.mark.parametrize(("sense", "threshold", "met"), [
    (">=", 90.0, True), (">=", 100.0, True), (">=", 120.0, False),
    ("<=", 120.0, True), ("<=", 100.0, True), ("<=", 90.0, False),
])
def test_verdict_sense(sense, threshold, met):
    target = Target(id="t", kpi="channel_teu", threshold=threshold, sense=sense)
    v = K.verdict(_kpis(100.0, 70.0), (target,))
    assert len(v) == 1
    row = v.iloc[0]
    assert bool(row["met"]) is met
    assert row["value"] == 100.0  # the total, not the by-mode row
    assert row["ratio"] == pytest.approx(100.0 / threshold)
    assert row["unit"] == "TEU/yr"


def test_verdict_per_hub():
    targets = (Target(id="rail", kpi="hub_lifts_teu", hub="rail", threshold=80, sense="<="),
               Target(id="port", kpi="hub_lifts_teu", hub="port", threshold=20, sense="<="),
               Target(id="big", kpi="hub_lifts_teu", hub="port", threshold=25))
    v = K.verdict(_kpis(100.0, 70.0), targets).set_index("target")
    assert v.loc["rail", "value"] == 70.0 and bool(v.loc["rail", "met"])
    assert v.loc["port", "value"] == 30.0 and not bool(v.loc["port", "met"])
    assert bool(v.loc["big", "met"])
    assert v.loc["port", "hub"] == "port"


def test_next_in_group_is_a_backward_fill_within_groups():
    from hubsim.analysis.flows import next_in_group

    rng = np.random.default_rng(7)
    for n in (0, 1, 2, 50, 500):
        group = rng.integers(0, 12, n).astype(np.int32)
        valid = rng.random(n) < 0.3
        got = next_in_group(group, valid)
        rows = pd.Series(np.where(valid, np.arange(n), np.nan))
        want = rows.groupby(group).bfill().fillna(-1).astype(np.int64).to_numpy()
        np.testing.assert_array_equal(got, want)


def test_rejoins_are_joins_followed_by_a_join_of_the_same_load_at_the_same_node():
    from hubsim.analysis.flows import _rejoins

    rng = np.random.default_rng(11)
    for n in (0, 1, 2, 50, 2000):
        cid = rng.integers(0, 40, n).astype(np.int32)
        join = rng.random(n) < 0.6
        node = rng.integers(0, 3, n).astype(np.int32)
        seq = pd.DataFrame({"cid": cid, "join": join, "node": node})
        after = seq.groupby("cid", sort=False)[["join", "node"]].shift(-1)
        want = (seq["join"] & after["join"].eq(True) & after["node"].eq(seq["node"]))
        np.testing.assert_array_equal(_rejoins(cid, join, node), want.to_numpy())



def test_a_lift_is_taken_when_its_vehicle_asked_for_handling():
    """``_taken_at`` (a numpy lookup) against the pandas merge it replaces: each lift_on gets
    the ``request_h`` of the first lift_on handling row of the same node, link and service that
    ended at its time, else its own time; names missing on either side, categorical or not,
    a missing ``request_h`` or time, duplicates and other operations included."""
    from hubsim.analysis.flows import _taken_at

    rng = np.random.default_rng(12)
    names = {"node": ["a", "b", "c"], "link": ["a-b:rail", "b-c:road"], "service": ["s1", "s2"]}

    def column(n: int, categorical: bool) -> dict[str, pd.Series]:
        out = {}
        for c, values in names.items():
            col = pd.Series(rng.choice([*values, None], n), dtype=object)
            out[c] = col.astype("category") if categorical else col
        return out

    for n_lifts, n_rows in ((0, 5), (5, 0), (1, 1), (60, 40), (3000, 2000)):
        times = np.append(rng.integers(0, 30, max(n_lifts, n_rows) + 1).astype(float), np.nan)
        lifts = pd.DataFrame({"t_h": rng.choice(times, n_lifts), **column(n_lifts, True)})
        end = rng.choice(times, n_rows)
        handling = pd.DataFrame({
            "op": rng.choice(["lift_on", "lift_off"], n_rows, p=[0.7, 0.3]),
            **column(n_rows, n_rows % 2 == 0), "end_h": end,
            "request_h": np.where(rng.random(n_rows) < 0.1, np.nan, end - rng.random(n_rows))})
        h = handling[handling["op"] == "lift_on"]
        keys = ["node", "link", "service", "t_h"]
        right = pd.DataFrame({"node": h["node"].astype(object), "link": h["link"].astype(object),
                              "service": h["service"].astype(object), "t_h": h["end_h"],
                              "request_h": h["request_h"]}).drop_duplicates(keys)
        left = lifts.astype({c: object for c in names})
        merged = left.merge(right, on=keys, how="left")
        want = np.where(merged["request_h"].notna(), merged["request_h"], merged["t_h"])
        got = _taken_at(lifts, handling)
        np.testing.assert_array_equal(got, want.astype(float))
        if n_lifts and n_rows > 10:
            assert (got != lifts["t_h"].to_numpy()).any()  # some found their request


def test_a_categorical_lookup_is_the_categorical_of_the_lookup():
    from hubsim.analysis.kpis import _lookup, _lookup_categorical

    col = pd.Series(pd.Categorical.from_codes(np.array([0, 2, -1, 1, 2, 0], dtype=np.int8),
                                              categories=["b", "a", "c"]))
    for mapping in (None, pd.Series({"a": "X", "b": None, "c": "Y"}),
                    pd.Series({"a": "X", "b": "X", "c": "X"}), pd.Series({"z": "Q"})):
        pd.testing.assert_series_equal(pd.Series(_lookup_categorical(col, mapping)),
                                       pd.Series(pd.Categorical(_lookup(col, mapping))))
