"""The overlay engine: (decision, zone, intersection area) pairs, computed once.

This is the only module that does heavy geometry. For each parcel it finds the zones it
overlaps and the areas, with as few GEOS calls as possible:

1. **Certification without GEOS** (large inputs): on a grid over the parcels' extent,
   the zone boundaries are burnt in (numpy, conservatively: every cell within a cell of
   a boundary vertex, boundaries densified to half a cell) and the zones are scan-line
   filled at the cell centres (numpy). A parcel whose bounding box covers only
   boundary-free cells lies wholly in the one zone those cells are in (or outside every
   zone): its pair is ``(zone, parcel area, inside)`` with no geometry operation at all.
2. The other parcels go through an STRtree bulk query and a prepared
   ``contains_properly`` test; the boundary-crossing pairs get their area by cutting the
   zone to a rectangle around the parcel with GEOS's rectangle clipping (a linear walk,
   several times cheaper than an overlay) and clipping that small piece to the parcel in
   numpy: Sutherland–Hodgman for a convex parcel, the same per triangle of a concave
   parcel's constrained Delaunay triangulation. The rectangle is the parcel's box grown
   clear of every zone vertex: plans are drawn on the cadastral map, so zones share the
   parcels' vertices and edges, and GEOS's rectangle clipping is wrong where a vertex
   lies on the rectangle (it returned the outside of a zone that shared a parcel's corner).
3. Step 2 runs on all cores: chunks of parcels in threads (shapely releases the GIL), each
   thread with its own copy of the zones, STRtree and prepared geometries (sharing them
   across threads is not safe).

The kernels live in private modules: :mod:`landplan._grid` (step 1),
:mod:`landplan._clip` (the rectangle and numpy clipping of step 2) and
:mod:`landplan._interior` (:func:`interior_pairs`); this module orchestrates them.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import shapely

from ._clip import _convex_clip_area as _convex_clip_area  # re-exported for the tests
from ._clip import _intersection_area, _zone_vertices
from ._grid import _Grid
from ._interior import interior_pairs, interiors_meet, overlap_candidates

__all__ = ["PAIR_COLUMNS", "covered_once", "default_workers", "interior_pairs", "interiors_meet",
           "intersection_areas", "intersection_geometries", "overlap_candidates", "overlay_pairs",
           "uncovered_area", "union_by_group"]

PAIR_COLUMNS = ["parcel", "zone", "area_m2", "inside"]
_GRID_MIN_PARCELS = 20_000  # below this the grid costs more than it saves
_CHUNK = 10_000  # parcels per thread task


def default_workers() -> int:
    """Threads the engine uses by default: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def overlay_pairs(parcels: np.ndarray, zones: np.ndarray, *, workers: int | None = None,
                  grid: bool | None = None, cell: float | None = None,
                  stats: dict | None = None) -> pd.DataFrame:
    """Intersection areas of every parcel with every zone it overlaps.

    Parameters
    ----------
    parcels, zones
        Arrays of valid polygonal geometries (None allowed: it matches nothing), in the same
        projected CRS in metres.
    workers
        Threads (default: every CPU this process may use).
    grid
        Certify parcels wholly inside one zone on a grid, without GEOS (default: when
        there are at least 20,000 parcels).
    cell
        Grid cell size in CRS units (default: a third of the median parcel's side, at
        least 1 and so that the grid has at most 6·10⁷ cells).
    stats
        If given, filled with where the time went: ``grid_s`` (building the grid),
        ``certify_s``, ``geos_s`` (the STRtree/GEOS path), ``certified`` (parcels certified
        on the grid), ``geos_parcels``, ``cell`` and ``workers``.

    Returns
    -------
    pandas.DataFrame
        Columns ``parcel`` and ``zone`` (positions in the input arrays), ``area_m2`` (area
        of the intersection, > 0) and ``inside`` (the parcel lies wholly inside the zone),
        sorted by parcel then zone.
    """
    parcels = np.asarray(parcels, dtype=object)
    zones = np.asarray(zones, dtype=object)
    workers = workers or default_workers()
    usable = ~(shapely.is_missing(parcels) | shapely.is_empty(parcels))
    zone_ok = np.flatnonzero(~(shapely.is_missing(zones) | shapely.is_empty(zones)))
    if grid is None:
        grid = int(usable.sum()) >= _GRID_MIN_PARCELS
    if not len(zone_ok) or not usable.any():
        return _frame([np.empty(0, np.int64)] * 2 + [np.empty(0), np.empty(0, bool)])
    certified_zone = np.full(len(parcels), -2, dtype=np.int64)  # -2: not certified
    stats = {} if stats is None else stats
    stats.update(grid_s=0.0, certify_s=0.0, cell=None, workers=workers)
    clock = time.perf_counter()
    if grid:
        idx = np.flatnonzero(usable)
        bounds = shapely.bounds(parcels[idx])
        g = _Grid.build(bounds, zones[zone_ok], cell)
        stats["grid_s"] = time.perf_counter() - clock
        if g is not None:
            zone_of = g.lookup(bounds)
            certified_zone[idx] = np.where(zone_of >= 0, zone_ok[np.maximum(zone_of, 0)],
                                           zone_of)
            stats["cell"] = g.cell
        stats["certify_s"] = time.perf_counter() - clock - stats["grid_s"]
    clock = time.perf_counter()
    area = shapely.area(parcels)
    cert = np.flatnonzero(certified_zone >= 0)
    out = [(cert, certified_zone[cert], area[cert], np.ones(len(cert), dtype=bool))]
    rest = np.flatnonzero(usable & (certified_zone == -2))
    if len(rest):
        for p, z, a, i in _geos_pairs(parcels, zones[zone_ok], rest, area, workers):
            out.append((p, zone_ok[z], a, i))  # positions into zones[zone_ok] -> zones
    parcel_idx, zone_idx, areas, inside = (np.concatenate([o[k] for o in out])
                                           for k in range(4))
    stats.update(geos_s=time.perf_counter() - clock, certified=len(cert),
                 geos_parcels=len(rest))
    return _frame([parcel_idx, zone_idx, areas, inside], area)


