"""Back-test: fit the demand on 2019-2021, simulate 2022 and 2023, compare what was published.

The data file ``data/backtest.csv`` holds one row per published figure: ``id``, ``figure``,
``year``, ``months`` (``1-12`` for a year, ``1-10`` for January to October, ...),
``published`` and ``unit``, ``role``, ``group`` (fit rows), ``measure`` and ``select`` (what
is simulated for it, see :data:`MEASURES`), ``source``, ``reliability`` (H official, M
secondary or derived, L weak), ``definition`` (how the published figure counts and how the
model is made to count the same) and ``gap`` (why a gap beyond :data:`EXPLAIN_PCT` exists:
``definition: ...``, ``data: ...`` or ``model: ...``). Roles:

* ``fit``: a 2019-2021 figure the demand is fitted to (never a test of the model);
* ``held_out``: a 2022-2023 outcome the fit did not use: the test;
* ``context``: a figure of another scope, shown with its gap, not judged;
* ``input``: a figure that sets an input of the historical scenarios (never a test).

**The fit.** The demand rows fall into four groups by where they cross (:func:`group_of`):
``cre`` (the China-Europe trains from the city's zones), ``south`` (the land-sea corridor's
three modes), ``yangtze`` (every box over Guoyuan's quay: the river, rail-water from
Chengdu and Yangtze-CRE transit) and ``air``. Each group's yearly volume follows
``level x (1 + growth) ** (year - 2021)``; ``level`` and ``growth`` are the least-squares
line through the logarithms of its fit figures (each first turned into a yearly volume: a
partial year divided by the share of the year's demand its months hold under the scenario's
own monthly profiles). A group with figures in one year only keeps ``growth = 0`` (it cannot
be estimated). Seven parameters in all on the bundled data; nothing from 2022 or 2023 enters.

**The runs.** Each year's scenario (:data:`SCENARIOS`: the 2022 and 2023 service levels
published, the network as planned) has every demand row of a group scaled by the fitted
volume of that year over the group's volume in the scenario, then runs ``replications``
times (seeds as ``hubsim run``). Every figure of that year is measured over its own months
of the simulated calendar year (the measured window starts on 1 January). A held-out
figure's error is (simulated mean - published) / published; the mean absolute percentage
error over the held-out figures sums the back-test up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubsim.analysis.definitions import CRE_CORRIDORS, CRE_TEU
from hubsim.analysis.stats import t_half_width
from hubsim.errors import ExperimentError, ScenarioError
from hubsim.scenario.schema import Demand, Scenario

__all__ = ["EXPLAIN_PCT", "GROUPS", "MEASURES", "SCENARIOS", "Backtest", "GroupFit",
           "backtest", "check_selects", "demand_changes", "fit_growth", "group_of",
           "load_figures", "measure"]

DATA_FILE = "backtest.csv"
COLUMNS = ["id", "figure", "year", "months", "published", "unit", "role", "group", "measure",
           "select", "source", "reliability", "definition", "gap"]
ROLES = ("fit", "held_out", "context", "input")
GROUPS = ("cre", "south", "yangtze", "air")
#: the year the fitted level refers to
REFERENCE_YEAR = 2021
#: the historical scenario of each simulated year
SCENARIOS = {2021: "chongqing_2021.yaml", 2022: "chongqing_2022_actual.yaml",
             2023: "chongqing_2023.yaml"}
#: a held-out gap beyond this share (%) must be explained in the data file's ``gap`` column
EXPLAIN_PCT = 15.0
SELECT_KEYS = {"corridor", "gateway", "mode", "direction", "hub", "international", "area",
               "service", "from"}
#: the selection keys a measure cannot do without
NEEDS = {"area_lifts": {"area"}, "vehicle_trips": {"service"}}
#: where a gap beyond EXPLAIN_PCT comes from
GAP_KINDS = ("definition", "data", "model")

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_START = tuple(accumulate((0, *_MONTH_DAYS)))


# --------------------------------------------------------------------------- data
def _months(text: str) -> tuple[int, int]:
    first, sep, last = text.partition("-")
    a, b = int(first), int(last if sep else first)
    if not 1 <= a <= b <= 12:
        raise ValueError
    return a, b


def _select(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in text.split():
        key, sep, values = part.partition("=")
        if not sep or not values or key not in SELECT_KEYS:
            raise ValueError(f"{part!r}: must be key=value[+value...] with a key of "
                             f"{', '.join(sorted(SELECT_KEYS))}")
        out[key] = values.split("+")
    return out


def load_figures(path: Path | None = None) -> pd.DataFrame:
    """Read and check the back-test's published figures (``data/backtest.csv``); a bad row
    raises :class:`~hubsim.errors.ScenarioError` naming the file, the row and the field."""
    from hubsim.experiments.calibration import read_data_table

    path, t = read_data_table(path, DATA_FILE, COLUMNS)
    months, sels, values, years = [], [], [], []
    records: list[dict[str, str]] = [{str(k): str(v) for k, v in r.items()}
                                     for r in t.to_dict("records")]
    for i, r in enumerate(records):
        where = f"{path}: row {i + 2} ({r['id']})"
        try:
            months.append(_months(r["months"]))
        except ValueError:
            raise ScenarioError(f"{where}: months: must be M or M-N with 1 <= M <= N <= 12, "
                                f"got {r['months']!r}") from None
        try:
            sels.append(_select(r["select"]))
        except ValueError as exc:
            raise ScenarioError(f"{where}: select: {exc}") from None
        try:
            values.append(float(r["published"]))
            years.append(int(r["year"]))
        except ValueError:
            raise ScenarioError(f"{where}: published and year: must be numbers, got "
                                f"{r['published']!r} and {r['year']!r}") from None
        _check_row(where, r)
    t["months"] = pd.Series(months, index=t.index, dtype=object)
    t["select"] = pd.Series(sels, index=t.index, dtype=object)
    t["published"], t["year"] = values, years
    if t["id"].duplicated().any():
        raise ScenarioError(f"{path}: id: must be unique, got "
                            f"{sorted(set(t.loc[t['id'].duplicated(), 'id']))}")
    return t


def _check_row(where: str, r: dict[str, str]) -> None:
    if r["role"] not in ROLES:
        raise ScenarioError(f"{where}: role: must be one of {', '.join(ROLES)}, got "
                            f"{r['role']!r}")
    if r["role"] == "fit" and r["group"] not in GROUPS:
        raise ScenarioError(f"{where}: group: a fit row needs one of {', '.join(GROUPS)}, "
                            f"got {r['group']!r}")
    if r["role"] == "fit" and int(r["year"]) > REFERENCE_YEAR:
        raise ScenarioError(f"{where}: year: a fit row must be {REFERENCE_YEAR} or earlier "
                            f"(2022 and 2023 are held out), got {r['year']}")
    if r["role"] != "input" and r["measure"] not in MEASURES:
        raise ScenarioError(f"{where}: measure: must be one of {', '.join(MEASURES)}, got "
                            f"{r['measure']!r}")
    need = NEEDS.get(r["measure"], set()) - set(_select(r["select"]))
    if r["role"] != "input" and need:
        raise ScenarioError(f"{where}: select: measure {r['measure']} needs "
                            f"{', '.join(sorted(need))}=..., got {r['select']!r}")
    if not r["source"].strip():
        raise ScenarioError(f"{where}: source: must not be empty")
    kind = r["gap"].partition(":")[0].strip()
    if r["gap"].strip() and kind not in GAP_KINDS:
        raise ScenarioError(f"{where}: gap: must start with one of "
                            f"{', '.join(k + ':' for k in GAP_KINDS)}, got {r['gap'][:30]!r}")


# --------------------------------------------------------------------------- the fit
def group_of(scn: Scenario, d: Demand) -> str | None:
    """The fit group of a demand row (see the module docstring); None when it crosses no
    gateway."""
    if d.cargo == "air":
        return "air"
    corridors = {scn.gateways[n].corridor for n in (d.origin, d.destination)
                 if n in scn.gateways}
    if corridors & {"east", "inland"}:
        return "yangtze"
    if corridors & set(CRE_CORRIDORS):
        return "cre"
    if "south" in corridors:
        return "south"
    return None


def _rows(scn: Scenario, group: str) -> list[int]:
    return [i for i, d in enumerate(scn.demand) if group_of(scn, d) == group]


def group_volume(scn: Scenario, group: str) -> float:
    """The group's yearly demand in the unit its figures count: CRE trains (TEU / 82),
    tonnes of air cargo, TEU otherwise."""
    total = sum(scn.demand[i].volume_per_year for i in _rows(scn, group))
    return total / CRE_TEU if group == "cre" else total


def season_share(scn: Scenario, group: str, months: tuple[int, int]) -> float:
    """The share of the group's yearly demand that its rows' monthly profiles put in
    ``months`` (1 for the whole year)."""
    inside = total = 0.0
    for i in _rows(scn, group):
        d = scn.demand[i]
        for m, (f, days) in enumerate(zip(scn.monthly_factors(d), _MONTH_DAYS, strict=True)):
            w = d.volume_per_year * f * days
            total += w
            inside += w if months[0] <= m + 1 <= months[1] else 0.0
    return inside / total if total else math.nan


@dataclass(frozen=True)
class GroupFit:
    """One group's fitted demand: ``level`` (yearly, in the group's unit) in 2021 and
    ``growth`` a year (None: one year of figures, held at zero); ``points``: the yearly
    volumes it was fitted to, ``(year, value)``."""

    group: str
    level: float
    growth: float | None
    points: tuple[tuple[int, float], ...]

    def at(self, year: int) -> float:
        """The fitted yearly volume of ``year``."""
        return self.level * (1.0 + (self.growth or 0.0)) ** (year - REFERENCE_YEAR)


def fit_growth(figures: pd.DataFrame, scn: Scenario) -> dict[str, GroupFit]:
    """Least squares on the logarithm of each group's fit figures (module docstring);
    ``scn`` gives the groups' rows and monthly profiles."""
    fits = {}
    rows = figures[figures["role"] == "fit"]
    for group in GROUPS:
        g = rows[rows["group"] == group]
        if g.empty:
            raise ExperimentError(f"back-test: no fit figure for group {group}")
        if not _rows(scn, group):
            raise ExperimentError(f"back-test: scenario {scn.name} has no demand row of group "
                                  f"{group}")
        pts = tuple((int(r["year"]), float(r["published"]) / season_share(scn, group,
                                                                            r["months"]))
                    for r in g.to_dict("records"))
        years = np.array([y for y, _ in pts], dtype=float) - REFERENCE_YEAR
        logs = np.log([v for _, v in pts])
        if len(set(years)) >= 2:
            slope, intercept = np.polyfit(years, logs, 1)
            fits[group] = GroupFit(group, float(np.exp(intercept)),
                                   float(np.exp(slope) - 1.0), pts)
        else:
            fits[group] = GroupFit(group, float(np.exp(logs.mean())), None, pts)
    return fits


