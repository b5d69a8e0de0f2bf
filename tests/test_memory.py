"""Memory is given back: the engine's objects are freed when the run ends, and the command line
returns freed blocks to the system."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pandas as pd
import pytest

import hubsim
from hubsim.sim.cargo import Consignment


def test_nothing_of_the_engine_outlives_simulate(tiny_path):
    """The engine's processes and loads hold reference cycles; the run collects them itself, so
    no load is left waiting for some later collection once simulate() has returned."""
    scn = hubsim.load_scenario(tiny_path)
    was = gc.isenabled()
    gc.disable()
    try:
        res = hubsim.simulate(scn, seed=3, days=20)
        alive = sum(isinstance(o, Consignment) for o in gc.get_objects())
    finally:
        if was:
            gc.enable()
    assert res.balance["generated_teu"] > 0
    assert alive == 0


def test_a_saturated_engine_is_freed_by_reference_counting(tiny_path):
    """At 30x demand loads and processes are still waiting at the end (for trucks, yard room,
    vehicles); _Engine.release breaks their cycles, so they are freed without the cyclic
    collector (whose full collection walks every live object: seconds in a large run). What
    is left for the small collection after it is the timetable's own processes, each with the
    loads of its last departure."""
    from simpy.events import Process

    from hubsim.sim.engine import _Engine

    scn = hubsim.apply_changes(hubsim.load_scenario(tiny_path),
                               {"demand.*.teu_per_year": "x30", "demand.*.tonnes_per_year": "x30"},
                               source="test")
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        eng = _Engine(scn, 3, 24 * 25.0, 24 * 5.0)
        eng.start()
        eng.env.run_until(24 * 25.0)
        waiting = len(eng.ledger.at_node)
        processes = sum(isinstance(o, Process) for o in gc.get_objects())
        eng.release()
        del eng
        left = [o for o in gc.get_objects() if isinstance(o, (Consignment, Process))]
    finally:
        if was:
            gc.enable()
    assert waiting > 1000 and processes > 100
    kept = [o for o in left if isinstance(o, Process)]
    # a compiled generator has no __name__: its class is named after the function
    names = {getattr(p._generator, "__name__", type(p._generator).__name__) for p in kept}
    assert all(name.startswith("_departures") for name in names), names
    assert len(left) < 0.05 * waiting


def test_the_command_line_returns_freed_blocks_to_the_system():
    code = ("import os, sys; from hubsim.memory import return_freed_memory as r; "
            "print(r(), os.environ['ARROW_DEFAULT_MEMORY_POOL'], 'pyarrow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    # glibc accepts the threshold; Arrow's pool is chosen before pyarrow is imported
    assert out == ["True" if sys.platform.startswith("linux") else "False", "system", "False"]


def test_workers_of_our_own_dask_cluster_return_freed_blocks():
    """The dask LocalCluster hubsim starts sets the same allocator options in its workers as
    the process pool does (a cluster at an address is left as it is)."""
    import pytest

    pytest.importorskip("dask.distributed")
    from hubsim.experiments.executors import DaskExecutor

    ex = DaskExecutor(workers=1)
    try:
        got = ex._client.run(lambda: __import__("hubsim.memory").memory.applied)
    finally:
        ex.close()
    assert list(got.values()) == [sys.platform.startswith("linux")]


def test_simulate_keeps_compact_records_until_a_table_is_asked_for(tiny_path):
    """simulate() returns the engine's compact records, without loading pandas; each record
    table is built on first access and takes the records over (the recorder keeps no copy)."""
    code = f"""
import sys
import hubsim
res = hubsim.simulate(hubsim.load_scenario({str(tiny_path)!r}), seed=3, days=20)
print("after_simulate", "pandas" in sys.modules, res.recorder.n_events > 0)
n = res.recorder.n_events
events = res.events
print("after_events", "pandas" in sys.modules, len(events) == n, res.recorder.n_events)
n_cons = len(res.recorder._cons) // 52
print("after_consignments", len(res.consignments) == n_cons, len(res.recorder._cons))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "after_simulate False True"
    assert out[1] == "after_events True True 0"
    assert out[2] == "after_consignments True 0"


