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
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

__all__ = ["PAIR_COLUMNS", "default_workers", "interior_pairs", "intersection_geometries",
           "overlay_pairs", "uncovered_area"]

PAIR_COLUMNS = ["parcel", "zone", "area_m2", "inside"]
_GRID_MIN_PARCELS = 20_000  # below this the grid costs more than it saves
_GRID_MAX_CELLS = 60_000_000  # ~0.5 GB of grid arrays at most
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
    """The STRtree + contains_properly + intersection path for ``rest`` (in threads)."""
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


def _intersection_area(parcels: np.ndarray, zones: np.ndarray, parcel_area: np.ndarray,
                       vertices: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Areas of ``parcels[i] ∩ zones[i]``, with as few GEOS overlays as possible.

    The zone is first cut to a rectangle around the parcel with GEOS's rectangle clipping
    (a linear walk, several times cheaper than an overlay), then the small piece left is
    clipped to the parcel: in numpy for a convex parcel (:func:`_convex_clip_area`), by a
    GEOS intersection for the others (~30 µs each, whatever the sizes).

    GEOS's rectangle clipping is only right in general position: where a vertex of the
    zone lies on the rectangle's boundary it can return the complement of the answer (a
    zone sharing the parcel's south-west corner came back as the sliver outside it). On a
    plan drawn on the cadastral map the parcel's extreme vertices, which lie on its
    bounding box, are the zone's vertices, so the box itself is the worst rectangle: the
    rectangle is the box grown by a margin (:func:`_padded_boxes`) that puts no vertex of
    any zone (``vertices``: the zones' sorted distinct x and y) on its boundary."""
    rect = _padded_boxes(shapely.bounds(parcels), vertices)
    pieces = _clip_by_rect(zones, rect)
    out = np.zeros(len(parcels))
    other = np.flatnonzero(~shapely.is_empty(pieces))
    if len(other):
        clipped = _convex_clip_area(parcels[other], pieces[other])
        out[other] = clipped
        rest = other[np.isnan(clipped)]
        if len(rest):
            out[rest] = _concave_clip_area(parcels[rest], pieces[rest], zones[rest])
    return out


_MAX_TRIANGLE_WORK = 200_000  # triangles × piece vertices above which GEOS is cheaper


def _concave_clip_area(parcels: np.ndarray, pieces: np.ndarray,
                       zones: np.ndarray) -> np.ndarray:
    """Area of ``parcels[i] ∩ pieces[i]`` for parcels that are not convex: the parcel is
    cut into triangles (a constrained Delaunay triangulation has no new vertices, so the
    triangles tile it exactly) and the piece is clipped to each in numpy. The pieces of
    GEOS's rectangle clipping may be invalid (a hole touching the outline becomes one
    self-touching ring), which a GEOS overlay of the piece would misread; the numpy clip
    only sums signed ring areas. Parcels too large for that, or whose triangulation fails,
    are intersected with the whole zone by GEOS (valid inputs)."""
    out = np.full(len(parcels), np.nan)
    tri = _triangles(parcels)
    if tri is not None:
        parts, owner = shapely.get_parts(tri, return_index=True)
        work = np.bincount(owner, minlength=len(parcels)) * shapely.get_num_coordinates(pieces)
        fit = np.flatnonzero((work <= _MAX_TRIANGLE_WORK)
                             & (np.bincount(owner, minlength=len(parcels)) > 0))
        take = np.isin(owner, fit)
        parts, owner = parts[take], owner[take]
        area = _convex_clip_area(parts, pieces[owner])
        flat = shapely.area(parts) <= 1e-12 * np.maximum(shapely.area(parcels[owner]), 1.0)
        area = np.where(np.isnan(area) & flat, 0.0, area)  # degenerate triangles
        failed = np.bincount(owner, weights=np.isnan(area), minlength=len(parcels)) > 0
        total = np.bincount(owner, weights=np.nan_to_num(area), minlength=len(parcels))
        ok = np.zeros(len(parcels), dtype=bool)
        ok[fit] = True
        ok &= ~failed
        out[ok] = total[ok]
    rest = np.flatnonzero(np.isnan(out))
    if len(rest):
        out[rest] = shapely.area(shapely.intersection(parcels[rest], zones[rest]))
    return out


def _triangles(polygons: np.ndarray) -> np.ndarray | None:
    """Constrained Delaunay triangulations (GEOS ≥ 3.10 through shapely ≥ 2.1), or None."""
    triangulate = getattr(shapely, "constrained_delaunay_triangles", None)
    if triangulate is None:  # pragma: no cover - older shapely
        return None
    return triangulate(polygons)


def _zone_vertices(zones: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct x and the distinct y of every zone vertex, sorted."""
    xy = shapely.get_coordinates(zones)
    return np.unique(xy[:, 0]), np.unique(xy[:, 1])


def _padded_boxes(bounds: np.ndarray, vertices: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Each box grown by 1/64 of its larger side plus 1 cm (the parcel is then strictly
    inside), and grown further, box by box, while one of its four sides lies on the x (or
    y) of any zone vertex, so that no zone vertex is on a rectangle's boundary and no zone
    edge runs along one. (Checked against every zone's vertices at once: a conservative,
    cheap test.)"""
    xs, ys = vertices
    size = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    pad = size / 64.0 + 0.01
    out = bounds + pad[:, None] * np.array([-1.0, -1.0, 1.0, 1.0])
    for _ in range(64):
        hit = (_among(out[:, 0], xs) | _among(out[:, 2], xs) | _among(out[:, 1], ys)
               | _among(out[:, 3], ys))
        if not hit.any():
            return out
        pad[hit] *= 1.3090169943749475  # an irrational step: no lattice is hit twice
        out[hit] = bounds[hit] + pad[hit, None] * np.array([-1.0, -1.0, 1.0, 1.0])
    raise AssertionError("no rectangle clear of the zones' vertices")  # pragma: no cover


def _among(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Which ``values`` occur (exactly) in ``sorted_values``."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[pos] == values


_MAX_CLIP_VERTICES = 16


def _convex_clip_area(clips: np.ndarray, subjects: np.ndarray) -> np.ndarray:
    """Area of ``subjects[i] ∩ clips[i]`` when ``clips[i]`` is a convex polygon without
    holes (NaN otherwise), by Sutherland–Hodgman clipping of every ring of the subject
    against each edge of the clip, vectorised over all pairs at once. The clipped ring of
    a concave subject may have degenerate edges but its area is exact."""
    n = len(clips)
    out = np.full(n, np.nan)
    # the clip polygons: one ring each, convex, counter-clockwise
    simple = (shapely.get_type_id(clips) == 3) & (shapely.get_num_interior_rings(clips) == 0)
    cc, owner = shapely.get_coordinates(shapely.get_exterior_ring(clips[simple]),
                                        return_index=True)
    # repeated vertices make zero-length edges, which would hide the turn at a concave
    # vertex from the convexity test below: drop them (the ring stays closed)
    repeated = np.zeros(len(cc), dtype=bool)
    repeated[1:] = (owner[1:] == owner[:-1]) & (cc[1:] == cc[:-1]).all(axis=1)
    cc, owner = cc[~repeated], owner[~repeated]
    which = np.flatnonzero(simple)
    count = np.bincount(owner, minlength=len(which))  # closed ring: k + 1 coordinates
    start = np.cumsum(count) - count
    k = count - 1
    ok = (k >= 3) & (k <= _MAX_CLIP_VERTICES)
    # orientation and convexity from the cross products at each vertex
    nxt = np.arange(len(cc)) + 1
    last = start + count - 1
    nxt[last] = start + 1
    edge = cc[nxt] - cc
    turn = edge[:-1, 0] * edge[1:, 1] - edge[:-1, 1] * edge[1:, 0]
    turn = np.append(turn, 0.0)
    turn[last] = 0.0  # the closing coordinate repeats the first
    tol = 1e-12 * np.maximum(np.abs(edge).max(axis=1), 1.0) ** 2
    pos = np.bincount(owner, weights=(turn > tol),
                      minlength=len(which))
    neg = np.bincount(owner, weights=(turn < -tol), minlength=len(which))
    convex = ok & ((pos == 0) | (neg == 0)) & (pos + neg > 0)
    sign = np.where(neg > 0, -1.0, 1.0)  # clockwise rings: inside is to the right
    pairs = which[convex]
    if not len(pairs):
        return out
    cstart, ck, csign = start[convex], k[convex], sign[convex]
    # the subjects' rings: +1 exterior, -1 hole
    subjects = subjects[pairs]
    single = shapely.get_type_id(subjects) == 3
    multi = np.flatnonzero(~single)
    parts, part_pair = shapely.get_parts(subjects[multi], return_index=True)
    polys = shapely.get_type_id(parts) == 3  # polygons of multi-polygons and collections
    parts = np.concatenate([subjects[single], parts[polys]])
    part_pair = np.concatenate([np.flatnonzero(single), multi[part_pair[polys]]])
    # rings: a part without holes is its exterior ring (no ring objects needed)
    holed = shapely.get_num_interior_rings(parts) > 0
    rings, ring_part = shapely.get_rings(parts[holed], return_index=True)
    first_ring = np.r_[True, ring_part[1:] != ring_part[:-1]] if len(rings) else \
        np.zeros(0, dtype=bool)
    n_plain = int((~holed).sum())
    ring_sign = np.concatenate([np.ones(n_plain), np.where(first_ring, 1.0, -1.0)])
    ring_pair = np.concatenate([part_pair[~holed], part_pair[holed][ring_part]])
    xy_plain, of_plain = shapely.get_coordinates(parts[~holed], return_index=True)
    xy_holed, of_holed = shapely.get_coordinates(rings, return_index=True)
    xy = np.concatenate([xy_plain, xy_holed])
    ring_of = np.concatenate([of_plain, of_holed + n_plain])
    closing = np.r_[ring_of[1:] != ring_of[:-1], True] if len(xy) else np.array([], bool)
    xy, ring_of = xy[~closing], ring_of[~closing]  # drop each ring's repeated first point
    # work around each clip's first vertex: shoelace sums of projected coordinates
    # (10⁶ m) would lose six digits to cancellation
    origin = cc[cstart]
    xy = xy - origin[ring_pair[ring_of]]
    for m in range(int(ck.max())):
        pair_of = ring_pair[ring_of]
        corner = cstart + np.minimum(m, ck - 1)
        a = (cc[corner] - origin)[pair_of]
        b = (cc[corner + 1] - origin)[pair_of]
        xy, ring_of = _clip_half_plane(xy, ring_of, a, b, csign[pair_of], ck[pair_of] > m)
    nxt = _ring_successor(ring_of)
    cross = xy[:, 0] * xy[nxt, 1] - xy[nxt, 0] * xy[:, 1]
    ring_area = np.abs(np.bincount(ring_of, weights=cross, minlength=len(ring_pair))) / 2
    area = np.bincount(ring_pair, weights=ring_area * ring_sign, minlength=len(pairs))
    out[pairs] = np.maximum(area, 0.0)
    return out


def _clip_half_plane(xy: np.ndarray, ring_of: np.ndarray, a: np.ndarray, b: np.ndarray,
                     sign: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One Sutherland–Hodgman pass: each ring (consecutive points sharing ``ring_of``)
    cut to the left of the line a→b (right when ``sign`` is -1); inactive points pass."""
    if not len(xy):
        return xy, ring_of
    nxt = _ring_successor(ring_of)
    d = b - a
    side = sign * (d[:, 0] * (xy[:, 1] - a[:, 1]) - d[:, 1] * (xy[:, 0] - a[:, 0]))
    side[~active] = 1.0
    inside = side >= 0
    in_next = inside[nxt]
    side_next = side[nxt]
    crosses = inside != in_next
    emit = (inside & in_next).astype(np.int64) + crosses + (~inside & in_next)
    src = np.repeat(np.arange(len(xy)), emit)
    slot = _ranges(np.zeros(len(emit), dtype=np.int64), emit)  # 0, 1 within each vertex
    # slot 0 of a crossing edge is the crossing point; the other slot is the next vertex
    is_cross = crosses[src] & (slot == 0)
    p, q = xy[src], xy[nxt[src]]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(is_cross, side[src] / (side[src] - side_next[src]), 0.0)
        point = np.where(is_cross[:, None], p + t[:, None] * (q - p), q)
    return point, ring_of[src]


def _ring_successor(ring_of: np.ndarray) -> np.ndarray:
    """For points stored ring after ring (``ring_of`` non-decreasing, closing point
    dropped): the position of each point's successor, the last wrapping to the first."""
    if not len(ring_of):
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, ring_of[1:] != ring_of[:-1]])
    nxt = np.arange(len(ring_of)) + 1
    nxt[np.r_[starts[1:], len(ring_of)] - 1] = starts
    return nxt


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + c) for s, c in zip(starts, counts)])``, vectorised."""
    counts = np.asarray(counts, dtype=np.int64)
    offsets = np.cumsum(counts) - counts
    return np.repeat(np.asarray(starts, dtype=np.int64) - offsets, counts) + \
        np.arange(int(counts.sum()))


def _clip_by_rect(geoms: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """``shapely.clip_by_rect`` for arrays of geometries and rectangles."""
    clip = getattr(shapely.lib, "clip_by_rect", None)
    if isinstance(clip, np.ufunc):  # vectorised in shapely 2 (the public wrapper is scalar)
        return clip(geoms, bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3])
    return np.array([shapely.clip_by_rect(g, *box) for g, box in zip(geoms, bounds,
                                                                      strict=True)],
                    dtype=object)  # pragma: no cover - older shapely


@dataclass
class _Grid:
    """Boundary-free grid regions and the zone each lies in (see the module docstring)."""

    x0: float
    y1: float
    cell: float
    shape: tuple[int, int]
    blocked: np.ndarray  # integral image of boundary cells, (H + 1, W + 1)
    zone: np.ndarray  # position in ``near`` of the zone at each cell's centre; -1, -2
    near: np.ndarray  # the zones that reach the grid (positions in the input)

    @classmethod
    def build(cls, bounds: np.ndarray, zones: np.ndarray, cell: float | None) -> _Grid | None:
        """The grid over the parcels' extent (``bounds``: their ``shapely.bounds``)."""
        with np.errstate(invalid="ignore"):
            px0, py0 = np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1])
            px1, py1 = np.nanmax(bounds[:, 2]), np.nanmax(bounds[:, 3])
        zx0, zy0, zx1, zy1 = shapely.total_bounds(zones)
        x0, y0 = max(px0, zx0), max(py0, zy0)
        x1, y1 = min(px1, zx1), min(py1, zy1)
        if not np.isfinite([x0, y0, x1, y1]).all() or x1 <= x0 or y1 <= y0:
            return None
        if cell is None:
            sizes = (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])
            cell = max(float(np.sqrt(np.nanmedian(sizes))) / 3.0, 1.0)
        cell = max(cell, float(np.sqrt((x1 - x0) * (y1 - y0) / _GRID_MAX_CELLS)))
        x0, y1 = x0 - cell, y1 + cell
        width = int(np.ceil((x1 - x0) / cell)) + 2
        height = int(np.ceil((y1 - y0) / cell)) + 2
        tree = shapely.STRtree(zones)
        near = tree.query(shapely.box(x0, y1 - height * cell, x0 + width * cell, y1))
        with ThreadPoolExecutor(max_workers=2) as pool:  # numpy and GEOS release the GIL
            burnt = pool.submit(lambda: _integral(_burn(
                shapely.boundary(zones[near]), x0, y1, cell, (height, width))))
            filled = pool.submit(_fill, zones[near], x0, y1, cell, (height, width))
            blocked, zone = burnt.result(), filled.result()
        return cls(x0, y1, cell, (height, width), blocked, zone, near)

    def lookup(self, bounds: np.ndarray) -> np.ndarray:
        """Per parcel (given by its bounds): the zone position it is certified in (-1:
        certified outside every zone, -2: not certified)."""
        b = bounds
        c0 = np.floor((b[:, 0] - self.x0) / self.cell)
        c1 = np.floor((b[:, 2] - self.x0) / self.cell)
        r0 = np.floor((self.y1 - b[:, 3]) / self.cell)
        r1 = np.floor((self.y1 - b[:, 1]) / self.cell)
        h, w = self.shape
        ok = (np.isfinite(b).all(axis=1) & (c0 >= 0) & (r0 >= 0) & (c1 < w) & (r1 < h))
        c0, c1, r0, r1 = (np.where(ok, v, 0).astype(np.int64) for v in (c0, c1, r0, r1))
        zone = np.full(len(b), -2, dtype=np.int64)
        free = np.flatnonzero(ok & (_box_sum(self.blocked, r0, r1, c0, c1) == 0))
        local = self.zone[r0[free], c0[free]]
        zone[free] = np.where(local >= 0, self.near[np.maximum(local, 0)], local)
        return zone


