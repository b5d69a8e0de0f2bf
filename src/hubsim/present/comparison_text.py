"""The side-by-side table ``hubsim compare`` prints for a
:class:`~hubsim.experiments.compare.Comparison`: each KPI of the base and every what-if, the
difference (with its 95% confidence interval over paired replications, ``n.s.`` when that
interval holds 0) and the relative difference, targets with their verdicts judged against
noise (``MET``, ``NOT MET``, ``TOO CLOSE TO CALL``; a verdict that differs from the base's on
a difference that is not significant says so). With one replication nothing can be judged:
the header line says so, and so does every verdict that flips."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from hubsim.experiments.compare import (
    CHANGE_NOT_SIGNIFICANT,
    CHANGE_ONE_DRAW,
    DEFAULT_REPLICATIONS,
    ONE_DRAW,
)
from hubsim.present.text import format_ratio, format_value, table

if TYPE_CHECKING:
    from hubsim.experiments.compare import Comparison

__all__ = ["LEGEND", "NOT_SIGNIFICANT", "SUGGESTED", "comparison_text", "plus_minus"]

#: The mark of a difference whose 95% confidence interval holds 0.
NOT_SIGNIFICANT = "n.s."
#: Replications suggested when one draw each cannot tell a verdict change from noise.
SUGGESTED = DEFAULT_REPLICATIONS


def _verdict(targets: dict[tuple[str, str], tuple[str, str]], scenario: str, target: str,
             is_target: bool) -> str:
    """`` MET`` / `` NOT MET`` / `` TOO CLOSE TO CALL`` (one draw: `` MET (one draw)``), and
    for a what-if whose verdict differs from the base's on a difference within the noise,
    `` (verdict change not significant)``."""
    if not is_target or (scenario, target) not in targets:
        return ""
    verdict, change = targets[(scenario, target)]
    note = " (verdict change not significant)" if change == CHANGE_NOT_SIGNIFICANT else ""
    return f" {verdict}{note}"


def plus_minus(diff: Any, ci: Any, unit: Any) -> str:
    """A difference and the half-width of its interval, the unit written once when both
    print in the same one.

    >>> plus_minus(6205, 3062.7, "TEU/yr"), plus_minus(0.056, 0.03, "fraction")
    ('+6,205 ± 3,063 TEU/yr', '+5.6 ± 3.0 pt')
    >>> plus_minus(0.49, 7.27, "h")
    '+29.4 min ± 7.27 h'
    """
    d = format_value(diff, unit, signed=True)
    c = f"{ci * 100:.1f} pt" if unit == "fraction" and not pd.isna(ci) \
        else format_value(ci, unit)
    d_num, _, d_unit = d.partition(" ")
    c_num, _, c_unit = c.partition(" ")
    if d_unit and d_unit == c_unit:
        return f"{d_num} ± {c_num} {d_unit}"
    return f"{d} ± {c}"


def _diff_cell(r: Mapping[Any, Any], w: str, replications: int) -> str:
    if replications < 2:
        return format_value(r[f"{w} diff"], r["unit"], signed=True)
    cell = plus_minus(r[f"{w} diff"], r[f"{w} ci95"], r["unit"])
    sig = r.get(f"{w} significant")
    if sig is not None and not pd.isna(sig) and not sig:
        cell += f" {NOT_SIGNIFICANT}"
    return cell


def _header(cmp: Comparison) -> str:
    scenarios = f"Base {cmp.base} against {', '.join(cmp.whatifs)}"
    common = (f"{cmp.days:g} measured days each, common random numbers (per year unless the "
              "unit says otherwise)")
    if cmp.replications == 1:
        return (f"{scenarios}: seed {cmp.seed}, {common}; one draw each: no difference or "
                "verdict can be told from noise (use --replications N)")
    return (f"{scenarios}: {cmp.replications} replications (seeds from {cmp.seed}), means, "
            f"{common}")


#: What the marks mean, printed under the table of a comparison with replications.
LEGEND = (f"± 95% confidence interval of the paired differences; {NOT_SIGNIFICANT} = not "
          "significant (the interval holds 0); TOO CLOSE TO CALL = the 95% interval of the "
          "mean holds the target's threshold.")


def _flips(cmp: Comparison, t: pd.DataFrame) -> list[str]:
    """One line per what-if target whose verdict differs from the base's on a difference
    that cannot be told from noise."""
    base = {g: v for s, g, v in zip(t["scenario"], t["target"], t["verdict"], strict=True)
            if s == cmp.base}
    lines = []
    for s, g, v, change in zip(t["scenario"], t["target"], t["verdict"], t["change"],
                               strict=True):
        if change == CHANGE_ONE_DRAW:
            lines.append(f"Target {g}: {base[g].removesuffix(ONE_DRAW)} in {cmp.base}, "
                         f"{v.removesuffix(ONE_DRAW)} in {s} on one draw each: a single draw "
                         "cannot tell a verdict change from noise; rerun with --replications "
                         f"{SUGGESTED} (or more).")
        elif change == CHANGE_NOT_SIGNIFICANT:
            lines.append(f"Target {g}: {base[g]} in {cmp.base}, {v} in {s}, but the "
                         "difference is not significant: the verdict change is within the "
                         f"noise of {cmp.replications} replications.")
    return lines


def comparison_text(cmp: Comparison) -> str:
    """The side-by-side table of a :class:`~hubsim.experiments.compare.Comparison`, as
    printed by ``hubsim compare``: a header line (seeds and days; with one replication, that
    one draw each judges nothing), the table, then what the marks mean (with replications)
    and a line for each verdict that differs from the base's on a difference that cannot be
    told from noise."""
    t = cmp.targets
    verdicts = {(s, g): (v, c) for s, g, v, c in
                zip(t["scenario"], t["target"], t["verdict"], t["change"], strict=True)}
    header = ["kpi", "scope", "key", cmp.base]
    for w in cmp.whatifs:
        header += [w, "diff" if cmp.replications == 1 else "diff ± 95% CI", "rel"]
    rows = []
    for r in cmp.table.to_dict("records"):
        target = r["scope"] == "target"
        row = [r["kpi"], r["scope"], r["key"], format_value(r[cmp.base], r["unit"])
               + _verdict(verdicts, cmp.base, r["key"], target)]
        for w in cmp.whatifs:
            row += [format_value(r[w], r["unit"]) + _verdict(verdicts, w, r["key"], target),
                    _diff_cell(r, w, cmp.replications), format_ratio(r[f"{w} rel"])]
        rows.append(row)
    out = [_header(cmp), table(rows, header, align="lll" + "r" * (len(header) - 3))]
    notes = ([LEGEND] if cmp.replications > 1 else []) + _flips(cmp, t)
    if notes:
        out += ["", *notes]
    return "\n".join(out)
