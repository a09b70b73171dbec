"""The plan layer's own problems: zones that overlap, holes no zone covers.

A plan drawn by hand is not an exact partition: neighbouring zones overlap in slivers, a
zone is digitised twice, an inset zone (a school inside a residential area) is drawn on top
of the zone around it without a hole. Counted as they are, such zones make a parcel's
shares add up to more than 100 % and double the areas of the summary. This module finds
the overlaps and gaps (vectorised: an STRtree bulk query, one GEOS intersection per
overlapping pair, one union per version) and resolves the overlaps deterministically:

**Each overlap is given to the smaller of the two zones** (an inset drawn on top of a
larger zone designates that part; a sliver between neighbours goes to the smaller one);
between zones of equal area (a duplicated zone) to the one listed first in the layer. The
order (area, then row) is a strict total order, so a place covered by three zones goes to
the smallest of them, and every place of the plan belongs to exactly one zone: land is
never counted twice. Every overlap is reported (``plan-overlap``, naming the zone it was
given to) so that the plan can be corrected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .engine import interior_pairs

__all__ = ["OVERLAP_COLUMNS", "coverage_versions", "plan_gaps", "plan_overlaps", "polygonal",
           "resolve_overlaps"]

OVERLAP_COLUMNS = ["zone_a", "zone_b", "winner", "loser", "area_m2", "geometry"]


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """Return the polygonal part of each geometry.

    Lines and points left by an overlay along a shared edge are dropped; None stays None, a
    geometry without area becomes empty.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = geoms.copy()
    types = shapely.get_type_id(geoms)
    mixed = np.flatnonzero(types == 7)  # GeometryCollection
    lines = np.flatnonzero(np.isin(types, (0, 1, 2, 4, 5)))
    out[lines] = shapely.from_wkt("POLYGON EMPTY")
    if len(mixed):
        parts, owner = shapely.get_parts(geoms[mixed], return_index=True)
        keep = np.isin(shapely.get_type_id(parts), (3, 6))
        parts, owner = parts[keep], owner[keep]
        flat, sub = shapely.get_parts(parts, return_index=True)  # MultiPolygon → Polygons
        owner = owner[sub]
        merged = np.full(len(mixed), shapely.from_wkt("POLYGON EMPTY"), dtype=object)
        if len(flat):
            present = np.unique(owner)
            merged[present] = shapely.multipolygons(flat, indices=np.searchsorted(present,
                                                                                  owner))
        out[mixed] = merged
    return out


def coverage_versions(geoms: np.ndarray, versions: np.ndarray) -> set[str]:
    """Return the plan versions whose zones form a valid coverage.

    A valid coverage (GEOS's coverage validation, linear in the vertices): no two zones
    overlap and neighbours share their edges vertex for vertex, as a plan drawn on a common
    base map does. Such a version has no overlaps (:func:`plan_overlaps`), and its holes are
    those of its coverage union, much cheaper than a general union (:func:`plan_gaps`).
    """
    geoms = np.asarray(geoms, dtype=object)
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    versions = pd.Series(versions).fillna("v1").to_numpy(dtype=object)
    return {name for name in pd.unique(versions[usable])
            if shapely.coverage_is_valid(geoms[usable & (versions == name)])}


def plan_overlaps(geoms: np.ndarray, versions: np.ndarray,
                  areas: np.ndarray | None = None, *,
                  coverages: set[str] | None = None) -> pd.DataFrame:
    """Overlapping pairs of zones of the same plan version, with the overlap's area.

    Parameters
    ----------
    geoms
        Zone polygons in a metric CRS (None or empty: not a zone).
    versions
        The plan version of each zone (pairs of different versions are not overlaps).
    areas
        The zones' areas (default: computed).
    coverages
        The versions known to be valid coverages (:func:`coverage_versions`): they have no
        overlaps, their zones are not looked at.

    Returns
    -------
    pandas.DataFrame
        :data:`OVERLAP_COLUMNS`: positions ``zone_a < zone_b``, ``winner`` (the smaller
        zone; the first if equal) and ``loser``, ``area_m2`` of the overlap (> 0) and its
        (polygonal) geometry; sorted by ``zone_a``, ``zone_b``.
    """
    geoms = np.asarray(geoms, dtype=object)
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    areas = shapely.area(geoms) if areas is None else np.asarray(areas, dtype=float)
    versions = pd.Series(versions).fillna("v1").to_numpy(dtype=object)
    if coverages:
        usable &= ~np.isin(versions, list(coverages))
    a, b = interior_pairs(np.where(usable, geoms, None))
    same = versions[a] == versions[b]
    a, b = a[same], b[same]
    pieces = polygonal(shapely.intersection(geoms[a], geoms[b]))
    area = shapely.area(pieces)
    keep = area > 0
    a, b, pieces, area = a[keep], b[keep], pieces[keep], area[keep]
    b_wins = areas[b] < areas[a]  # a < b: a wins ties
    winner, loser = np.where(b_wins, b, a), np.where(b_wins, a, b)
    order = np.lexsort((b, a))
    return pd.DataFrame({"zone_a": a[order], "zone_b": b[order], "winner": winner[order],
                         "loser": loser[order], "area_m2": area[order],
                         "geometry": pieces[order]})