def _burn(lines: np.ndarray, x0: float, y1: float, cell: float,
          shape: tuple[int, int]) -> np.ndarray:
    """Cells the lines pass through, and their neighbours (a conservative superset): the
    lines are densified to vertices at most half a cell apart, the vertices' cells marked
    and the mask dilated by one cell."""
    height, width = shape
    dense = shapely.segmentize(lines, cell / 2.0)
    coords = shapely.get_coordinates(dense)
    cols = np.floor((coords[:, 0] - x0) / cell).astype(np.int64)
    rows = np.floor((y1 - coords[:, 1]) / cell).astype(np.int64)
    keep = (rows >= -1) & (cols >= -1) & (rows <= height) & (cols <= width)
    padded = np.zeros((height + 2, width + 2), dtype=bool)
    padded[rows[keep] + 1, cols[keep] + 1] = True
    out = np.zeros(shape, dtype=bool)
    for dr in (0, 1, 2):
        for dc in (0, 1, 2):
            out |= padded[dr:dr + height, dc:dc + width]
    return out


def _fill(zones: np.ndarray, x0: float, y1: float, cell: float,
          shape: tuple[int, int]) -> np.ndarray:
    """Scan-line fill of polygons at cell centres (even-odd rule, vectorised): the
    position of the zone containing each cell's centre, -1 where none does, -2 where
    several do."""
    height, width = shape
    parts, part_owner = shapely.get_parts(zones, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    same = ring_of[1:] == ring_of[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    owner = part_owner[ring_part[ring_of[:-1][same]]]
    ylo, yhi = np.minimum(a[:, 1], b[:, 1]), np.maximum(a[:, 1], b[:, 1])
    r_lo = np.floor((y1 - yhi) / cell - 0.5).astype(np.int64) + 1  # centre < yhi
    r_hi = np.floor((y1 - ylo) / cell - 0.5).astype(np.int64)  # centre >= ylo
    r_lo, r_hi = np.maximum(r_lo, 0), np.minimum(r_hi, height - 1)
    n = np.maximum(r_hi - r_lo + 1, 0)
    seg = np.repeat(np.arange(len(n)), n)
    row = _ranges(r_lo, n)
    yc = y1 - (row + 0.5) * cell
    t = (yc - a[seg, 1]) / (b[seg, 1] - a[seg, 1])
    x = a[seg, 0] + t * (b[seg, 0] - a[seg, 0])
    who = owner[seg]
    order = np.lexsort((x, who.astype(np.int64) * height + row))  # by zone and row, then x
    x, row, who = x[order], row[order], who[order]
    start, end = x[0::2], x[1::2]  # inside between consecutive crossings of a zone's row
    row, who = row[0::2], who[0::2]
    c0 = np.ceil((start - x0) / cell - 0.5).astype(np.int64)  # first centre >= start
    c1 = np.ceil((end - x0) / cell - 0.5).astype(np.int64)  # first centre >= end
    c0, c1 = np.clip(c0, 0, width), np.clip(c1, 0, width)
    span = c1 > c0
    row, who, c0, c1 = row[span], who[span], c0[span], c1[span]
    start, end = row * width + c0, row * width + c1  # runs in the flattened raster
    order = np.argsort(start, kind="stable")
    start, end, who = start[order], end[order], who[order].astype(np.int32)
    # zones overlap where a run starts before an earlier one ends: cut the run there (and
    # mark the shared cells afterwards), so that the runs tile the raster in order
    reach = np.concatenate([[0], np.maximum.accumulate(end)[:-1]])
    cut = np.maximum(start, reach)
    keep = end > cut
    gaps = cut[keep] - np.concatenate([[0], end[keep][:-1]])
    values = np.full(2 * int(keep.sum()) + 1, -1, dtype=np.int32)  # -1: in no zone
    values[1::2] = who[keep]
    lengths = np.empty(len(values), dtype=np.int64)
    lengths[0:-1:2] = gaps
    lengths[1::2] = end[keep] - cut[keep]
    lengths[-1] = height * width - (end[keep][-1] if keep.any() else 0)
    zone = np.repeat(values, lengths)
    shared = start < np.minimum(reach, end)
    if shared.any():
        zone[_ranges(start[shared], np.minimum(reach, end)[shared] - start[shared])] = -2
    return zone.reshape(height, width)


def _integral(mask: np.ndarray) -> np.ndarray:
    s = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), dtype=np.int32)
    np.cumsum(np.cumsum(mask, axis=0, dtype=np.int32), axis=1, out=s[1:, 1:])
    return s