def demand_changes(scn: Scenario, fits: dict[str, GroupFit], year: int) \
        -> tuple[dict[str, str], dict[str, float]]:
    """The changes scaling each group's demand rows to its fitted volume of ``year``
    (``demand.<i>.teu_per_year`` and ``.tonnes_per_year``), and the factor per group."""
    changes: dict[str, str] = {}
    factors: dict[str, float] = {}
    for group, fit in fits.items():
        have = group_volume(scn, group)
        if not have > 0:
            continue
        factors[group] = f = fit.at(year) / have
        for i in _rows(scn, group):
            for fld in ("teu_per_year", "tonnes_per_year"):
                if getattr(scn.demand[i], fld):
                    changes[f"demand.{i}.{fld}"] = f"x{f:.6g}"
    return changes, factors


# --------------------------------------------------------------------------- measures
def _span(res: Any, months: tuple[int, int]) -> tuple[float, float]:
    start = res.window.start_h
    return start + _MONTH_START[months[0] - 1] * 24.0, start + _MONTH_START[months[1]] * 24.0


def _in(t: pd.Series, span: tuple[float, float]) -> pd.Series:
    return (t >= span[0]) & (t < span[1])


def _crossings(res: Any, sel: dict[str, list[str]], span: tuple[float, float]) -> pd.DataFrame:
    c = res.crossings
    c = c[_in(c["t_h"], span)]
    for key in ("corridor", "gateway", "mode", "direction"):
        if key in sel:
            c = c[c[key].isin(sel[key])]
    if "hub" in sel:
        ends = c["link"].str.split(":").str[0].str.split("-")
        c = c[np.array([bool(set(e) & set(sel["hub"])) for e in ends], dtype=bool)]
    if sel.get("international") == ["yes"]:
        c = c[c["international"]]
    return c


