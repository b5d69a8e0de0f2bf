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
  48k outside).
* **Foreign-trade TEU through the channels** (``foreign_trade_teu``): TEU of international
  consignments crossing the boundary, each consignment once (a transit box crossing in and
  out counts once, at its first crossing in the window), total and by the corridor of that
  crossing: the quantity of the one published channel figure (666.4k TEU in 2018).

Areas' lifts (Guoyuan's quay against the whole port, the Tuanjiecun station's handling) are
``area_lifts_teu`` in :mod:`hubsim.analysis.terminals`.
"""

from __future__ import annotations

import pandas as pd

from hubsim.catalogue import info

__all__ = ["CRE_CORRIDORS", "CRE_TEU", "ILSTC_CORRIDOR", "definition_summary"]

#: TEU in one counted CRE train: 41 loaded 40-foot boxes (Xinhua 2022-06-24)
CRE_TEU = 82.0
#: corridors whose rail links are the China-Europe Railway Express
CRE_CORRIDORS = ("west", "north")
#: the corridor of the New International Land-Sea Trade Corridor
ILSTC_CORRIDOR = "south"


def _row(kpi: str, scope: str, key: str, value: float) -> dict[str, object]:
    return {"kpi": kpi, "scope": scope, "key": key, "value": float(value),
            "unit": info(kpi).unit}


def definition_summary(cross: pd.DataFrame, consignments: pd.DataFrame,
                       zones: pd.Index, in_window: pd.Series, per_year: float) -> list[dict]:
    """The official-definition KPIs from the boundary crossings (``cross``:
    :func:`hubsim.analysis.kpis.crossings`; ``in_window`` its rows inside the measured
    window), ``consignments`` (for where a box comes from) and the ids of the city's
    ``zones``; ``per_year`` turns a count over the window into a yearly one."""
    c = cross[in_window.to_numpy()]
    boxes = c[c["teu"] > 0]
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
    ends = consignments.set_index("cid")[["origin", "destination"]]
    inside = ends["origin"].isin(zones) | ends["destination"].isin(zones)
    local = south["cid"].map(inside).fillna(False).astype(bool)
    rows.append(_row("ilstc_teu", "origin", "inside", south.loc[local, "teu"].sum() * per_year))
    rows.append(_row("ilstc_teu", "origin", "outside",
                     south.loc[~local, "teu"].sum() * per_year))
    foreign = boxes[boxes["international"]].drop_duplicates("cid")
    rows.append(_row("foreign_trade_teu", "total", "", foreign["teu"].sum() * per_year))
    for name, grp in foreign.groupby("corridor", sort=True):
        rows.append(_row("foreign_trade_teu", "corridor", str(name),
                         grp["teu"].sum() * per_year))
    return rows
