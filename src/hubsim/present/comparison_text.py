"""The side-by-side table ``hubsim compare`` prints for a
:class:`~hubsim.experiments.compare.Comparison`: each KPI of the base and every what-if, the
difference (with its 95% confidence interval over paired replications) and the relative
difference, targets with their verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from hubsim.present.text import format_ratio, format_value, table

if TYPE_CHECKING:
    from hubsim.experiments.compare import Comparison

__all__ = ["comparison_text"]


def _verdict(met: dict[tuple[str, str], tuple[bool, float]], scenario: str, target: str,
             is_target: bool) -> str:
    if not is_target or (scenario, target) not in met:
        return ""
    all_met, share = met[(scenario, target)]
    if all_met:
        return " MET"
    return " NOT MET" if share == 0 else f" MET {share:.0%}"


def _diff_cell(r: Mapping[Any, Any], w: str, replications: int) -> str:
    unit = r["unit"]
    diff = format_value(r[f"{w} diff"], unit, signed=True)
    if replications > 1:
        ci = r[f"{w} ci95"]
        diff += " ± " + (f"{ci * 100:.1f} pt" if unit == "fraction" and not pd.isna(ci)
                         else format_value(ci, unit))
    return diff


def comparison_text(cmp: Comparison) -> str:
    """The side-by-side table of a :class:`~hubsim.experiments.compare.Comparison`, as
    printed by ``hubsim compare``."""
    t = cmp.targets
    met = {(s, g): (m, share) for s, g, m, share in
           zip(t["scenario"], t["target"], t["met"], t["met_share"], strict=True)}
    header = ["kpi", "scope", "key", cmp.base]
    for w in cmp.whatifs:
        header += [w, "diff" if cmp.replications == 1 else "diff (95% CI)", "rel"]
    rows = []
    for r in cmp.table.to_dict("records"):
        target = r["scope"] == "target"
        row = [r["kpi"], r["scope"], r["key"], format_value(r[cmp.base], r["unit"])
               + _verdict(met, cmp.base, r["key"], target)]
        for w in cmp.whatifs:
            row += [format_value(r[w], r["unit"]) + _verdict(met, w, r["key"], target),
                    _diff_cell(r, w, cmp.replications), format_ratio(r[f"{w} rel"])]
        rows.append(row)
    runs = f"seed {cmp.seed}" if cmp.replications == 1 else \
        f"{cmp.replications} replications (seeds from {cmp.seed}), means"
    return "\n".join([f"Base {cmp.base} against {', '.join(cmp.whatifs)}: {runs}, "
                      f"{cmp.days:g} measured days each, common random numbers (per year "
                      "unless the unit says otherwise)",
                      table(rows, header, align="lll" + "r" * (len(header) - 3))])
