"""Pairs of polygons whose interiors may intersect (:func:`landplan.engine.interior_pairs`).

A separating-axis test in numpy for small polygons, GEOS predicates for the rest.
"""

from __future__ import annotations

import numpy as np
import shapely

_SAT_MAX_VERTICES = 8
_SAT_EPS = 1e-6  # metres: overlaps shallower than a micrometre are not overlaps
_SAT_CHUNK = 1 << 16  # pairs per chunk of the separating-axis test


def interior_pairs(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the pairs ``a < b`` of polygons whose interiors may intersect.

    Every pair that overlaps (or where one contains the other) is returned, and parcels that
    only share an edge, as a cadastre's neighbours do, are not. For polygons of up to 8
    vertices a separating-axis test in numpy (the edge normals of both; a 1 µm tolerance)
    settles most pairs without GEOS: separated projections prove the interiors apart, convex
    or not; the pairs it cannot separate, and larger polygons, go through GEOS's
    ``overlaps`` / ``contains`` / ``within``.

    Parameters
    ----------
    geoms
        Polygons (None matches nothing).
    """
    geoms = np.asarray(geoms, dtype=object)
    a, b, _ = overlap_candidates(geoms)
    meet = interiors_meet(geoms[a], geoms[b])
    return a[meet], b[meet]


def overlap_candidates(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the pairs ``a < b`` of polygons that the separating-axis test does not part.

    As :func:`interior_pairs` before its GEOS predicates: ``(a, b, tested)``, ``tested``
    where both polygons were small enough for the test (a pair it tested and could not part
    overlaps, unless a polygon is concave); the others were not tested.
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
    tested = small[a] & small[b]
    separated = np.zeros(len(a), dtype=bool)
    if tested.any():
        separated[tested] = _separated(vertices, a[tested], b[tested])
    return a[~separated], b[~separated], tested[~separated]


def interiors_meet(ga: np.ndarray, gb: np.ndarray) -> np.ndarray:
    """Whether the interiors of each pair of polygons intersect (GEOS's predicates)."""
    if not len(ga):
        return np.zeros(0, dtype=bool)
    return shapely.overlaps(ga, gb) | shapely.contains(ga, gb) | shapely.within(ga, gb)


def _polygon_vertices(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the padded vertices of each polygon of up to 8, and which polygons qualify.

    Holes' vertices are included (they change no projection); the vertices are padded by
    repeating the last one: an (n, k, 2) array with k the largest count. (The projection of
    a polygon on an axis spans its vertices' projections, convex or not.)
    """
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
    """Run the separating-axis test for pairs of polygons (padded vertex arrays).

    True where the projections on one of the edge normals of either are apart (by at least
    -1 µm). The pairs go in chunks (bounded memory, arrays that stay in cache); b's axes
    are tried only for the pairs a's axes do not separate (neighbours sharing an edge are
    separated by that edge of a).
    """
    separated = np.empty(len(a), dtype=bool)
    for start in range(0, len(a), _SAT_CHUNK):
        part = slice(start, start + _SAT_CHUNK)
        separated[part] = _separated_chunk(vertices, a[part], b[part])
    return separated


def _separated_chunk(vertices: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`_separated` of one chunk of pairs."""
    origin = vertices[a, :1]  # around a's first vertex: no cancellation
    va, vb = vertices[a] - origin, vertices[b] - origin
    separated = _apart_on_axes(va, va, vb)
    rest = np.flatnonzero(~separated)
    if len(rest):
        separated[rest] = _apart_on_axes(vb[rest], va[rest], vb[rest])
    return separated


def _apart_on_axes(poly: np.ndarray, va: np.ndarray, vb: np.ndarray) -> np.ndarray:
    """Whether the projections of ``va`` and ``vb`` on an edge normal of ``poly`` are apart.

    The projections' extremes are taken vertex by vertex (element-wise minimum and maximum
    over arrays of shape (pairs, axes), not reductions over a short last axis).
    """
    edge = np.roll(poly, -1, axis=1) - poly
    length = np.hypot(edge[:, :, 0], edge[:, :, 1])
    safe = np.where(length > 0, length, 1.0)
    ux, uy = -edge[:, :, 1] / safe, edge[:, :, 0] / safe  # unit normals, (pairs, axes)
    low_a = high_a = low_b = high_b = None
    for j in range(va.shape[1]):
        pa = ux * va[:, j, 0][:, None] + uy * va[:, j, 1][:, None]
        pb = ux * vb[:, j, 0][:, None] + uy * vb[:, j, 1][:, None]
        if low_a is None:
            low_a, high_a, low_b, high_b = pa, pa.copy(), pb, pb.copy()
        else:
            np.minimum(low_a, pa, out=low_a)
            np.maximum(high_a, pa, out=high_a)
            np.minimum(low_b, pb, out=low_b)
            np.maximum(high_b, pb, out=high_b)
    gap = np.maximum(low_b - high_a, low_a - high_b)
    return ((gap >= -_SAT_EPS) & (length > 0)).any(axis=1)
