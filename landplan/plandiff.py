"""What a plan adjustment changed: zones whose planned code changed, and where.

Transparency about plan changes is one of the province's demands: every place whose
planned code differs between two versions is listed with its area, by (old → new code)
and by administrative unit.
"""

from __future__ import annotations

from itertools import pairwise

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._distinct import per_distinct
from .codes import code_group, load_codes
from .crs import working_crs
from .engine import intersection_geometries
from .planlayer import plan_overlaps, polygonal, resolve_overlaps
from .schema import as_normalized, version_table

__all__ = ["ADJUSTMENT_RULE", "DIFF_COLUMNS", "adjustment_summary", "plan_adjustments",
           "plan_diff", "plan_diff_summary"]

ADJUSTMENT_RULE = "adjustment-legalises-violation"
"""The rule whose findings are the changes that legalise earlier violations."""

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
    old, new = as_normalized(old, "plan"), as_normalized(new, "plan")
    target = working_crs(old)
    old, new = old.to_crs(target), new.to_crs(target)
    zo, zn = _zones(old), _zones(new)
    # zone against zone: the engine's clipping is made for small parcels (a zone of hundreds
    # of vertices, cut by triangles, took seconds), so GEOS cuts each pair whose boxes meet;
    # only the polygonal part of a piece counts (a shared edge is no change)
    a, b = shapely.STRtree(zn).query(zo, predicate="intersects")
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


