"""Geography under the maps: coastlines, national borders and rivers from shipped data, and the
map projection.

The lines are Natural Earth's 1:50m coastline, land boundaries between countries and river
centrelines (public domain, naturalearthdata.com), clipped to Europe and Asia (longitude -25 to
165, latitude -12 to 75), with the 1:10m river centrelines around Chongqing (longitude 100 to
112, latitude 25 to 34: the Yangtze and the Jialing through the city) for boxes of a few degrees
there. They ship inside the package as ``hubsim/data/naturalearth_eurasia.npz`` (350 kB;
``tools/vendor_naturalearth.py`` rebuilds it). Nothing is downloaded: the maps draw the same on
a machine without network access.

:func:`project` is the static network map's projection: an Albers equal-area conic for the
Eurasian land bridge (central meridian 64 E, standard parallels 23.5 N and 46 N, output in km),
so Duisburg to Shanghai keeps its true areas and the rail corridors their shape.
:func:`project_local` is a north-up local projection (km east and north of a centre) for
insets of a few hundred kilometres.

>>> lines = basemap_lines(105.0, 108.0, 29.0, 31.0)
>>> sorted({kind for kind, _, _ in lines})
['river']
>>> x, y = project(64.0, 35.0)
>>> round(float(x), 6), round(float(y), 6)
(0.0, 0.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["DATA_BOX", "DETAIL_BOX", "EURASIA", "Albers", "Feature", "basemap_features",
           "basemap_lines",
           "project", "project_local"]

#: The box the shipped lines cover: (lon_min, lon_max, lat_min, lat_max) in degrees.
DATA_BOX = (-25.0, 165.0, -12.0, 75.0)
#: Where 1:10m rivers ship; a box inside it no wider than ``DETAIL_SPAN`` degrees gets them.
DETAIL_BOX = (100.0, 112.0, 25.0, 34.0)
DETAIL_SPAN = 6.0
EARTH_RADIUS_KM = 6371.0
_FILE = "naturalearth_eurasia.npz"

Floats = NDArray[np.float64]


class Feature(NamedTuple):
    """One polyline of the basemap: ``kind`` is ``coast``, ``border`` or ``river``; ``name``
    the river's name in Natural Earth (``Yangtze``, ``Chang Jiang``), empty otherwise."""

    kind: str
    name: str
    lon: Floats
    lat: Floats


@dataclass(frozen=True)
class Albers:
    """Albers equal-area conic projection on a sphere, in km from ``(lon0, lat0)``."""

    lon0: float
    lat0: float
    lat1: float
    lat2: float

    def _constants(self) -> tuple[float, float, float]:
        s1, s2 = math.sin(math.radians(self.lat1)), math.sin(math.radians(self.lat2))
        n = (s1 + s2) / 2.0
        c = math.cos(math.radians(self.lat1)) ** 2 + 2.0 * n * s1
        rho0 = math.sqrt(c - 2.0 * n * math.sin(math.radians(self.lat0))) / n
        return n, c, rho0

    def project(self, lon: ArrayLike, lat: ArrayLike) -> tuple[Floats, Floats]:
        """Map coordinates in km (x east, y north at the central meridian)."""
        n, c, rho0 = self._constants()
        lam = np.radians(np.asarray(lon, dtype=float) - self.lon0)
        phi = np.radians(np.asarray(lat, dtype=float))
        rho = np.sqrt(np.maximum(c - 2.0 * n * np.sin(phi), 0.0)) / n
        theta = n * lam
        return (EARTH_RADIUS_KM * rho * np.sin(theta),
                EARTH_RADIUS_KM * (rho0 - rho * np.cos(theta)))


#: The network map's projection (Europe to the China Sea).
EURASIA = Albers(lon0=64.0, lat0=35.0, lat1=23.5, lat2=46.0)


def project(lon: ArrayLike, lat: ArrayLike) -> tuple[Floats, Floats]:
    """Longitude and latitude (degrees) to the static network map's coordinates (km,
    :data:`EURASIA`)."""
    return EURASIA.project(lon, lat)


def project_local(lon: ArrayLike, lat: ArrayLike, lon0: float,
                  lat0: float) -> tuple[Floats, Floats]:
    """Km east and north of ``(lon0, lat0)``: equirectangular, true to within 1% over a few
    hundred km; north is up."""
    k = math.pi / 180.0 * EARTH_RADIUS_KM
    x = (np.asarray(lon, dtype=float) - lon0) * k * math.cos(math.radians(lat0))
    return x, (np.asarray(lat, dtype=float) - lat0) * k


