"""What ``hubsim sweep`` prints: every point's targets judged against noise.

Per point and target: the threshold, the mean over the replications with its 95% confidence
interval, the verdict (``MET``, ``NOT MET``, or ``TOO CLOSE TO CALL`` when the interval holds
the threshold), the difference from the sweep's first point paired over the common
replication seeds, with its 95% interval and ``n.s.`` when that interval holds 0, and the
share of replications that met the target. A verdict that differs from the first point's on a
difference that is not significant reads ``(verdict change not significant)``. With one
replication per point nothing can be judged: the header says so, verdicts read ``MET (one
draw)`` and a verdict that flips gets a line suggesting ``--replications``. The judging is
:func:`hubsim.experiments.compare.sweep_targets`; this module only formats it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from hubsim.experiments.compare import (
    CHANGE_NOT_SIGNIFICANT,
    CHANGE_ONE_DRAW,
    ONE_DRAW,
    point_differences,
    sweep_targets,
)
from hubsim.present.comparison_text import NOT_SIGNIFICANT, SUGGESTED, plus_minus
from hubsim.present.tables import unit_of
from hubsim.present.text import format_interval, format_value, table

if TYPE_CHECKING:
    from hubsim.experiments.replicate import Experiment
    from hubsim.scenario.schema import Target

__all__ = ["LEGEND", "sweep_text"]

_CHANGE_NS = " (verdict change not significant)"

#: What the marks mean, printed under the table when points have replications.
LEGEND = (f"diff: from the first point, paired over the same replication seeds, ± its 95% "
          f"confidence interval; {NOT_SIGNIFICANT} = not significant (the interval holds 0); "
          "TOO CLOSE TO CALL = the 95% interval of the mean holds the target's threshold.")


def _diff_cell(d: Mapping[Any, Any], unit: str, first: bool, replicated: bool) -> str:
    if first:
        return "(first point)"
    if not replicated:
        return format_value(d["diff"], unit, signed=True)
    if pd.isna(d["ci95"]):
        return format_value(d["diff"], unit, signed=True) + " (no interval)"
    cell = plus_minus(d["diff"], d["ci95"], unit)
    sig = d["significant"]
    if not pd.isna(sig) and not sig:
        cell += f" {NOT_SIGNIFICANT}"
    return cell


def _point_rows(exp: Experiment, judged: pd.DataFrame, replicated: bool) -> list[list[str]]:
    first = int(judged["point"].min()) if len(judged) else 0
    rows = []
    for d in judged.to_dict("records"):
        unit = unit_of(str(d.get("kpi", "")))
        p_met = f"{d['p_met'] * 100:.0f}%"
        if replicated:
            p_met += f" [{d['p_met_low'] * 100:.0f}-{d['p_met_high'] * 100:.0f}%]"
        rows.append([*[str(d[p]) for p in exp.parameters], d["target"],
                     f"{d['sense']} {format_value(d['threshold'], unit)}",
                     format_value(d["mean"], unit),
                     format_interval(d["ci_low"], d["ci_high"], unit) if replicated else "-",
                     d["verdict"] + (_CHANGE_NS if d["change"] == CHANGE_NOT_SIGNIFICANT
                                     else ""),
                     _diff_cell(d, unit, int(d["point"]) == first, replicated),
                     str(d["n"]), p_met])
    return rows


def _kpi_rows(exp: Experiment, kpi: str, replicated: bool) -> list[list[str]]:
    """The plotted KPI (``--kpi``) per point, when no target reads it."""
    s = exp.kpi(kpi)
    diffs = point_differences(exp, kpi).set_index("point")
    first = int(s["point"].min()) if len(s) else 0
    rows = []
    for d in s.to_dict("records"):
        unit = str(d.get("unit", "")) or unit_of(kpi)
        p = int(d["point"])
        diff = diffs.loc[p].to_dict() if p in diffs.index else \
            {"diff": float("nan"), "ci95": float("nan"), "significant": pd.NA}
        rows.append([*[str(d[q]) for q in exp.parameters], format_value(d["mean"], unit),
                     format_interval(d["ci_low"], d["ci_high"], unit) if replicated else "-",
                     _diff_cell(diff, unit, p == first, replicated), str(d["n"])])
    return rows


def _flips(exp: Experiment, judged: pd.DataFrame, replications: int) -> list[str]:
    """A line per target whose verdict differs from the first point's at some point on a
    difference that cannot be told from noise."""
    if judged.empty:
        return []
    first = judged[judged["point"] == judged["point"].min()].set_index("target")["verdict"]
    lines = []
    for change in (CHANGE_ONE_DRAW, CHANGE_NOT_SIGNIFICANT):
        for target, rows in judged[judged["change"] == change].groupby("target", sort=False):
            where = "; ".join(
                f"{d['verdict']} at " + (", ".join(f"{q}={d[q]}" for q in exp.parameters))
                for d in rows.to_dict("records"))
            ref = str(first.get(target, ""))
            if change == CHANGE_ONE_DRAW:
                lines.append(f"Target {target}: {ref.removesuffix(ONE_DRAW)} at the first point, "
                             f"{where.replace(ONE_DRAW, '')} on one draw each: a single draw "
                             "cannot tell a verdict change from noise; rerun with "
                             f"--replications {SUGGESTED} (or more).")
            else:
                lines.append(f"Target {target}: {ref} at the first point, {where}, but the "
                             "difference is not significant: the verdict change is within the "
                             f"noise of {replications} replications.")
    return lines


def sweep_text(exp: Experiment, targets: Sequence[Target], replications: int,
               kpi: str | None = None) -> str:
    """The targets of every point of a sweep (``targets``: the scenario's), judged against
    noise, as ``hubsim sweep`` prints them; with ``kpi`` (``--kpi``) not read by any target,
    a second table of that KPI per point."""
    replicated = replications > 1
    judged = sweep_targets(exp, targets)
    if replicated:
        head = (f"Each point against the first, paired over the same {replications} "
                "replication seeds; means with 95% confidence intervals")
    else:
        head = ("One draw per point: no difference or verdict can be told from noise (use "
                "--replications N)")
    out = [head, table(_point_rows(exp, judged, replicated),
                       [*exp.parameters, "target", "threshold", "mean", "95% CI", "verdict",
                        "diff" + (" ± 95% CI" if replicated else ""), "n", "P(met)"],
                       align="r" * len(exp.parameters) + "lrrrlrrr")]
    if kpi is not None and kpi not in {t.kpi for t in targets if not t.hub}:
        out += ["", f"{kpi} (total):",
                table(_kpi_rows(exp, kpi, replicated),
                      [*exp.parameters, "mean", "95% CI",
                       "diff" + (" ± 95% CI" if replicated else ""), "n"],
                      align="r" * len(exp.parameters) + "rrrr")]
    notes = ([LEGEND] if replicated else []) + _flips(exp, judged, replications)
    if notes:
        out += ["", *notes]
    return "\n".join(out)
