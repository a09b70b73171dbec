"""What a plan adjustment changed: zones whose planned code changed, and where.

Transparency about plan changes is one of the province's demands: every place whose
planned code differs between two versions is listed with its area, by (old → new code)
and by administrative unit.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from .crs import working_crs
from .engine import intersection_geometries, overlay_pairs
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
        CRS. Sorted by old zone, new zone.
    """
    old = old if is_normalized(old, "plan") else normalize_plan(old)
    new = new if is_normalized(new, "plan") else normalize_plan(new)
    target = working_crs(old)
    old, new = old.to_crs(target), new.to_crs(target)
    usable_old = np.where(old["geometry_status"] != "unusable", old.geometry.values, None)
    usable_new = np.where(new["geometry_status"] != "unusable", new.geometry.values, None)
    pairs = overlay_pairs(usable_old, usable_new)
    a, b = pairs["parcel"].to_numpy(), pairs["zone"].to_numpy()
    old_code = old["land_use"].fillna("").to_numpy(dtype=object)[a]
    new_code = new["land_use"].fillna("").to_numpy(dtype=object)[b]
    changed = (old_code != new_code) & (pairs["area_m2"].to_numpy() >= min_area_m2)
    a, b = a[changed], b[changed]
    unit_new = new["unit"].to_numpy(dtype=object)[b]
    unit_old = old["unit"].to_numpy(dtype=object)[a]
    return gpd.GeoDataFrame({
        "old_zone": old["zone_id"].to_numpy(dtype=object)[a],
        "new_zone": new["zone_id"].to_numpy(dtype=object)[b],
        "old_land_use": old_code[changed],
        "new_land_use": new_code[changed],
        "unit": np.where(pd.isna(unit_new), unit_old, unit_new),
        "area_m2": pairs["area_m2"].to_numpy()[changed],
    }, geometry=intersection_geometries(usable_old, usable_new, a, b), crs=target)


def plan_diff_summary(diff: gpd.GeoDataFrame) -> pd.DataFrame:
    """Changed area by (old → new code) and by administrative unit.

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
