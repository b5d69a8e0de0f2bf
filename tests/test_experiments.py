"""Experiments: replications, sweeps, executors, resume after a kill, goal-seek, capacity."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from worker_helpers import square_but_die_once

import hubsim
from hubsim.analysis.stats import t_half_width, t_quantile, wilson
from hubsim.errors import ExperimentError, OutputError, OutputExistsError, ScenarioError
from hubsim.experiments.capacity import capacity
from hubsim.experiments.executors import (
    DaskExecutor,
    ProcessExecutor,
    RunsStopped,
    SerialExecutor,
)
from hubsim.experiments.goal import goal_seek
from hubsim.experiments.params import parse_set, replication_seed
from hubsim.experiments.replicate import SearchFailed, replicate, sweep

CRANE = Path(__file__).resolve().parent / "scenarios" / "crane_bound.yaml"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny(tiny_path):
    return hubsim.load_scenario(tiny_path)


@pytest.fixture(scope="module")
def crane():
    return hubsim.load_scenario(CRANE)


# --------------------------------------------------------------------------- statistics
def test_t_quantile_matches_scipy():
    for df in [*range(1, 40), 50, 100, 1000]:
        assert t_quantile(df) == pytest.approx(stats.t.ppf(0.975, df), abs=2e-6)


def test_intervals_are_scipy_stats_own_figures():
    """The special functions hubsim calls give scipy.stats' t and normal figures exactly."""
    df = np.array([1, 2, 3, 4, 9, 29, 99, 999], float)
    for level in (0.9, 0.95, 0.99):
        assert [t_quantile(d, level) for d in df] == stats.t.ppf(0.5 + level / 2, df).tolist()
    sd, n = np.array([1.0, 2.5, 0.3, 7.0]), np.array([2, 4, 10, 30])
    np.testing.assert_array_equal(t_half_width(sd, n),
                                  stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n))
    z = float(stats.norm.ppf(0.975))
    p = 9 / 10
    centre = (p + z * z / 20) / (1 + z * z / 10)
    half = z * np.sqrt(p * (1 - p) / 10 + z * z / 400) / (1 + z * z / 10)
    assert wilson(9, 10) == (centre - half, centre + half)


def test_replication_seeds_come_from_one_seed_sequence():
    """Replication 0 is the base seed's own run; the others are SeedSequence children."""
    children = np.random.SeedSequence(42).spawn(6)
    expected = [42] + [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children[1:]]
    assert [replication_seed(42, i) for i in range(6)] == expected
    assert len(set(expected)) == 6


def test_wilson_interval():
    lo, hi = wilson(9, 10)
    assert 0.59 < lo < 0.6 and 0.98 < hi < 0.99  # textbook values 0.596, 0.982
    assert wilson(0, 5)[0] == 0.0 and wilson(5, 5)[1] == 1.0


def test_parse_set_forms():
    assert parse_set("hubs.a.equipment=2,3,5") == ("hubs.a.equipment", [2, 3, 5])
    assert parse_set("hubs.a.equipment=2:10:4") == ("hubs.a.equipment", [2, 6, 10])
    assert parse_set("services.s.per_week=2.5:3.5:0.5")[1] == [2.5, 3.0, 3.5]
    assert parse_set("demand.*.teu_per_year=x0.9,x1.1")[1] == ["x0.9", "x1.1"]
    assert parse_set("demand.*.teu_per_year=x0.8:1:0.1")[1] == ["x0.8", "x0.9", "x1"]
    for bad in ("hubs.a.equipment", "=1,2", "hubs.a.equipment=5:2", "p=1:3:0"):
        with pytest.raises(ScenarioError, match="--set"):
            parse_set(bad)


def test_replicate_statistics(tiny):
    exp = replicate(tiny, 5, days=15)
    assert len(exp.runs) == 5 and exp.simulated == 5
    assert list(exp.runs["seed"]) == [replication_seed(tiny.run.seed, i) for i in range(5)]
    values = exp.runs["channel_teu"].to_numpy()
    row = exp.kpi("channel_teu").iloc[0]
    half = stats.t.ppf(0.975, 4) * values.std(ddof=1) / math.sqrt(5)
    assert row["mean"] == pytest.approx(values.mean())
    assert row["ci_low"] == pytest.approx(values.mean() - half)
    assert row["ci_high"] == pytest.approx(values.mean() + half)
    tg = exp.targets.set_index("target")
    for t in tiny.targets:
        met = exp.runs[f"met_{t.id}"]
        assert tg.loc[t.id, "p_met"] == pytest.approx(met.mean())
        assert tg.loc[t.id, "p_met_low"] <= tg.loc[t.id, "p_met"] <= tg.loc[t.id, "p_met_high"]
    # each replication is exactly the single run with its seed
    one = hubsim.simulate(tiny, seed=int(exp.runs["seed"].iloc[2]), days=15)
    assert exp.runs["channel_teu"].iloc[2] == one.kpi("channel_teu")


def test_precision_adds_batches_until_narrow(tiny):
    loose = replicate(tiny, 3, days=10, precision=10.0)
    assert len(loose.runs) == 3
    tight = replicate(tiny, 3, days=5, precision=1e-9, max_replications=7)
    assert len(tight.runs) == 7
    # a realistic precision stops where every target KPI's half-width is small enough
    mid = replicate(tiny, 3, days=10, precision=0.1, max_replications=30)
    rel = mid.targets["half_width"] / mid.targets["mean"].abs()
    assert (rel <= 0.1).all() and len(mid.runs) % 3 == 0
    if len(mid.runs) > 3:  # one batch fewer was not precise enough
        fewer = replicate(tiny, len(mid.runs) - 3, days=10)
        assert (fewer.targets["half_width"] / fewer.targets["mean"].abs() > 0.1).any()


# --------------------------------------------------------------------------- executors
SWEEP = {"services.cre.per_week": [2, 6], "hubs.rail.equipment": [1, 3]}