def test_record_tables_do_not_depend_on_the_order_they_are_asked_for(tiny_path):
    scn = hubsim.load_scenario(tiny_path)
    names = ("events", "consignments", "trips", "handling", "lock_passages")
    a = hubsim.simulate(scn, seed=5, days=30)
    b = hubsim.simulate(scn, seed=5, days=30)
    a.tables()
    for name in reversed(names):
        getattr(b, name)
    for name in names:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert len(a.events) > 1000
    assert a.kpi("channel_teu") == b.kpi("channel_teu")


def test_intervals_do_not_load_scipy_stats():
    """Every interval and probability of a verdict comes from scipy.special: scipy.stats (~50 MB
    more of imports) is never loaded by them."""
    code = ("import sys; from hubsim.analysis.stats import t_quantile, t_half_width, "
            "predictive_p, wilson; "
            "t_quantile(3); t_half_width([1.0], [4]); predictive_p(1.0, 1.0, 4, 0.5); "
            "wilson(3, 4); print('scipy.special' in sys.modules, 'scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "False"]


def test_each_figure_is_freed_once_written(tiny_path, tmp_path, monkeypatch):
    # a figure and its artists refer to each other; writing the results folder frees each
    # one before drawing the next, not at some later collection of the cycles
    from matplotlib.figure import Figure

    from hubsim.present import output

    res = hubsim.simulate(hubsim.load_scenario(tiny_path), days=20)
    alive: list[int] = []
    draw = output._figure_makers

    def counting(results):  # the figures alive when each maker is called
        makers = draw(results)

        def wrap(make):
            def counted():
                alive.append(sum(isinstance(o, Figure) for o in gc.get_objects()))
                return make()
            return counted
        return {name: wrap(make) for name, make in makers.items()}

    monkeypatch.setattr(output, "_figure_makers", counting)
    was = gc.isenabled()
    gc.collect()  # figures of earlier tests
    gc.disable()  # only the writer's own collection may free them
    try:
        output._write_plots(output.figure_data(res), tmp_path)
        alive.append(sum(isinstance(o, Figure) for o in gc.get_objects()))
    finally:
        if was:
            gc.enable()
    assert len(alive) == len(output.FIGURES) + 1
    assert alive == [0] * len(alive)


def test_freed_records_are_gone_and_the_tables_computed_from_them_stay(tiny_path):
    res = hubsim.simulate(hubsim.load_scenario(tiny_path), seed=3, days=20)
    assert res.counts == {"event_records": len(res.events),
                          "consignments": len(res.consignments),
                          "vehicle_departures": len(res.trips)}
    kpis, targets = res.kpis, res.targets
    assert len(res.crossings)  # a working table computed from the records
    res.free_records()
    # every record table, those never asked for (lock passages) included, and what is
    # computed from them: an error, never an empty table
    for name in ("events", "consignments", "trips", "handling", "lock_passages", "crossings",
                 "departure_queues"):
        with pytest.raises(RuntimeError, match="freed"):
            getattr(res, name)
    assert res.kpis is kpis and res.targets is targets
    assert res.counts["event_records"] > 0


def test_a_folder_written_with_the_records_freed_is_the_same(tiny_path, tmp_path):
    from hubsim.present.output import write_results

    scn = hubsim.load_scenario(tiny_path)
    kept = write_results(hubsim.simulate(scn, seed=3, days=20), tmp_path / "kept")
    res = hubsim.simulate(scn, seed=3, days=20)
    freed = write_results(res, tmp_path / "freed", free_records=True)
    with pytest.raises(RuntimeError, match="freed"):
        len(res.events)
    names = sorted(p.name for p in kept.iterdir())
    assert names == sorted(p.name for p in freed.iterdir())
    assert {"network_map.png", "events.parquet", "kpis.csv"} <= set(names)
    for name in names:
        if name.endswith(".csv"):
            assert (kept / name).read_text() == (freed / name).read_text(), name
        elif name.endswith(".parquet"):
            pd.testing.assert_frame_equal(pd.read_parquet(kept / name),
                                          pd.read_parquet(freed / name), check_exact=True)
    a, b = (json.loads((f / "manifest.json").read_text()) for f in (kept, freed))
    for meta in (a, b):
        for moving in ("created_utc", "wall_time_s"):
            meta.pop(moving)
    assert a == b


def test_freed_working_tables_are_computed_again_and_the_kpis_do_not_move(tiny_path):
    scn = hubsim.load_scenario(tiny_path)
    kept = hubsim.simulate(scn, seed=3, days=20)
    res = hubsim.simulate(scn, seed=3, days=20)
    queues = res.departure_queues
    corridors = res.emission_tables.corridors
    res.free_working_tables("emission_tables")
    assert res.departure_queues is queues  # the others stay
    # the emission KPIs were kept; the tables come back, the same, when asked for
    pd.testing.assert_frame_equal(res.kpis, kept.kpis, check_exact=True)
    pd.testing.assert_frame_equal(res.emission_tables.corridors, corridors, check_exact=True)
    res.free_working_tables()
    pd.testing.assert_frame_equal(res.departure_queues, queues, check_exact=True)
    with pytest.raises(ValueError, match="not a working table: kpis"):
        res.free_working_tables("kpis")


def test_the_emission_table_of_consignments_written_in_parts_is_the_whole_table(
        tiny_path, tmp_path):
    from hubsim.present import output

    em = hubsim.simulate(hubsim.load_scenario(tiny_path), seed=3, days=20).emission_tables
    whole = em.consignments
    n = em.n_consignments
    assert n == len(whole) > 3
    step = n // 3
    parts = [em.consignment_rows(a, a + step) for a in range(0, n, step)]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole,
                                  check_exact=True)
    whole.to_parquet(tmp_path / "whole.parquet", index=False)
    output._write_parquet_parts(iter(parts), tmp_path / "parts.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "parts.parquet"),
                                  pd.read_parquet(tmp_path / "whole.parquet"),
                                  check_exact=True)
    # no row: a file with the columns
    output._write_parquet_parts(iter([em.consignment_rows(0, 0)]), tmp_path / "none.parquet")
    assert list(pd.read_parquet(tmp_path / "none.parquet").columns) == list(whole.columns)