class _Lines(NamedTuple):
    lon: Floats
    lat: Floats
    start: NDArray[np.int32]
    kind: list[str]
    name: list[str]
    scale: list[int]


@lru_cache(maxsize=1)
def _load() -> _Lines:
    with (files("hubsim") / "data" / _FILE).open("rb") as fh, \
            np.load(fh, allow_pickle=False) as z:
        kinds = [str(k) for k in z["kinds"]]
        return _Lines(z["lon"].astype(float), z["lat"].astype(float),
                      z["start"].astype(np.int32), [kinds[int(k)] for k in z["kind"]],
                      [str(s) for s in z["name"]], [int(s) for s in z["scale"]])


def _river_scale(box: tuple[float, float, float, float]) -> int:
    """10 (detailed rivers) for a small box inside :data:`DETAIL_BOX`, else 50."""
    d = DETAIL_BOX
    inside = box[0] >= d[0] and box[1] <= d[1] and box[2] >= d[2] and box[3] <= d[3]
    small = max(box[1] - box[0], box[3] - box[2]) <= DETAIL_SPAN
    return 10 if inside and small else 50


def _clip(lon: Floats, lat: Floats, box: tuple[float, float, float, float]
          ) -> list[tuple[Floats, Floats]]:
    """The parts of a polyline inside ``box`` (Liang-Barsky on every segment, cut points on
    the edges)."""
    x0, y0 = lon[:-1], lat[:-1]
    dx, dy = np.diff(lon), np.diff(lat)
    t0, t1 = np.zeros_like(dx), np.ones_like(dx)
    ok = np.ones(dx.shape, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - box[0]), (dx, box[1] - x0), (-dy, y0 - box[2]),
                     (dy, box[3] - y0)):
            ok &= ~((p == 0) & (q < 0))
            r = q / p
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
    ok &= t0 <= t1
    parts: list[tuple[Floats, Floats]] = []
    xs: list[float] = []
    ys: list[float] = []
    for i in np.flatnonzero(ok):
        start = (x0[i] + t0[i] * dx[i], y0[i] + t0[i] * dy[i])
        if xs and (not ok[i - 1] or t1[i - 1] < 1.0 or t0[i] > 0.0):
            parts.append((np.asarray(xs), np.asarray(ys)))
            xs, ys = [], []
        if not xs:
            xs, ys = [start[0]], [start[1]]
        xs.append(x0[i] + t1[i] * dx[i])
        ys.append(y0[i] + t1[i] * dy[i])
    if xs:
        parts.append((np.asarray(xs), np.asarray(ys)))
    return parts


def basemap_features(lon_min: float, lon_max: float, lat_min: float,
                     lat_max: float) -> list[Feature]:
    """Coastlines, borders and rivers clipped to the box (degrees), with river names; empty
    outside :data:`DATA_BOX`. Rivers are 1:10m in a box of a few degrees around Chongqing
    (:data:`DETAIL_BOX`), 1:50m elsewhere."""
    box = (lon_min, lon_max, lat_min, lat_max)
    data = _load()
    rivers = _river_scale(box)
    out: list[Feature] = []
    for k, kind in enumerate(data.kind):
        if data.scale[k] != (rivers if kind == "river" else 50):
            continue
        lo = data.lon[data.start[k]:data.start[k + 1]]
        la = data.lat[data.start[k]:data.start[k + 1]]
        if lo.max() < lon_min or lo.min() > lon_max or la.max() < lat_min \
                or la.min() > lat_max:
            continue
        out.extend(Feature(kind, data.name[k], px, py) for px, py in _clip(lo, la, box))
    return out


def basemap_lines(lon_min: float, lon_max: float, lat_min: float,
                  lat_max: float) -> list[tuple[str, Floats, Floats]]:
    """``(kind, lons, lats)`` polylines clipped to the box, ``kind`` in ``coast``, ``border``,
    ``river`` (Natural Earth 1:50m, rivers 1:10m near Chongqing; shipped with hubsim)."""
    return [(f.kind, f.lon, f.lat) for f in basemap_features(lon_min, lon_max, lat_min, lat_max)]
