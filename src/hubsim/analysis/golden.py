"""Golden files: the stored expected KPIs of a scenario, read, written and compared.

A golden file ``expected/<scenario file stem>.csv`` holds, for one scenario, the mean and the
standard deviation over a fixed set of seeds of every KPI in :data:`GOLDEN_KPIS`, plus a header
recording the seeds, the warm-up and measured days, the hubsim version and the scenario file's
sha256. ``hubsim check`` (:mod:`hubsim.experiments.golden`) reruns the scenario with the file's
seeds, warm-up and measured days and compares the new mean of each KPI with the stored one
(:func:`compare`); this module does no simulation.

Tolerance rule (one KPI, ``n`` seeds, ``sd_golden`` and ``sd_now`` the sample standard
deviations over the seeds in the golden file and in the rerun)::

    |mean_now - mean_golden| <= max(Z * sqrt((sd_golden**2 + sd_now**2) / n),
                                    REL_FLOOR * |mean_golden|, ABS_FLOOR)

The square root is the standard error of the difference of two means of ``n`` replications,
with the spread pooled from both sets of runs (a two-sample t statistic with ``2n - 2``
degrees of freedom: four seeds alone would estimate it too poorly, and a KPI that happened to
be zero on every golden seed, such as a rare queue, gets its spread from the rerun). A change
of the code that only reshuffles random draws (statistically the same model) mostly stays
within ``Z`` standard errors (with about a hundred KPIs per scenario, a heavy-tailed one can
still cross now and then: README, Regression checks, has measured rates), while a change of
the model's behaviour moves the KPIs beyond them. A
KPI with no spread at all (fixed timetables, no yard wait) falls back on the floors, which
only absorb rounding in the file (six significant digits, relative error 5e-6) and
floating-point differences between machines. With unchanged code and the same seeds hubsim
reproduces its numbers exactly, so an unchanged tree always passes.

The file is plain sorted CSV behind ``#`` header lines, so ``git diff`` of a regenerated file
is what a reviewer reads.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hubsim.atomic import atomic_write
from hubsim.catalogue import CATALOGUE
from hubsim.errors import GoldenError
from hubsim.version import __version__

__all__ = [
    "ABS_FLOOR",
    "COLUMNS",
    "GOLDEN_KPIS",
    "REL_FLOOR",
    "SIG_DIGITS",
    "Golden",
    "Z",
    "compare",
    "golden_path",
    "read_golden",
    "summarise_seeds",
    "tolerance",
    "write_golden",
]

#: KPIs stored in golden files (every scope and key of each): the catalogue's entries marked
#: ``golden`` (see :mod:`hubsim.catalogue`): the targets' KPIs, channel TEU and international
#: tonnes by corridor, mode and direction, hub lifts, equipment use and queueing, yard use,
#: dwell, waits for yard room and depot use, per hub area berth occupancy, utilisation, waits,
#: handling time and crane intensity, per lock link the services' mean wait and the passages,
#: service load factors, door-to-door times, cost, CO2 and the backlog at the end. Tail
#: statistics (p50, p95, max, end levels) are left out: they are noisy over a few short
#: replications and add little a mean does not show.
GOLDEN_KPIS = tuple(k.name for k in CATALOGUE.values() if k.golden)
#: standard errors of the difference of means a KPI may move before the check fails
Z = 5.0
#: relative floor: rounding to six significant digits in the file, floating-point noise
REL_FLOOR = 1e-5
#: absolute floor, in the KPI's own unit, for KPIs near zero
ABS_FLOOR = 1e-6
SIG_DIGITS = 6
COLUMNS = ["kpi", "scope", "key", "unit", "mean", "sd"]
_HEADER = re.compile(r"^# ([a-z_0-9]+): (.*)$")


@dataclass(frozen=True)
class Golden:
    """The expected KPIs of one scenario and how they were produced.

    ``table`` has the columns of :data:`COLUMNS`, one row per KPI, sorted by kpi, scope, key.
    """

    scenario: str
    seeds: tuple[int, ...]
    warmup_days: float
    measured_days: float
    table: pd.DataFrame
    hubsim_version: str = __version__
    scenario_sha256: str = ""


def golden_path(scenario_path: str | Path, expected_dir: str | Path) -> Path:
    """``expected_dir/<stem of the scenario file>.csv``."""
    return Path(expected_dir) / f"{Path(scenario_path).stem}.csv"


def tolerance(mean: float, sd: float, n: int, sd_now: float = 0.0) -> float:
    """Largest change of a KPI's mean over ``n`` seeds the check accepts (see module doc).

    ``sd`` is the spread over the golden seeds, ``sd_now`` over the rerun's.
    """
    var = sum(x * x for x in (sd, sd_now) if not math.isnan(x))
    spread = Z * math.sqrt(var / n) if n > 0 else 0.0
    rel = REL_FLOOR * abs(mean) if not math.isnan(mean) else 0.0
    return max(spread, rel, ABS_FLOOR)


def summarise_seeds(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Mean and sd over seeds of the golden KPIs (``frames``: one KPI table per seed).

    Columns of :data:`COLUMNS`, sorted by kpi, scope, key; ``sd`` is the sample standard
    deviation (0 with fewer than two values).
    """
    allk = pd.concat(frames, ignore_index=True)
    grouped = allk.groupby(["kpi", "scope", "key", "unit"], sort=True, dropna=False)["value"]
    # a KPI that is NaN on some seeds (no delivery on that corridor in the window) keeps the
    # mean and sd of the others; one that is NaN on every seed stays NaN
    out = grouped.agg(mean="mean", sd="std").reset_index()
    out["sd"] = out["sd"].fillna(0.0)
    return out[COLUMNS].sort_values(["kpi", "scope", "key"], kind="stable") \
        .reset_index(drop=True)