@pytest.mark.slow  # starts a dask LocalCluster
def test_our_dask_workers_keep_housekeeping_out_of_the_way():
    """The LocalCluster hubsim starts gives its workers QUIET_WORKERS (a profiler that is off,
    a slow tick, system monitor and memory monitor); the caller's own dask settings are left
    as they were."""
    pytest.importorskip("dask.distributed")
    import dask

    from hubsim.experiments.executors import QUIET_WORKERS, DaskExecutor

    before = {k: dask.config.get(k) for k in QUIET_WORKERS}
    ex = DaskExecutor(workers=1)
    try:
        got = ex._client.run(lambda: {k: dask.config.get(k) for k in QUIET_WORKERS})
        # the memory monitors took it: the worker's, and its nanny's (in this process)
        worker_monitor = ex._client.run(
            lambda dask_worker: dask_worker.memory_manager.memory_monitor_interval)
        nannies = [n.memory_manager.memory_monitor_interval
                   for n in ex._cluster.workers.values()]
    finally:
        ex.close()
    assert list(got.values()) == [QUIET_WORKERS]
    assert list(worker_monitor.values()) == [1.0]
    assert nannies == [1.0]
    assert {k: dask.config.get(k) for k in QUIET_WORKERS} == before
    assert before["distributed.admin.tick.interval"] != "1s"  # dask's own default (20ms)


@pytest.mark.slow  # starts a dask LocalCluster
def test_our_dask_cluster_leaves_the_dashboard_port_to_others():
    """With dask's dashboard port (8787) taken (another cluster, a second hubsim run), hubsim's
    cluster starts without a word (it warned "Port 8787 is already in use" on stderr, an error
    under this suite's warning filter): its scheduler's HTTP server takes any free port, on the
    loopback only."""
    pytest.importorskip("dask.distributed")
    import socket

    from hubsim.experiments.executors import DaskExecutor

    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:  # taken already: the case itself
        pass
    try:
        with DaskExecutor(workers=1) as ex:
            assert [v for _, _, v in ex.map_unordered(abs, [-3])] == [3]
            ports = ex._client.run_on_scheduler(
                lambda dask_scheduler: [s.getsockname() for s in
                                        dask_scheduler.http_server._sockets.values()])
    finally:
        holder.close()
    assert ports and all(host == "127.0.0.1" and port != 8787 for host, port, *_ in ports)


@pytest.mark.slow  # starts a process pool and a dask LocalCluster
def test_serial_process_and_dask_give_identical_tables(tiny):
    serial = sweep(tiny, SWEEP, 2, days=10, executor=SerialExecutor())
    with ProcessExecutor(2) as ex:
        pool = sweep(tiny, SWEEP, 2, days=10, executor=ex)
    with DaskExecutor(workers=2) as ex:
        dask = sweep(tiny, SWEEP, 2, days=10, executor=ex)
    assert len(serial.runs) == 8 and serial.failures.empty
    for other in (pool, dask):
        pd.testing.assert_frame_equal(serial.runs, other.runs)
        pd.testing.assert_frame_equal(serial.summary, other.summary)
        pd.testing.assert_frame_equal(serial.targets, other.targets)
        pd.testing.assert_frame_equal(serial.kpis, other.kpis)
    # common random numbers: every point uses the same replication seeds
    seeds = serial.runs.groupby("point")["seed"].apply(tuple)
    assert seeds.nunique() == 1
    # the parameters took effect: more trains carry more west-bound TEU
    west = serial.kpis[(serial.kpis["kpi"] == "channel_teu")
                       & (serial.kpis["key"] == "west")]
    by_trains = west.groupby("services.cre.per_week")["value"].mean()
    assert by_trains[6] > by_trains[2]


def test_failing_run_is_reported_and_retried_on_resume(tiny, tmp_path, monkeypatch):
    import hubsim.api

    real = hubsim.api.simulate
    bad_seed = replication_seed(tiny.run.seed, 1)

    def flaky(scn, seed=None, days=None):
        if seed == bad_seed and scn.hubs["rail"].equipment == 3:
            raise RuntimeError("simulated failure")
        return real(scn, seed=seed, days=days)

    monkeypatch.setattr(hubsim.api, "simulate", flaky)
    params = {"hubs.rail.equipment": [2, 3]}
    exp = sweep(tiny, params, 2, days=10, out=tmp_path / "sw")
    assert len(exp.runs) == 3
    fail = exp.failures.iloc[0]
    assert fail["seed"] == bad_seed and fail["hubs.rail.equipment"] == 3
    assert "RuntimeError: simulated failure" in fail["error"]
    assert len(list((tmp_path / "sw" / "failed").glob("*.json"))) == 1
    assert (tmp_path / "sw" / "failures.csv").exists()
    monkeypatch.setattr(hubsim.api, "simulate", real)
    again = sweep(tiny, params, 2, days=10, out=tmp_path / "sw", resume=True)
    assert (again.simulated, again.reused) == (1, 3)
    assert len(again.runs) == 4 and again.failures.empty
    assert not list((tmp_path / "sw" / "failed").glob("*.json"))


def test_resume_refuses_another_experiment(tiny, tmp_path):
    replicate(tiny, 2, days=5, out=tmp_path / "r")
    with pytest.raises(OutputExistsError, match="--resume"):
        replicate(tiny, 2, days=5, out=tmp_path / "r")
    with pytest.raises(OutputError, match=r"cannot resume: .*days"):
        replicate(tiny, 2, days=6, out=tmp_path / "r", resume=True)
    again = replicate(tiny, 3, days=5, out=tmp_path / "r", resume=True)
    assert (again.simulated, again.reused) == (1, 2)


def test_a_folder_that_cannot_be_written_is_an_output_error(tiny, tmp_path, monkeypatch):
    import hubsim.experiments.store

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match=f"{blocker}.*cannot create"):
        replicate(tiny, 1, days=5, out=blocker / "r")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(hubsim.experiments.store.json, "dump", disk_full)  # while writing
    with pytest.raises(OutputError, match=r"experiment.json: cannot write: No space left"):
        replicate(tiny, 1, days=5, out=tmp_path / "r")
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["failed", "runs"]  # no temp


