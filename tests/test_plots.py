"""Plot functions on small hand-made tables: they run, return a figure, say their units; and the
series tables behind them compute what they claim on hand-checkable events."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from hubsim.analysis import series as S
from hubsim.analysis.kpis import Window
from hubsim.present import mapplot, plots

NODES = pd.DataFrame({
    "kind": ["hub", "hub", "zone", "gateway", "gateway"],
    "name": ["Rail hub", "River port", "Park", "Duisburg", "Shanghai"],
    "lat": [29.6, 29.6, 29.5, 51.4, 31.2], "lon": [106.4, 106.7, 106.3, 6.7, 121.5],
    "equipment": [2.0, 4.0, np.nan, np.nan, np.nan],
    "yard_teu": [100.0, 200.0, np.nan, np.nan, np.nan],
    "corridor": ["", "", "", "west", "east"],
}, index=pd.Index(["rail", "port", "park", "west", "east"], name="node"))

LINKS = pd.DataFrame({
    "from": ["park", "rail", "port"], "to": ["rail", "west", "east"],
    "mode": ["road", "rail", "water"], "distance_km": [10.0, 1000.0, 2000.0],
    "gateway": ["", "west", "east"], "corridor": ["", "west", "east"],
    "cost_usd_per_teu": [50.0, 4000.0, 400.0], "cost_usd_per_t": [0.0, 0.0, 0.0],
    "co2_g_per_tkm": [90.0, 20.0, 40.0],
}, index=pd.Index(["park-rail:road", "rail-west:rail", "port-east:water"], name="link"))


def _events(rows: list[tuple]) -> pd.DataFrame:
    cols = ["t_h", "event", "cid", "node", "link", "teu", "tonnes", "wait_h", "dur_h"]
    ev = pd.DataFrame(rows, columns=cols)
    ev["event"] = ev["event"].astype("category")
    ev["node"] = pd.Categorical(ev["node"], categories=list(NODES.index))
    ev["link"] = pd.Categorical(ev["link"], categories=list(LINKS.index))
    return ev


# consignment 0: park -> rail (road) -> west (rail), 10 TEU; consignment 1: 4 TEU east
EVENTS = _events([
    (0.0, "generated", 0, "park", None, 10, 120, 0, 0),
    (0.0, "depart", 0, "park", "park-rail:road", 10, 120, 0, 0),
    (2.0, "arrive", 0, "rail", "park-rail:road", 10, 120, 0, 0),
    (2.0, "lift_off", 0, "rail", "park-rail:road", 10, 120, 0.5, 1.0),
    (26.0, "lift_on", 0, "rail", "rail-west:rail", 10, 120, 0.0, 1.0),
    (27.0, "depart", 0, "rail", "rail-west:rail", 10, 120, 25.0, 0),
    (60.0, "generated", 1, "port", None, 4, 48, 0, 0),
    (70.0, "lift_on", 1, "port", "port-east:water", 4, 48, 0, 2.0),
    (72.0, "depart", 1, "port", "port-east:water", 4, 48, 12.0, 0),
    (100.0, "delivered", 0, "west", "rail-west:rail", 10, 120, 0, 100.0),
    (200.0, "delivered", 1, "east", "port-east:water", 4, 48, 0, 140.0),
])
CONSIGNMENTS = pd.DataFrame({"cid": [0, 1], "origin": ["park", "port"],
                             "destination": ["west", "east"], "international": [True, False]})
WINDOW = Window(0.0, 24.0 * 14)


def _labels(fig: Figure) -> list[str]:
    return [t for ax in fig.axes for t in (ax.get_xlabel(), ax.get_ylabel()) if t]


def _assert_units(fig: Figure) -> None:
    labels = _labels(fig)
    scale_bar = any(t.get_text().endswith(" km") for ax in fig.axes for t in ax.texts)
    assert scale_bar or (labels and any("[" in t and "]" in t for t in labels)), labels
    texts = [t.get_text() for t in fig.texts]
    assert any(t.startswith("Source:") for t in texts), texts  # every figure names its source


def test_daily_channel_counts_crossings_per_day_and_international_tonnes():
    cross = pd.DataFrame({"t_h": [1.0, 5.0, 30.0, 400.0], "teu": [2.0, 3.0, 4.0, 9.0],
                          "tonnes": [20.0, 30.0, 40.0, 90.0],
                          "international": [True, False, True, True]})
    d = S.daily_channel(cross, WINDOW)
    assert len(d) == 14  # the crossing at 400 h is after the window
    assert d["teu"].tolist()[:3] == [5.0, 4.0, 0.0]
    assert d["intl_tonnes"].tolist()[:2] == [20.0, 40.0]
    assert d["cumulative_teu"].iloc[-1] == 9.0


def test_link_flows_sum_departures_per_link_per_year():
    flows = S.link_flows(EVENTS, LINKS, WINDOW)
    per_year = 8760.0 / WINDOW.hours
    assert flows.loc["rail-west:rail", "teu_per_year"] == pytest.approx(10 * per_year)
    assert flows.loc["port-east:water", "teu_per_year"] == pytest.approx(4 * per_year)
    assert flows["air_t_per_year"].sum() == 0.0


def test_yard_daily_is_the_time_weighted_level():
    y = S.yard_daily(EVENTS, NODES, WINDOW)
    rail = y[y["hub"] == "rail"].set_index("day")["yard_teu"]
    # 10 TEU in the rail yard from 2 h (lift-off) to 26 h (lift-on)
    assert rail[0] == pytest.approx(10 * 22 / 24)
    assert rail[1] == pytest.approx(10 * 2 / 24)
    assert rail[2] == 0.0
    port = y[y["hub"] == "port"].set_index("day")["yard_teu"]
    assert port[2] == pytest.approx(4 * 10 / 24)  # generated at 60 h, lifted on at 70 h


def test_weekly_hub_table_utilisation_and_yard_share():
    w = S.weekly_hub_table(EVENTS, NODES, WINDOW).set_index(["week", "hub"])
    assert w.loc[(0, "rail"), "utilisation"] == pytest.approx(2.0 / (2 * 168))
    assert w.loc[(0, "port"), "utilisation"] == pytest.approx(2.0 / (4 * 168))
    assert w.loc[(1, "rail"), "utilisation"] == 0.0
    assert w.loc[(0, "rail"), "yard_fraction"] == pytest.approx(
        w.loc[(0, "rail"), "yard_teu"] / 100.0)
    assert (w["yard_wait_h"] == 0.0).all()  # nobody waited for yard room


def test_weekly_yard_wait_is_load_weighted_per_week():
    ev = pd.concat([EVENTS, _events([
        (5.0, "yard_wait", 7, "rail", "park-rail:road", 10, 120, 3.0, 0),
        (6.0, "yard_wait", 8, "rail", "park-rail:road", 30, 360, 1.0, 0),
        (200.0, "yard_wait", 9, "port", "port-east:water", 4, 48, 8.0, 0)])],
        ignore_index=True)
    ev["event"] = ev["event"].astype(str).astype("category")
    w = S.weekly_hub_table(ev, NODES, WINDOW).set_index(["week", "hub"])["yard_wait_h"]
    assert w[0, "rail"] == pytest.approx((10 * 3.0 + 30 * 1.0) / 40)
    assert w[1, "port"] == pytest.approx(8.0)
    assert w[0, "port"] == w[1, "rail"] == 0.0


def test_transit_times_and_corridor_cost_co2():
    t = S.transit_times(EVENTS, CONSIGNMENTS, LINKS, WINDOW).set_index("corridor")
    assert t.loc["west", "days"] == pytest.approx(100 / 24)
    assert t.loc["east", "days"] == pytest.approx(140 / 24)
    c = S.corridor_cost_co2(EVENTS, CONSIGNMENTS, LINKS, WINDOW).set_index("corridor")
    assert c.loc["west", "cost_usd_per_teu"] == pytest.approx((10 * 50 + 10 * 4000) / 10)
    assert c.loc["west", "co2_t_per_teu"] == pytest.approx(
        (120 * 10 * 90 + 120 * 1000 * 20) / 1e6 / 10)
    assert c.loc["east", "cost_usd_per_teu"] == pytest.approx(400.0)


def test_mean_ci_matches_a_hand_computed_interval():
    reps = pd.DataFrame({"day": [0, 0, 0, 1, 1, 1], "v": [1.0, 2.0, 3.0, 5.0, 5.0, 5.0]})
    ci = plots.mean_ci(reps, "day", "v").set_index("day")
    assert ci.loc[0, "mean"] == 2.0
    assert ci.loc[0, "hi"] - 2.0 == pytest.approx(4.303 * 1.0 / np.sqrt(3), rel=1e-3)
    assert ci.loc[1, "lo"] == ci.loc[1, "hi"] == 5.0


def test_throughput_vs_target_single_run_and_replication_band():
    days = np.arange(10)
    one = pd.DataFrame({"day": days, "cumulative_teu": days * 5000.0,
                        "cumulative_intl_tonnes": days * 30000.0})
    targets = {"channel_teu": 2e6, "international_tonnes": 12e6}
    fig = plots.throughput_vs_target(one, targets, "demo", 1)
    _assert_units(fig)
    assert "TEU" in fig.axes[0].get_ylabel() and "[t]" in fig.axes[1].get_ylabel()
    target_line = next(ln for ln in fig.axes[0].lines if "target" in ln.get_label())
    assert target_line.get_ydata()[-1] == pytest.approx(2e6 * 10 / 365)
    assert not any(isinstance(c, PolyCollection) for c in fig.axes[0].collections)

    reps = pd.concat([one.assign(replication=r, cumulative_teu=one["cumulative_teu"] * (1 + r / 10))
                      for r in range(3)])
    fig = plots.throughput_vs_target(reps, targets, "demo", "1-3")
    assert any(isinstance(c, PolyCollection) for c in fig.axes[0].collections)
    assert "3 replications" in " ".join(t.get_text() for t in fig.axes[0].get_legend().texts)


def test_hub_plots_transit_mode_cost_and_map_run_on_hand_made_tables():
    weekly = S.weekly_hub_table(EVENTS, NODES, WINDOW)
    yard = S.yard_daily(EVENTS, NODES, WINDOW)
    kpis = pd.DataFrame({"kpi": ["channel_teu", "channel_teu", "international_tonnes"],
                         "scope": ["mode", "mode", "mode"], "key": ["rail", "water", "rail"],
                         "value": [10.0, 4.0, 120.0], "unit": ["TEU/yr", "TEU/yr", "t/yr"]})
    figs = [plots.hub_utilisation(weekly, yard, NODES, "demo"),
            plots.hub_heatmap(weekly, NODES, "demo"),
            plots.transit_times(S.transit_times(EVENTS, CONSIGNMENTS, LINKS, WINDOW), "demo"),
            plots.mode_split(kpis, "demo"),
            plots.corridor_cost_co2(S.corridor_cost_co2(EVENTS, CONSIGNMENTS, LINKS, WINDOW),
                                    "demo"),
            mapplot.network_map(NODES, S.link_flows(EVENTS, LINKS, WINDOW), "demo")]
    for fig in figs:
        assert isinstance(fig, Figure)
        _assert_units(fig)
        assert "demo" in (fig.get_suptitle() + " ".join(ax.get_title() for ax in fig.axes))
    # hub colours are fixed per hub across figures
    assert plots.hub_colour("guoyuan") == plots.HUB_COLOURS["guoyuan"]
    assert plots.hub_colour("rail", ["rail", "port"]) != plots.hub_colour("port", ["rail", "port"])


def test_network_map_line_width_grows_with_flow_and_colour_follows_mode():
    flows = S.link_flows(EVENTS, LINKS, WINDOW)
    fig = mapplot.network_map(NODES, flows, "demo")
    main = fig.axes[0]
    by_colour = {ln.get_color(): ln.get_linewidth() for ln in main.lines
                 if ln.get_color() in plots.MODE_COLOURS.values()}
    # rail (10 TEU) is drawn wider than water (4 TEU), each in its mode's colour
    assert by_colour[plots.MODE_COLOURS["rail"]] > by_colour[plots.MODE_COLOURS["water"]]
    texts = " ".join(t.get_text() for t in main.texts)
    # each gateway names its corridor and, per link, the mode, the hub and the flow
    assert "Duisburg [west]\nrail rail: 261 TEU/yr (both directions)" in texts
    assert "Shanghai [east]\nwater port: 104 TEU/yr (both directions)" in texts
    assert len(main.child_axes) == 1  # the inset of the region
    assert {t.get_text() for t in main.child_axes[0].texts} >= {"rail", "port", "park"}


def test_network_map_gives_flows_and_load_factors_per_direction():
    flows = S.link_flows(EVENTS, LINKS, WINDOW)
    directions = pd.DataFrame({
        "link": ["rail-west:rail", "rail-west:rail", "port-east:water", "port-east:water"],
        "direction": ["out", "in", "out", "in"],
        "teu_per_year": [216000.0, 25400.0, 104.0, 0.0], "air_t_per_year": [0.0] * 4,
        "load_factor": [1.0, 0.34, np.nan, np.nan]})
    fig = mapplot.network_map(NODES, flows, "demo", directions)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "rail rail: out 216 k | in 25.4 k TEU/yr; loaded 100% | 34%" in texts
    assert "water port: out 104 | in 0 TEU/yr" in texts  # no scheduled trips: no load factor
    assert "loaded" in fig.axes[0].get_legend().get_title().get_text()


def test_network_map_is_projected_over_shipped_coastlines_and_labels_do_not_overlap():
    from hubsim.present import geography

    fig = mapplot.network_map(NODES, S.link_flows(EVENTS, LINKS, WINDOW), "demo")
    main, inset = fig.axes[0], fig.axes[0].child_axes[0]
    x, y = geography.project(6.7, 51.4)  # Duisburg's gateway square sits at its projection
    squares = [ln for ln in main.lines if ln.get_marker() == "s"]
    assert any(np.allclose(ln.get_xydata()[0], (x, y)) for ln in squares)
    drawn = {c.get_label(): len(c.get_segments()) for c in main.collections}
    assert drawn["_coast"] > 50 and drawn["_border"] > 50  # from the package's data
    assert drawn["_yangtze"] >= 1
    renderer = fig.canvas.get_renderer()
    for ax in (main, inset):
        boxes = [t.get_window_extent(renderer) for t in ax.texts
                 if t.get_text() and t.get_text() != "Yangtze"]
        overlaps = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]
        assert overlaps == []


def test_throughput_titles_name_the_scenario_targets_not_fixed_ones():
    days = np.arange(5)
    one = pd.DataFrame({"day": days, "cumulative_teu": days * 5000.0,
                        "cumulative_intl_tonnes": days * 30000.0})
    fig = plots.throughput_vs_target(one, {"channel_teu": 3.5e6}, "demo", 1)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "Channel throughput (3.5 M TEU/yr target)"
    assert titles[1] == "International logistics volume"  # no target: no threshold named
    assert not any("2 M" in t or "12 Mt" in t for t in titles)


def test_si_ticks_keep_three_significant_digits():
    assert plots.si(1.25e6) == "1.25 M"
    assert plots.si(12e6) == "12 M"
    assert plots.si(2500) == "2.5 k"
    assert plots.si(42) == "42"


def test_comparison_and_sweep_plots_take_tables():
    from hubsim.present.experiment_plots import comparison_plot, sweep_plot

    table = pd.DataFrame({
        "kpi": ["channel_teu", "channel_teu", "co2_per_teu"],
        "scope": ["target", "total", "total"], "key": ["t", "", ""],
        "unit": ["TEU/yr", "TEU/yr", "t CO2/TEU"],
        "base": [1.0, 1.0, 1.0], "fast": [1.1, 1.1, 0.9], "fast rel": [0.1, 0.1, -0.1]})
    fig = comparison_plot(table, "base", ["fast"], 7, 30.0)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["target t (Channel throughput)", "Channel throughput"]  # co2: not plotted
    assert "base" in fig.axes[0].get_xlabel()

    summary = pd.DataFrame({"hubs.a.equipment": [2, 4, 3], "mean": [1.0, 3.0, 2.0],
                            "ci_low": [0.5, 2.5, 1.5], "ci_high": [1.5, 3.5, 2.5],
                            "unit": ["TEU/yr"] * 3})
    fig = sweep_plot(summary, ["hubs.a.equipment"], "channel_teu")
    line = fig.axes[0].lines[0]
    assert list(line.get_xdata()) == [2.0, 3.0, 4.0]
    assert "[TEU/yr]" in fig.axes[0].get_ylabel()
    fig = sweep_plot(summary.iloc[:0], ["hubs.a.equipment"], "channel_teu")
    assert "no channel_teu values" in fig.axes[0].texts[0].get_text()


def _weekly(n_weeks: int, wait_h: float) -> pd.DataFrame:
    rows = [(w, h, 0.5, wait_h, 10.0, 0.1, 0.0) for w in range(n_weeks) for h in ("rail", "port")]
    return pd.DataFrame(rows, columns=["week", "hub", "utilisation", "wait_h", "yard_teu",
                                       "yard_fraction", "yard_wait_h"])


def test_heatmap_wait_scale_has_an_hour_floor_and_a_partial_week_is_marked():
    fig = plots.hub_heatmap(_weekly(3, 21 / 3600), NODES, "demo", days=15.0)
    wait = fig.axes[1]
    assert wait.images[0].get_clim() == (0.0, 60.0)  # 21 s is pale, not a hotspot
    assert "(1 d)" in [t.get_text() for t in fig.axes[2].get_xticklabels()][-1]
    assert any(p.get_hatch() for p in wait.patches)
    assert "the last week holds 1 day" in " ".join(t.get_text() for t in fig.texts)
    long = plots.hub_heatmap(_weekly(3, 2.5), NODES, "demo", days=21.0)
    assert long.axes[1].images[0].get_clim()[1] == pytest.approx(150.0)  # above the floor
    assert not any(p.get_hatch() for p in long.axes[1].patches)  # whole weeks


def test_transit_times_mark_the_tail_99th_percentile_and_longest():
    rng = np.random.default_rng(1)
    days = np.concatenate([rng.uniform(3, 5, 990), np.linspace(60, 80, 10)])
    fig = plots.transit_times(pd.DataFrame({"corridor": "south", "days": days}), "demo")
    ax = fig.axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert {"99th percentile", "longest"} <= set(labels)
    assert "80 d" in [t.get_text() for t in ax.texts]
    assert ax.get_xlim()[1] > 80.0
    p99 = next(c for c, lab in zip(ax.collections, labels, strict=False)
               if lab == "99th percentile")
    assert p99.get_offsets()[0][0] == pytest.approx(np.percentile(days, 99))


def test_mode_split_shares_never_read_zero_and_panels_share_the_order():
    kpis = pd.DataFrame({
        "kpi": ["channel_teu"] * 3 + ["international_tonnes"] * 4, "scope": "mode",
        "key": ["rail", "water", "road", "air", "rail", "water", "road"],
        "value": [575e3, 1.43e6, 8.53e3, 226e3, 4.95e6, 7.51e6, 68.2e3]})
    fig = plots.mode_split(kpis, "demo")
    teu, tonnes = fig.axes
    order = [t.get_text() for t in teu.get_yticklabels()]
    assert order == [t.get_text() for t in tonnes.get_yticklabels()] == \
        ["water", "rail", "road", "air"]
    teu_texts = [t.get_text() for t in teu.texts]
    assert " 8.53 k (0.4%)" in teu_texts
    assert " n/a: air cargo is counted in tonnes" in teu_texts
    assert plots._share_text(0.04) == "<0.1%" and plots._share_text(71.2) == "71%"


def test_corridor_cost_names_the_modes_of_each_corridors_legs():
    c = S.corridor_cost_co2(EVENTS, CONSIGNMENTS, LINKS, WINDOW)
    assert c.set_index("corridor").loc["west", "legs"] == "rail 99%"  # road 10 of 1,010 km: <1%
    fig = plots.corridor_cost_co2(c.assign(legs=["water 88%, rail 12%", "rail 100%"]), "demo")
    names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "east\n(water 88%, rail 12%)" in names


def test_link_directions_split_flow_and_load_factor_by_direction():
    trips = pd.DataFrame({"link": ["rail-west:rail", "rail-west:rail", "rail-west:rail"],
                          "from": ["rail", "rail", "west"], "to": ["west", "west", "rail"],
                          "depart_h": [27.0, 100.0, 50.0], "load": [10.0, 0.0, 5.0],
                          "capacity": [10.0, 10.0, 20.0]})
    ev = pd.concat([EVENTS, _events([(60.0, "depart", 5, "west", "rail-west:rail", 3, 30, 0, 0)])],
                   ignore_index=True)
    ev["event"] = ev["event"].astype(str).astype("category")
    d = S.link_directions(ev, trips, LINKS, WINDOW).set_index(["link", "direction"])
    per_year = 8760.0 / WINDOW.hours
    assert d.loc[("rail-west:rail", "out"), "teu_per_year"] == pytest.approx(10 * per_year)
    assert d.loc[("rail-west:rail", "in"), "teu_per_year"] == pytest.approx(3 * per_year)
    assert d.loc[("rail-west:rail", "out"), "load_factor"] == pytest.approx(0.5)
    assert d.loc[("rail-west:rail", "in"), "load_factor"] == pytest.approx(0.25)
    assert np.isnan(d.loc[("port-east:water", "in"), "load_factor"])


def test_throughput_target_follows_the_seasons_with_a_weekly_panel_and_months():
    from hubsim.analysis.season import season_factor
    from hubsim.api import load_scenario
    from hubsim.scenario.loader import bundled_scenario

    scn = load_scenario(bundled_scenario("chongqing_2022_target.yaml"))
    profile = plots.target_profile(scn, 90)
    for kpi in ("channel_teu", "international_tonnes"):
        assert profile[kpi].sum() == pytest.approx(90 / 365 * season_factor(scn, kpi, 90))
    days = np.arange(90)
    one = pd.DataFrame({"day": days, "cumulative_teu": (days + 1) * 5000.0,
                        "cumulative_intl_tonnes": (days + 1) * 30000.0})
    fig = plots.throughput_vs_target(one, {"channel_teu": 2e6}, "demo", 1, profile)
    path = next(ln for ln in fig.axes[0].lines if "target" in ln.get_label())
    assert path.get_ydata()[-1] == pytest.approx(2e6 * profile["channel_teu"].sum())
    assert path.get_ydata()[50] < 2e6 * 50 / 365  # February's dip: below pro rata
    weekly = fig.axes[2]
    assert "/week]" in weekly.get_ylabel()
    assert [t.get_text() for t in weekly.get_xticklabels()][:3] == ["Jan", "Feb", "Mar"]
    assert len(weekly.patches) == 13  # 12 whole weeks and a partial one (6 days)


def test_sweep_names_parameters_in_words_draws_the_target_and_no_offset_ticks():
    from hubsim.present.experiment_plots import PLOTTED, parameter_label, sweep_plot

    assert parameter_label("services.barge_shanghai.per_week") == \
        "barge_shanghai service: per week"
    assert parameter_label("hubs.guoyuan.areas.water.equipment") == \
        "guoyuan hub, water area: equipment"
    assert ("equipment_utilisation", "hub") in PLOTTED  # the comparison shows it
    summary = pd.DataFrame({"services.b.per_week": ["x0.8", "x1", "x0.8", "x1"],
                            "hubs.p.areas.water.equipment": [4, 4, 8, 8],
                            "mean": [1.7e6, 1.9e6, 1.7e6, 1.9e6],
                            "ci_low": [1.6e6, 1.8e6, 1.6e6, 1.8e6],
                            "ci_high": [1.8e6, 2.0e6, 1.8e6, 2.0e6], "unit": "TEU/yr"})
    fig = sweep_plot(summary, ["services.b.per_week", "hubs.p.areas.water.equipment"],
                     "channel_teu", 2e6)
    ax = fig.axes[0]
    fig.canvas.draw()
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert all(t.get_text().endswith(" M") for t in ax.get_yticklabels() if t.get_text())
    assert ax.get_xlabel() == "b service: per week [x the scenario's value]"
    assert any(ln.get_ydata()[0] == 2e6 and ln.get_linestyle() == "--" for ln in ax.lines)
    assert "target 2 M TEU/yr" in [t.get_text() for t in ax.texts]
    # two identical lines: their error bars are shifted apart, not drawn on top of each other
    xs = [ln.get_xdata()[0] for ln in ax.lines if ln.get_marker() not in ("None", "", None)]
    assert len(set(np.round(xs, 6))) == 2