def _round(x: float) -> str:
    if math.isnan(x):
        return "nan"
    text = f"{x:.{SIG_DIGITS}g}"
    return "0" if text == "-0" else text


def write_golden(path: str | Path, golden: Golden) -> Path:
    """Write ``golden`` to ``path`` atomically (:func:`hubsim.atomic.atomic_write`: a reader sees
    the old file or the new one, never half of either; it replaces an existing golden file)."""
    path = Path(path)
    buf = io.StringIO()
    buf.write("# Golden KPIs of hubsim (README, Regression checks); regenerate them with\n"
              "# hubsim check --update SCENARIO... and review the diff.\n")
    meta = {
        "scenario": golden.scenario,
        "scenario_sha256": golden.scenario_sha256,
        "hubsim_version": golden.hubsim_version,
        "seeds": " ".join(str(s) for s in golden.seeds),
        "warmup_days": f"{golden.warmup_days:g}",
        "measured_days": f"{golden.measured_days:g}",
        "tolerance": f"|mean_now - mean| <= max({Z:g} * sqrt((sd^2 + sd_now^2)/n), "
                     f"{REL_FLOOR:g} * |mean|, {ABS_FLOOR:g})",
    }
    for key, value in meta.items():
        buf.write(f"# {key}: {value}\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    table = golden.table.sort_values(["kpi", "scope", "key"], kind="stable")
    for row in table.to_dict("records"):
        writer.writerow([row["kpi"], row["scope"], row["key"], row["unit"],
                         _round(row["mean"]), _round(row["sd"])])
    path.parent.mkdir(parents=True, exist_ok=True)
    text = buf.getvalue()

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8", newline="")

    return atomic_write(path, write, replace=True)


def _split_file(path: Path) -> tuple[dict[str, str], list[str]]:
    """The ``# key: value`` header lines of a golden file and its non-blank table lines."""
    meta: dict[str, str] = {}
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            m = _HEADER.match(line)
            if m:
                meta[m.group(1)] = m.group(2).strip()
        elif line.strip():
            body.append(line)
    return meta, body


def _parse_header(path: Path, meta: dict[str, str]) -> tuple[tuple[int, ...], float, float]:
    """The seeds, warm-up days and measured days of a golden file's header, checked."""
    for key in ("scenario", "seeds", "warmup_days", "measured_days"):
        if key not in meta:
            raise GoldenError(f"{path}: header line '# {key}: ...' is missing")
    try:
        seeds = tuple(int(s) for s in meta["seeds"].split())
        warmup = float(meta["warmup_days"])
        days = float(meta["measured_days"])
    except ValueError as exc:
        raise GoldenError(f"{path}: bad header value ({exc})") from None
    if not seeds or days <= 0 or warmup < 0:
        raise GoldenError(f"{path}: header needs at least one seed, measured_days > 0 and "
                          f"warmup_days >= 0, got seeds {meta['seeds']!r}, measured_days "
                          f"{meta['measured_days']}, warmup_days {meta['warmup_days']}")
    return seeds, warmup, days


def _parse_row(path: Path, i: int, cells: list[str]) -> list[str | float]:
    """One table row of a golden file (``i``: its line in the table), mean and sd as floats."""
    if len(cells) != len(COLUMNS):
        raise GoldenError(f"{path}: table row {i}: expected {len(COLUMNS)} cells, "
                          f"got {len(cells)}")
    try:
        mean, sd = float(cells[4]), float(cells[5])
    except ValueError:
        raise GoldenError(f"{path}: table row {i}: mean and sd must be numbers, got "
                          f"{cells[4]!r}, {cells[5]!r}") from None
    return [*cells[:4], mean, sd]


def _parse_table(path: Path, body: list[str]) -> pd.DataFrame:
    """The KPI table of a golden file (columns of :data:`COLUMNS`) from its table lines."""
    reader = csv.reader(body)
    header = next(reader, None)
    if header != COLUMNS:
        raise GoldenError(f"{path}: the table must start with the columns "
                          f"{','.join(COLUMNS)}, got {','.join(header or [])!r}")
    rows = [_parse_row(path, i, cells) for i, cells in enumerate(reader, start=2)]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"mean": float, "sd": float})


