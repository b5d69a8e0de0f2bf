"""The side-by-side table ``hubsim compare`` prints for a
:class:`~hubsim.experiments.compare.Comparison`: each KPI of the base and every what-if, the
difference (with its 95% confidence interval over paired replications, ``n.s.`` when that
interval holds 0) and the relative difference, targets with their verdicts judged against
noise (``MET``, ``NOT MET``, ``TOO CLOSE TO CALL``; a verdict that differs from the base's on
a difference that is not significant says so). With one replication nothing can be judged:
the header line says so, and so does every verdict that flips."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from hubsim.experiments.compare import (
    CHANGE_NOT_SIGNIFICANT,
    CHANGE_ONE_DRAW,
    DEFAULT_REPLICATIONS,
    ONE_DRAW,
)
from hubsim.present.text import NA, format_number, format_ratio, format_value, table

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
        return (f"{scenarios}: one draw each: no difference or verdict can be told from noise "
                f"(use --replications N); seed {cmp.seed}, {common}")
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
            lines.append(f"{CHANGE_MARK} Target {g}: {base[g]} in {cmp.base}, {v} in {s}, but the "
                         "difference is not significant: the verdict change is within the "
                         f"noise of {cmp.replications} replications.")
    return lines


#: The mark of a what-if verdict that differs from the base's on a difference within the
#: noise (explained on a line under the table).
CHANGE_MARK = "*"


def _scale(unit: str, values: list[float]) -> tuple[str, float]:
    """The unit a row is written in and the factor from its KPI's unit: one for the whole
    row (times in the hours, minutes or seconds its largest value suits)."""
    if unit == "fraction":
        return "%", 100.0
    if unit == "h":
        size = max((abs(v) for v in values if not pd.isna(v)), default=0.0)
        return ("h", 1.0) if size >= 1.0 or size == 0 else \
            ("min", 60.0) if size >= 1 / 60 else ("s", 3600.0)
    return (f"/{unit[2:]}" if unit.startswith("1/") else unit), 1.0


def _number(value: Any, factor: float, signed: bool = False) -> str:
    return NA if pd.isna(value) else format_number(float(value) * factor, signed)


def _row_cells(r: Mapping[Any, Any], base: str, w: str, replications: int
               ) -> tuple[str, str, str, str, str]:
    """``unit, base, what-if, diff (± CI, n.s.), rel`` of one row, all in one unit."""
    unit = str(r["unit"]) if isinstance(r["unit"], str) else ""
    name, factor = _scale(unit, [r[base], r[w], r[f"{w} diff"]])
    diff = _number(r[f"{w} diff"], factor, signed=True)
    if replications > 1:
        diff += f" ± {_number(r[f'{w} ci95'], factor)}"
    if unit == "fraction":
        diff += " pt"  # a difference of percentages is in percentage points
    sig = r.get(f"{w} significant")
    if replications > 1 and sig is not None and not pd.isna(sig) and not sig:
        diff += f" {NOT_SIGNIFICANT}"
    return (name, _number(r[base], factor), _number(r[w], factor), diff,
            format_ratio(r[f"{w} rel"]))


def _targets_table(cmp: Comparison, w: str, verdicts: dict) -> str:
    rows = []
    for r in cmp.table[cmp.table["scope"] == "target"].to_dict("records"):
        unit, base, what, diff, rel = _row_cells(r, cmp.base, w, cmp.replications)
        bv, (wv, change) = verdicts[(cmp.base, r["key"])][0], verdicts[(w, r["key"])]
        mark = CHANGE_MARK if change == CHANGE_NOT_SIGNIFICANT else ""
        rows.append([r["key"], r["kpi"], unit, f"{base} {bv}", f"{what} {wv}{mark}", diff, rel])
    head = ["target", "kpi", "unit", "base", "what-if",
            "diff" if cmp.replications == 1 else "diff ± 95% CI", "rel"]
    return table(rows, head, align="lllrrrr")


def _kpi_table(cmp: Comparison, w: str) -> str:
    rows = [[r["kpi"], r["scope"], r["key"] or "-", *_row_cells(r, cmp.base, w,
                                                               cmp.replications)]
            for r in cmp.table[cmp.table["scope"] != "target"].to_dict("records")]
    head = ["kpi", "scope", "key", "unit", "base", "what-if",
            "diff" if cmp.replications == 1 else "diff ± 95% CI", "rel"]
    return table(rows, head, align="llllrrrr")


def comparison_text(cmp: Comparison) -> str:
    """The side-by-side tables of a :class:`~hubsim.experiments.compare.Comparison`, as
    printed by ``hubsim compare``: a header line (seeds and days; with one replication, that
    one draw each judges nothing), then per what-if the targets with their verdicts and the
    headline KPIs against the base, each row in one unit (its own column), then what the
    marks mean (with replications) and a line for each verdict that differs from the base's
    on a difference that cannot be told from noise (marked ``*`` in the table). No line is
    wider than about 120 columns, whatever the number of what-ifs."""
    t = cmp.targets
    verdicts = {(s, g): (v, c) for s, g, v, c in
                zip(t["scenario"], t["target"], t["verdict"], t["change"], strict=True)}
    out = _wrap(_header(cmp))
    for w in cmp.whatifs:  # the scenarios' names as a title: as headers they widen columns
        out += ["", f"What-if {w} against base {cmp.base}"]
        if (cmp.table["scope"] == "target").any():
            out += [_targets_table(cmp, w, verdicts), ""]
        out.append(_kpi_table(cmp, w))
    notes = ([LEGEND] if cmp.replications > 1 else []) + _flips(cmp, t)
    if notes:
        out += ["", *(line for note in notes for line in _wrap(note))]
    return "\n".join(out)


#: Widest line of the comparison's sentences (its tables stay within it too).
WIDTH = 120


def _wrap(text: str) -> list[str]:
    """A sentence as lines of at most :data:`WIDTH` columns."""
    return textwrap.wrap(text, WIDTH, break_on_hyphens=False, break_long_words=False)
