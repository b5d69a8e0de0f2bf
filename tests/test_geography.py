"""The shipped geography: lines come from package data (no network), are clipped to the box
asked for, and the projection is the one the static map uses."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.present import geography as G


def test_basemap_has_coast_borders_and_the_yangtze_between_duisburg_and_shanghai():
    lines = G.basemap_lines(0.0, 130.0, 10.0, 60.0)
    assert {kind for kind, _, _ in lines} == {"coast", "border", "river"}
    for _, lon, lat in lines:
        assert len(lon) == len(lat) >= 2
        assert lon.min() >= 0.0 - 1e-9 and lon.max() <= 130.0 + 1e-9
        assert lat.min() >= 10.0 - 1e-9 and lat.max() <= 60.0 + 1e-9
    names = {f.name for f in G.basemap_features(100.0, 122.0, 25.0, 35.0) if f.kind == "river"}
    assert names & {"Yangtze", "Chang Jiang"}


def test_clipping_cuts_segments_on_the_box_edge():
    # a river that crosses the box with no vertex inside it still shows, cut at the edges
    parts = G._clip(np.array([0.0, 10.0]), np.array([5.0, 5.0]), (2.0, 4.0, 0.0, 10.0))
    assert len(parts) == 1
    assert parts[0][0].tolist() == [2.0, 4.0] and parts[0][1].tolist() == [5.0, 5.0]
    # leaving and coming back makes two pieces
    parts = G._clip(np.array([1.0, 5.0, 1.0]), np.array([1.0, 1.0, 1.5]), (0.0, 2.0, 0.0, 2.0))
    assert len(parts) == 2


def test_nothing_outside_the_shipped_box():
    assert G.basemap_lines(-170.0, -150.0, 0.0, 10.0) == []


def test_albers_keeps_areas_and_centres_on_its_origin():
    x, y = G.project(64.0, 35.0)
    assert float(x) == pytest.approx(0.0) and float(y) == pytest.approx(0.0)
    # a 1 x 1 degree cell near the equator and one at 50 N: area ratio = cos-weighted ratio
    def area(lon, lat):
        xs, ys = G.project([lon, lon + 1, lon + 1, lon], [lat, lat, lat + 1, lat + 1])
        return 0.5 * abs(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1)))
    exact = (np.sin(np.radians(51)) - np.sin(np.radians(50))) / np.sin(np.radians(1))
    assert area(100.0, 50.0) / area(30.0, 0.0) == pytest.approx(exact, rel=1e-3)
    # Duisburg to Shanghai: about 8,900 km apart on the map (great circle 8,900 km)
    (xa, xb), (ya, yb) = G.project([6.76, 121.6], [51.43, 31.36])
    assert np.hypot(xb - xa, yb - ya) == pytest.approx(8900, rel=0.05)


def test_local_projection_is_km_north_up():
    x, y = G.project_local([106.5, 106.5, 107.5], [29.5, 30.5, 29.5], 106.5, 29.5)
    assert y[1] == pytest.approx(111.2, rel=1e-3) and x[1] == pytest.approx(0.0)
    assert x[2] == pytest.approx(111.2 * np.cos(np.radians(29.5)), rel=1e-3)


def test_an_inset_around_chongqing_gets_the_detailed_yangtze_and_jialing():
    near = G.basemap_features(106.0, 107.2, 29.2, 30.0)
    names = {f.name for f in near if f.kind == "river"}
    assert {"Chang Jiang", "Jialing"} <= names
    points = sum(len(f.lon) for f in near if f.name == "Chang Jiang")
    assert points > 40  # 1:10m; the 1:50m line has 16 points here
    wide = G.basemap_features(90.0, 122.0, 20.0, 35.0)
    assert "Jialing" not in {f.name for f in wide}  # 1:50m away from the inset
