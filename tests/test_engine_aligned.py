"""The overlay engine on plans drawn on the cadastral map: zone edges are parcel edges.

District plans are drawn on the cadastral map, so zones share vertices and whole edges with
the parcels inside them: the most degenerate input a clipping algorithm meets, and the
most common one. Every engine path must give exactly GEOS's pairs there and areas within
1e-9 of the parcel's area:

* grid certification (``grid=True`` with a small cell),
* the prepared ``contains_properly`` shortcut,
* the rectangle clip + numpy convex clip (convex parcels),
* the rectangle clip + GEOS intersection (concave parcels),

on 1 and 2 threads. The layouts (hypothesis, derandomised, and fixed cases) are tilings of
jittered, sheared grids — quadrilaterals, triangles, concave "arrow" quads, boxes —
rotated and moved to VN-2000 magnitudes (10⁶ m), with some rings reversed and some vertices
repeated; the zones are unions of parcels (coverage unions, so T-junctions and collinear
edges appear), optionally simplified as a coverage, with holes that are exactly a parcel,
overlapping duplicates and reversed rings.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from landplan.engine import TOUCH, interior_pairs, overlay_pairs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _synthetic

PATHS = [(True, 1), (True, 2), (False, 1), (False, 2)]  # (grid, workers)


def geos_pairs(parcels: np.ndarray, zones: np.ndarray) -> pd.DataFrame:
    """The answer of plain GEOS: STRtree ``intersects`` + ``intersection``; a pair whose
    intersection is at most TOUCH of the parcel only touches (the engine's definition)."""
    ok_p = np.flatnonzero(~shapely.is_missing(parcels))
    ok_z = np.flatnonzero(~shapely.is_missing(zones))
    p, z = shapely.STRtree(zones[ok_z]).query(parcels[ok_p], predicate="intersects")
    p, z = ok_p[p], ok_z[z]
    area = shapely.area(shapely.intersection(parcels[p], zones[z]))
    keep = area > TOUCH * shapely.area(parcels[p])
    frame = pd.DataFrame({"parcel": p[keep], "zone": z[keep], "area_m2": area[keep]})
    return frame.sort_values(["parcel", "zone"], kind="stable").reset_index(drop=True)


def assert_geos_answer(got: pd.DataFrame, parcels: np.ndarray, zones: np.ndarray) -> None:
    want = geos_pairs(parcels, zones)
    merged = want.merge(got, on=["parcel", "zone"], how="outer", indicator=True,
                        suffixes=("_geos", "_engine"))
    lost = merged[merged["_merge"] == "left_only"]
    extra = merged[merged["_merge"] == "right_only"]
    assert lost.empty, f"{len(lost)} pairs lost, e.g.\n{lost.head()}"
    assert extra.empty, f"{len(extra)} pairs GEOS does not have, e.g.\n{extra.head()}"
    parcel_area = shapely.area(parcels[merged["parcel"].to_numpy()])
    error = np.abs(merged["area_m2_geos"] - merged["area_m2_engine"]).to_numpy()
    bad = error > 1e-9 * parcel_area
    assert not bad.any(), f"areas off:\n{merged[bad].head()}"


# --- layouts -------------------------------------------------------------------------------

def _grid_nodes(rng: np.random.Generator, nx: int, ny: int, jitter: float, shear: float,
                angle: float, origin: tuple[float, float], snap: float) -> np.ndarray:
    gx, gy = np.meshgrid(np.arange(nx + 1, dtype=float), np.arange(ny + 1, dtype=float))
    step = 30.0
    x = (gx + rng.uniform(-jitter, jitter, gx.shape)) * step
    y = (gy + rng.uniform(-jitter, jitter, gy.shape)) * step
    x = x + shear * y
    c, s = np.cos(angle), np.sin(angle)
    x, y = c * x - s * y + origin[0], s * x + c * y + origin[1]
    if snap:
        x, y = np.round(x / snap) * snap, np.round(y / snap) * snap
    return np.stack([x, y], axis=-1)  # (ny + 1, nx + 1, 2)


def tiling(seed: int, nx: int, ny: int, *, jitter: float = 0.25, shear: float = 0.2,
           angle: float = 0.3, origin: tuple[float, float] = (561_000.0, 2_290_000.0),
           snap: float = 0.0, split: float = 0.0, arrows: float = 0.0,
           reverse: float = 0.0, repeat: float = 0.0) -> np.ndarray:
    """Parcels tiling the quadrilaterals of a jittered, sheared, rotated grid; a share
    ``split`` of them cut into two triangles along a diagonal, a share ``arrows`` made
    concave (a vertex pushed in along the diagonal, the neighbour keeps the shared edges
    — so the cut is a new vertex on no other parcel), ``reverse`` with clockwise rings,
    ``repeat`` with a vertex repeated."""
    rng = np.random.default_rng(seed)
    node = _grid_nodes(rng, nx, ny, jitter, shear, angle, origin, snap)
    out = []
    for j in range(ny):
        for i in range(nx):
            quad = [node[j, i], node[j, i + 1], node[j + 1, i + 1], node[j + 1, i]]
            r = rng.random()
            if r < split:
                pieces = [[quad[0], quad[1], quad[2]], [quad[0], quad[2], quad[3]]]
            elif r < split + arrows:
                inner = quad[0] + 0.45 * (quad[2] - quad[0])  # inside: keeps it simple
                pieces = [[quad[0], quad[1], inner, quad[3]],
                          [quad[1], quad[2], quad[3], inner]]
            else:
                pieces = [quad]
            for ring in pieces:
                ring = [tuple(v) for v in ring]
                if rng.random() < repeat:
                    k = int(rng.integers(len(ring)))
                    ring.insert(k, ring[k])
                if rng.random() < reverse:
                    ring = ring[::-1]
                out.append(shapely.Polygon(ring))
    return np.array(out, dtype=object)


def plan_on(parcels: np.ndarray, seed: int, per_zone: float = 5.0, *,
            simplify: float = 0.0, holes: int = 0, duplicates: int = 0,
            reverse: float = 0.0) -> np.ndarray:
    """Zones that are unions of ``parcels`` (nearest of random seeds); ``holes`` zones that
    are exactly one parcel cut out of the zone around it; ``duplicates`` zones repeated
    (overlapping zones, as hand-digitised plans have); a share ``reverse`` of zones with
    their rings reversed; edges simplified as a coverage by ``simplify`` metres."""
    rng = np.random.default_rng(seed)
    n_zones = max(1, round(len(parcels) / per_zone))
    lo, hi = shapely.total_bounds(parcels).reshape(2, 2)
    seeds = shapely.points(rng.uniform(lo, hi, (n_zones, 2)))
    _, label = shapely.STRtree(seeds).query_nearest(shapely.centroid(parcels),
                                                    all_matches=False)
    if holes:
        # parcels whose every neighbour is in their zone become one-parcel zones
        a, b = shapely.STRtree(parcels).query(parcels, predicate="touches")
        mixed = np.bincount(a, weights=label[a] != label[b], minlength=len(parcels))
        enclosed = np.flatnonzero(mixed == 0)
        for k, p in enumerate(rng.permutation(enclosed)[:holes]):
            label[p] = n_zones + k
    zones = [_union(parcels[label == z]) for z in np.unique(label)]
    zones = np.array(zones, dtype=object)
    if simplify:
        zones = shapely.coverage_simplify(zones, simplify)
    flip = rng.random(len(zones)) < reverse
    zones[flip] = shapely.reverse(zones[flip])
    if duplicates:
        zones = np.concatenate([zones, zones[rng.choice(len(zones), duplicates)]])
    return zones


def _union(parts: np.ndarray):
    try:
        return shapely.coverage_union_all(parts)  # noded tilings: exact, fast
    except shapely.errors.GEOSException:  # T-junctions are not noded
        return shapely.union_all(parts)


@st.composite
def aligned_layouts(draw) -> tuple[np.ndarray, np.ndarray]:
    seed = draw(st.integers(0, 2**31))
    nx, ny = draw(st.integers(2, 7)), draw(st.integers(2, 7))
    axis = draw(st.booleans())  # boxes: axis-parallel, every parcel its own box
    parcels = tiling(
        seed, nx, ny, jitter=0.0 if axis else draw(st.sampled_from([0.1, 0.25, 0.35])),
        shear=0.0 if axis else 0.2, angle=0.0 if axis else draw(st.floats(0, 3.14)),
        origin=(draw(st.floats(400_000, 800_000)), draw(st.floats(1_000_000, 2_500_000))),
        snap=draw(st.sampled_from([0.0, 0.0, 0.001, 1.0])) if not axis else 0.0,
        split=draw(st.sampled_from([0.0, 0.3])), arrows=draw(st.sampled_from([0.0, 0.3])),
        reverse=draw(st.sampled_from([0.0, 0.5])), repeat=draw(st.sampled_from([0.0, 0.3])))
    assume(shapely.is_valid(parcels).all())  # heavy jitter or snapping can fold a parcel
    zones = plan_on(parcels, seed + 1, per_zone=draw(st.sampled_from([1.5, 4.0, 12.0])),
                    simplify=draw(st.sampled_from([0.0, 0.0, 1.0, 5.0])),
                    holes=draw(st.integers(0, 2)), duplicates=draw(st.integers(0, 2)),
                    reverse=draw(st.sampled_from([0.0, 0.5])))
    return parcels, zones


# --- properties -----------------------------------------------------------------------------

@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(layout=aligned_layouts(), path=st.sampled_from(PATHS))
def test_every_path_gives_the_geos_pairs_on_plans_drawn_on_the_parcels(layout, path):
    parcels, zones = layout
    grid, workers = path
    got = overlay_pairs(parcels, zones, grid=grid, workers=workers, cell=3.0)
    assert_geos_answer(got, parcels, zones)


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(layout=aligned_layouts())
def test_a_tiling_has_no_interior_pairs(layout):
    parcels, _ = layout
    a, b = interior_pairs(parcels)
    assert len(a) == 0, list(zip(a.tolist(), b.tolist(), strict=True))[:5]


# --- fixed cases ----------------------------------------------------------------------------

def test_the_reported_parcel_within_its_zone_keeps_its_pair():
    # the minimal case: the zone shares the parcel's south-west corner and bottom
    # edge; GEOS's rectangle clip of the zone to the parcel's box returned the sliver
    # outside the zone, so the parcel had no pair at all
    p = shapely.from_wkt(
        "POLYGON ((561606.8681704148 2290209.772078507, 561656.2671118965 2290214.59269863, "
        "561668.4863278768 2290272.2559701526, 561617.2452480386 2290313.7413692256, "
        "561606.8681704148 2290209.772078507))")
    z = shapely.from_wkt(
        "POLYGON ((561337.2990485688 2290207.81435798, 561370.9385352915 2290294.9655861203, "
        "561345.3507293365 2290401.2137686415, 561302.4625719361 2290414.2067622836, "
        "561278.4737884151 2290504.860193987, 561397.3561401204 2290460.2189361877, "
        "561441.2070559191 2290495.0042617978, 561519.6579771553 2290495.0629281397, "
        "561617.2704304372 2290506.7549534957, 561728.3103554009 2290506.3085526675, "
        "561688.7623833067 2290372.0012503765, 561771.9231449633 2290387.8842538064, "
        "561734.9828964811 2290269.121188021, 561858.3440555232 2290304.5784353856, "
        "561834.3474973289 2290176.658533969, 561730.205509281 2290183.539070236, "
        "561656.2671118965 2290214.59269863, 561606.8681704148 2290209.772078507, "
        "561501.0549960325 2290195.128736351, 561416.3713980681 2290175.8047201233, "
        "561337.2990485688 2290207.81435798))")
    for grid, workers in PATHS:
        got = overlay_pairs(np.array([p]), np.array([z]), grid=grid, workers=workers)
        assert got[["parcel", "zone"]].values.tolist() == [[0, 0]]
        assert got["area_m2"].iloc[0] == pytest.approx(p.area, rel=1e-12)


@pytest.fixture(scope="module", params=[0.0, 1.0], ids=["exact-unions", "simplified-1m"])
def aligned_district(request):
    zones, parcels = _synthetic.aligned(12_000, seed=11, simplify=request.param)
    return parcels.geometry.values, zones.geometry.values


@pytest.mark.slow  # a district of aligned parcels, every path × 2 plans
@pytest.mark.parametrize("grid, workers", PATHS)
def test_every_parcel_of_an_aligned_district_has_the_geos_pairs(aligned_district, grid,
                                                                 workers):
    parcels, zones = aligned_district
    stats: dict = {}
    got = overlay_pairs(parcels, zones, grid=grid, workers=workers, stats=stats)
    assert_geos_answer(got, parcels, zones)
    assert set(got["parcel"]) == set(range(len(parcels)))  # the plan covers the district
    if grid:
        assert stats["certified"] > 100  # the grid path is really taken


def test_boxes_on_a_plan_of_boxes_are_their_own_rectangles():
    # axis-parallel parcels: each is its own bounding box, every zone edge runs along a box
    parcels = tiling(3, 12, 9, jitter=0.0, shear=0.0, angle=0.0)
    assert shapely.is_valid(parcels).all()
    zones = plan_on(parcels, 4, per_zone=6.0, holes=2, duplicates=1)
    for grid, workers in PATHS:
        assert_geos_answer(overlay_pairs(parcels, zones, grid=grid, workers=workers,
                                         cell=2.0), parcels, zones)


def test_synthetic_rows_of_t_junctions_have_no_interior_pairs():
    # rows of leaning quadrilaterals: every break of a row is a T-junction on the next
    parcels = _synthetic.parcels(3_000, seed=9, side=2_000.0).geometry.values
    a, _ = interior_pairs(parcels)
    assert len(a) == 0
    zones = plan_on(parcels, 5, per_zone=8.0, simplify=0.5)
    assert_geos_answer(overlay_pairs(parcels, zones, grid=False, workers=2), parcels, zones)


def test_the_cli_puts_no_parcel_outside_a_plan_drawn_on_it(tmp_path):
    # an aligned district with two zones taken out: exactly the parcels GEOS finds (partly)
    # outside every zone are reported outside the plan, by the command officials run
    from landplan.cli import main

    zones, parcels = _synthetic.aligned(6_000, seed=21, simplify=1.0)
    zones = zones.drop(index=[10, 200]).reset_index(drop=True)
    zones.to_parquet(tmp_path / "plan.parquet")
    parcels.to_parquet(tmp_path / "decisions.parquet")
    out = tmp_path / "out"
    code = main(["check", "--plan", str(tmp_path / "plan.parquet"), "--decisions",
                 str(tmp_path / "decisions.parquet"), "--out", str(out), "--no-map", "-q",
                 "--as-of", "2025-12-31"])
    assert code == 0
    findings = pd.read_csv(out / "findings.csv", usecols=["rule", "source_row"])
    reported = set(findings.loc[findings["rule"] == "no-plan-coverage", "source_row"])
    geoms = parcels.geometry.values
    covered = shapely.area(shapely.intersection(
        geoms, shapely.coverage_union_all(zones.geometry.values)))
    outside = shapely.area(geoms) - covered
    # the rule's tolerance decides small slivers; whole parcels outside and parcels wholly
    # inside are unambiguous
    wholly_out = set(np.flatnonzero(covered <= 0))
    wholly_in = set(np.flatnonzero(outside <= 1e-9 * shapely.area(geoms)))
    assert len(wholly_out) > 10
    assert wholly_out <= reported
    assert not (reported & wholly_in)
