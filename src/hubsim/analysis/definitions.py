"""KPIs under the official counting definitions behind Chongqing's published figures.

The model's own ``channel_teu`` counts every boundary crossing of every box, domestic
Yangtze boxes and both crossings of a transit box included; no published figure measures
that. The figures that are published count differently, and these KPIs count as they do
(``../shared/reference/actuals-2021-2023.md``; README "Counting rules"):

* **CRE train equivalents** (``cre_train_equivalents``): Chongqing counts China-Europe
  Railway Express "trains" as loaded 40-foot boxes / 41, that is TEU / 82 (重箱折列; Xinhua
  via Quanzhou Evening News 2022-06-24). Here: container TEU crossing the boundary on the rail
  links of the CRE corridors (:data:`CRE_CORRIDORS`), both directions, / :data:`CRE_TEU`.
* **Land-sea corridor TEU** (``ilstc_teu``): the ILSTC figure via Chongqing counts rail-sea
  trains via Qinzhou, international rail (China-Laos) and cross-border road together (Xinhua
  2023-01-14): container TEU crossing on every link of the corridor :data:`ILSTC_CORRIDOR`,
  by mode, and by where the box comes from (scope ``origin``: ``inside`` when one end is a
  zone of the city, ``outside`` for a box passing through; the 2021 figure split 64k inside,
  48k outside). The bundled scenarios have no through rows on the corridor (every land-sea
  demand row starts or ends in a zone), so there ``outside`` reads 0 and the published
  outside share rides on the city's zones.
* **Foreign-trade TEU through the channels** (``foreign_trade_teu``): TEU of international
  consignments crossing the boundary, each box once: the crossings of a consignment, and of
  the parts split off it, in the direction it first crossed in the window (a transit box
  crossing in and out counts once, on its way in), total and by the corridor of that
  crossing: the quantity of the one published channel figure (666.4k TEU in 2018).

Areas' lifts (Guoyuan's quay against the whole port, the Tuanjiecun station's handling) are
``area_lifts_teu`` in :mod:`hubsim.analysis.terminals`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.catalogue import info

__all__ = ["CRE_CORRIDORS", "CRE_TEU", "ILSTC_CORRIDOR", "definition_summary"]

#: TEU in one counted CRE train: 41 loaded 40-foot boxes (Xinhua 2022-06-24)
CRE_TEU = 82.0
#: corridors whose rail links are the China-Europe Railway Express
CRE_CORRIDORS = ("west", "north")
#: the corridor of the New International Land-Sea Trade Corridor
ILSTC_CORRIDOR = "south"


def _roots(consignments: pd.DataFrame) -> pd.Series:
    """Each consignment's original, by cid: a part split off a load (``parent`` >= 0)
    belongs to the consignment it was split from, so a transit box split onto a train is
    still one box."""
    cid = consignments["cid"].to_numpy(np.int64)
    par = consignments["parent"].to_numpy(np.int64)
    row_of = pd.Series(np.arange(len(cid)), index=cid)
    root = cid.copy()
    cur = par.copy()
    while (cur >= 0).any():  # one pass per generation of splits
        has = cur >= 0
        root[has] = cur[has]
        rows = row_of.reindex(cur[has]).to_numpy()
        up = np.full(len(rows), -1, dtype=np.int64)
        known = ~np.isnan(rows)
        up[known] = par[rows[known].astype(np.int64)]
        cur = np.full(len(cur), -1, dtype=np.int64)
        cur[has] = up
    return pd.Series(root, index=cid)


def _row(kpi: str, scope: str, key: str, value: float) -> dict[str, object]:
    return {"kpi": kpi, "scope": scope, "key": key, "value": float(value),
            "unit": info(kpi).unit}


def definition_summary(cross: pd.DataFrame, consignments: pd.DataFrame,
                       zones: pd.Index, in_window: pd.Series, per_year: float) -> list[dict]:
    """The official-definition KPIs from the boundary crossings (``cross``:
    :func:`hubsim.analysis.kpis.crossings`; ``in_window`` its rows inside the measured
    window), ``consignments`` (for where a box comes from) and the ids of the city's
    ``zones``; ``per_year`` turns a count over the window into a yearly one."""
    # only the columns used: every selection below copies its rows
    c = cross.loc[in_window.to_numpy(),
                  ["t_h", "cid", "teu", "direction", "mode", "corridor", "international"]]
    boxes = c[c["teu"] > 0]
    del c
    rows: list[dict] = []
    cre = boxes[boxes["corridor"].isin(CRE_CORRIDORS) & (boxes["mode"] == "rail")]
    rows.append(_row("cre_train_equivalents", "total", "",
                     cre["teu"].sum() / CRE_TEU * per_year))
    for corridor in CRE_CORRIDORS:
        rows.append(_row("cre_train_equivalents", "corridor", corridor,
                         cre.loc[cre["corridor"] == corridor, "teu"].sum() / CRE_TEU * per_year))
    south = boxes[boxes["corridor"] == ILSTC_CORRIDOR]
    rows.append(_row("ilstc_teu", "total", "", south["teu"].sum() * per_year))
    for mode in ("rail", "road"):
        rows.append(_row("ilstc_teu", "mode", mode,
                         south.loc[south["mode"] == mode, "teu"].sum() * per_year))
    ends = consignments[["cid", "origin", "destination"]].set_index("cid")
    inside = ends["origin"].isin(zones) | ends["destination"].isin(zones)
    local = south["cid"].map(inside).fillna(False).astype(bool)
    rows.append(_row("ilstc_teu", "origin", "inside", south.loc[local, "teu"].sum() * per_year))
    rows.append(_row("ilstc_teu", "origin", "outside",
                     south.loc[~local, "teu"].sum() * per_year))
    root = _roots(consignments)
    intl = boxes.loc[boxes["international"].to_numpy(), ["t_h", "cid", "teu", "direction",
                                                           "corridor"]]
    del boxes, cre, south
    intl = intl.assign(root=intl["cid"].map(root).fillna(intl["cid"]))
    # each box once: the crossings of a consignment (and of the parts split off it) in the
    # direction it first crossed; a transit box's way out is the same box again
    first = intl[["t_h", "root", "direction"]].sort_values("t_h", kind="stable") \
        .drop_duplicates("root").set_index("root")["direction"]
    foreign = intl.loc[(intl["direction"] == intl["root"].map(first)).to_numpy(),
                       ["corridor", "teu"]]
    rows.append(_row("foreign_trade_teu", "total", "", foreign["teu"].sum() * per_year))
    for name, grp in foreign.groupby("corridor", sort=True, observed=True):
        rows.append(_row("foreign_trade_teu", "corridor", str(name),
                         grp["teu"].sum() * per_year))
    return rows