def resolve_overlaps(geoms: np.ndarray, overlaps: pd.DataFrame) -> np.ndarray:
    """Make the zones disjoint: each zone minus the overlaps it loses (:func:`plan_overlaps`).

    A zone that loses all of itself (the second of two identical zones) becomes empty.
    """
    out = np.asarray(geoms, dtype=object).copy()
    if overlaps.empty:
        return out
    lost = overlaps.sort_values(["loser", "winner"], kind="stable")
    losers, first, counts = np.unique(lost["loser"].to_numpy(), return_index=True,
                                      return_counts=True)
    pieces = lost["geometry"].to_numpy(dtype=object)
    cut = np.empty(len(losers), dtype=object)
    single = counts == 1
    cut[single] = pieces[first[single]]
    for i in np.flatnonzero(~single):  # zones that lose several pieces (few): one union each
        cut[i] = shapely.union_all(pieces[first[i]:first[i] + counts[i]])
    out[losers] = polygonal(shapely.difference(out[losers], cut))
    return out


def plan_gaps(geoms: np.ndarray, versions: np.ndarray, min_area_m2: float, *,
              coverages: set[str] | None = None) -> pd.DataFrame:
    """Find the holes inside each plan version's extent that no zone covers.

    They are the interior rings of the union of its zones, larger than ``min_area_m2``. A
    version known to be a valid coverage (``coverages``, see :func:`coverage_versions`)
    whose coverage union has no hole has no gap; the union of the others is computed.

    Returns
    -------
    pandas.DataFrame
        ``version``, ``area_m2``, ``geometry``; by version, then largest first.
    """
    geoms = np.asarray(geoms, dtype=object)
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    versions = pd.Series(versions).fillna("v1").to_numpy(dtype=object)
    frames = []
    for name in pd.unique(versions[usable]):
        holes = _version_holes(geoms[usable & (versions == name)], name in (coverages or ()))
        area = shapely.area(holes)
        keep = area > min_area_m2
        frames.append(pd.DataFrame({"version": name, "area_m2": area[keep],
                                    "geometry": holes[keep]}))
    if not frames:
        return pd.DataFrame({"version": [], "area_m2": [], "geometry": []})
    out = pd.concat(frames, ignore_index=True)
    # stable ids: largest first, then by position (the gap's lowest corner)
    box = shapely.bounds(out["geometry"].to_numpy(dtype=object)) if len(out) else \
        np.zeros((0, 4))
    out["_x"], out["_y"] = box[:, 0], box[:, 1]
    out["_v"] = pd.Categorical(out["version"], categories=list(pd.unique(versions[usable])))
    out = out.sort_values(["_v", "area_m2", "_x", "_y"], ascending=[True, False, True, True],
                          kind="stable")
    return out.drop(columns=["_x", "_y", "_v"]).reset_index(drop=True)


def _version_holes(zones: np.ndarray, coverage: bool) -> np.ndarray:
    """Return the holes of the union of ``zones`` (a valid coverage when ``coverage``)."""
    if coverage and not _holes(shapely.coverage_union_all(zones)):
        return np.empty(0, dtype=object)
    parts = shapely.get_parts(shapely.union_all(zones))
    parts = parts[shapely.get_type_id(parts) == 3]
    rings, _ = shapely.get_rings(parts, return_index=True)
    return shapely.polygons(rings[_interior(parts)])


def _holes(geom: object) -> bool:
    """Whether a (multi)polygon has a hole."""
    return bool(shapely.get_num_interior_rings(shapely.get_parts(geom)).sum())


def _interior(parts: np.ndarray) -> np.ndarray:
    """Which of ``get_rings(parts)`` are interior rings (all but each polygon's first)."""
    n = shapely.get_num_interior_rings(parts) + 1
    first = np.cumsum(n) - n
    mask = np.ones(int(n.sum()), dtype=bool)
    mask[first] = False
    return mask