def plan_diff_summary(diff: gpd.GeoDataFrame,
                      findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sum the changed area by (old → new code), by administrative unit, and per unit.

    Parameters
    ----------
    diff
        A :func:`plan_diff` (or :func:`plan_adjustments`) result.
    findings
        The findings of a check that had both versions (optional): the changes that
        legalised earlier violations (``adjustment-legalises-violation``) are then counted
        per unit too.

    Returns
    -------
    pandas.DataFrame
        Columns ``dimension``, ``value``, ``n_pieces``, ``area_m2``, ``area_ha`` and
        ``n_zones``, ``legalised_area_m2``. ``dimension`` ``change`` (``value``
        ``"LUC → ONT"``) and ``unit`` (the unit) sum the changed pieces; the rows of
        :func:`adjustment_summary` follow (``adjustment_unit``, ``adjustment_change``), whose
        ``n_zones`` counts the changed zones and ``legalised_area_m2`` the area of the
        changes that coincide with earlier violations (0 without ``findings``).
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
    per_unit = adjustment_summary(diff, findings)
    if len(per_unit):
        out = pd.concat([out, pd.DataFrame({
            "dimension": per_unit["dimension"], "value": per_unit["value"],
            "n_pieces": per_unit["n_pieces"], "area_m2": per_unit["area_m2"],
            "area_ha": per_unit["area_m2"] / 10_000, "n_zones": per_unit["n_zones"],
            "legalised_area_m2": per_unit["legalised_area_m2"]})], ignore_index=True)
    else:
        out["n_zones"] = pd.NA
        out["legalised_area_m2"] = np.nan
    out["n_zones"] = out["n_zones"].astype("Int64")
    return out


def plan_adjustments(plan: gpd.GeoDataFrame, *, min_area_m2: float = 1.0) -> gpd.GeoDataFrame:
    """Return what each adjustment of a plan changed: :func:`plan_diff` of its versions.

    Parameters
    ----------
    plan
        Stacked plan versions (:func:`landplan.plan_versions`, or a check's ``plan``).

    Returns
    -------
    geopandas.GeoDataFrame
        The rows of :func:`plan_diff` of each version against the one before it, with
        ``new_version`` (the adjusted version's name) first; empty (same columns) when the
        plan has one version.
    """
    order = version_table(plan)["plan_version"].tolist() if len(plan) else []
    names = plan["plan_version"].fillna("v1")
    parts = [plan_diff(plan[names == old], plan[names == new], min_area_m2=min_area_m2)
             .assign(new_version=new)
             for old, new in pairwise(order)]
    if not parts:
        empty = gpd.GeoDataFrame({c: [] for c in ["new_version", *DIFF_COLUMNS]},
                                 geometry=[], crs=plan.crs)
        return empty
    out = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(out[["new_version", *DIFF_COLUMNS, "geometry"]],
                            geometry="geometry", crs=parts[0].crs)


def adjustment_summary(diff: gpd.GeoDataFrame, findings: pd.DataFrame | None = None,
                       codes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per administrative unit: the plan's adjustments and the violations they legalised.

    Parameters
    ----------
    diff
        A :func:`plan_adjustments` (or :func:`plan_diff`) result.
    findings
        A check's findings (optional): its ``adjustment-legalises-violation`` findings give
        the area of the changes that coincide with earlier violations.
    codes
        The code table (default: the shipped one), for the codes' groups.

    Returns
    -------
    pandas.DataFrame
        Columns ``dimension``, ``value``, ``n_zones``, ``n_pieces``, ``area_m2``,
        ``n_findings``, ``legalised_area_m2``. ``dimension`` ``adjustment_unit`` has one
        row per unit (``value``; ``(none)`` when missing): ``n_zones`` changed zones (an
        adjusted zone, or a removed one, counted once per adjustment), ``n_pieces`` and
        ``area_m2`` the changed pieces and their area, ``n_findings`` and
        ``legalised_area_m2`` the legalising findings in the unit and their area.
        ``adjustment_change`` has one row per unit and change of code group
        (``value`` ``"<unit>: agricultural → non-agricultural"``; ``∅`` for no zone, ``?``
        for a code not in the table), the same columns. Sorted by unit, then change.
    """
    codes = load_codes() if codes is None else codes
    columns = ["dimension", "value", "n_zones", "n_pieces", "area_m2", "n_findings",
               "legalised_area_m2"]
    unit = diff["unit"].astype(object).where(diff["unit"].notna(), "(none)").astype(str)
    version = (diff["new_version"].astype(str) if "new_version" in diff.columns
               else pd.Series("", index=diff.index))
    zone = diff["new_zone"].where(diff["new_zone"].notna(), "old:" + diff["old_zone"].astype(str))
    old_group = _groups(diff["old_land_use"], codes)
    new_group = _groups(diff["new_land_use"], codes)
    pieces = pd.DataFrame({"unit": unit.to_numpy(), "zone": (version + "|" + zone.astype(str))
                           .to_numpy(), "change": (old_group + " → " + new_group),
                           "area_m2": diff["area_m2"].to_numpy(dtype=float)})
    legal = pd.DataFrame({"unit": [], "change": [], "area_m2": []})
    if findings is not None and len(findings):
        f = findings[findings["rule"] == ADJUSTMENT_RULE]
        # the old code is the one the message names: taken from the legalised piece's zone
        f_unit = f["unit"].astype(object).where(f["unit"].notna(), "(none)").astype(str)
        legal = pd.DataFrame({"unit": f_unit.to_numpy(),
                              "change": _legal_changes(f, diff, codes),
                              "area_m2": pd.to_numeric(f["conflict_area_m2"]).to_numpy()})
    parts = []
    for dimension, keys in (("adjustment_unit", ["unit"]),
                            ("adjustment_change", ["unit", "change"])):
        changed = pieces.groupby(keys, sort=True).agg(
            n_zones=("zone", "nunique"), n_pieces=("area_m2", "size"),
            area_m2=("area_m2", "sum"))
        found = legal.groupby(keys, sort=True).agg(
            n_findings=("area_m2", "size"), legalised_area_m2=("area_m2", "sum"))
        both = changed.join(found, how="outer").fillna(0).reset_index()
        value = both["unit"] if dimension == "adjustment_unit" else \
            both["unit"] + ": " + both["change"]
        parts.append(pd.DataFrame({"dimension": dimension, "value": value.astype(str),
                                   **{c: both[c].to_numpy() for c in columns[2:]}}))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    for c in ("n_zones", "n_pieces", "n_findings"):
        out[c] = out[c].astype(np.int64)
    return out[columns]


def _groups(values: pd.Series, codes: pd.DataFrame) -> pd.Series:
    """Return each code's group (``∅`` for no code, ``?`` for one not in the table)."""
    cells = values.astype(object).where(values.notna(), "")
    return pd.Series(per_distinct(cells, lambda c: "∅" if c == "" else
                                  (code_group(c, codes) or "?")),
                     index=values.index, dtype=object)


def _legal_changes(f: pd.DataFrame, diff: gpd.GeoDataFrame, codes: pd.DataFrame) -> np.ndarray:
    """Return the group change of each legalising finding (old code → the zone's new code).

    The old code is that of the piece of ``diff`` under the finding's part with the
    finding's new code (the change that legalised it); ``?`` when there is none.
    """
    new = _groups(f["planned_land_use"], codes).to_numpy(dtype=object)
    old = np.full(len(f), "?", dtype=object)
    if len(f) and len(diff):
        geoms = np.asarray(f.geometry.values, dtype=object)
        tree = shapely.STRtree(np.asarray(diff.geometry.values, dtype=object))
        i, j = tree.query(shapely.point_on_surface(geoms), predicate="intersects")
        same = (diff["new_land_use"].to_numpy(dtype=object)[j]
                == f["planned_land_use"].to_numpy(dtype=object)[i])
        first = pd.Series(j[same]).groupby(i[same]).min()
        groups = _groups(diff["old_land_use"], codes).to_numpy(dtype=object)
        old[first.index.to_numpy()] = groups[first.to_numpy()]
    return (pd.Series(old) + " → " + pd.Series(new)).to_numpy(dtype=object)