def _cre_trains(res: Any, sel: dict[str, list[str]], span: tuple[float, float]) -> float:
    c = _crossings(res, {**sel, "corridor": list(CRE_CORRIDORS), "mode": ["rail"]}, span)
    return float(c["teu"].sum()) / CRE_TEU


def _air_tonnes(res: Any, sel: dict[str, list[str]], span: tuple[float, float]) -> float:
    c = _crossings(res, sel, span)
    return float(c.loc[c["teu"] == 0, "tonnes"].sum())


def _area_lifts(res: Any, sel: dict[str, list[str]], span: tuple[float, float]) -> float:
    ev = res.events
    hub, _, mode = sel["area"][0].partition(":")
    lifts = ev[_in(ev["t_h"], span) & ev["event"].isin(["lift_on", "lift_off"])
               & (ev["node"] == hub)]
    modes = lifts["link"].map(res.links["mode"]).astype(str)
    return float(lifts.loc[(modes == mode).to_numpy(), "teu"].sum())


def _vehicle_trips(res: Any, sel: dict[str, list[str]], span: tuple[float, float]) -> float:
    tr = res.trips
    tr = tr[_in(tr["depart_h"], span) & tr["service"].isin(sel["service"])]
    if "from" in sel:
        tr = tr[tr["from"].isin(sel["from"])]
    return float(tr["vehicles"].sum())


