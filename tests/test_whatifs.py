"""The scenario library and ``hubsim compare``: every what-if runs from the command line and moves
its KPIs in the expected direction; comparisons use common random numbers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import hubsim
from hubsim.experiments.compare import compare
from hubsim.present.comparison_text import comparison_text
from hubsim.present.experiment_output import comparison_figure, write_comparison
from hubsim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASE = SCENARIOS / "chongqing_2022_target.yaml"
MINE = ["whatif_landsea_trains_doubled", "whatif_guoyuan_cranes", "whatif_fifth_port_luohuang",
        "whatif_air_terminal_capacity", "whatif_demand_plus20"]
DAYS = "30"  # measured days after the 30-day warm-up: enough for every effect below


def hubsim_cli(*args: object) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "hubsim.cli", *map(str, args)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)


# --------------------------------------------------------------------------- the library
@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundled_scenario_says_what_question_it_answers(path: Path) -> None:
    text = path.read_text()
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    assert "question" in "\n".join(header).lower(), f"{path.name}: header comment"
    assert load_scenario(path).description.strip()


@pytest.mark.parametrize("name", MINE)
def test_what_ifs_are_small_overlays_on_the_2022_plan(name: str) -> None:
    text = (SCENARIOS / f"{name}.yaml").read_text()
    assert "\nextends: chongqing_2022_target.yaml\n" in text
    body = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(body) < 60, "a what-if is a few lines on top of its base"
    assert load_scenario(SCENARIOS / f"{name}.yaml").name == name


# --------------------------------------------------------------------------- from the CLI
@pytest.fixture(scope="module")
def cli_compare(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("compare") / "cmp"
    # one draw each, as these direction checks always ran (4 replications would take four
    # times as long); tests/test_noise_aware.py checks the replicated comparison
    proc = hubsim_cli("compare", BASE, *(SCENARIOS / f"{n}.yaml" for n in MINE),
                      "--days", DAYS, "--replications", "1", "--out", out)
    table = pd.read_csv(out / "comparison.csv", keep_default_na=False) \
        if proc.returncode == 0 else pd.DataFrame()
    return proc, out, table


def rel(table: pd.DataFrame, whatif: str, kpi: str, scope: str, key: str = "") -> float:
    row = table[(table["kpi"] == kpi) & (table["scope"] == scope) & (table["key"] == key)]
    assert len(row) == 1, (kpi, scope, key)
    return float(row[f"{whatif} rel"].iloc[0])


def value(table: pd.DataFrame, column: str, kpi: str, scope: str, key: str = "") -> float:
    row = table[(table["kpi"] == kpi) & (table["scope"] == scope) & (table["key"] == key)]
    assert len(row) == 1, (kpi, scope, key)
    cell = row[column].iloc[0]
    return float("nan") if cell == "" else float(cell)


@pytest.mark.slow  # compares two full what-ifs in a hubsim process
def test_compare_cli_prints_and_writes_the_side_by_side_table(cli_compare) -> None:
    proc, out, table = cli_compare
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    first = next(i for i, ln in enumerate(lines) if not ln)
    header = " ".join(lines[:first])  # the header is wrapped to the console's width
    assert header.startswith("Base chongqing_2022_target against whatif_landsea_trains_doubled")
    assert "seed 2022, 30 measured days each, common random numbers" in header
    assert "one draw each: no difference or verdict can be told from noise" in header
    # one block per what-if: its targets, then its KPIs, base and what-if side by side
    for name in MINE:
        assert f"What-if {name} against base chongqing_2022_target" in lines
    words = [ln.split() for ln in lines]
    assert ["target", "kpi", "unit", "base", "what-if", "diff", "rel"] in words
    assert ["kpi", "scope", "key", "unit", "base", "what-if", "diff", "rel"] in words
    assert sum(w[:2] == ["channel_2m_teu", "channel_teu"] for w in words) == len(MINE)
    assert sum(w[:3] == ["channel_teu", "total", "-"] for w in words) == len(MINE)
    assert lines[-1] == f"Results: {out}/"
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.csv", "comparison.png", "manifest.json", "targets.csv"]
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    expected = ["kpi", "scope", "key", "unit", "chongqing_2022_target"]
    for name in MINE:
        expected += [name, f"{name} diff", f"{name} rel", f"{name} ci95",
                     f"{name} significant"]
    assert list(table.columns) == expected
    assert list(table["scope"][:2]) == ["target", "target"]
    targets = pd.read_csv(out / "targets.csv")
    assert set(targets["scenario"]) == {"chongqing_2022_target", *MINE}


def test_doubled_land_sea_corridor_raises_south_teu(cli_compare) -> None:
    table = cli_compare[2]
    w = "whatif_landsea_trains_doubled"
    assert rel(table, w, "channel_teu", "corridor", "south") > 0.5
    assert rel(table, w, "hub_lifts_teu", "hub", "tuanjie") > 0.1
    assert rel(table, w, "channel_teu", "corridor", "east") == 0.0   # untouched corridor


def test_guoyuan_cranes_shorten_handling_and_equipment_load(cli_compare) -> None:
    table = cli_compare[2]
    w = "whatif_guoyuan_cranes"
    assert rel(table, w, "equipment_utilisation", "hub", "guoyuan") < -0.3
    # the quay cranes are 25% faster: a barge's handling is 1/1.25 as long, the cranes less busy
    assert rel(table, w, "vehicle_handling_mean_h", "area", "guoyuan:water") < -0.15
    assert rel(table, w, "area_utilisation", "area", "guoyuan:water") < -0.3
    assert value(table, f"{w} diff", "equipment_wait_mean_h", "hub", "guoyuan") <= 0.0
    assert rel(table, w, "hub_lifts_teu", "hub", "tuanjie") == 0.0


def test_fifth_port_takes_load_off_guoyuan(cli_compare) -> None:
    table = cli_compare[2]
    w = "whatif_fifth_port_luohuang"
    assert rel(table, w, "hub_lifts_teu", "hub", "guoyuan") < -0.05
    assert rel(table, w, "yard_mean_utilisation", "hub", "guoyuan") < 0.0
    assert value(table, w, "hub_lifts_teu", "hub", "luohuang") > 0.0
    assert pd.isna(value(table, "chongqing_2022_target", "hub_lifts_teu", "hub", "luohuang"))


def test_air_cargo_at_terminal_capacity_loads_jiangbei(cli_compare) -> None:
    table = cli_compare[2]
    w = "whatif_air_terminal_capacity"
    assert rel(table, w, "air_tonnes", "total") > 0.5
    assert rel(table, w, "international_tonnes", "corridor", "air_international") > 0.5
    assert rel(table, w, "equipment_utilisation", "hub", "jiangbei") > 0.5
    assert rel(table, w, "hub_dwell_mean_h", "hub", "jiangbei") > 0.0
    assert rel(table, w, "channel_teu", "total") == 0.0              # containers untouched


def test_demand_above_plan_raises_throughput_and_congestion(cli_compare) -> None:
    table = cli_compare[2]
    w = "whatif_demand_plus20"
    assert 0.05 < rel(table, w, "channel_teu", "total") < 0.3
    assert rel(table, w, "international_tonnes", "total") > 0.05
    assert rel(table, w, "backlog_end_teu", "total") > 0.0
    assert rel(table, w, "hub_dwell_mean_h", "hub", "guoyuan") > 0.0


# --------------------------------------------------------------------------- common random numbers
@pytest.fixture(scope="module")
def landsea_without_trains(tmp_path_factory):
    """The land-sea demand doubling without the extra trains, against the what-if."""
    folder = tmp_path_factory.mktemp("overlay")
    path = folder / "demand_only.yaml"
    path.write_text(f"extends: {SCENARIOS / 'whatif_landsea_trains_doubled.yaml'}\n"
                    "set: {services.ilstc_qinzhou.per_week: 17.7, "
                    "services.ilstc_qinzhou.fleet: 16}\n")
    whatif = load_scenario(SCENARIOS / "whatif_landsea_trains_doubled.yaml")
    return compare(whatif, [load_scenario(path)], days=float(DAYS))


def test_the_extra_trains_are_what_carry_the_doubled_demand(landsea_without_trains) -> None:
    cmp = landsea_without_trains
    south = cmp.table[(cmp.table["kpi"] == "channel_teu") & (cmp.table["key"] == "south")]
    with_trains = float(south["whatif_landsea_trains_doubled"].iloc[0])
    without = float(south["demand_only"].iloc[0])
    assert without < 0.9 * with_trains


def test_scenarios_sharing_demand_get_identical_consignments(landsea_without_trains) -> None:
    cols = ["demand", "origin", "destination", "created_h", "teu", "tonnes"]
    frames = []
    for res in landsea_without_trains.results.values():
        c = res.consignments
        c = c[c["parent"] == -1][cols].sort_values(["demand", "created_h"])
        frames.append(c.reset_index(drop=True))
    assert len(frames[0]) > 1000
    pd.testing.assert_frame_equal(frames[0], frames[1])
    a, b = landsea_without_trains.results.values()
    assert a.seed == b.seed == 2022
    assert not a.trips.equals(b.trips)  # the services did differ


def test_changed_demand_rows_get_new_draws_and_others_keep_theirs(tiny_path: Path) -> None:
    base = load_scenario(tiny_path)
    more = hubsim.apply_changes(base, {"demand.park-east.teu_per_year": "x2",
                                       "name": "more"})
    cmp = compare(base, [more], days=20)
    gen = {name: r.consignments[r.consignments["parent"] == -1]
           for name, r in cmp.results.items()}
    for row in (0, 1):      # unchanged rows: same creation times and sizes
        a = gen["tiny"][gen["tiny"]["demand"] == row][["created_h", "teu"]]
        b = gen["more"][gen["more"]["demand"] == row][["created_h", "teu"]]
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    doubled = [len(g[g["demand"] == 2]) for g in gen.values()]
    assert doubled[1] > 1.5 * doubled[0]


# --------------------------------------------------------------------------- compare API
@pytest.fixture(scope="module")
def tiny_compare(tiny_path: Path) -> hubsim.Comparison:
    base = load_scenario(tiny_path)
    busier = hubsim.apply_changes(base, {"demand.*.teu_per_year": "x1.5",
                                         "demand.*.tonnes_per_year": "x1.5"})
    return hubsim.compare(base, [busier, tiny_path], seed=5, days=20)


def test_compare_table_has_values_and_differences(tiny_compare: hubsim.Comparison) -> None:
    t = tiny_compare.table
    assert tiny_compare.base == "tiny" and tiny_compare.whatifs == ["tiny#2", "tiny#3"]
    assert list(t.columns[:5]) == ["kpi", "scope", "key", "unit", "tiny"]
    assert list(t.loc[t["scope"] == "target", "key"]) == ["channel", "intl"]
    for name in tiny_compare.whatifs:
        diff = t[name] - t["tiny"]
        pd.testing.assert_series_equal(t[f"{name} diff"], diff, check_names=False)
        nonzero = t["tiny"] != 0
        pd.testing.assert_series_equal(t.loc[nonzero, f"{name} rel"],
                                       diff[nonzero] / t.loc[nonzero, "tiny"].abs(),
                                       check_names=False)
    # the same scenario and seed again: no difference at all (reproducible, same draws)
    assert (t["tiny#3 diff"].fillna(0) == 0).all()
    total = t[(t["kpi"] == "channel_teu") & (t["scope"] == "total")]
    assert float(total["tiny#2 rel"].iloc[0]) > 0.2
    res = tiny_compare.results
    assert all(r.seed == 5 for r in res.values())
    assert res["tiny"].kpi("channel_teu") == float(total["tiny"].iloc[0])


def test_compare_text_marks_verdicts(tiny_compare: hubsim.Comparison) -> None:
    text = comparison_text(tiny_compare)
    lines = [ln for ln in text.splitlines() if ln.split()[:2] == ["channel", "channel_teu"]]
    assert len(lines) == 2 and all(ln.count("MET") == 2 for ln in lines)  # one per what-if
    assert "seed 5, 20 measured days each" in " ".join(text.splitlines()[:2])
    assert max(map(len, text.splitlines())) <= 120


def test_compare_plot_and_write(tiny_compare: hubsim.Comparison, tmp_path: Path) -> None:
    fig = comparison_figure(tiny_compare)
    try:
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert labels[0] == "target channel (Channel throughput)"
        assert len(fig.axes[0].patches) == 2 * len(labels)
    finally:
        plt.close(fig)
    out = write_comparison(tiny_compare, tmp_path / "c")
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.csv", "comparison.png", "manifest.json", "targets.csv"]
    with pytest.raises(FileExistsError, match="already exists"):
        write_comparison(tiny_compare, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]   # no partial folder left


def test_compare_needs_a_what_if_and_a_replication(tiny_path: Path) -> None:
    with pytest.raises(hubsim.HubsimError, match="at least one what-if"):
        hubsim.compare(tiny_path, [])
    with pytest.raises(hubsim.HubsimError, match="replications must be >= 1, got 0"):
        hubsim.compare(tiny_path, [tiny_path], replications=0)


def test_one_replication_has_no_interval(tiny_compare: hubsim.Comparison) -> None:
    assert tiny_compare.replications == 1 and tiny_compare.seeds == (5,)
    assert tiny_compare.table["tiny#2 ci95"].isna().all()


def test_replications_give_paired_differences_with_intervals(tiny_path: Path,
                                                            tmp_path: Path) -> None:
    from hubsim.analysis.stats import t_quantile
    from hubsim.experiments.params import replication_seed

    base = load_scenario(tiny_path)
    busier = hubsim.apply_changes(base, {"demand.*.teu_per_year": "x1.5", "name": "busier"})
    cmp = hubsim.compare(base, [busier], days=10, replications=3)
    assert cmp.seeds == tuple(replication_seed(3, r) for r in range(3))
    runs = cmp.runs
    assert list(runs.columns) == ["scenario", "replication", "seed", "kpi", "scope", "key",
                                  "unit", "value"]
    total = runs[(runs["kpi"] == "channel_teu") & (runs["scope"] == "total")]
    b = total[total["scenario"] == "tiny"].set_index("replication")["value"]
    w = total[total["scenario"] == "busier"].set_index("replication")["value"]
    d = w - b
    row = cmp.table[(cmp.table["kpi"] == "channel_teu") & (cmp.table["scope"] == "total")]
    assert float(row["tiny"].iloc[0]) == pytest.approx(b.mean())
    assert float(row["busier diff"].iloc[0]) == pytest.approx(d.mean())
    assert float(row["busier ci95"].iloc[0]) == pytest.approx(
        t_quantile(2) * d.std(ddof=1) / 3 ** 0.5)
    assert float(row["busier diff"].iloc[0]) > float(row["busier ci95"].iloc[0]) > 0
    # the first replication's full results are kept, with its seed
    assert cmp.results["busier"].seed == cmp.seeds[0]
    assert cmp.results["busier"].kpi("channel_teu") == w[0]
    assert "3 replications (seeds from 3), means" in comparison_text(cmp).splitlines()[0]
    assert " ± " in comparison_text(cmp)
    targets = cmp.targets
    assert set(targets.columns) >= {"met", "met_share", "value"}
    assert ((targets["met_share"] == 1.0) == targets["met"]).all()
    out = write_comparison(cmp, tmp_path / "c")
    assert (out / "runs.csv").is_file()
