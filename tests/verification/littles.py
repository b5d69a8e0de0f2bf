"""Little's law (L = lambda W) on every hub of a scenario, from the event log alone.

A load is in a hub's yard from its lift-off there (or its creation, when it starts at the hub)
to its lift-on there (or its delivery). Each stay is rebuilt from the events: an exit is
matched with the entry of the same consignment at that hub or, for a part split off to fill a
vehicle, with the entry of the consignment it was cut from (``consignments.parent``).

Two checks per hub:

* **sample path**: the time integral of the yard content over the measured window equals the
  sum over stays of load x (time of the stay inside the window). ``L`` here is the
  ``yard_mean`` KPI (computed by :func:`hubsim.analysis.kpis.hub_summary` from its own running
  sum), so
  this checks that every load lifted in is lifted out or still there, and the KPI.
* **classic** ``L = lambda W`` over the window minus a final margin: ``lambda`` is the load
  entering per hour, ``W`` the mean stay of those loads (they leave before the run ends, in the
  margin), ``L`` the ``yard_mean`` KPI over the same sub-window. Equal up to edge effects
  (stays crossing the sub-window's ends), so compared with a tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

import hubsim
from hubsim.analysis import kpis as K

__all__ = ["LITTLE_2022", "LittleCase", "littles_law", "run_little", "stays"]

ENTRY = ("lift_off", "generated")
EXIT = ("lift_on", "delivered")


@dataclass(frozen=True)
class LittleCase:
    scenario: str  # path relative to the repository root
    days: float  # measured days after the scenario's warm-up
    margin_days: float  # end of the window left out of the classic check
    seed: int
    rel_tol: float  # classic check tolerance (edge effects)


LITTLE_2022 = LittleCase("scenarios/chongqing_2022_target.yaml", days=120.0, margin_days=30.0,
                         seed=7, rel_tol=0.03)


def stays(events: pd.DataFrame, consignments: pd.DataFrame,
          hubs: list[str]) -> pd.DataFrame:
    """One row per (part of a) load's stay in a hub's yard: ``node, load, t_in, t_out``
    (``t_out`` is +inf for loads still there at the end of the run)."""
    ev = events[events["node"].isin(hubs)
                & events["event"].isin([*ENTRY, *EXIT])][["t_h", "event", "cid", "node",
                                                         "teu", "tonnes"]]
    load = ev["teu"].where(ev["teu"] > 0, ev["tonnes"])
    node = ev["node"].astype(str)
    is_in = ev["event"].isin(ENTRY).to_numpy()
    entries = pd.DataFrame({"cid": ev["cid"].to_numpy()[is_in], "node": node.to_numpy()[is_in],
                            "t_in": ev["t_h"].to_numpy()[is_in], "load": load.to_numpy()[is_in]})
    if entries.duplicated(["cid", "node"]).any():
        raise ValueError("a consignment entered the same hub twice; stays are ambiguous")
    exits = pd.DataFrame({"cid": ev["cid"].to_numpy()[~is_in], "node": node.to_numpy()[~is_in],
                          "t_out": ev["t_h"].to_numpy()[~is_in],
                          "load": load.to_numpy()[~is_in]})
    # the consignment whose entry an exit belongs to: itself, or the one it was split from
    parent = consignments.set_index("cid")["parent"]
    known = pd.MultiIndex.from_frame(entries[["cid", "node"]])
    owner = exits["cid"].to_numpy().copy()
    for _ in range(64):
        missing = ~pd.MultiIndex.from_arrays([owner, exits["node"]]).isin(known)
        if not missing.any():
            break
        owner[missing] = parent.reindex(owner[missing]).to_numpy()
        if (owner[missing] < 0).any():
            raise ValueError("a load left a hub it never entered")
    exits["owner"] = owner
    t_in = entries.set_index(["cid", "node"])["t_in"]
    exits["t_in"] = t_in.reindex(pd.MultiIndex.from_arrays([owner, exits["node"]])).to_numpy()
    # what never left: entry load minus the loads that left against it
    left = exits.groupby(["owner", "node"])["load"].sum()
    remain = entries.set_index(["cid", "node"])["load"] \
        .sub(left.rename_axis(["cid", "node"]), fill_value=0.0)
    if (remain < -1e-3).any():
        raise ValueError("more load left a hub than entered it")
    still = remain[remain > 1e-3]
    open_stays = pd.DataFrame({"node": still.index.get_level_values("node"),
                               "load": still.to_numpy(),
                               "t_in": t_in.reindex(still.index).to_numpy(),
                               "t_out": np.inf})
    return pd.concat([exits[["node", "load", "t_in", "t_out"]], open_stays],
                     ignore_index=True)


def littles_law(res: hubsim.Results, margin_h: float) -> pd.DataFrame:
    """Per hub: the sample-path and the classic check (see the module docstring)."""
    hubs = [h for h, kind in res.nodes["kind"].items() if kind == "hub"]
    st = stays(res.events, res.consignments, hubs)
    win = res.window
    sub = K.Window(win.start_h, win.end_h - margin_h)
    sub_kpis = pd.DataFrame(K.hub_summary(res.events, res.nodes, sub))
    rows = []
    for hub in hubs:
        s = st[st["node"] == hub]
        overlap = (np.minimum(s["t_out"], win.end_h) - np.maximum(s["t_in"], win.start_h)) \
            .clip(lower=0.0)
        entering = s[(s["t_in"] >= sub.start_h) & (s["t_in"] < sub.end_h)]
        lam = entering["load"].sum() / sub.hours
        done = np.isfinite(entering["t_out"])
        w = float(((entering["t_out"] - entering["t_in"]) * entering["load"])[done].sum()
                  / entering["load"][done].sum()) if done.any() else float("nan")
        l_sub = float(sub_kpis[(sub_kpis["kpi"] == "yard_mean")
                               & (sub_kpis["key"] == hub)]["value"].iloc[0])
        rows.append({
            "hub": hub,
            "L_kpi": res.kpi("yard_mean", "hub", hub),
            "L_path": float((overlap * s["load"]).sum() / win.hours),
            "L_sub": l_sub,
            "lambda_per_h": lam,
            "W_h": w,
            "lambda_W": lam * w,
            "open_share": float(entering["load"][~done].sum() / entering["load"].sum())
            if len(entering) else 0.0,
        })
    out = pd.DataFrame(rows)
    out["rel_diff"] = (out["lambda_W"] - out["L_sub"]) / out["L_sub"]
    return out


@cache
def run_little(case: LittleCase) -> pd.DataFrame:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    scn = hubsim.load_scenario(root / case.scenario)
    res = hubsim.simulate(scn, seed=case.seed, days=case.days)
    return littles_law(res, case.margin_days * 24.0)
