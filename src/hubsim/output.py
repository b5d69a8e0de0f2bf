"""Write a results folder: tables, event log, plots and a manifest, all or nothing.

Everything is written into a hidden temporary folder next to the destination and renamed into
place at the end, so an interrupted or failed run never leaves a partial results folder.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from hubsim import __version__, plots
from hubsim import kpis as K
from hubsim.api import Results

__all__ = ["OutputExistsError", "default_folder", "write_results"]


class OutputExistsError(FileExistsError):
    """The results folder already exists; hubsim never overwrites results."""


def default_folder(results: Results, stamp: str, base: Path = Path("results")) -> Path:
    return base / f"{results.scenario.name}-{stamp}"


def manifest(results: Results, extra: dict | None = None) -> dict:
    scn = results.scenario
    return {
        "scenario": scn.name,
        "scenario_file": scn.source_path,
        "scenario_sha256": scn.source_hash,
        "hubsim_version": __version__,
        "python": platform.python_version(),
        "seed": results.seed,
        "warmup_h": results.window.start_h,
        "horizon_h": results.window.end_h,
        "measured_days": results.window.hours / 24.0,
        "wall_time_s": round(results.wall_time_s, 3),
        "event_records": len(results.events),
        "simpy_events": results.simpy_events,
        "consignments": len(results.consignments),
        "vehicle_departures": len(results.trips),
        "conservation": results.balance,
        **(extra or {}),
    }


def write_results(results: Results, folder: Path, extra_manifest: dict | None = None) -> Path:
    """Write ``kpis.csv``, ``targets.csv``, ``events.parquet``, ``consignments.parquet``,
    ``trips.parquet``, ``manifest.json`` and PNG plots into the new folder ``folder``."""
    folder = Path(folder)
    if folder.exists():
        raise OutputExistsError(f"{folder}: already exists; choose another --out "
                                "(results are never overwritten)")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        results.kpis.to_csv(tmp / "kpis.csv", index=False)
        results.targets.to_csv(tmp / "targets.csv", index=False)
        results.events.to_parquet(tmp / "events.parquet", index=False)
        results.consignments.to_parquet(tmp / "consignments.parquet", index=False)
        results.trips.to_parquet(tmp / "trips.parquet", index=False)
        _write_plots(results, tmp)
        meta = manifest(results, extra_manifest)
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=2) + "\n")
        os.rename(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _write_plots(results: Results, folder: Path) -> None:
    scn = results.scenario
    target = next((t.threshold for t in scn.targets if t.kpi == "channel_teu"), None)
    daily = K.daily_channel_teu(results.crossings, results.window)
    weekly = K.weekly_utilisation(results.events, results.nodes, results.window)
    names = results.nodes["name"].to_dict()
    figures = {
        "throughput_vs_target.png": plots.throughput_vs_target(daily, target, scn.name,
                                                               results.seed),
        "hub_utilisation.png": plots.hub_utilisation(weekly, names, scn.name),
        "mode_split.png": plots.mode_split(results.kpis, scn.name),
    }
    for name, fig in figures.items():
        fig.savefig(folder / name, dpi=120)
        plt.close(fig)
