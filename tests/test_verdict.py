"""The verdict ``hubsim run`` gives by default: replications, intervals, P(met), windows.

Known answers: ``tests/scenarios/known_mean.yaml`` sends Poisson consignments of a fixed size
through one hub on trucks that are never short, so the expected channel throughput is the
demand itself (20,000 TEU/yr); the 95% interval of the mean must cover it in about 95% of
independent sets of replications, and P(met) must match how often a new year meets a threshold.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hubsim
from hubsim.analysis.season import season_factor
from hubsim.analysis.stats import predictive_p, t_half_width
from hubsim.experiments.executors import ProcessExecutor
from hubsim.experiments.params import replication_seed
from hubsim.experiments.verdict import DEFAULT_REPLICATIONS, judge, run_verdict

TESTS = Path(__file__).parent
KNOWN = TESTS / "scenarios" / "known_mean.yaml"
TRUE_MEAN = 20_000.0


@pytest.fixture(scope="module")
def known():
    return hubsim.load_scenario(KNOWN)


@pytest.fixture(scope="module")
def tiny(tiny_path):
    return hubsim.load_scenario(tiny_path)


# --------------------------------------------------------------------------- rules
@pytest.mark.parametrize(("mean", "low", "high", "sense", "n", "expected"), [
    (105, 101, 109, ">=", 4, "MET"),
    (99, 95, 99.9, ">=", 4, "NOT MET"),
    (101, 98, 104, ">=", 4, "TOO CLOSE TO CALL"),
    (100, 100, 100, ">=", 4, "MET"),  # no spread, exactly at the threshold
    (95, 91, 99, "<=", 4, "MET"),
    (101, 99, 103, "<=", 4, "TOO CLOSE TO CALL"),
    (101, float("nan"), float("nan"), ">=", 1, "MET (one draw)"),
    (99, float("nan"), float("nan"), ">=", 1, "NOT MET (one draw)"),
])
def test_judge(mean, low, high, sense, n, expected):
    assert judge(mean, low, high, 100.0, sense, n) == expected


def test_predictive_probability_against_the_t_distribution():
    from scipy import stats

    assert predictive_p(100.0, 10.0, 4, 100.0) == pytest.approx(0.5)
    z = (100.0 - 112.0) / (10.0 * np.sqrt(1 + 1 / 4))
    assert predictive_p(112.0, 10.0, 4, 100.0) == pytest.approx(1 - stats.t.cdf(z, 3))
    assert predictive_p(112.0, 10.0, 4, 100.0, "<=") == pytest.approx(stats.t.cdf(z, 3))
    assert predictive_p(99.0, 0.0, 4, 100.0) == 0.0
    assert np.isnan(predictive_p(99.0, 1.0, 1, 100.0))


def test_replication_zero_is_the_scenario_seed():
    assert replication_seed(2022, 0) == 2022
    assert replication_seed(2022, 1) != 2022


# --------------------------------------------------------------------------- seasons
def test_season_factor_by_hand(known, tiny):
    assert season_factor(known, "channel_teu", 60) == 1.0  # flat demand
    assert season_factor(tiny, "channel_teu", 365) == 1.0
    assert season_factor(tiny, "channel_teu", 730) == 1.0
    # tiny: 12,000 + 6,000 TEU flat and 10,000 TEU with the 'cny' profile (February 0.6)
    raw = np.array([1.0, 0.6, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.1, 1.1, 1.0, 1.0])
    month_days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    cny = raw / (raw @ month_days / 365.0)
    feb = (31 * cny[0] + 28 * cny[1]) / 59  # 1 January - 28 February
    expected = (18_000 * 1.0 + 10_000 * feb) / 28_000
    assert season_factor(tiny, "channel_teu", 59) == pytest.approx(expected)
    assert season_factor(tiny, "channel_teu", 59) < 1.0
    # shifted back 31 days: December and January, both at the 'cny' profile's 1.0
    dec_jan = (18_000 + 10_000 * cny[0]) / 28_000
    assert season_factor(tiny, "channel_teu", 62, start_day=-31) == pytest.approx(dec_jan)


def test_bundled_2022_window_is_corrected_for_its_season():
    scn = hubsim.load_scenario(TESTS.parent / "scenarios" / "chongqing_2022_target.yaml")
    assert 0.8 < season_factor(scn, "channel_teu", 60) < 0.9  # the Chinese New Year dip
    assert season_factor(scn, "channel_teu", 365) == 1.0


# --------------------------------------------------------------------------- run_verdict
def test_run_verdict_table_is_the_replications(known):
    v = run_verdict(known, 4, days=10)
    assert list(v.experiment.runs["seed"]) == [replication_seed(11, i) for i in range(4)]
    assert v.seeds[0] == 11 and v.results.seed == 11
    values = v.experiment.runs["channel_teu"].to_numpy(float)
    row = v.table.iloc[0]
    assert row["replications"] == 4
    assert row["mean"] == pytest.approx(values.mean())
    half = float(t_half_width(values.std(ddof=1), 4))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((values.mean() - half,
                                                               values.mean() + half))
    assert row["draw"] == pytest.approx(v.results.kpi("channel_teu")) == values[0]
    assert row["met_runs"] == int((values >= 20_000).sum())
    assert row["verdict"] == judge(row["mean"], row["ci_low"], row["ci_high"], 20_000,
                                   ">=", 4)
    assert row["p_met"] == pytest.approx(predictive_p(values.mean(), values.std(ddof=1), 4,
                                                      20_000))


def test_run_verdict_is_the_same_on_a_process_pool(known):
    serial = run_verdict(known, 3, days=10)
    with ProcessExecutor(2) as ex:
        pooled = run_verdict(known, 3, days=10, executor=ex)
    pd.testing.assert_frame_equal(serial.table, pooled.table)
    pd.testing.assert_frame_equal(serial.experiment.summary, pooled.experiment.summary)


def test_a_short_window_is_adjusted_and_says_so(tiny):
    from hubsim.present.verdict import verdict_text

    v = run_verdict(tiny, 2, days=40)
    row = v.table.iloc[0]
    res = v.results
    c = res.crossings[res.window.mask(res.crossings["t_h"])]
    created = res.consignments.set_index("cid")["created_h"].reindex(c["cid"]).to_numpy()
    lag = np.average((c["t_h"].to_numpy() - created) / 24.0, weights=c["teu"])
    assert row["lag_days"] == pytest.approx(lag) and lag > 1.0
    assert row["season_factor"] == pytest.approx(season_factor(tiny, "channel_teu", 40,
                                                               start_day=-lag))
    assert row["mean"] == pytest.approx(row["window_mean"] / row["season_factor"])
    text = verdict_text(v.table, v.seeds)
    assert "not a year" in text and "(window, seasonally adjusted)" in text


# --------------------------------------------------------------------------- coverage
@pytest.mark.slow
def test_the_default_interval_covers_the_known_mean_95_percent_of_the_time(known):
    """100 independent sets of DEFAULT_REPLICATIONS runs: the t interval of each set covers
    the true mean (20,000 TEU/yr) in 95% of them (binomial 99.9% band: 87-100 of 100); P(met)
    of each set against 20,400 TEU/yr (a +2% threshold) is on average the frequency with which
    a further independent run meets it (within 0.08)."""
    n, sets = DEFAULT_REPLICATIONS, 100
    values = np.empty((sets, n + 1))
    for s in range(sets):
        for r in range(n + 1):
            res = hubsim.simulate(known, seed=replication_seed(1000 + s, r), days=10)
            c = res.crossings
            inside = res.window.mask(c["t_h"])
            values[s, r] = float(c.loc[inside, "teu"].sum()) * res.window.per_year
    reps, fresh = values[:, :n], values[:, n]
    mean, sd = reps.mean(axis=1), reps.std(axis=1, ddof=1)
    half = t_half_width(sd, np.full(sets, n))
    covered = int(((mean - half <= TRUE_MEAN) & (mean + half >= TRUE_MEAN)).sum())
    assert 87 <= covered <= 100, covered
    threshold = TRUE_MEAN * 1.02
    p = np.array([predictive_p(m, s_, n, threshold) for m, s_ in zip(mean, sd, strict=True)])
    assert abs(p.mean() - float((fresh >= threshold).mean())) < 0.08


# --------------------------------------------------------------------------- command line
def _hubsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hubsim", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_cli_run_prints_the_verdict_over_replications(tmp_path):
    out = tmp_path / "r"
    proc = _hubsim("run", str(KNOWN), "--days", "10", "--workers", "1", "--out", str(out),
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Targets over 4 replications (seeds 11, " in proc.stdout
    assert "mean ± 95% CI" in proc.stdout and "P(met)" in proc.stdout
    v = pd.read_csv(out / "verdict.csv")
    assert v["replications"].tolist() == [4]
    assert v["verdict"].iloc[0] in ("MET", "NOT MET", "TOO CLOSE TO CALL")
    assert len(pd.read_csv(out / "runs.csv")) == 4
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["verdict"]["replications"] == 4 and manifest["seed"] == 11


@pytest.mark.slow
def test_cli_one_draw_is_labelled(tmp_path):
    out = tmp_path / "r"
    proc = _hubsim("run", str(KNOWN), "--days", "10", "--replications", "1", "--out",
                   str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Targets from one draw (seed 11): no interval" in proc.stdout
    assert "(one draw)" in proc.stdout
    assert pd.read_csv(out / "verdict.csv")["replications"].tolist() == [1]
