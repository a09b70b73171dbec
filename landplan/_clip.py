"""Clipping kernels of the overlay engine (:mod:`landplan.engine`).

They compute the area of a parcel that crosses a zone's boundary.

The zone is cut to a rectangle around the parcel with GEOS's rectangle clipping (a linear
walk, several times cheaper than an overlay) and that small piece is clipped to the parcel
in numpy: Sutherland–Hodgman for a convex parcel, the same per triangle of a concave
parcel's constrained Delaunay triangulation. The rectangle is the parcel's box grown clear
of every zone vertex (GEOS's rectangle clipping is wrong where a vertex lies on the
rectangle).
"""

from __future__ import annotations

import numpy as np
import shapely


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
    any zone (``vertices``: the zones' sorted distinct x and y) on its boundary.
    """
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
    """Compute the area of ``parcels[i] ∩ pieces[i]`` for parcels that are not convex.

    The parcel is cut into triangles (a constrained Delaunay triangulation has no new
    vertices, so the triangles tile it exactly) and the piece is clipped to each in numpy.
    The pieces of GEOS's rectangle clipping may be invalid (a hole touching the outline
    becomes one self-touching ring), which a GEOS overlay of the piece would misread; the
    numpy clip only sums signed ring areas. Parcels too large for that, or whose
    triangulation fails, are intersected with the whole zone by GEOS (valid inputs).
    """
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
    """Return the distinct x and the distinct y of every zone vertex, sorted."""
    xy = shapely.get_coordinates(zones)
    return np.unique(xy[:, 0]), np.unique(xy[:, 1])


def _padded_boxes(bounds: np.ndarray, vertices: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Grow each box until no zone vertex lies on its boundary.

    Each box is grown by 1/64 of its larger side plus 1 cm (the parcel is then strictly
    inside), and grown further, box by box, while one of its four sides lies on the x (or
    y) of any zone vertex, so that no zone vertex is on a rectangle's boundary and no zone
    edge runs along one. (Checked against every zone's vertices at once: a conservative,
    cheap test.)
    """
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
    """Compute the area of ``subjects[i] ∩ clips[i]`` when ``clips[i]`` is convex.

    ``clips[i]`` must be a convex polygon without holes (NaN otherwise). Every ring of the
    subject is clipped by Sutherland–Hodgman against each edge of the clip, vectorised over
    all pairs at once. The clipped ring of a concave subject may have degenerate edges but
    its area is exact.
    """
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
    """Make one Sutherland–Hodgman pass over every ring.

    Each ring (consecutive points sharing ``ring_of``) is cut to the left of the line a→b
    (right when ``sign`` is -1); inactive points pass.
    """
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
    """Return the position of each point's successor in its ring.

    The points are stored ring after ring (``ring_of`` non-decreasing, closing point
    dropped); the last point of a ring wraps to the first.
    """
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
