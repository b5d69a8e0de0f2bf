"""Noise-aware comparison: ``hubsim compare`` and ``hubsim sweep`` label a difference or a
verdict change inside the noise as not significant, and one draw each as unable to tell."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import hubsim
from hubsim.analysis.stats import t_quantile
from hubsim.experiments.compare import (
    CHANGE_NOT_SIGNIFICANT,
    CHANGE_ONE_DRAW,
    CLOSE,
    MET,
    NOT_MET,
    Comparison,
    _side_by_side,
    point_differences,
    sweep_targets,
    verdict,
)
from hubsim.experiments.executors import ProcessExecutor
from hubsim.experiments.replicate import sweep
from hubsim.present.comparison_text import comparison_text
from hubsim.present.experiment_output import comparison_figure, write_comparison
from hubsim.present.sweep_text import sweep_text

DAYS = 5  # measured days: the tiny scenario in well under a second per run


@pytest.fixture(scope="module")
def tiny(tiny_path: Path) -> hubsim.Scenario:
    return hubsim.load_scenario(tiny_path)


def _row(cmp: Comparison, kpi: str, scope: str = "total", key: str = "") -> dict[str, Any]:
    t = cmp.table
    sel = t[(t["kpi"] == kpi) & (t["scope"] == scope) & (t["key"] == key)]
    assert len(sel) == 1, (kpi, scope, key)
    return sel.iloc[0].to_dict()


def _line(text: str, kpi: str, scope: str, key: str = "") -> str:
    return next(ln for ln in text.splitlines() if ln.split()[:3 if key else 2]
                == ([kpi, scope, key] if key else [kpi, scope]))


# --------------------------------------------------------------------------- verdicts
def test_verdict_from_the_interval_of_the_mean() -> None:
    assert verdict(105, 101, 109, 100, ">=") == MET
    assert verdict(95, 91, 99, 100, ">=") == NOT_MET
    assert verdict(101, 95, 107, 100, ">=") == CLOSE
    assert verdict(99, 95, 107, 100, ">=") == CLOSE       # the mean's side does not decide
    assert verdict(99, 95, 99.5, 100, "<=") == MET
    assert verdict(100, 100, 100, 100, ">=") == MET        # the threshold itself meets it
    nan = float("nan")
    assert verdict(101, nan, nan, 100, ">=") == "MET (one draw)"
    assert verdict(99, nan, nan, 100, ">=") == "NOT MET (one draw)"


# --------------------------------------------------------------------------- compare
@pytest.fixture(scope="module")
def same(tiny: hubsim.Scenario) -> Comparison:
    """A what-if identical to the base, on 3 paired replications."""
    return hubsim.compare(tiny, [tiny], days=DAYS, replications=3)


def test_identical_what_if_differs_by_exactly_zero_and_not_significantly(same: Comparison
                                                                         ) -> None:
    t = same.table
    w = "tiny#2"
    assert (t[f"{w} diff"].fillna(0.0) == 0.0).all()
    assert (t[f"{w} ci95"].fillna(0.0) == 0.0).all()
    assert t[f"{w} significant"].dtype == "boolean"
    assert not t[f"{w} significant"].fillna(False).any()
    assert t[f"{w} significant"].notna().sum() >= len(t) - 2   # NaN KPIs have no interval
    targets = same.targets
    assert (targets["change"] == "").all()               # the same verdicts: no change
    text = comparison_text(same)
    assert "3 replications (seeds from 3), means" in text.splitlines()[0]
    line = _line(text, "channel_teu", "total")
    assert "0 ± 0 n.s." in line and "TEU/yr" in line
    assert "n.s. = not significant (the interval holds 0)" in text


def test_large_real_effect_is_significant(tiny: hubsim.Scenario) -> None:
    double = hubsim.apply_changes(tiny, {"demand.*.teu_per_year": "x2",
                                         "demand.*.tonnes_per_year": "x2", "name": "double"})
    # 20 days: over 5 the lumpy departures hide even a doubled demand in the channel TEU
    cmp = hubsim.compare(tiny, [double], days=20, replications=3)
    row = _row(cmp, "channel_teu")
    assert row["double diff"] > row["double ci95"] > 0
    assert row["double significant"] is True or row["double significant"] == True  # noqa: E712
    line = _line(comparison_text(cmp), "channel_teu", "total")
    assert " ± " in line and "n.s." not in line
    # the interval is Student's t over the paired differences of the runs
    runs = cmp.runs[(cmp.runs["kpi"] == "channel_teu") & (cmp.runs["scope"] == "total")]
    d = (runs[runs["scenario"] == "double"].set_index("replication")["value"]
         - runs[runs["scenario"] == "tiny"].set_index("replication")["value"])
    assert row["double ci95"] == pytest.approx(t_quantile(2) * d.std(ddof=1) / np.sqrt(3))


def _straddling(tiny: hubsim.Scenario, replications: int) -> Comparison:
    """Base and a +1% demand what-if with the channel target's threshold put halfway between
    their channel TEU: the verdict flips on a tiny change. (Over 5 days +0.3% moves no TEU
    across the window at all; +1% moves some, by chance of the departures.)"""
    bump = {"demand.*.teu_per_year": "x1.01", "name": "bump"}
    probe = hubsim.compare(tiny, [hubsim.apply_changes(tiny, bump)], days=DAYS,
                           replications=replications)
    row = _row(probe, "channel_teu")
    assert row["bump diff"] != 0, "the bump must move channel TEU a little"
    mid = {"targets.channel.threshold": (row["tiny"] + row["bump"]) / 2}
    base = hubsim.apply_changes(tiny, mid)
    return hubsim.compare(base, [hubsim.apply_changes(base, {**mid, **bump})], days=DAYS,
                          replications=replications)


def test_one_draw_each_cannot_tell_a_flipped_verdict(tiny: hubsim.Scenario) -> None:
    cmp = _straddling(tiny, 1)
    t = cmp.targets.set_index(["scenario", "target"])
    verdicts = {t.loc[("tiny", "channel"), "verdict"], t.loc[("bump", "channel"), "verdict"]}
    assert verdicts == {"MET (one draw)", "NOT MET (one draw)"}     # it flips ...
    assert t.loc[("bump", "channel"), "change"] == CHANGE_ONE_DRAW   # ... and cannot tell
    assert cmp.table["bump significant"].isna().all()
    lines = comparison_text(cmp).splitlines()
    assert "one draw each: no difference or verdict can be told from noise" in lines[0]
    assert "(use --replications N)" in lines[0]
    assert max(map(len, lines)) <= 120
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Target channel:"))
    note = " ".join(lines[start:start + 3])  # the note, wrapped to 120 columns
    assert "a single draw cannot tell a verdict change from noise" in note
    assert "rerun with --replications 4" in note
    assert not any(ln.startswith("Target intl:") for ln in lines)  # that one did not flip


def test_replicated_flip_inside_the_noise_is_not_a_bare_verdict(tiny: hubsim.Scenario
                                                                ) -> None:
    cmp = _straddling(tiny, 3)
    row = _row(cmp, "channel_teu", "target", "channel")
    assert row["bump significant"] == False  # noqa: E712  (+1% is inside the noise)
    t = cmp.targets.set_index(["scenario", "target"])
    base_v, bump_v = t.loc[("tiny", "channel"), "verdict"], t.loc[("bump", "channel"), "verdict"]
    # the means sit either side of the threshold, yet no bare MET / NOT MET flip is printed:
    # the intervals hold the threshold, or the change is labelled not significant
    assert (base_v == bump_v == CLOSE) or \
        t.loc[("bump", "channel"), "change"] == CHANGE_NOT_SIGNIFICANT
    line = _line(comparison_text(cmp), "channel", "channel_teu")  # the targets' table
    assert "TOO CLOSE TO CALL" in line or "*" in line  # "*": verdict change within noise
    assert "n.s." in line


def _made_up(base: list[float], whatif: list[float], threshold: float) -> Comparison:
    """A comparison of one target from given values per replication (no simulation)."""
    n = len(base)
    runs = pd.DataFrame(
        [{"scenario": s, "replication": r, "seed": r, "kpi": "channel_teu", "scope": "target",
          "key": "channel", "unit": "TEU/yr", "value": v}
         for s, values in (("base", base), ("w", whatif)) for r, v in enumerate(values)])
    verdicts = runs.assign(target="channel", sense=">=", threshold=threshold,
                           met=runs["value"] >= threshold)
    return Comparison(base="base", seed=0, days=10.0,
                      results=cast(dict, {"base": None, "w": None}),
                      table=_side_by_side(["base", "w"], runs), replications=n,
                      seeds=tuple(range(n)), runs=runs, verdicts=verdicts)


def test_verdict_change_within_the_noise_is_labelled_not_significant() -> None:
    # the base is clearly short of 92; the what-if's mean is higher but its runs scatter, and
    # the paired differences (+6, -5, +7, -4) hold 0
    cmp = _made_up([90, 91, 90, 91], [96, 86, 97, 87], 92)
    t = cmp.targets.set_index("scenario")
    assert (t.loc["base", "verdict"], t.loc["w", "verdict"]) == (NOT_MET, CLOSE)
    assert t.loc["w", "change"] == CHANGE_NOT_SIGNIFICANT
    text = comparison_text(cmp)
    assert "TOO CLOSE TO CALL*" in text  # marked, and explained under the table
    assert "Target channel: NOT MET in base, TOO CLOSE TO CALL in w, but the difference is " \
        "not significant" in text
    # the same what-if, every run 10 higher: a significant change, printed plainly
    sure = _made_up([90, 91, 90, 91], [100, 101, 100, 101], 92)
    t = sure.targets.set_index("scenario")
    assert (t.loc["w", "verdict"], t.loc["w", "change"]) == (MET, "significant")
    assert "*" not in comparison_text(sure).split("\n\n")[1]  # the targets' table


def test_figure_greys_non_significant_bars_and_draws_intervals(same: Comparison,
                                                               tmp_path: Path) -> None:
    fig = comparison_figure(same)
    try:
        ax = fig.axes[0]
        grey = mcolors.to_rgba("0.82")
        assert ax.patches and all(p.get_facecolor() == grey for p in ax.patches)
        assert any(c.__class__.__name__ == "ErrorbarContainer" for c in ax.containers)
        assert "3 paired replications" in ax.get_title()
        assert "not significant (95% CI holds 0)" in [t.get_text()
                                                     for t in ax.get_legend().get_texts()]
    finally:
        plt.close(fig)
    out = write_comparison(same, tmp_path / "c")
    table = pd.read_csv(out / "comparison.csv")
    assert "tiny#2 significant" in table.columns
    targets = pd.read_csv(out / "targets.csv", keep_default_na=False)
    assert {"verdict", "change", "ci_low", "ci_high"} <= set(targets.columns)


def test_workers_give_the_same_comparison(tiny: hubsim.Scenario, same: Comparison) -> None:
    with ProcessExecutor(1) as ex:
        par = hubsim.compare(tiny, [tiny], days=DAYS, replications=3, executor=ex)
    pd.testing.assert_frame_equal(par.table, same.table)
    pd.testing.assert_frame_equal(par.runs, same.runs)
    assert par.results["tiny"].seed == same.seeds[0]


def test_cli_compare_quiet_prints_only_the_folder(tiny_path: Path, tmp_path: Path,
                                                  capsys) -> None:
    from hubsim.cli.main import main

    out = tmp_path / "cmp"
    assert main(["compare", str(tiny_path), str(tiny_path), "--days", str(DAYS),
                 "--replications", "2", "--workers", "1", "--quiet", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}\n"
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.csv", "comparison.png", "manifest.json", "runs.csv", "targets.csv"]



@pytest.mark.parametrize(("more", "needs"), [
    (["--replications", "1"], "--scheduler needs more than one replication"),
    (["--workers", "1"], "--scheduler local needs --workers N with N >= 2 (got --workers 1)"),
])
def test_cli_compare_refuses_a_scheduler_it_would_not_use(tiny_path: Path, tmp_path: Path,
                                                          capsys, more: list[str],
                                                          needs: str) -> None:
    """Replication 0 of each scenario runs in the command's process: with one replication a
    scheduler would get nothing to run, and with one worker a LocalCluster none, so the
    command says so (exit 2) before running anything."""
    from hubsim.cli.main import main

    out = tmp_path / "cmp"
    assert main(["compare", str(tiny_path), str(tiny_path), "--days", str(DAYS),
                 "--scheduler", "local", "--out", str(out), *more]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hubsim: error: {needs}") and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.slow  # starts a dask LocalCluster
def test_cli_compare_on_dask_writes_the_same_tables(tiny_path: Path, tmp_path: Path) -> None:
    """``--scheduler local`` runs the later replications on a dask LocalCluster: the tables
    equal those of the command's process alone."""
    pytest.importorskip("dask.distributed")
    common = [sys.executable, "-m", "hubsim", "compare", str(tiny_path), str(tiny_path),
              "--days", str(DAYS), "--replications", "3", "--quiet"]
    for more in (["--workers", "1", "--out", str(tmp_path / "alone")],
                 ["--workers", "2", "--scheduler", "local", "--out", str(tmp_path / "dask")]):
        proc = subprocess.run([*common, *more], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == f"{more[-1]}\n" and proc.stderr == ""
    for table in ("comparison.csv", "targets.csv", "runs.csv"):
        assert (tmp_path / "alone" / table).read_bytes() == (tmp_path / "dask" / table) \
            .read_bytes(), table


# --------------------------------------------------------------------------- sweeps
@pytest.fixture(scope="module")
def swept(tiny: hubsim.Scenario):
    """Three points: CRE per week 4 (the tiny scenario's own), x1 (the same again) and 8."""
    return sweep(tiny, {"services.cre.per_week": [4, "x1", 8]}, 3, days=DAYS)


def test_sweep_point_equal_to_the_first_is_not_significant(tiny: hubsim.Scenario,
                                                           swept) -> None:
    d = point_differences(swept, "channel_teu").set_index("point")
    assert d.loc[1, "diff"] == 0.0 and d.loc[1, "ci95"] == 0.0
    assert d.loc[1, "significant"] == False  # noqa: E712
    assert d.loc[0, "n"] == 3 and d.loc[0, "significant"] == False  # noqa: E712
    judged = sweep_targets(swept, tiny.targets)
    assert set(judged["verdict"]) <= {MET, NOT_MET, CLOSE}
    assert (judged.loc[judged["point"] == 1, "change"] == "").all()
    text = sweep_text(swept, tiny.targets, 3)
    rows = [ln for ln in text.splitlines() if ln.split()[:2] == ["x1", "channel"]]
    assert len(rows) == 1 and "  0 ± 0 TEU/yr n.s.  " in rows[0]
    first = next(ln for ln in text.splitlines() if ln.split()[:2] == ["4", "channel"])
    assert "(first point)" in first
    assert "paired over the same 3 replication seeds" in text.splitlines()[0]
    assert "n.s. = not significant" in text


def test_sweep_differences_are_paired_over_the_common_seeds(swept) -> None:
    k = swept.kpis
    v = k[(k["kpi"] == "channel_teu") & (k["scope"] == "total")] \
        .pivot_table(index="replication", columns="point", values="value")
    diff = v[2] - v[0]
    d = point_differences(swept, "channel_teu").set_index("point")
    assert d.loc[2, "diff"] == pytest.approx(diff.mean())
    assert d.loc[2, "ci95"] == pytest.approx(t_quantile(2) * diff.std(ddof=1) / np.sqrt(3))
    assert bool(d.loc[2, "significant"]) == (abs(diff.mean()) > d.loc[2, "ci95"])


def test_sweep_of_one_draw_says_it_cannot_tell(tiny: hubsim.Scenario) -> None:
    exp = sweep(tiny, {"services.cre.per_week": [4, 8]}, 1, days=DAYS)
    text = sweep_text(exp, tiny.targets, 1, kpi="co2_total")
    assert text.splitlines()[0].startswith("One draw per point: no difference or verdict")
    assert "(one draw)" in text and "n.s." not in text
    assert "co2_total (total):" in text
    judged = sweep_targets(exp, tiny.targets)
    flipped = judged[judged["change"] != ""]
    assert (flipped["change"] == CHANGE_ONE_DRAW).all()
    for target in flipped["target"]:
        assert any(ln.startswith(f"Target {target}:") and "--replications 4" in ln
                   for ln in text.splitlines())
