"""Simulated vs published figures: the calibration table behind ``hubsim calibrate``.

Two data files drive it, both under ``data/``:

``reference_figures.csv``
    published figures, one row per ``(quantity, year)``, with unit and source.
``calibration_map.csv``
    which simulated quantity each published figure is compared with: ``figure`` (label),
    ``quantity`` and ``year`` (the reference row), ``measure`` and ``select`` (see
    :data:`MEASURES`), ``basis``, ``tolerance_pct`` and ``why`` (what sets the figure in the
    model and why a gap is expected).

``basis`` is one of:

* ``inputs``: a volume the scenario inputs drive (demand rows, trains per week); within
  ``tolerance_pct`` (10%) or the inputs are wrong. Such a row restates an input: it is never
  counted as the model matching a figure;
* ``behaviour``: a figure that emerges from the dynamics (train loads, TEU per truck);
* ``context``: a different scope or year, or a target rather than a measurement: shown with
  its gap and explanation, not judged.

Example::

    res = hubsim.simulate(hubsim.load_scenario("scenarios/chongqing_2019.yaml"))
    table = calibration_table(res)          # one row per figure, with gap and status
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from hubsim.api import Results
from hubsim.errors import ScenarioError
from hubsim.scenario.loader import bundled_scenario
from hubsim.scenario.resources import data_folder, read_table
from hubsim.scenario.schema import Scenario

__all__ = ["BASES", "MEASURES", "calibration_table", "data_dir", "load_map",
           "reference_table", "run_calibrate"]

MAP_FILE = "calibration_map.csv"
REFERENCE_FILE = "reference_figures.csv"
MAP_COLUMNS = ["figure", "quantity", "year", "measure", "select", "basis", "tolerance_pct",
               "why"]
BASES = ("inputs", "behaviour", "context")
SELECT_KEYS = {"gateway", "service", "from", "name"}


def data_dir() -> Path:
    """The ``data/`` folder: under the working directory, else the one installed with the
    package (:func:`hubsim.scenario.resources.data_folder`), so it works from any folder."""
    local = Path.cwd() / "data"
    if (local / MAP_FILE).is_file():
        return local
    return data_folder()


# ------------------------------------------------------------------ measures
def _trips(res: Results, sel: dict[str, list[str]]) -> pd.DataFrame:
    tr = res.trips
    tr = tr[res.window.mask(tr["depart_h"]) & tr["service"].isin(sel["service"])]
    if "from" in sel:
        tr = tr[tr["from"].isin(sel["from"])]
    return tr


def _crossings(res: Results, sel: dict[str, list[str]]) -> pd.DataFrame:
    c = res.crossings
    return c[res.window.mask(c["t_h"]) & c["gateway"].isin(sel["gateway"])]


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


#: measure name -> (required select keys, function of (results, selection) -> value)
MEASURES: dict[str, tuple[set[str], Callable[[Results, dict[str, list[str]]], float]]] = {
    # a KPI of the tidy table, scope total (kpis.py counting rules)
    "kpi": ({"name"}, lambda res, sel: res.kpi(sel["name"][0])),
    # TEU crossing the boundary on the links of these gateways, per year
    "channel_teu": ({"gateway"}, lambda res, sel: float(
        _crossings(res, sel)["teu"].sum()) * res.window.per_year),
    # tonnes of international consignments crossing on these gateways' links, per year
    "international_tonnes": ({"gateway"}, lambda res, sel: float(
        _crossings(res, sel).query("international")["tonnes"].sum()) * res.window.per_year),
    # departures (trains, sailings, flights) of these services, both directions, per year
    "departures": ({"service"}, lambda res, sel: len(_trips(res, sel)) * res.window.per_year),
    # vehicles dispatched (trucks: one departure may take several), per year
    "vehicle_trips": ({"service"}, lambda res, sel: float(
        _trips(res, sel)["vehicles"].sum()) * res.window.per_year),
    # mean load per departure (TEU or t)
    "load_per_departure": ({"service"}, lambda res, sel: _ratio(
        float(_trips(res, sel)["load"].sum()), len(_trips(res, sel)))),
    # mean load per vehicle
    "load_per_vehicle": ({"service"}, lambda res, sel: _ratio(
        float(_trips(res, sel)["load"].sum()), float(_trips(res, sel)["vehicles"].sum()))),
}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as plain dicts (column name -> value)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _parse_select(text: str) -> dict[str, list[str]]:
    """``"service=a+b from=x"`` -> ``{"service": ["a", "b"], "from": ["x"]}``."""
    out: dict[str, list[str]] = {}
    for part in text.split():
        key, sep, values = part.partition("=")
        if not sep or not values:
            raise ValueError(f"must be key=value[+value...] pairs, got {part!r}")
        if key not in SELECT_KEYS:
            raise ValueError(f"key must be one of {sorted(SELECT_KEYS)}, got {key!r}")
        out[key] = values.split("+")
    return out


# ------------------------------------------------------------------ tables
def read_data_table(path: Path | None, name: str, columns: list[str]) -> tuple[Path, pd.DataFrame]:
    """``(path, table)`` of a data file read as text (``path``, or ``name`` in
    :func:`data_dir`); a missing file or column raises :class:`ScenarioError` naming it."""
    path = Path(path) if path is not None else data_dir() / name
    return path, read_table(path, columns)


def load_map(path: Path | None = None) -> pd.DataFrame:
    """Read and check ``calibration_map.csv``; ``select`` is parsed into a dict per row."""
    path, m = read_data_table(path, MAP_FILE, MAP_COLUMNS)
    sels: list[dict[str, list[str]]] = []
    tols: list[float] = []
    for i, row in enumerate(_records(m)):
        where = f"{path}: row {i + 2} ({row['figure'] or row['quantity']})"
        if row["measure"] not in MEASURES:
            raise ScenarioError(f"{where}: measure: must be one of {', '.join(MEASURES)}, "
                                f"got {row['measure']!r}")
        try:
            sel = _parse_select(row["select"])
        except ValueError as exc:
            raise ScenarioError(f"{where}: select: {exc}") from None
        need = MEASURES[row["measure"]][0] - set(sel)
        if need:
            raise ScenarioError(f"{where}: select: measure {row['measure']} needs "
                                f"{', '.join(sorted(need))}=..., got {row['select']!r}")
        if row["basis"] not in BASES:
            raise ScenarioError(f"{where}: basis: must be one of {', '.join(BASES)}, "
                                f"got {row['basis']!r}")
        tol = row["tolerance_pct"].strip()
        if row["basis"] == "context":
            tols.append(math.nan)
        else:
            try:
                tols.append(float(tol))
            except ValueError:
                raise ScenarioError(f"{where}: tolerance_pct: must be a number [%] for basis "
                                    f"{row['basis']}, got {tol!r}") from None
            if not tols[-1] > 0:
                raise ScenarioError(f"{where}: tolerance_pct: must be greater than 0 [%], "
                                    f"got {tol}")
        sels.append(sel)
    m["select"] = pd.Series(sels, index=m.index, dtype=object)
    m["tolerance_pct"] = pd.Series(tols, index=m.index, dtype=float)
    return m


def reference_table(map_path: Path | None = None,
                    reference_path: Path | None = None) -> pd.DataFrame:
    """The published side of the calibration table (needs no simulation).

    Columns: ``figure, published, unit, year, source, note, basis, tolerance_pct, why,
    measure, select``.
    """
    m = load_map(map_path)
    ref_path = Path(reference_path) if reference_path is not None else \
        (Path(map_path).parent if map_path is not None else data_dir()) / REFERENCE_FILE
    if not ref_path.is_file():
        raise ScenarioError(f"{ref_path}: file not found")
    ref = pd.read_csv(ref_path, dtype=str, keep_default_na=False)
    rows = []
    for i, row in enumerate(_records(m)):
        hit = ref[(ref["quantity"] == row["quantity"]) & (ref["year"] == row["year"])]
        where = f"{ref_path}: {row['quantity']} ({row['year']})"
        if len(hit) != 1:
            raise ScenarioError(f"{where}: must be exactly one row (asked for by "
                                f"{MAP_FILE} row {i + 2}), got {len(hit)}")
        r = hit.iloc[0]
        try:
            value = float(r["value"])
        except ValueError:
            raise ScenarioError(f"{where}: value: must be a number, got {r['value']!r}") \
                from None
        if not r["source"].strip():
            raise ScenarioError(f"{where}: source: must not be empty")
        rows.append({"figure": row["figure"], "published": value, "unit": r["unit"],
                     "year": r["year"], "source": r["source"], "note": r["note"],
                     "basis": row["basis"], "tolerance_pct": row["tolerance_pct"],
                     "why": row["why"], "measure": row["measure"], "select": row["select"]})
    return pd.DataFrame(rows)


def check_scenario(table: pd.DataFrame, scn: Scenario, where: str = MAP_FILE) -> None:
    """Raise :class:`ScenarioError` if a row selects a service or gateway ``scn`` lacks."""
    known = {"service": {s.id for s in scn.services}, "gateway": set(scn.gateways),
             "from": {nid for nid, _, _ in scn.iter_nodes()}}
    for row in _records(table):
        for key, values in row["select"].items():
            for v in values:
                if key in known and v not in known[key]:
                    raise ScenarioError(
                        f"{where}: {row['figure']}: select: {key} must be one of scenario "
                        f"{scn.name}'s {key if key != 'from' else 'node'}s, got {v!r}")


def calibration_table(res: Results, map_path: Path | None = None,
                      reference_path: Path | None = None) -> pd.DataFrame:
    """Published vs simulated, one row per figure of the calibration map.

    Adds ``simulated``, ``gap_pct`` ((simulated - published) / published, in %) and
    ``status``: ``within`` or ``outside`` the tolerance, or ``context`` (not judged);
    ``tests_model``: True only for ``behaviour`` rows, the figures that emerge from the
    dynamics. An ``inputs`` row within its tolerance shows the inputs were set from the
    figure, not that the model matches it (the held-out test is ``hubsim backtest``).
    """
    table = reference_table(map_path, reference_path)
    check_scenario(table, res.scenario)
    rows = _records(table)
    sim = [MEASURES[r["measure"]][1](res, r["select"]) for r in rows]
    table["simulated"] = sim
    table["gap_pct"] = (table["simulated"] - table["published"]) / table["published"] * 100
    status = []
    for r, gap in zip(rows, table["gap_pct"].to_numpy(dtype=float), strict=True):
        if r["basis"] == "context":
            status.append("context")
        else:
            status.append("within" if abs(gap) <= float(r["tolerance_pct"]) else "outside")
    table["status"] = status
    table["tests_model"] = table["basis"] == "behaviour"
    return table


# ------------------------------------------------------------------ command
DEFAULT_SCENARIO = "chongqing_2019.yaml"


def _default_scenario() -> Path:
    return bundled_scenario(DEFAULT_SCENARIO)


def _label(path: Path) -> str:
    try:
        # abspath, not resolve: scenarios/ at the repository root is a symlink, keep its name
        return Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def run_calibrate(path: Path | None = None, seed: int | None = None
                  ) -> tuple[pd.DataFrame, Results, str]:
    """Simulate for ``hubsim calibrate``: the calibration table, the run and the scenario's
    label (its path relative to the working directory); the command prints them with
    :mod:`hubsim.present.calibration_text`.

    The map is checked against the scenario before simulating, so a bad map or a scenario
    without the mapped services fails at once with a :class:`ScenarioError`.
    """
    from hubsim.api import load_scenario, simulate

    path = Path(path) if path is not None else _default_scenario()
    scn = load_scenario(path)
    check_scenario(reference_table(), scn)
    res = simulate(scn, seed=seed)
    return calibration_table(res), res, _label(path)