def _cli(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "error"}
    return subprocess.Popen([sys.executable, "-m", "hubsim.cli", *args], cwd=kw.get("cwd"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


CRE = {"services.cre.per_week": [2, 4, 6]}


def test_interrupted_sweep_resumes_to_exactly_the_missing_runs(tiny, tmp_path):
    out = tmp_path / "sweep"
    with pytest.raises(RunsStopped):  # Ctrl-C after exactly 5 finished runs
        sweep(tiny, CRE, 4, days=10, out=out, executor=SerialExecutor(stop_after=5))
    kept = {p.name for p in (out / "runs").glob("*.json")}
    assert len(kept) == 5
    assert not (out / "runs.csv").exists()
    again = sweep(tiny, CRE, 4, days=10, out=out, resume=True)
    assert (again.simulated, again.reused) == (7, 5)
    assert kept <= {p.name for p in (out / "runs").glob("*.json")}
    fresh = sweep(tiny, CRE, 4, days=10)
    pd.testing.assert_frame_equal(again.runs, fresh.runs)
    pd.testing.assert_frame_equal(again.summary, fresh.summary)


def test_stop_after_stops_every_executor_after_exactly_k_outcomes():
    for ex in (SerialExecutor(stop_after=3), ProcessExecutor(2, stop_after=3)):
        got = []
        with ex, pytest.raises(RunsStopped):
            got.extend(ex.map_unordered(abs, range(-8, 0)))
        assert len(got) == 3 and all(ok for _, ok, _ in got)
        assert ex.finished == 3



class _StartingPool:
    """A stand-in for a process pool whose submit starts a worker process slowly, as a fork
    server's pool does: the worker is in the pool's ``_processes`` (where ``stop_workers``
    finds what to kill) only once the submit returns, and the submit returns when ``go`` is
    set. Shut down, it breaks its futures, as a pool whose workers were killed does."""

    def __init__(self) -> None:
        self._processes: dict[int, _StartingPool] = {}
        self.futures: list[Future] = []
        self.in_submit = threading.Event()
        self.go = threading.Event()
        self.terminated = False

    def submit(self, fn, *args):
        self.in_submit.set()
        assert self.go.wait(30)
        self._processes[1] = self  # the worker, now started
        self.futures.append(Future())
        return self.futures[-1]

    def terminate(self) -> None:  # the worker's
        self.terminated = True

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        for fut in self.futures:
            if not fut.done():
                fut.set_exception(BrokenProcessPool("killed"))


def test_an_abort_waits_for_a_worker_being_started_and_stops_it():
    """Ctrl-C in ``hubsim run`` aborts the pool from the main thread while its replications
    thread submits, and a submit may be starting a worker. The abort waits until the worker is
    started, then kills it with the pool, and no new pool is started. Seen in CI before it
    waited: the pool was stopped halfway through a start, and the worker, left to start alone
    after the command ended, printed a traceback on the command's standard error."""
    ex = ProcessExecutor(2)
    pool = _StartingPool()
    ex._pool = pool  # type: ignore[assignment]
    ended: list[BaseException] = []

    def replications() -> None:
        try:
            list(ex.map_unordered(abs, [-1]))
        except BaseException as exc:
            ended.append(exc)

    submitter = threading.Thread(target=replications, daemon=True)
    submitter.start()
    assert pool.in_submit.wait(30)
    aborter = threading.Thread(target=ex.abort, daemon=True)
    aborter.start()
    aborter.join(0.5)
    assert aborter.is_alive(), "the abort did not wait for the worker being started"
    pool.go.set()
    aborter.join(30)
    submitter.join(30)
    assert not aborter.is_alive() and not submitter.is_alive()
    assert pool.terminated
    assert len(ended) == 1 and isinstance(ended[0], RunsStopped)
    assert ex._pool is None
    with pytest.raises(RunsStopped):  # aborted for good: no new pool is started
        list(ex.map_unordered(abs, [-1]))
    assert ex._pool is None


# a sweep whose process kills itself (SIGKILL, no clean-up) once its k-th run is saved
KILL_AFTER = """
import os, signal, sys
import hubsim
from hubsim.experiments.executors import SerialExecutor

class KillAfter(SerialExecutor):
    def _outcomes(self, fn, tasks):
        for n, outcome in enumerate(super()._outcomes(fn, tasks), 1):
            yield outcome  # the caller saves this run before it asks for the next one
            if n == int(sys.argv[3]):
                os.kill(os.getpid(), signal.SIGKILL)

hubsim.sweep(hubsim.load_scenario(sys.argv[1]), {"services.cre.per_week": [2, 4, 6]}, 4,
             days=10, out=sys.argv[2], executor=KillAfter())
"""


@pytest.mark.slow  # two processes; test_interrupted_sweep_... covers the same logic in-process
def test_killed_sweep_resumes_from_the_command_line(tiny_path, tiny, tmp_path):
    out = tmp_path / "sweep"
    proc = subprocess.run([sys.executable, "-c", KILL_AFTER, str(tiny_path), str(out), "5"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    runs = out / "runs"
    kept = {p.name for p in runs.glob("*.json")}
    assert len(kept) == 5
    for p in runs.glob("*.json"):  # every file that is there is a whole run
        assert json.loads(p.read_text())["kpis"]
    assert not (out / "runs.csv").exists()

    proc = _cli("sweep", str(tiny_path), "--set", "services.cre.per_week=2,4,6",
                "--replications", "4", "--days", "10", "--workers", "1", "--out", str(out),
                "--resume")
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert stderr == ""  # not a terminal: no progress bar
    assert "(7 simulated, 5 reused)" in stdout
    assert len(list(runs.glob("*.json"))) == 12
    table = pd.read_csv(out / "runs.csv")
    fresh = sweep(tiny, CRE, 4, days=10)
    assert table[["point", "replication", "seed"]].equals(
        fresh.runs[["point", "replication", "seed"]])
    np.testing.assert_allclose(table["channel_teu"], fresh.runs["channel_teu"], rtol=1e-12)
    assert (out / "sweep.png").stat().st_size > 0


# --------------------------------------------------------------------------- goal, capacity
def test_goal_seek_finds_the_crane_count_that_decides(crane, tmp_path):
    hub = crane.hubs["terminal"]
    threshold = crane.targets[0].threshold
    per_unit = hub.moves_per_hour * 8760 / 2  # every TEU is lifted twice at the terminal
    answer = math.ceil(threshold / per_unit)
    assert answer != hub.equipment
    res = goal_seek(crane, "channel_teu", "hubs.terminal.equipment", probability=0.9,
                    replications=3, days=30, out=tmp_path / "goal")
    assert res.value == answer
    steps = res.steps.set_index("value")
    assert steps.loc[answer, "p_met"] >= 0.9 and steps.loc[answer - 1, "p_met"] < 0.9
    assert res.simulated == 3 * len(steps)
    again = goal_seek(crane, "channel", "hubs.terminal.equipment", probability=0.9,
                      replications=3, days=30, out=tmp_path / "goal", resume=True)
    assert again.value == answer and again.simulated == 0


def test_goal_seek_input_errors(crane):
    with pytest.raises(hubsim.ScenarioError, match=r"hubs.nope.equipment"):
        goal_seek(crane, "channel", "hubs.nope.equipment")
    with pytest.raises(ScenarioError, match="--target 'air_tonnes'"):
        goal_seek(crane, "air_tonnes", "hubs.terminal.equipment")


def test_cli_goal_bad_input_exits_2_but_a_failed_search_exits_1(crane, tmp_path, monkeypatch,
                                                                 capsys):
    import hubsim.api
    from hubsim.cli.main import main

    goal = ["goal", str(CRANE), "--target", "channel", "--vary", "hubs.terminal.equipment",
            "--replications", "2", "--days", "5", "--workers", "1"]
    with pytest.raises(SystemExit) as exc:  # checked while the arguments are parsed
        main([*goal, "--probability", "2", "--out", str(tmp_path / "g1")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("hubsim: error: --probability: must be a number in (0, 1], got '2'")
    assert err.count("\n") == 1
    assert not (tmp_path / "g1").exists()

    def broken(*args, **kwargs):
        raise RuntimeError("every run breaks")

    monkeypatch.setattr(hubsim.api, "simulate", broken)
    with pytest.raises(SearchFailed, match=r"every run at hubs.terminal.equipment=2 failed"):
        goal_seek(crane, "channel", "hubs.terminal.equipment", replications=2,
                  days=5)
    assert main([*goal, "--out", str(tmp_path / "g2")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hubsim: error: every run at hubs.terminal.equipment=2 failed: "
                          "RuntimeError: every run breaks")
    assert f"(runs so far kept in {tmp_path / 'g2'}/)" in err
    assert len(list((tmp_path / "g2" / "failed").glob("*.json"))) == 2


def test_experiment_input_errors_are_hubsim_errors(tiny, crane):
    with pytest.raises(ExperimentError, match="replications must be >= 1, got 0"):
        replicate(tiny, 0)
    with pytest.raises(ExperimentError, match="precision must be > 0"):
        replicate(tiny, 2, precision=0)
    with pytest.raises(ScenarioError,
                       match=r"seed: must be a whole number in \[0, \d+\], got -1"):
        replicate(tiny, 2, seed=-1)
    with pytest.raises(ScenarioError, match=r"days: must be a finite number of days"):
        sweep(tiny, CRE, 2, days=0)
    with pytest.raises(ExperimentError, match="at least one parameter"):
        sweep(tiny, {}, 2)
    with pytest.raises(ExperimentError, match="probability must be in"):
        goal_seek(crane, "channel", "hubs.terminal.equipment", probability=1.5)
    with pytest.raises(ExperimentError, match=r"high .* must be >= low"):
        goal_seek(crane, "channel", "hubs.terminal.equipment", low=5, high=2)
    with pytest.raises(ExperimentError, match="tol must be in"):
        capacity(crane, tol=2)
    with pytest.raises(ExperimentError, match="--workers must be >= 1"):
        ProcessExecutor(-1)


def test_capacity_names_the_cranes_when_they_bind(crane):
    res = capacity(crane, replications=2, days=30, tol=0.05)
    assert res.binding == "area:terminal:shared"  # the hub's shared pool of cranes
    hub = crane.hubs["terminal"]
    limit = hub.equipment * hub.moves_per_hour * 8760 / 2
    assert 0.8 * limit <= res.demand_teu <= 1.05 * limit
    top = res.resources.iloc[0]
    assert top["resource"] == "area:terminal:shared" and top["utilisation"] > 0.9
    per_unit = hub.moves_per_hour * 8760 / 2
    assert res.marginal_change == "hubs.terminal.equipment=3"
    assert 0.6 * per_unit <= res.marginal_teu <= 1.3 * per_unit


def test_capacity_names_the_trains_when_they_bind(crane):
    trains = hubsim.apply_changes(crane, {"hubs.terminal.equipment": 8,
                                          "services.train.headway_h": 4})
    res = capacity(trains, replications=2, days=30, tol=0.05, marginal=False)
    assert res.binding == "service:train"
    svc = trains.services[1]
    limit = svc.capacity_teu * 8760 / svc.headway_h
    assert 0.8 * limit <= res.demand_teu <= 1.05 * limit
    assert res.marginal_teu is None


# --------------------------------------------------------------------------- command line
def test_cli_sweep_bad_set_exits_2_without_output(tiny_path, tmp_path):
    proc = _cli("sweep", str(tiny_path), "--set", "hubs.nope.equipment=1,2", "--workers", "1",
                cwd=tmp_path)
    _stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2, stderr
    assert stderr.startswith("hubsim: error: ") and stderr.count("\n") == 1
    assert "hubs.nope.equipment: no hub 'nope'" in stderr
    assert not (tmp_path / "results").exists()


def test_cli_replications_and_capacity_write_their_folders(tiny_path, tmp_path):
    proc = _cli("run", str(tiny_path), "--replications", "3", "--days", "10", "--workers", "1",
                "--out", str(tmp_path / "reps"))
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "95% CI" in stdout and "P(met)" in stdout
    assert len(pd.read_csv(tmp_path / "reps" / "runs.csv")) == 3
    targets = pd.read_csv(tmp_path / "reps" / "targets.csv")
    assert set(targets["target"]) == {"channel", "intl"}
    proc = _cli("capacity", str(CRANE), "--days", "20", "--replications", "1", "--tol", "0.1",
                "--no-marginal", "--workers", "1", "--out", str(tmp_path / "cap"))
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert "Binding first: area:terminal:shared" in stdout
    meta = json.loads((tmp_path / "cap" / "capacity.json").read_text())
    assert meta["binding"] == "area:terminal:shared"


WORKER_STATE = {"preloaded": True, "blas_threads": "1", "arrow_pool": "system"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a fork server: Linux")
def test_workers_of_the_fork_server_come_with_hubsim_imported_and_the_caller_keeps_its_env():
    """Workers forked from worker_context's server (the dask cluster's; here through a plain
    process pool on it) have what a run needs imported, Arrow's system pool and one BLAS
    thread, and the server runs one thread; the calling process's environment is left as it
    was (a fresh process: this one's server may have started earlier)."""
    code = f"""
import json, os, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
from worker_helpers import worker_state
from hubsim.experiments.executors import worker_context
with ProcessPoolExecutor(2, mp_context=worker_context()) as ex:
    out = list(ex.map(worker_state, [0, 1]))
    pid = forkserver._forkserver._forkserver_pid
    threads = len(os.listdir(f"/proc/{{pid}}/task"))
print(json.dumps([out, threads, os.environ.get("OPENBLAS_NUM_THREADS"),
                  os.environ.get("ARROW_DEFAULT_MEMORY_POOL")]))
"""
    env = {k: v for k, v in os.environ.items()
           if k not in ("ARROW_DEFAULT_MEMORY_POOL", "JE_ARROW_MALLOC_CONF")}
    env["OPENBLAS_NUM_THREADS"] = "2"  # the caller's own: kept in the caller, not in workers
    got = json.loads(run_python(code, env=env).stdout)
    assert got == [[WORKER_STATE, WORKER_STATE], 1, "2", None]


FRESH_SIGNALS = {"SIGINT": "default_int_handler", "SIGTERM": "SIG_DFL", "SIGALRM": "SIG_DFL"}


def run_python(code: str, *, env: dict[str, str] | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh Python process; its output, or a failure that shows what it
    wrote to stderr (a worker's or the cluster's log, a traceback)."""
    got = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=timeout)
    assert got.returncode == 0, f"exit {got.returncode}; stderr:\n{got.stderr[-6000:]}"
    return got


def forked_dask_child(helpers: str) -> str:
    """The start of a child program that makes its ``DaskExecutor`` as the command line's
    process does (one thread, so its workers are forked), with ``helpers`` imported from
    ``worker_helpers`` and ``workers(ex, wait_for=n)``: the cluster's number of workers, once
    it has ``n`` or after 60 s."""
    return f"""
import json, os, signal, sys, time
sys.path.insert(0, {str(Path(__file__).parent)!r})
from hubsim.threads import no_helper_threads
no_helper_threads()
from hubsim.experiments.executors import DaskExecutor
from worker_helpers import {helpers}

def workers(ex, wait_for):
    end = time.monotonic() + 60
    while len(ex._client.scheduler_info()["workers"]) < wait_for and time.monotonic() < end:
        time.sleep(0.1)
    return len(ex._client.scheduler_info()["workers"])
"""


def command_env() -> dict[str, str]:
    """This environment without the settings :func:`hubsim.threads.no_helper_threads` makes,
    so that a child shows that it makes them."""
    return {k: v for k, v in os.environ.items()
            if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                         "JE_ARROW_MALLOC_CONF")}


def command_like(scenario: Path) -> str:
    """Python code that makes a fresh process like the command line's (no helper threads
    before numpy and pyarrow load, one thread, the command's own signal handlers) and loads
    ``scenario`` as ``scn``; ``worker_helpers`` is importable."""
    return f"""
import json, os, signal, sys, threading
sys.path.insert(0, {str(Path(__file__).parent)!r})
from hubsim.threads import no_helper_threads, single_threaded
no_helper_threads()
import hubsim
from hubsim.cli.main import _handle_stops
from worker_helpers import frozen_objects, pid_then_sleep, signal_state, worker_state
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
_handle_stops()  # the command's own handlers, which the workers must not keep
scn = hubsim.load_scenario({str(scenario)!r})
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork: Linux")
def test_a_process_with_one_thread_forks_its_pool_and_gets_the_same_tables(tiny_path):
    """The command line's process (hubsim.threads before numpy, pyarrow) runs one thread:
    its pool forks the workers, which come with hubsim imported and a fresh process's signal
    handlers although the command had its own (hubsim.cli.main), and the replications'
    tables equal the serial ones. While a second thread runs, the pool uses the fork
    server (a fresh process)."""
    code = command_like(tiny_path) + """
import gc
import pandas as pd, pyarrow
import hubsim.experiments.store, hubsim.analysis.kpis
from hubsim.experiments.executors import ProcessExecutor, SerialExecutor, pool_context
out = {"one_thread": single_threaded(), "method": pool_context().get_start_method(),
        "parent": signal_state(0)}
with ProcessExecutor(2) as ex:
    states = [v for _, ok, v in ex.map_unordered(worker_state, [0, 1]) if ok]
    out["signals"] = [v for _, ok, v in ex.map_unordered(signal_state, [0, 1]) if ok]
    out["preloaded"] = all(s["preloaded"] for s in states)
    # they inherit the objects frozen, out of their collections' reach; this process not
    frozen = [v for _, ok, v in ex.map_unordered(frozen_objects, [0, 1]) if ok]
    out["frozen"] = len(frozen) == 2 and min(frozen) > 10_000 and gc.get_freeze_count() == 0
    pooled = hubsim.replicate(scn, 3, days=10, executor=ex)
serial = hubsim.replicate(scn, 3, days=10, executor=SerialExecutor())
out["same"] = all(getattr(pooled, t).equals(getattr(serial, t))
                  for t in ("runs", "kpis", "summary", "targets"))
stop = threading.Event()
t = threading.Thread(target=stop.wait)
t.start()
out["with_a_thread"] = pool_context().get_start_method()
stop.set()
t.join()
print(json.dumps(out))
"""
    env = command_env()
    got = json.loads(run_python(code, env=env).stdout)
    assert got == {"one_thread": True, "method": "fork", "preloaded": True, "frozen": True,
                   "parent": dict.fromkeys(FRESH_SIGNALS, "_on_interrupt"),
                   "signals": [FRESH_SIGNALS, FRESH_SIGNALS], "same": True,
                   "with_a_thread": "forkserver"}


def test_no_helper_threads_keeps_what_the_environment_says():
    code = """
import json, os
from hubsim.threads import NO_HELPER_THREADS, no_helper_threads
no_helper_threads()
print(json.dumps({k: os.environ[k] for k in NO_HELPER_THREADS}))
"""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                                          "JE_ARROW_MALLOC_CONF")}
    env["OPENBLAS_NUM_THREADS"] = "3"  # the user's choice
    got = json.loads(run_python(code, env=env).stdout)
    assert got == {"OPENBLAS_NUM_THREADS": "3", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   "JE_ARROW_MALLOC_CONF": "background_thread:false"}


@pytest.mark.slow  # starts a dask LocalCluster
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a fork server: Linux")
def test_dask_workers_of_our_cluster_come_with_hubsim_imported():
    """In a fresh process: in this one a process pool may have started the (one) fork server
    before, without the preload."""
    pytest.importorskip("dask.distributed")
    code = f"""
import json, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from worker_helpers import worker_state
from hubsim.experiments.executors import DaskExecutor
if __name__ == "__main__":
    with DaskExecutor(workers=2) as ex:
        out = [v for _, ok, v in ex.map_unordered(worker_state, [0, 1]) if ok]
    print(json.dumps(out))
"""
    got = run_python(code).stdout
    assert json.loads(got.splitlines()[-1]) == [WORKER_STATE, WORKER_STATE]


#: The handlers of a dask worker forked from the command's process (forked_workers): Ctrl-C
#: is the command's to handle, SIGTERM and SIGALRM end the worker.
FORKED_DASK_SIGNALS = {**FRESH_SIGNALS, "SIGINT": "SIG_IGN"}


@pytest.mark.slow  # starts a dask LocalCluster
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork: Linux")
def test_a_process_with_one_thread_forks_its_dask_workers_and_gets_the_same_tables(tiny_path):
    """The command line's process runs one thread, so its own dask cluster's workers are forked
    from it (experiments.forked_workers): they are its children, come with hubsim imported,
    Ctrl-C ignored and SIGTERM fatal although the command had its own handlers, run the
    tasks, give the serial tables, and are gone (reaped) once the cluster is closed."""
    pytest.importorskip("dask.distributed")
    code = command_like(tiny_path) + """
import gc
from hubsim.experiments.executors import DaskExecutor, SerialExecutor
with DaskExecutor(workers=2) as ex:
    forked = sorted(p.pid for p in ex._forked)
    out = {"workers": ex.workers,
            "parents": sorted(int(open(f"/proc/{p}/stat").read().split()[3]) == os.getpid()
                              for p in forked)}
    states = [v for _, ok, v in ex.map_unordered(worker_state, [0, 1]) if ok]
    out["preloaded"] = len(states) == 2 and all(s["preloaded"] for s in states)
    frozen = [v for _, ok, v in ex.map_unordered(frozen_objects, [0, 1]) if ok]
    out["frozen"] = len(frozen) == 2 and min(frozen) > 10_000 and gc.get_freeze_count() == 0
    out["signals"] = [v for _, ok, v in ex.map_unordered(signal_state, [0, 1]) if ok]
    pids = {v for _, ok, v in ex.map_unordered(pid_then_sleep, [0.3] * 4) if ok}
    out["ran_on_them"] = bool(pids) and pids <= set(forked)
    dasked = hubsim.replicate(scn, 3, days=10, executor=ex)
serial = hubsim.replicate(scn, 3, days=10, executor=SerialExecutor())
out["same"] = all(getattr(dasked, t).equals(getattr(serial, t))
                  for t in ("runs", "kpis", "summary", "targets"))
out["left"] = [p for p in forked if os.path.exists(f"/proc/{p}")]  # a zombie too
print(json.dumps(out))
"""
    env = command_env()
    got = run_python(code, env=env)
    assert json.loads(got.stdout) == {
        "workers": 2, "parents": [True, True], "preloaded": True, "frozen": True,
        "signals": [FORKED_DASK_SIGNALS, FORKED_DASK_SIGNALS], "ran_on_them": True,
        "same": True, "left": []}
    # the workers' log is quiet from the start (their INFO lines: "Start worker at ...")
    assert " - INFO - " not in got.stderr


@pytest.mark.slow  # starts a dask LocalCluster and a spawned worker
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork: Linux")
def test_a_forked_dask_worker_that_dies_is_replaced(tmp_path):
    """A forked worker killed mid-run (a crash, the out-of-memory killer) is reaped and a
    nanny's worker takes its place: the run is retried and every task succeeds, and the
    cluster has its two workers again; a run that kills every worker it runs on is reported
    failed (after distributed.scheduler.allowed-failures deaths) instead of leaving the
    command waiting."""
    pytest.importorskip("dask.distributed")
    code = forked_dask_child("always_die, square_but_die_once") + f"""
with DaskExecutor(workers=2) as ex:
    forked = [p.pid for p in ex._forked]
    tasks = [({str(tmp_path / "died")!r}, x) for x in range(6)]
    out = {{"squares": sorted(ex.map_unordered(square_but_die_once, tasks))}}
    out["workers_after"] = workers(ex, wait_for=2)
    out["reaped"] = sum(not os.path.exists(f"/proc/{{p}}") for p in forked)
    failed = [(i, ok, str(v).split(":")[0]) for i, ok, v in ex.map_unordered(always_die, [0])]
    out["always_dies"] = failed
    # the workers in place of those it killed (their nannies failing to start when their
    # worker dies first) are made again until they start
    out["workers_at_end"] = workers(ex, wait_for=2)
print(json.dumps(out))
"""
    got = run_python(code)
    assert json.loads(got.stdout) == {
        "squares": [[i, True, i * i] for i in range(6)], "workers_after": 2, "reaped": 1,
        "always_dies": [[0, False, "KilledWorker"]], "workers_at_end": 2}


@pytest.mark.slow  # starts a dask LocalCluster and spawned workers
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork: Linux")
def test_a_result_lost_with_its_worker_is_computed_again():
    """A run finished, its outcome not yet handed out, and the worker holding its result dies:
    the client learns that the result is lost and the scheduler computes it again on a
    worker in the dead one's place. The outcome handed out is the new result (it used to
    fail with an AttributeError, the future being neither finished nor failed)."""
    pytest.importorskip("dask.distributed")
    code = forked_dask_child("pid_then_sleep") + """
with DaskExecutor(workers=2) as ex:
    forked = [p.pid for p in ex._forked]
    outcomes = ex.map_unordered(pid_then_sleep, [0, 0])
    first = next(outcomes)
    # the other run has finished too: its result waits on a forked worker
    end = time.monotonic() + 60
    states = lambda: [f.status for f in ex._client.futures.values()]
    while states().count("finished") < 2 and time.monotonic() < end:
        time.sleep(0.05)
    for p in ex._forked:  # every result is lost (the first's was handed out already)
        p.signal(signal.SIGKILL)
    while "finished" in states() and time.monotonic() < end:
        time.sleep(0.05)
    lost = sorted(set(states()))
    second = next(outcomes)
    outcomes.close()
    out = {"lost": lost, "first_forked": first[2] in forked, "second_ok": second[1],
           "second_on_a_new_worker": second[1] and second[2] not in forked,
           "indices": sorted([first[0], second[0]])}
print(json.dumps(out))
"""
    got = json.loads(run_python(code).stdout)
    assert got["lost"] and set(got["lost"]) <= {"lost", "pending"}
    assert got == {"lost": got["lost"], "first_forked": True, "second_ok": True,
                   "second_on_a_new_worker": True, "indices": [0, 1]}


@pytest.mark.slow  # starts a dask LocalCluster and a spawned worker
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork: Linux")
def test_a_forked_dask_worker_its_scheduler_drops_is_replaced():
    """A forked worker the scheduler lets go of while its process runs on (here retired
    without being closed; in life, one whose heartbeats stopped) is stopped and reaped, and a
    nanny's worker takes its place: a forked process cannot be started twice."""
    pytest.importorskip("dask.distributed")
    code = """
import json, time
from hubsim.threads import no_helper_threads
no_helper_threads()
import dask
from hubsim.experiments.executors import DaskExecutor
with dask.config.set({"distributed.deploy.lost-worker-timeout": "0.2s"}):
    with DaskExecutor(workers=2) as ex:
        first = list(ex._client.scheduler_info()["workers"])[0]
        ex._client.retire_workers([first], close_workers=False, remove=True)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            now = ex._client.scheduler_info()["workers"]
            if len(now) == 2 and first not in now:
                break
            time.sleep(0.1)
        out = {"workers": len(now), "first_gone": first not in now,
               "runs": sorted(ex.map_unordered(abs, [-1, -2, -3])),
               "reaped": sorted(p.reaped for p in ex._forked)}
print(json.dumps(out))
"""
    got = run_python(code)
    assert json.loads(got.stdout) == {"workers": 2, "first_gone": True,
                                      "runs": [[0, True, 1], [1, True, 2], [2, True, 3]],
                                      "reaped": [False, True]}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork: Linux")
def test_a_forked_worker_stopped_by_sigterm_is_not_taken_for_a_crash():
    """A forked dask worker ended by SIGTERM (a ``kill`` of the command's whole process group)
    is being stopped, and gets no replacement; one killed outright (SIGKILL: the out-of-memory
    killer) crashed, and does. Both are reaped."""
    pytest.importorskip("dask.distributed")
    code = """
import json, signal
from hubsim.experiments.forked_workers import fork_workers
procs = fork_workers(2, lambda parent: None)
procs[0].signal(signal.SIGTERM)
procs[1].signal(signal.SIGKILL)
for p in procs:
    p.reap()
print(json.dumps([[p.terminated(), p.reaped] for p in procs]))
"""
    got = run_python(code, timeout=120)
    assert json.loads(got.stdout) == [[True, True], [False, True]]


def test_process_pool_survives_a_killed_worker(tmp_path):
    tasks = [(str(tmp_path / "died"), x) for x in range(8)]
    with ProcessExecutor(2) as ex:
        out = sorted(ex.map_unordered(square_but_die_once, tasks))
    assert (tmp_path / "died").exists()
    assert out == [(i, True, i * i) for i in range(8)]


def test_serial_executor_reports_a_failure_and_goes_on():
    out = list(SerialExecutor().map_unordered(lambda x: 1 / x, [1, 0, 2]))
    assert out[0] == (0, True, 1.0) and out[2] == (2, True, 0.5)
    assert out[1][:2] == (1, False) and out[1][2].startswith("ZeroDivisionError")


def test_cli_run_refuses_experiment_options_with_one_replication(tiny_path, tmp_path):
    proc = _cli("run", str(tiny_path), "--replications", "1", "--workers", "2", "--out",
                str(tmp_path / "r"))
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert stderr == "hubsim: error: --workers needs more than one replication " \
                     "(--replications 1 is one run in one process)\n"
    assert not (tmp_path / "r").exists()


def test_diagnostics_lock_and_hub_figures(tiny):
    from hubsim.analysis.diagnostics import diagnostics

    res = hubsim.simulate(tiny, days=20)
    d = diagnostics(res.events, res.trips, res.nodes, res.scenario, res.window).set_index(["kpi",
    "key"])["value"]
    lk = tiny.links[3]
    w = res.window
    tr = res.trips[(res.trips["link"].astype(str) == "port-east:water")
                   & (res.trips["depart_h"] >= w.start_h) & (res.trips["depart_h"] < w.end_h)]
    assert len(tr) > 0
    assert d["lock_utilisation", "port-east:water"] == pytest.approx(
        len(tr) * lk.lock.hold_h.expected / (lk.lock.capacity * w.hours))
    ev = res.events
    gen = ev[(ev["event"] == "generated") & (ev["t_h"] >= w.start_h) & (ev["t_h"] < w.end_h)]
    assert d["offered_teu_per_day", ""] == pytest.approx(gen["teu"].sum() / 20)
    cre = tiny.services[2]
    sent = res.trips[(res.trips["service"].astype(str) == "cre")
                              & (res.trips["depart_h"] >= w.start_h)
                              & (res.trips["depart_h"] < w.end_h)]
    busiest = sent.groupby(sent["from"].astype(str), observed=True)["load"].sum().max()
    assert d["service_utilisation", "cre"] == pytest.approx(
        busiest / (w.hours / cre.headway * cre.capacity))
    assert {("equipment_wait_growth", "rail"), ("yard_growth", "port"),
            ("area_wait_growth", "rail:shared")} <= set(d.index)


#: In a fresh process: a 2-worker ProcessExecutor whose wait for two long runs is interrupted
#: (a real SIGINT, as Ctrl-C delivers it); prints the workers' process ids, whether they still
#: ran 5 s later, and what the same executor returned afterwards.
_INTERRUPTED_POOL = """
import json, os, signal, sys, threading, time
sys.path.insert(0, sys.argv[1])
from worker_helpers import pid_then_sleep
from hubsim.experiments.executors import ProcessExecutor

# Ctrl-C as a terminal delivers it, whatever this process inherited: a test run started in
# the background of a script has SIGINT ignored (and a signal mask survives exec)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
signal.signal(signal.SIGINT, signal.default_int_handler)
ex = ProcessExecutor(2)
ran = {v for _, _, v in ex.map_unordered(pid_then_sleep, [0.5, 0.5])}
pids = sorted(set(ex._pool._processes) | ran)  # every worker the pool started
threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()
t0 = time.monotonic()
try:
    list(ex.map_unordered(pid_then_sleep, [120, 120]))
except KeyboardInterrupt:
    stopped_after = time.monotonic() - t0
time.sleep(5)
running = [p for p in pids if os.path.exists(f"/proc/{p}")
           and open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0] not in "ZX"]
again = sorted(v for _, _, v in ex.map_unordered(abs, [-1, -2]))
ex.close()
print(json.dumps({"pids": pids, "running": running, "again": again,
                  "stopped_after": stopped_after}))
"""


#: In a fresh process: the caller of a 2-worker ProcessExecutor is interrupted in its own code
#: (between two outcomes) while two long runs are under way; ``with``: inside the executor's
#: ``with`` block, holding the outcomes in a local as RunCache.run does (the traceback keeps
#: the generator alive until after the block has exited), else in a bare loop (the generator
#: is closed as the exception leaves the loop's function).
_INTERRUPTED_CALLER = """
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
from worker_helpers import pid_then_sleep
from hubsim.experiments.executors import ProcessExecutor

def consume(ex):
    outcomes = ex.map_unordered(pid_then_sleep, [0, 120, 120])
    for _ in outcomes:
        raise KeyboardInterrupt  # as Ctrl-C while the caller handles its first outcome

def bare(ex):
    for _ in ex.map_unordered(pid_then_sleep, [0, 120, 120]):
        raise KeyboardInterrupt

ex = ProcessExecutor(2)
t0 = time.monotonic()
try:
    if sys.argv[2] == "with":
        with ex:
            consume(ex)
    else:
        bare(ex)
except KeyboardInterrupt:
    stopped_after = time.monotonic() - t0
ex.close()
print(json.dumps({"stopped_after": stopped_after}))
"""


@pytest.mark.parametrize("how", ["with", "bare"])
def test_a_caller_interrupted_between_outcomes_does_not_wait_for_the_runs(how):
    """Ctrl-C in the caller's own code (writing a finished run, drawing progress): the
    workers are stopped, not waited for, whether the executor's ``with`` block is left first
    or the outcome generator is closed first."""
    tests = str(Path(__file__).parent)
    proc = subprocess.run([sys.executable, "-c", _INTERRUPTED_CALLER, tests, how],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["stopped_after"] < 60  # not after the two-minute runs


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_an_interrupted_pool_stops_its_workers_and_starts_a_new_one_when_used_again():
    """Ctrl-C (or SIGTERM, raised as a KeyboardInterrupt) while waiting for runs: the workers
    are killed rather than left to finish runs whose results nobody will read, and the same
    executor runs later tasks on a new pool (a notebook's executor survives a Ctrl-C)."""
    tests = str(Path(__file__).parent)
    proc = subprocess.run([sys.executable, "-c", _INTERRUPTED_POOL, tests],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert len(out["pids"]) == 2
    assert out["running"] == []
    assert out["again"] == [1, 2]
    assert out["stopped_after"] < 60  # not after the two-minute runs