def _box_sum(s: np.ndarray, r0: np.ndarray, r1: np.ndarray, c0: np.ndarray,
             c1: np.ndarray) -> np.ndarray:
    return s[r1 + 1, c1 + 1] - s[r0, c1 + 1] - s[r1 + 1, c0] + s[r0, c0]


_SAT_MAX_VERTICES = 8
_SAT_EPS = 1e-6  # metres: overlaps shallower than a micrometre are not overlaps


def interior_pairs(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``a < b`` of polygons whose interiors may intersect: every pair that overlaps
    (or where one contains the other) is returned, and parcels that only share an edge,
    as a cadastre's neighbours do, are not. For polygons of up to 8 vertices a
    separating-axis test in numpy (the edge normals of both; a 1 µm tolerance) settles most
    pairs without GEOS: separated projections prove the interiors apart, convex or not;
    the pairs it cannot separate, and larger polygons, go through GEOS's ``overlaps`` /
    ``contains`` / ``within``.

    Parameters
    ----------
    geoms
        Polygons (None matches nothing).
    """
    geoms = np.asarray(geoms, dtype=object)
    a, b = shapely.STRtree(geoms).query(geoms)
    keep = a < b
    a, b = a[keep], b[keep]
    box = shapely.bounds(geoms)
    strict = ((box[a, 0] < box[b, 2]) & (box[b, 0] < box[a, 2])
              & (box[a, 1] < box[b, 3]) & (box[b, 1] < box[a, 3]))
    a, b = a[strict], b[strict]
    vertices, small = _polygon_vertices(geoms)
    both = small[a] & small[b]
    separated = np.zeros(len(a), dtype=bool)
    if both.any():
        separated[both] = _separated(vertices, a[both], b[both])
    other = ~separated
    if other.any():
        ga, gb = geoms[a[other]], geoms[b[other]]
        meet = shapely.overlaps(ga, gb) | shapely.contains(ga, gb) | shapely.within(ga, gb)
        separated[np.flatnonzero(other)[~meet]] = True
    return a[~separated], b[~separated]


def _polygon_vertices(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of each polygon of up to 8 (holes' vertices included: they change no
    projection), padded by repeating the last one: an (n, k, 2) array with k the largest
    count, and which polygons qualify. (The projection of a polygon on an axis spans its
    vertices' projections, convex or not.)"""
    n = len(geoms)
    simple = np.flatnonzero(shapely.get_type_id(geoms) == 3)
    coords, owner = shapely.get_coordinates(geoms[simple], return_index=True)
    total = np.bincount(owner, minlength=len(simple))
    start = np.cumsum(total) - total
    count = total - 1  # the closing point repeats the first
    ok = (count >= 3) & (count <= _SAT_MAX_VERTICES)
    simple, count, start = simple[ok], count[ok], start[ok]
    k = int(count.max()) if len(count) else 1
    out = np.zeros((n, k, 2))
    take = start[:, None] + np.minimum(np.arange(k)[None, :], count[:, None] - 1)
    out[simple] = coords[take]
    qualifies = np.zeros(n, dtype=bool)
    qualifies[simple] = True
    return out, qualifies


def _separated(vertices: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Separating-axis test for pairs of polygons (padded vertex arrays): True where the
    projections on one of the edge normals of either are apart (by at least -1 µm)."""
    origin = vertices[a, :1]  # around a's first vertex: no cancellation
    va, vb = vertices[a] - origin, vertices[b] - origin
    separated = np.zeros(len(a), dtype=bool)
    for poly in (va, vb):
        edge = np.roll(poly, -1, axis=1) - poly
        length = np.hypot(edge[:, :, 0], edge[:, :, 1])
        safe = np.where(length > 0, length, 1.0)
        ux, uy = -edge[:, :, 1] / safe, edge[:, :, 0] / safe  # unit normals, (pairs, axes)
        pa = ux[:, :, None] * va[:, None, :, 0] + uy[:, :, None] * va[:, None, :, 1]
        pb = ux[:, :, None] * vb[:, None, :, 0] + uy[:, :, None] * vb[:, None, :, 1]
        gap = np.maximum(pb.min(axis=2) - pa.max(axis=2), pa.min(axis=2) - pb.max(axis=2))
        separated |= ((gap >= -_SAT_EPS) & (length > 0)).any(axis=1)
    return separated


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


def uncovered_geometries(parcels: np.ndarray, zones: np.ndarray, pairs: pd.DataFrame,
                         which: np.ndarray) -> np.ndarray:
    """The part of each parcel in ``which`` that lies outside every zone (vectorised)."""
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
