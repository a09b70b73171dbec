"""The fast paths of the overlay engine give exactly the plain GEOS answer.

The grid certification, the rectangle-clipping areas and the threads must not change a
single pair: every test compares against a direct STRtree + intersection computation.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from landplan.engine import overlay_pairs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _synthetic


def reference_pairs(parcels: np.ndarray, zones: np.ndarray) -> pd.DataFrame:
    """The answer by brute force: every intersecting pair, intersection area > 0."""
    ok_p = np.flatnonzero(~shapely.is_missing(parcels))
    ok_z = np.flatnonzero(~shapely.is_missing(zones))
    p, z = shapely.STRtree(zones[ok_z]).query(parcels[ok_p], predicate="intersects")
    p, z = ok_p[p], ok_z[z]
    area = shapely.area(shapely.intersection(parcels[p], zones[z]))
    keep = area > 0
    frame = pd.DataFrame({"parcel": p[keep], "zone": z[keep], "area_m2": area[keep]})
    return frame.sort_values(["parcel", "zone"], kind="stable").reset_index(drop=True)


def assert_same(got: pd.DataFrame, parcels: np.ndarray, zones: np.ndarray) -> None:
    want = reference_pairs(parcels, zones)
    assert list(got.columns) == ["parcel", "zone", "area_m2", "inside"]
    np.testing.assert_array_equal(got["parcel"], want["parcel"])
    np.testing.assert_array_equal(got["zone"], want["zone"])
    parcel_area = shapely.area(parcels[got["parcel"].to_numpy()])
    np.testing.assert_array_less(np.abs(got["area_m2"] - want["area_m2"]),
                                 1e-9 * parcel_area + 1e-12)
    inside = got["inside"].to_numpy()
    np.testing.assert_allclose(got["area_m2"].to_numpy()[inside], parcel_area[inside],
                               rtol=1e-12)


@pytest.fixture(scope="module")
def district():
    zones = _synthetic.zones(n_side=12, side=3_000.0, seed=3)
    parcels = _synthetic.parcels(8_000, seed=4, side=3_000.0, plan=zones)
    return parcels.geometry.values, zones.geometry.values


@pytest.mark.parametrize("grid, workers", [(True, 1), (True, 2), (False, 1), (False, 2)])
def test_grid_and_threads_give_the_plain_geos_answer(district, grid, workers):
    parcels, zones = district
    got = overlay_pairs(parcels, zones, grid=grid, workers=workers)
    assert_same(got, parcels, zones)


def test_the_grid_certifies_most_parcels_of_a_district(district):
    from landplan.engine import _Grid

    parcels, zones = district
    bounds = shapely.bounds(parcels)
    grid = _Grid.build(bounds, zones, None)
    certified = grid.lookup(bounds) != -2
    assert 0.5 < certified.mean() < 1.0


def _box(x0, y0, x1, y1):
    return shapely.box(583_000 + x0, 2_308_000 + y0, 583_000 + x1, 2_308_000 + y1)


def test_awkward_zones_and_parcels_with_the_grid_forced():
    ring = shapely.Polygon(_box(0, 0, 400, 400).exterior.coords,
                           [_box(100, 100, 200, 200).exterior.coords])  # zone with a hole
    zones = np.array([
        ring,
        _box(100, 100, 200, 200),                                      # fills the hole
        _box(400, 0, 600, 400),                                        # neighbour
        _box(500, 0, 700, 100),                                        # overlaps it
        shapely.MultiPolygon([_box(800, 0, 900, 100), _box(950, 0, 1000, 100)]),
        None,
        _box(1200, 0, 1300, 100),                                      # gap before it
    ], dtype=object)
    rng = np.random.default_rng(7)
    x = rng.uniform(-50, 1350, 3000)
    y = rng.uniform(-50, 450, 3000)
    side = rng.uniform(3, 40, 3000)
    parcels = shapely.box(583_000 + x, 2_308_000 + y, 583_000 + x + side,
                          2_308_000 + y + side * 0.7)
    # every 7th a rotated quadrilateral: not its own box
    k = np.arange(0, 3000, 7)
    angle = np.deg2rad(20.0)
    corners = np.array([[0, 0], [1, 0], [1, 0.7], [0, 0.7], [0, 0]]) - [0.5, 0.35]
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    quads = (corners @ rot.T)[None] * side[k, None, None]
    quads += np.stack([583_000 + x[k], 2_308_000 + y[k]], axis=1)[:, None, :]
    parcels[k] = shapely.polygons(quads)
    parcels[::50] = None
    parcels[3] = shapely.Polygon([(583_010, 2_308_010), (583_030, 2_308_010),
                                  (583_010, 2_308_030)])  # triangle
    got = overlay_pairs(parcels, zones, grid=True, workers=2, cell=5.0)
    assert_same(got, parcels, zones)


def test_parcels_far_from_any_zone_and_empty_inputs():
    zones = np.array([_box(0, 0, 100, 100)], dtype=object)
    parcels = np.array([_box(5000, 5000, 5010, 5010), None, _box(10, 10, 20, 20)],
                       dtype=object)
    got = overlay_pairs(parcels, zones, grid=True, workers=2, cell=2.0)
    assert got[["parcel", "zone"]].values.tolist() == [[2, 0]]
    empty = overlay_pairs(np.array([], dtype=object), zones)
    assert empty.empty and list(empty.columns) == ["parcel", "zone", "area_m2", "inside"]


def test_geodataframe_inputs_from_the_synthetic_generator_are_valid():
    zones = _synthetic.zones(n_side=6, side=1_200.0)
    assert zones.is_valid.all() and len(zones) == 36
    union = shapely.coverage_union_all(zones.geometry.values)
    assert abs(union.area - 1_200.0 ** 2) < 1e-6
    parcels = _synthetic.parcels(500, side=1_200.0, plan=zones)
    assert isinstance(parcels, gpd.GeoDataFrame) and len(parcels) == 500
    assert not shapely.STRtree(parcels.geometry.values).query(
        parcels.geometry.values, predicate="overlaps")[0].size


def test_convex_clipping_matches_geos_on_concave_holed_and_multipart_subjects():
    from landplan.engine import _convex_clip_area

    subjects = [
        shapely.Polygon(shapely.box(0, 0, 10, 10).exterior.coords,
                        [shapely.box(2, 2, 4, 4).exterior.coords]),
        shapely.MultiPolygon([shapely.box(0, 0, 3, 3), shapely.box(5, 5, 9, 9)]),
        shapely.Polygon([(0, 0), (10, 0), (10, 10), (5, 2), (0, 10)]),   # concave
        shapely.GeometryCollection([shapely.box(1, 1, 6, 6), shapely.LineString([(0, 0),
                                                                                (9, 9)])]),
    ]
    clips = [
        shapely.Polygon([(1, 1), (9, 1), (5, 9)]),                       # counter-clockwise
        shapely.Polygon([(1, 1), (5, 9), (9, 1)]),                       # clockwise
        shapely.Polygon([(0, 5), (3, 1), (8, 2), (9, 7), (4, 9)]),       # pentagon
        shapely.Polygon([(0, 0), (5, 5), (10, 0), (5, 2)]),              # not convex: NaN
        shapely.Polygon([(0, 0), (4, 0), (8, 0), (8, 8), (0, 8)]),       # collinear vertex
    ]
    offset = np.array([583_000.0, 2_308_000.0])  # projected coordinates: precision matters
    subj = np.array([shapely.transform(s, lambda c: c + offset) for s in subjects
                     for _ in clips], dtype=object)
    clip = np.array([shapely.transform(c, lambda c: c + offset) for _ in subjects
                     for c in clips], dtype=object)
    got = _convex_clip_area(clip, subj)
    want = shapely.area(shapely.intersection(clip, subj))
    concave = np.tile([False, False, False, True, False], len(subjects))
    assert np.isnan(got[concave]).all()
    np.testing.assert_allclose(got[~concave], want[~concave], rtol=0, atol=1e-8)


def test_interior_pairs_are_overlaps_and_containments_never_edge_neighbours():
    from landplan.engine import interior_pairs

    geoms = np.array([
        _box(0, 0, 10, 10),
        _box(10, 0, 20, 10),                                   # shares an edge with 0
        shapely.Polygon([(583_020, 2_308_000), (583_031, 2_308_000), (583_029, 2_308_010),
                         (583_020, 2_308_010)]),              # leaning edge, touches 1
        _box(2, 2, 4, 4),                                      # inside 0
        _box(18, 5, 25, 15),                                   # overlaps 1, 2 and 9
        shapely.Polygon([(583_040, 2_308_000), (583_050, 2_308_000), (583_050, 2_308_010),
                         (583_045, 2_308_002), (583_040, 2_308_010)]),  # concave, alone
        shapely.buffer(shapely.Point(583_060, 2_308_005), 4),  # many vertices, alone
        shapely.buffer(shapely.Point(583_066, 2_308_005), 3),  # overlaps 6
        None,
        _box(0, 10, 20, 20),                                   # touches 0 and 1 above
    ], dtype=object)
    a, b = interior_pairs(geoms)
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 3), (1, 4), (2, 4),
                                                                 (4, 9), (6, 7)]


def test_multipart_parcels_alone_in_a_chunk_get_the_geos_areas():
    # no single-polygon parcel among the crossing pairs: the convex clip has nothing to do
    zones = np.array([_box(0, 0, 100, 100), _box(100, 0, 200, 100)], dtype=object)
    parcels = np.array([shapely.MultiPolygon([_box(90, 10, 110, 20), _box(90, 30, 95, 40)]),
                        shapely.MultiPolygon([_box(50, 50, 60, 60), _box(150, 50, 160, 60)])],
                       dtype=object)
    for grid, workers in [(True, 1), (False, 1), (False, 2)]:
        assert_same(overlay_pairs(parcels, zones, grid=grid, workers=workers, cell=1.0),
                    parcels, zones)
