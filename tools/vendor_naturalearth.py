"""Build src/hubsim/data/naturalearth_eurasia.npz from Natural Earth GeoJSON files.

Natural Earth (naturalearthdata.com) is public domain. The inputs are the 1:50m layers
``ne_50m_coastline``, ``ne_50m_admin_0_boundary_lines_land`` and
``ne_50m_rivers_lake_centerlines`` as GeoJSON (for example from a checkout of a repository that
converts Natural Earth to GeoJSON). The lines are clipped to the box below (Europe, Asia and the
seas between), rounded to 0.001 degree and stored as float32 arrays in one compressed ``.npz``
that numpy reads without pickle. For insets around Chongqing, the 1:10m river centrelines
(``ne_10m_rivers_lake_centerlines``: the Yangtze and the Jialing through the city) are added
for the smaller DETAIL box, marked with scale 10:

    python tools/vendor_naturalearth.py COAST50.json BORDERS50.json RIVERS50.json \
        RIVERS10.json OUT.npz
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

BOX = (-25.0, 165.0, -12.0, 75.0)  # lon_min, lon_max, lat_min, lat_max
DETAIL = (100.0, 112.0, 25.0, 34.0)
KINDS = ("coast", "border", "river")


def _lines(geometry: dict | None) -> list[list[list[float]]]:
    if not geometry:
        return []
    if geometry["type"] == "LineString":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiLineString":
        return list(geometry["coordinates"])
    return []


def _inside_runs(coords: np.ndarray, box: tuple[float, ...]) -> list[np.ndarray]:
    """Runs of consecutive points inside ``box``, each with one neighbour outside on each side
    so the line reaches the edge."""
    lon_min, lon_max, lat_min, lat_max = box
    inside = ((coords[:, 0] >= lon_min) & (coords[:, 0] <= lon_max)
              & (coords[:, 1] >= lat_min) & (coords[:, 1] <= lat_max))
    runs, start = [], None
    for i, ok in enumerate(inside):
        if ok and start is None:
            start = i
        if not ok and start is not None:
            runs.append(coords[max(start - 1, 0):i + 1])
            start = None
    if start is not None:
        runs.append(coords[max(start - 1, 0):])
    return [r for r in runs if len(r) >= 2]


def main(coast: str, border: str, river: str, river10: str, out: str) -> None:
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    kinds: list[int] = []
    names: list[str] = []
    scales: list[int] = []
    layers = ((0, coast, BOX, 50), (1, border, BOX, 50), (2, river, BOX, 50),
              (2, river10, DETAIL, 10))
    for code, path, box, scale in layers:
        for feature in json.loads(Path(path).read_text())["features"]:
            name = str(feature["properties"].get("name") or "") if KINDS[code] == "river" else ""
            for line in _lines(feature["geometry"]):
                for run in _inside_runs(np.asarray(line, dtype=float)[:, :2], box):
                    lons.append(np.round(run[:, 0], 3))
                    lats.append(np.round(run[:, 1], 3))
                    kinds.append(code)
                    names.append(name)
                    scales.append(scale)
    start = np.cumsum([0] + [len(x) for x in lons]).astype(np.int32)
    np.savez_compressed(out, lon=np.concatenate(lons).astype(np.float32),
                        lat=np.concatenate(lats).astype(np.float32), start=start,
                        kind=np.asarray(kinds, dtype=np.int8), name=np.asarray(names, dtype=str),
                        scale=np.asarray(scales, dtype=np.int8), kinds=np.asarray(KINDS, dtype=str),
                        box=np.asarray(BOX), detail=np.asarray(DETAIL))
    print(f"{out}: {len(kinds)} lines, {start[-1]} points")


if __name__ == "__main__":
    main(*sys.argv[1:6])