#: measure -> function of (results, selection, (start_h, end_h)) -> the count over the span
MEASURES: dict[str, Callable[[Any, dict[str, list[str]], tuple[float, float]], float]] = {
    "crossing_teu": lambda res, sel, span: float(_crossings(res, sel, span)["teu"].sum()),
    "cre_trains": _cre_trains,
    "air_tonnes": _air_tonnes,
    "area_lifts": _area_lifts,
    "vehicle_trips": _vehicle_trips,
}


def measure(res: Any, row: dict[str, Any]) -> float:
    """A figure's simulated value: its measure over its months of the simulated year (NaN
    when a run shorter than a year ends before them)."""
    span = _span(res, row["months"])
    if span[1] > res.window.end_h + 1e-6:
        return math.nan
    return MEASURES[row["measure"]](res, row["select"], span)


def backtest_task(task: tuple[Scenario, int, float | None, list[dict[str, Any]]]) \
        -> dict[str, float]:
    """What a worker runs: one year's scenario with one seed (``days`` measured, None: the
    scenario's year), every figure of that year measured."""
    from hubsim.api import simulate

    scn, seed, days, rows = task
    res = simulate(scn, seed=seed, days=days)
    return {r["id"]: measure(res, r) for r in rows}


# --------------------------------------------------------------------------- the back-test
@dataclass
class Backtest:
    """Outcome of :func:`backtest`.

    ``table``: one row per figure of the simulated years and every fit figure: published,
    simulated mean with its 95% interval, ``error_pct``, ``explained``; ``fits``: each
    group's level, growth and the volumes it was fitted to; ``factors``: per year and group,
    the scale from the scenario's demand to the fitted one; ``mape``: the mean absolute
    percentage error over the held-out figures, ``held_out`` their number.
    """

    table: pd.DataFrame
    fits: pd.DataFrame
    factors: pd.DataFrame
    mape: float
    held_out: int
    replications: int
    years: tuple[int, ...]
    seeds: dict[int, list[int]] = field(default_factory=dict)


def check_selects(scn: Scenario, rows: Sequence[Mapping[Any, Any]]) -> None:
    """Raise :class:`~hubsim.errors.ScenarioError` when a figure selects a hub, area,
    service, gateway, corridor or node that scenario ``scn`` lacks (it would count 0)."""
    nodes = {nid for nid, _, _ in scn.iter_nodes()}
    known = {"hub": set(scn.hubs), "service": {sv.id for sv in scn.services},
             "gateway": set(scn.gateways), "from": nodes,
             "corridor": {g.corridor for g in scn.gateways.values()},
             "area": {f"{h}:{m}" for h, hub in scn.hubs.items() for m in hub.areas}
             | {f"{h}:shared" for h, hub in scn.hubs.items() if hub.equipment}}
    for r in rows:
        for key, values in r["select"].items():
            bad = [v for v in values if key in known and v not in known[key]]
            if bad:
                raise ScenarioError(
                    f"{DATA_FILE}: {r['id']}: select: {key} must be one of scenario "
                    f"{scn.name}'s ({', '.join(sorted(known[key]))}), got {', '.join(bad)}")


def _scenario(year: int) -> Scenario:
    from hubsim.api import load_scenario
    from hubsim.scenario.loader import bundled_scenario

    return load_scenario(bundled_scenario(SCENARIOS[year]))