TOUCH = 1e-10
"""A pair whose intersection is at most this share of the parcel's area only touches: it
is rounding (clipping a shared edge leaves crumbs of ~10⁻¹⁶ of the parcel), not land."""


def _frame(columns: list[np.ndarray], parcel_area: np.ndarray | None = None) -> pd.DataFrame:
    parcel_idx, zone_idx, areas, inside = columns
    floor = 0.0 if parcel_area is None else TOUCH * parcel_area[parcel_idx]
    keep = areas > floor  # pairs that only touch
    parcel_idx, zone_idx = parcel_idx[keep].astype(np.int64), zone_idx[keep].astype(np.int64)
    areas, inside = areas[keep].astype(float), inside[keep].astype(bool)
    order = np.lexsort((zone_idx, parcel_idx))
    return pd.DataFrame({"parcel": parcel_idx[order], "zone": zone_idx[order],
                         "area_m2": areas[order], "inside": inside[order]})


def _geos_pairs(parcels: np.ndarray, zones: np.ndarray, rest: np.ndarray, area: np.ndarray,
                workers: int) -> list[tuple[np.ndarray, ...]]:
    """Run the STRtree + contains_properly + intersection path for ``rest`` (in threads)."""
    chunks = [rest[i:i + _CHUNK] for i in range(0, len(rest), _CHUNK)]
    threads = min(workers, len(chunks))
    local = threading.local()
    wkb = shapely.to_wkb(zones) if threads > 1 else None
    edges = _zone_vertices(zones)  # read-only arrays: shared by the threads

    def own_zones() -> tuple[np.ndarray, shapely.STRtree]:
        if not hasattr(local, "zones"):
            mine = zones.copy() if wkb is None else shapely.from_wkb(wkb)  # own copy
            local.tree = shapely.STRtree(mine)
            shapely.prepare(mine)
            local.zones = mine
        return local.zones, local.tree

    def run(chunk: np.ndarray) -> tuple[np.ndarray, ...]:
        mine, tree = own_zones()
        geoms = parcels[chunk]
        p_local, z = tree.query(geoms)  # boxes only: a pair that does not meet has area 0
        p = chunk[p_local]
        zg, pg = mine[z], geoms[p_local]
        inside = shapely.contains_properly(zg, pg)
        a = area[p].copy()
        crossing = np.flatnonzero(~inside)
        a[crossing] = _intersection_area(pg[crossing], zg[crossing], a[crossing], edges)
        return p, z, a, inside

    if threads <= 1:
        return [run(c) for c in chunks]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, chunks))


