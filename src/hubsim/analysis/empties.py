"""Empty containers in the records (runs with an ``empties`` section; see docs/empties.md).

Empty boxes being repositioned are consignments of cargo ``empty`` (``demand`` -1, no
tonnes). Counting rules:

* **hub throughput** (``hub_lifts_teu``) and the hubs' yards and handling count them: an
  empty box is lifted and stored like a loaded one (port statistics include empties);
* the **channel** (``channel_teu``, the 2 M TEU target), **international tonnes** and every
  other KPI of loaded cargo (door-to-door times, cost and CO2 per TEU, service levels,
  backlog) leave them out, so the verdict measures trade flows as before; the empties
  crossing the boundary are ``empty_teu_moved`` beside it, and channel TEU with empties is
  the sum of the two;
* vehicle loads (``trips``, service utilisation) include them: they take room on vehicles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["EMPTY_KPIS", "empties_summary", "empties_table", "split_empties"]

#: The KPIs of empty containers (emitted only for runs that track boxes).
EMPTY_KPIS = ("empty_teu_moved", "empty_share", "return_share", "repositioning_cost",
              "box_wait_mean_h", "box_wait_share", "co2e_empties_total")


def _is_empty_run(consignments: pd.DataFrame) -> bool:
    cargo = consignments["cargo"]
    return isinstance(cargo.dtype, pd.CategoricalDtype) and "empty" in cargo.cat.categories


def split_empties(events: pd.DataFrame, consignments: pd.DataFrame
                  ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray | None]:
    """The events and consignments of loaded cargo, and the ids of empty consignments
    (None, and the tables as given, for a run that moved no empty box)."""
    if not _is_empty_run(consignments):
        return events, consignments, None
    empty = (consignments["cargo"] == "empty").to_numpy()
    ids = consignments.loc[empty, "cid"].to_numpy()
    keep = ~events["cid"].isin(ids).to_numpy()
    return (events.loc[keep].reset_index(drop=True),
            consignments.loc[~empty].reset_index(drop=True), ids)


def empties_summary(events: pd.DataFrame, cross: pd.DataFrame, links: pd.DataFrame,
                    empty_ids: np.ndarray, start_h: float, end_h: float,
                    per_year: float) -> list[tuple[str, str, str, float]]:
    """The empties KPIs over the window ``[start_h, end_h)`` as ``(kpi, scope, key, value)``.

    ``cross`` is every boundary crossing (:func:`hubsim.analysis.kpis.crossings`, empties
    included); flows are scaled to a year by ``per_year``.
    """
    inside = (cross["t_h"] >= start_h) & (cross["t_h"] < end_h)
    c = cross.loc[inside, ["cid", "teu", "direction", "corridor"]]
    is_empty = c["cid"].isin(empty_ids)
    c = c.assign(empty=is_empty.to_numpy())
    c = c[c["teu"] > 0]  # containers only: air cargo has no boxes
    rows: list[tuple[str, str, str, float]] = []
    e_tot, all_tot = c.loc[c["empty"], "teu"].sum(), c["teu"].sum()
    rows.append(("empty_teu_moved", "total", "", e_tot * per_year))
    rows.append(("empty_share", "total", "", e_tot / all_tot if all_tot else 0.0))
    for key, grp in c.groupby("corridor", sort=True):
        e, a = grp.loc[grp["empty"], "teu"].sum(), grp["teu"].sum()
        rows.append(("empty_teu_moved", "corridor", str(key), e * per_year))
        rows.append(("empty_share", "corridor", str(key), e / a if a else 0.0))
    loaded = c[~c["empty"]]
    for key, grp in loaded.groupby("corridor", sort=True):
        out = grp.loc[grp["direction"] == "out", "teu"].sum()
        back = grp.loc[grp["direction"] == "in", "teu"].sum()
        if out > 0:
            rows.append(("return_share", "corridor", str(key), back / out))
    ev_in = (events["t_h"] >= start_h) & (events["t_h"] < end_h)
    dep = events.loc[ev_in & (events["event"] == "depart") & events["cid"].isin(empty_ids),
                     ["link", "teu"]]
    cost = links["cost_usd_per_teu"].reindex(dep["link"].astype(str)).to_numpy(float)
    rows.append(("repositioning_cost", "total", "",
                 float(np.nansum(dep["teu"].to_numpy(float) * cost)) * per_year))
    # waits that end in the window, and those still going on at its end (recorded then)
    waits = events.loc[(events["t_h"] >= start_h) & (events["t_h"] <= end_h)
                       & (events["event"] == "box_wait"), ["teu", "wait_h"]]
    rows.append(("box_wait_mean_h", "total", "",
                 float(waits["wait_h"].mean()) if len(waits) else 0.0))
    gen = events.loc[ev_in & (events["event"] == "generated") & (events["teu"] > 0)
                     & ~events["cid"].isin(empty_ids), "teu"].sum()
    rows.append(("box_wait_share", "total", "", waits["teu"].sum() / gen if gen else 0.0))
    return rows


def empties_table(kpis: pd.DataFrame, published: dict[str, tuple[float, str]]
                  ) -> pd.DataFrame:
    """One row per corridor: empty TEU moved, empty share, the model's return share and the
    published one (``published``: corridor -> (share, source)) and the CO2e of repositioning
    (ISO 14083, ``co2e_empties_total``), from the KPI table; empty for a run without empties."""
    cols = ["corridor", "empty_teu_moved", "empty_share", "return_share",
            "return_share_published", "return_share_source", "co2e_t_per_year"]
    k = kpis[(kpis["scope"] == "corridor") & kpis["kpi"].isin(EMPTY_KPIS)]
    if k.empty:
        return pd.DataFrame(columns=cols)
    wide = k.pivot_table(index="key", columns="kpi", values="value", aggfunc="first")
    rows = []
    for corridor in sorted(set(wide.index) | set(published)):
        got = wide.loc[corridor] if corridor in wide.index else pd.Series(dtype=float)
        share, source = published.get(corridor, (np.nan, ""))
        rows.append({"corridor": corridor,
                     "empty_teu_moved": got.get("empty_teu_moved", 0.0),
                     "empty_share": got.get("empty_share", np.nan),
                     "return_share": got.get("return_share", np.nan),
                     "return_share_published": share, "return_share_source": source,
                     "co2e_t_per_year": np.nan_to_num(got.get("co2e_empties_total", 0.0))})
    return pd.DataFrame(rows, columns=cols)
