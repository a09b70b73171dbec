"""The overlay engine: (decision, zone, intersection area) pairs, computed once.

This is the only module that does heavy geometry. It uses an STRtree bulk query, a
prepared ``contains_properly`` test to skip the intersection for parcels wholly inside
one zone, and vectorised shapely intersections for the boundary-crossing pairs only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

__all__ = ["PAIR_COLUMNS", "intersection_geometries", "overlay_pairs", "uncovered_area"]

PAIR_COLUMNS = ["parcel", "zone", "area_m2", "inside"]


def overlay_pairs(parcels: np.ndarray, zones: np.ndarray) -> pd.DataFrame:
    """Intersection areas of every parcel with every zone it overlaps.

    Parameters
    ----------
    parcels, zones
        Arrays of valid polygonal geometries (None allowed: it matches nothing), in the same
        projected CRS in metres.

    Returns
    -------
    pandas.DataFrame
        Columns ``parcel`` and ``zone`` (positions in the input arrays), ``area_m2`` (area
        of the intersection, > 0) and ``inside`` (the parcel lies wholly inside the zone),
        sorted by parcel then zone.
    """
    parcels = np.asarray(parcels, dtype=object)
    zones = np.asarray(zones, dtype=object)
    tree = shapely.STRtree(zones)
    parcel_idx, zone_idx = tree.query(parcels, predicate="intersects")
    order = np.lexsort((zone_idx, parcel_idx))
    parcel_idx, zone_idx = parcel_idx[order], zone_idx[order]
    zone_geoms = zones[zone_idx]
    parcel_geoms = parcels[parcel_idx]
    shapely.prepare(zones)
    inside = shapely.contains_properly(zone_geoms, parcel_geoms)
    area = shapely.area(parcel_geoms)
    crossing = ~inside
    area[crossing] = shapely.area(
        shapely.intersection(parcel_geoms[crossing], zone_geoms[crossing])
    )
    keep = area > 0  # pairs that only touch
    return pd.DataFrame({
        "parcel": parcel_idx[keep].astype(np.int64),
        "zone": zone_idx[keep].astype(np.int64),
        "area_m2": area[keep],
        "inside": inside[keep],
    })


def uncovered_area(parcel_areas: np.ndarray, pairs: pd.DataFrame) -> np.ndarray:
    """Area of each parcel outside every zone (parcel area minus the pairs' areas).

    Zones of a plan do not overlap; if they do, the overlap is counted once per zone and
    the uncovered area is clipped at zero. Residues below 1e-9 of the parcel are zero.
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
