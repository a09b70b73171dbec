"""What a plan adjustment changed: zones whose planned code changed, and where.

Transparency about plan changes is one of the province's demands: every place whose
planned code differs between two versions is listed with its area, by (old → new code)
and by administrative unit.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .crs import working_crs
from .engine import intersection_geometries, overlay_pairs
from .planlayer import plan_overlaps, polygonal, resolve_overlaps
from .schema import is_normalized, normalize_plan

__all__ = ["DIFF_COLUMNS", "plan_diff", "plan_diff_summary"]

DIFF_COLUMNS = ["old_zone", "new_zone", "old_land_use", "new_land_use", "unit", "area_m2"]


def plan_diff(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, *,
              min_area_m2: float = 1.0) -> gpd.GeoDataFrame:
    """Places whose planned code differs between two plan versions.

    Parameters
    ----------
    old, new
        Two complete plan layers (raw or normalised), e.g. the approved plan and an
        adjustment.
    min_area_m2
        Changed pieces smaller than this (digitising noise) are left out.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per (old zone, new zone) piece whose code changed: ``old_zone``,
        ``new_zone`` (zone ids), ``old_land_use``, ``new_land_use``, ``unit`` (of the new
        zone, else the old), ``area_m2``; geometry = the piece, in the old plan's working
        CRS. A place a zone covers in one version and none in the other is a change too:
        ``new_zone`` (``old_zone``) and the code are then empty (a zone removed, or added).
        Overlapping zones within a version are first resolved as the check does
        (:mod:`landplan.planlayer`), so no place is counted twice. Areas are those of the
        polygonal pieces (a shared edge is no change). Sorted by old zone, then new zone.
    """
    old = old if is_normalized(old, "plan") else normalize_plan(old)
    new = new if is_normalized(new, "plan") else normalize_plan(new)
    target = working_crs(old)
    old, new = old.to_crs(target), new.to_crs(target)
    zo, zn = _zones(old), _zones(new)
    pairs = overlay_pairs(zo, zn)
    a, b = pairs["parcel"].to_numpy(), pairs["zone"].to_numpy()
    # the engine's area is not trusted for pieces along shared edges: the piece itself is
    # computed, and only its polygonal part counts
    pieces = polygonal(intersection_geometries(zo, zn, a, b))
    area = shapely.area(pieces)
    old_code = old["land_use"].fillna("").to_numpy(dtype=object)
    new_code = new["land_use"].fillna("").to_numpy(dtype=object)
    changed = (old_code[a] != new_code[b]) & (area >= min_area_m2)
    gone_i, gone = _left_over(zo, zn, a, b, pieces, area, min_area_m2)  # in no new zone
    added_i, added = _left_over(zn, zo, b, a, pieces, area, min_area_m2)  # in no old zone
    none = np.full(len(gone_i), -1), np.full(len(added_i), -1)
    oi = np.concatenate([a[changed], gone_i, none[1]])
    ni = np.concatenate([b[changed], none[0], added_i])
    geometry = np.concatenate([pieces[changed], gone, added])

    def pick(frame: gpd.GeoDataFrame, column: str, idx: np.ndarray, empty: object) -> np.ndarray:
        values = frame[column].to_numpy(dtype=object)
        return np.where(idx >= 0, values[np.maximum(idx, 0)] if len(values) else empty, empty)

    unit_new, unit_old = pick(new, "unit", ni, None), pick(old, "unit", oi, None)
    out = gpd.GeoDataFrame({
        "old_zone": pick(old, "zone_id", oi, None),
        "new_zone": pick(new, "zone_id", ni, None),
        "old_land_use": np.where(oi >= 0, old_code[np.maximum(oi, 0)] if len(old) else "", ""),
        "new_land_use": np.where(ni >= 0, new_code[np.maximum(ni, 0)] if len(new) else "", ""),
        "unit": np.where(pd.isna(unit_new), unit_old, unit_new),
        "area_m2": shapely.area(geometry).astype(float),
        "_o": np.where(oi >= 0, oi, np.iinfo(np.int64).max), "_n": ni,
    }, geometry=geometry, crs=target)
    out = out.sort_values(["_o", "_n"], kind="stable").drop(columns=["_o", "_n"])
    return out.reset_index(drop=True)


def _zones(plan: gpd.GeoDataFrame) -> np.ndarray:
    """Return the usable zones of a version, with overlaps resolved (disjoint)."""
    usable = plan["geometry_status"] != "unusable"
    geoms = np.where(usable, plan.geometry.values, None)
    areas = shapely.area(geoms)
    return resolve_overlaps(geoms, plan_overlaps(geoms, np.full(len(plan), "v"), areas))


def _left_over(zones: np.ndarray, others: np.ndarray, z: np.ndarray, o: np.ndarray,
               pieces: np.ndarray, area: np.ndarray, min_area_m2: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """Return the parts of ``zones`` that no zone of ``others`` covers, at least ``min_area_m2``.

    Their positions and geometries (``z``, ``o``: the overlapping pairs; ``pieces``/``area``:
    their intersections). Both sides are disjoint, so the uncovered area is the zone's area
    less its pieces'; only zones with such a remainder pay for a difference.
    """
    covered = np.bincount(z, weights=area, minlength=len(zones))
    total = np.nan_to_num(shapely.area(zones))
    which = np.flatnonzero(total - covered >= min_area_m2 * (1 - 1e-9))
    if not len(which):
        return which, np.empty(0, dtype=object)
    rest = np.asarray(zones, dtype=object)[which].copy()
    mine = np.isin(z, which)
    if mine.any():
        sub = pd.DataFrame({"z": z[mine], "o": o[mine]}).sort_values(["z", "o"], kind="stable")
        owners, first, counts = np.unique(sub["z"].to_numpy(), return_index=True,
                                          return_counts=True)
        partners = np.asarray(others, dtype=object)[sub["o"].to_numpy()]
        cover = np.empty(len(owners), dtype=object)
        cover[counts == 1] = partners[first[counts == 1]]
        for i in np.flatnonzero(counts > 1):  # zones with several partners: one union each
            cover[i] = shapely.union_all(partners[first[i]:first[i] + counts[i]])
        at = np.searchsorted(which, owners)
        rest[at] = shapely.difference(rest[at], cover)
    rest = polygonal(rest)
    keep = shapely.area(rest) >= min_area_m2
    return which[keep], rest[keep]


def plan_diff_summary(diff: gpd.GeoDataFrame) -> pd.DataFrame:
    """Sum the changed area by (old → new code) and by administrative unit.

    Returns
    -------
    pandas.DataFrame
        Columns ``dimension`` (``change`` or ``unit``), ``value`` (``"LUC → ONT"`` or the
        unit), ``n_pieces``, ``area_m2``, ``area_ha``.
    """
    change = (diff["old_land_use"].replace("", "∅") + " → "
              + diff["new_land_use"].replace("", "∅"))
    parts = []
    for dimension, key in (("change", change), ("unit", diff["unit"].fillna("(none)"))):
        grouped = diff.groupby(key.to_numpy(), sort=True)["area_m2"].agg(["size", "sum"])
        parts.append(pd.DataFrame({"dimension": dimension, "value": grouped.index.astype(str),
                                   "n_pieces": grouped["size"].to_numpy(),
                                   "area_m2": grouped["sum"].to_numpy()}))
    out = pd.concat(parts, ignore_index=True)
    out["area_ha"] = out["area_m2"] / 10_000
    return out