def test_a_results_built_by_hand_counts_its_records(tiny_path):
    from hubsim.api import Results

    run = hubsim.simulate(hubsim.load_scenario(tiny_path), seed=3, days=20)
    counts = dict(run.counts)
    hand = Results(scenario=run.scenario, seed=run.seed, window=run.window,
                   recorder=run.recorder, balance=run.balance)
    assert hand.counts == counts
    assert counts["event_records"] == len(hand.events) > 0


def test_an_error_while_the_folder_is_written_stops_the_other_replications(
        tiny_path, tmp_path, monkeypatch):
    # replication 0's KPIs are computed while its folder is written: an error there stops
    # the workers instead of waiting for their runs
    from hubsim.cli.main import main
    from hubsim.experiments import verdict
    from hubsim.present import output

    stopped = []

    def broken(*args, **kwargs):
        raise RuntimeError("broken writer")

    monkeypatch.setattr(output, "write_results", broken)
    monkeypatch.setattr(verdict, "_stop", lambda ex: stopped.append(type(ex).__name__))
    with pytest.raises(RuntimeError, match="broken writer"):
        main(["run", str(tiny_path), "--days", "5", "--replications", "2", "--workers", "2",
              "--out", str(tmp_path / "out"), "--quiet"])
    assert stopped == ["ProcessExecutor"]
    assert not (tmp_path / "out").exists()
