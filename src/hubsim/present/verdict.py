"""The verdict over replications as ``hubsim run`` prints it and the report shows it.

Both take the table of :func:`hubsim.experiments.verdict.verdict_table` (``verdict.csv`` in a
results folder): per target the yearly mean with its 95% interval, the probability a year
meets it, the verdict (MET, NOT MET, TOO CLOSE TO CALL), what the demand offered and the share
carried, and, for a window shorter than a year, the seasonal correction.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

from hubsim.catalogue import CATALOGUE
from hubsim.present.text import format_ratio, format_value, table

__all__ = ["verdict_headline", "verdict_html", "verdict_lines", "verdict_text"]


def _unit(kpi: str) -> str:
    entry = CATALOGUE.get(kpi)
    return entry.unit if entry is not None else ""


def _interval(r: dict) -> str:
    unit = _unit(str(r["kpi"]))
    if int(r["replications"]) < 2 or pd.isna(r["ci_low"]):
        return format_value(r["mean"], unit)
    half = (float(r["ci_high"]) - float(r["ci_low"])) / 2
    rel = f" ({half / abs(float(r['mean'])) * 100:.1f}%)" if float(r["mean"]) else ""
    return f"{format_value(r['mean'], unit)} ± {format_value(half, unit)}{rel}"


def _p_met(r: dict) -> str:
    n, k = int(r["replications"]), int(r["met_runs"])
    if n < 2 or pd.isna(r["p_met"]):
        return f"{k} of {n} draw"
    return f"{float(r['p_met']):.2f} ({k} of {n} runs)"


def verdict_headline(v: pd.DataFrame) -> str:
    """One line: how many targets are met, missed or too close to call."""
    if v.empty:
        return "No targets set in this scenario"
    met = v["verdict"].str.startswith("MET")
    close = v["verdict"] == "TOO CLOSE TO CALL"
    missed = ~met & ~close
    parts = []
    if met.any():
        parts.append(f"{int(met.sum())} met")
    if close.any():
        parts.append(f"{int(close.sum())} too close to call ({', '.join(v.loc[close, 'target'])})")
    if missed.any():
        parts.append(f"{int(missed.sum())} NOT MET ({', '.join(v.loc[missed, 'target'])})")
    n = int(v["replications"].max())
    basis = "one draw" if n < 2 else f"{n} replications"
    return f"VERDICT ({basis}): {'; '.join(parts)} of {len(v)} targets"


def verdict_lines(v: pd.DataFrame) -> list[str]:
    """The sentences under the table: what decided each target, what a window means."""
    out = []
    for r in v.to_dict("records"):
        unit = _unit(str(r["kpi"]))
        if not pd.isna(r["offered"]):
            share = format_ratio(r["carried_share"], signed=False)
            if r["decided_by"] == "demand":
                why = ("the network carries what is offered, so this verdict restates the "
                       "scenario's demand assumption (see its demand rows' sources)")
            else:
                why = (f"the network carries less than is offered: capacity decides it "
                       f"({format_value(float(r['offered']) - float(r['mean']), unit)} "
                       "not carried; see 'Where it jams')")
            out.append(f"  {r['target']}: demand offered {format_value(r['offered'], unit)}, "
                       f"carried {share} of it: {why}.")
    first = v.iloc[0] if len(v) else None
    if first is not None and float(first["season_factor"]) != 1.0:
        days = float(first["window_days"])
        out.append(f"  Measured {days:g} days from 1 January, not a year: the demand behind "
                   f"its crossings (created {float(first['lag_days']):.1f} days earlier on "
                   f"average) runs at {float(first['season_factor']):.3f} of the year's "
                   "average (the scenario's monthly profiles), so each value above is the "
                   "window's annualised rate divided by that factor: the verdict is on the "
                   "year the window implies, first order (congestion only in the peak months "
                   "is not corrected). Run a whole year for the year's verdict.")
    return out


def verdict_text(v: pd.DataFrame, seeds: Sequence[int] = ()) -> str:
    """The console block: headline, one row per target, and what decided each."""
    if v.empty:
        return "No targets set in this scenario"
    n = int(v["replications"].max())
    window = float(v["window_days"].iloc[0])
    adjusted = float(v["season_factor"].iloc[0]) != 1.0
    if n < 2:
        title = (f"Targets from one draw (seed {seeds[0] if seeds else '?'}): no interval; "
                 "run without --replications 1 for the verdict with its uncertainty")
    else:
        title = (f"Targets over {n} replications (seeds {', '.join(map(str, seeds[:n]))}): "
                 "yearly mean ± 95% confidence interval; P(met) is the probability that a "
                 "year under these conditions meets the target")
    rows = []
    for r in v.to_dict("records"):
        unit = _unit(str(r["kpi"]))
        rows.append([r["target"], _interval(r),
                     f"{r['sense']} {format_value(r['threshold'], unit)}", _p_met(r),
                     format_value(r["draw"], unit),
                     r["verdict"] + (" (window, seasonally adjusted)" if adjusted else "")])
    head = ["target", "mean ± 95% CI" + (" (adjusted)" if adjusted else ""), "threshold",
            "P(met)", f"this draw (seed {seeds[0]})" if seeds else "this draw", "verdict"]
    out = [verdict_headline(v), title + (f"; {window:g} measured days" if adjusted else ""),
           table(rows, head, align="lrrrrl"), *verdict_lines(v)]
    return "\n".join(out)


def verdict_html(v: pd.DataFrame) -> str:
    """The report's verdict: a coloured headline, the table and the sentences (HTML)."""
    head = verdict_headline(v)
    if v.empty:
        return f'<div class="verdict met" id="verdict">{html.escape(head)}</div>'
    verdicts = v["verdict"]
    if verdicts.str.startswith("MET").all():
        cls, style = "met", ""
    elif (verdicts == "TOO CLOSE TO CALL").any() and not \
            (verdicts.str.startswith("NOT MET")).any():
        cls, style = "close", ' style="background:#fff4d6;border-color:#d9a400"'
    else:
        cls, style = "notmet", ""
    cells = []
    for r in v.to_dict("records"):
        unit = _unit(str(r["kpi"]))
        tag = {"MET": "ok", "NOT MET": "no"}.get(str(r["verdict"]).split(" (")[0], "")
        cells.append(
            f"<tr><td>{html.escape(str(r['target']))}</td>"
            + "".join(f'<td class="num">{html.escape(str(c))}</td>' for c in (
                _interval(r), f"{r['sense']} {format_value(r['threshold'], unit)}",
                _p_met(r), format_value(r["draw"], unit)))
            + f'<td class="{tag}"><b>{html.escape(str(r["verdict"]))}</b></td></tr>')
    header = "<th>target</th>" + "".join(f'<th class="num">{h}</th>' for h in (
        "mean ± 95% CI", "threshold", "P(met)", "this draw")) + "<th>verdict</th>"
    notes = "".join(f"<p>{html.escape(line.strip())}</p>" for line in verdict_lines(v))
    n = int(v["replications"].max())
    basis = (f"<p>Over {n} independent replications of the year: the mean with its 95% "
             "confidence interval; P(met) is the probability that a year under these "
             "conditions meets the target (Student t prediction from the replications). The "
             "tables and figures below are one of them (the scenario's seed).</p>" if n > 1 else
             "<p>One draw: no interval. Run without <code>--replications 1</code> for the "
             "verdict with its uncertainty.</p>")
    return (f'<div class="verdict {cls}" id="verdict"{style}>{html.escape(head)}</div>'
            f"{basis}<table><thead><tr>{header}</tr></thead><tbody>{''.join(cells)}"
            f"</tbody></table>{notes}")