def read_golden(path: str | Path) -> Golden:
    """Read a golden file; :class:`GoldenError` naming the file if it is missing or malformed."""
    path = Path(path)
    if not path.is_file():
        raise GoldenError(f"{path}: no golden file")
    meta, body = _split_file(path)
    seeds, warmup, days = _parse_header(path, meta)
    table = _parse_table(path, body)
    return Golden(scenario=meta["scenario"], seeds=seeds, warmup_days=warmup,
                  measured_days=days, table=table,
                  hubsim_version=meta.get("hubsim_version", ""),
                  scenario_sha256=meta.get("scenario_sha256", ""))


def compare(golden: Golden, now: pd.DataFrame) -> pd.DataFrame:
    """Compare the KPI means measured now (``now``: columns of :data:`COLUMNS`, as from
    :func:`measure`) with the golden ones.

    Returns one row per KPI in either table, columns ``kpi, scope, key, unit, golden, sd, now,
    change, tol, status`` with ``status`` one of ``ok``, ``moved`` (beyond tolerance),
    ``missing`` (in the golden file, not produced now) and ``new`` (produced now, not in the
    golden file: reported, not a failure).
    """
    keys = ["kpi", "scope", "key"]
    g = golden.table.rename(columns={"mean": "golden"})
    m = now[[*keys, "unit", "mean", "sd"]].rename(
        columns={"mean": "now", "unit": "unit_now", "sd": "sd_now"})
    both = g.merge(m, on=keys, how="outer", indicator="side", sort=True)
    n = len(golden.seeds)
    rows = []
    for r in both.to_dict("records"):
        unit = r["unit"] if isinstance(r["unit"], str) else r["unit_now"]
        golden_mean, now_mean = float(r["golden"]), float(r["now"])
        if r["side"] == "left_only":
            status, tol, change = "missing", float("nan"), float("nan")
        elif r["side"] == "right_only":
            status, tol, change = "new", float("nan"), float("nan")
        else:
            tol = tolerance(golden_mean, float(r["sd"]), n, float(r["sd_now"]))
            if math.isnan(golden_mean) or math.isnan(now_mean):
                change = float("nan")
                status = "ok" if math.isnan(golden_mean) and math.isnan(now_mean) else "moved"
            else:
                change = now_mean - golden_mean
                status = "ok" if abs(change) <= tol else "moved"
        rows.append({"kpi": r["kpi"], "scope": r["scope"], "key": r["key"], "unit": unit,
                     "golden": r["golden"], "sd": r["sd"], "now": r["now"], "change": change,
                     "tol": tol, "status": status})
    return pd.DataFrame(rows, columns=["kpi", "scope", "key", "unit", "golden", "sd", "now",
                                       "change", "tol", "status"])