def uncovered_area(parcel_areas: np.ndarray, pairs: pd.DataFrame) -> np.ndarray:
    """Area of each parcel outside every zone (parcel area minus the pairs' areas).

    The zones must not overlap (``check`` resolves a plan's overlaps first, see
    :mod:`landplan.planlayer`); if they do, an overlap is counted once per zone and the
    uncovered area is clipped at zero. Residues below 1e-9 of the parcel are zero.
    """
    covered = np.bincount(pairs["parcel"].to_numpy(), weights=pairs["area_m2"].to_numpy(),
                          minlength=len(parcel_areas))
    outside = np.asarray(parcel_areas, dtype=float) - covered
    outside[outside <= 1e-9 * np.maximum(parcel_areas, 1.0)] = 0.0
    return np.nan_to_num(outside, nan=0.0)


def intersection_geometries(parcels: np.ndarray, zones: np.ndarray, parcel_idx: np.ndarray,
                            zone_idx: np.ndarray) -> np.ndarray:
    """Intersection geometries of the given (parcel, zone) pairs (vectorised)."""
    return shapely.intersection(np.asarray(parcels, dtype=object)[parcel_idx],
                                np.asarray(zones, dtype=object)[zone_idx])


def intersection_areas(parcels: np.ndarray, zones: np.ndarray, parcel_idx: np.ndarray,
                       zone_idx: np.ndarray) -> np.ndarray:
    """Areas of the intersections of the given (parcel, zone) pairs (vectorised)."""
    return shapely.area(intersection_geometries(parcels, zones, parcel_idx, zone_idx))


def union_by_group(geoms: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Return the union of each group's geometries.

    Most groups hold one piece, taken as it is; only groups of several pieces are dissolved
    (one GEOS union each).

    Parameters
    ----------
    geoms
        The pieces.
    group
        Each piece's group, in ``0 .. n - 1``.
    n
        The number of groups.

    Returns
    -------
    numpy.ndarray
        One geometry per group (None for a group without pieces).
    """
    out = np.empty(n, dtype=object)
    counts = np.bincount(group, minlength=n)
    single = counts[group] == 1
    out[group[single]] = geoms[single]
    several = np.flatnonzero(counts > 1)
    members = pd.Series(np.arange(len(group))).groupby(group).indices
    out[several] = [shapely.union_all(geoms[members[g]]) for g in several]
    return out


def uncovered_geometries(parcels: np.ndarray, zones: np.ndarray, pairs: pd.DataFrame,
                         which: np.ndarray) -> np.ndarray:
    """Return the part of each parcel in ``which`` that lies outside every zone (vectorised)."""
    parcels = np.asarray(parcels, dtype=object)
    sub = pairs[pairs["parcel"].isin(which)]
    pieces = intersection_geometries(parcels, zones, sub["parcel"].to_numpy(),
                                     sub["zone"].to_numpy())
    covered = pd.Series(pieces).groupby(sub["parcel"].to_numpy()).agg(
        lambda g: shapely.union_all(g.to_numpy())
    )
    covered_arr = np.array([covered.get(i) for i in which], dtype=object)
    has_cover = ~shapely.is_missing(covered_arr)
    out = parcels[which].copy()
    out[has_cover] = shapely.difference(out[has_cover], covered_arr[has_cover])
    return out


def covered_once(parcels: np.ndarray, zones: np.ndarray, pairs: pd.DataFrame,
                 n: int) -> np.ndarray:
    """Area of each of ``n`` parcels covered by its ``pairs``' zones, overlaps counted once.

    A parcel in one zone takes the pair's area; only parcels in several zones are cut and
    their pieces dissolved (one union each).
    """
    parcel, zone = pairs["parcel"].to_numpy(), pairs["zone"].to_numpy()
    covered = np.bincount(parcel, weights=pairs["area_m2"].to_numpy(dtype=float),
                          minlength=n)
    several = np.bincount(parcel, minlength=n)[parcel] > 1
    if several.any():
        pieces = intersection_geometries(parcels, zones, parcel[several], zone[several])
        which, group = np.unique(parcel[several], return_inverse=True)
        covered[which] = shapely.area(union_by_group(pieces, group, len(which)))
    return covered