def backtest(replications: int = 3, years: Sequence[int] = (2021, 2022, 2023), *,
             days: float | None = None, figures: pd.DataFrame | None = None,
             executor: Any = None) -> Backtest:
    """Fit on 2019-2021, run each year of ``years`` ``replications`` times, compare (module
    docstring). ``days``: measured days per run (default the scenario's year; figures whose
    months end later are left out); ``executor``: an
    :class:`~hubsim.experiments.executors.Executor` (default: in this process)."""
    from hubsim.api import apply_changes
    from hubsim.experiments.executors import SerialExecutor
    from hubsim.experiments.params import replication_seed

    if replications < 2:
        raise ExperimentError(f"--replications must be at least 2 for an interval, got "
                              f"{replications}")
    unknown = sorted(set(years) - set(SCENARIOS))
    if unknown:
        raise ExperimentError(f"--years: must be among {sorted(SCENARIOS)}, got {unknown}")
    figs = load_figures() if figures is None else figures
    fits = fit_growth(figs, _scenario(REFERENCE_YEAR + 1))
    tasks, factors, seeds = [], [], {}
    for year in years:
        scn = _scenario(year)
        changes, f = demand_changes(scn, fits, year)
        factors += [{"year": year, "group": g, "factor": v} for g, v in f.items()]
        scaled = apply_changes(scn, changes)
        rows = [r for r in figs.to_dict("records") if r["year"] == year
                and r["role"] != "input"]
        check_selects(scn, rows)
        seeds[year] = [replication_seed(scn.run.seed, i) for i in range(replications)]
        tasks += [(year, (scaled, s, days, rows)) for s in seeds[year]]
    values: dict[str, list[float]] = {}
    ex = executor or SerialExecutor()
    for i, ok, out in ex.map_unordered(backtest_task, [t for _, t in tasks]):
        if not ok:
            raise ExperimentError(f"back-test run {tasks[i][0]} seed {tasks[i][1][1]} "
                                  f"failed: {out}")
        for fid, v in out.items():
            if not math.isnan(v):
                values.setdefault(fid, []).append(v)
    table = _table(figs, values, years)
    held = table[table["role"] == "held_out"]["error_pct"].dropna()
    return Backtest(table=table, fits=_fit_table(fits), factors=pd.DataFrame(factors),
                    mape=float(held.abs().mean()) if len(held) else math.nan,
                    held_out=len(held), replications=replications, years=tuple(years),
                    seeds=seeds)


def _interval(v: list[float]) -> tuple[float, float, float]:
    """Mean and 95% t interval of the replications' values (NaN for fewer than two)."""
    if len(v) < 2:
        return (math.nan,) * 3
    m = float(np.mean(v))
    h = float(t_half_width(np.std(v, ddof=1), len(v)))
    return m, m - h, m + h


def _table(figs: pd.DataFrame, values: dict[str, list[float]],
           years: Sequence[int]) -> pd.DataFrame:
    rows = []
    for r in figs.to_dict("records"):
        if r["role"] != "fit" and (r["year"] not in years or (r["id"] not in values
                                                              and r["role"] != "input")):
            continue
        v = values.get(r["id"], [])
        mean, lo, hi = _interval(v)
        err = (mean - r["published"]) / r["published"] * 100 if v else math.nan
        explained = not (r["role"] == "held_out" and abs(err) > EXPLAIN_PCT
                         and not r["gap"].strip())
        rows.append({"id": r["id"], "figure": r["figure"], "year": r["year"],
                     "months": "{}-{}".format(*r["months"]), "role": r["role"],
                     "published": r["published"], "unit": r["unit"], "simulated": mean,
                     "ci_low": lo, "ci_high": hi, "error_pct": err,
                     "gap_kind": r["gap"].partition(":")[0].strip() if abs(err) > EXPLAIN_PCT
                     else "", "gap": r["gap"], "explained": explained,
                     "reliability": r["reliability"], "source": r["source"],
                     "definition": r["definition"], "n": len(v)})
    return pd.DataFrame(rows)


def _fit_table(fits: dict[str, GroupFit]) -> pd.DataFrame:
    return pd.DataFrame([{
        "group": f.group, "level_2021": f.level, "growth": f.growth,
        "points": "; ".join(f"{y}: {v:,.0f}" for y, v in f.points),
        "fitted_2022": f.at(2022), "fitted_2023": f.at(2023)} for f in fits.values()])
