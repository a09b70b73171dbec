"""Current use against the plan (hiện trạng – quy hoạch).

Officials often have no layer of decisions, only the cadastral map of current use: every
parcel with its code (``ONT+CLN`` …), no kind of decision, no date. Such a map is not a list
of acts that could contradict the plan: a garden where the plan draws a future road is a
*planned change* (land the plan will convert or recover), not a violation. This module
reports, per parcel and in summaries, what is **consistent** with the plan, what is a
**planned change**, and what **cannot be judged**; and, given the maps of two dates, how
much of each planned change has been realised (the monitoring of the 5-year plan).

Each (parcel, zone) piece is judged with the zoning rule's compatibility judgement
(:func:`landplan.codes.allowed_matrix`: the same code, a descendant, a pair of the
compatibility table; a compound code such as ``ONT+CLN`` when every component is), and an
area counts with the check's tolerances (:func:`landplan._tolerance.beyond_tolerances`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._arrowtext import join_per_key
from ._distinct import flags, per_distinct
from ._labels import check_lang, labels
from ._tolerance import beyond_tolerances
from .codes import (
    allowed_matrix,
    code_group,
    load_code_mapping,
    load_codes,
    load_compatibility,
    split_code,
)
from .config import CheckConfig
from .crs import working_crs
from .engine import intersection_geometries, overlay_pairs, union_by_group
from .errors import CRSError
from .planlayer import plan_overlaps, resolve_overlaps
from .schema import as_normalized, version_table

__all__ = ["CURRENT_USE_COLUMNS", "PROGRESS_COLUMNS", "STATUSES", "SUMMARY_COLUMNS",
           "compare_current_use", "current_use_progress", "current_use_summary", "pieces_of"]

STATUSES = ("consistent", "planned_change", "cannot_judge")
"""The statuses of a parcel of current use, in the order they are listed."""

CURRENT_USE_COLUMNS = [
    "source_row", "parcel_id", "unit", "land_use", "planned_land_use", "status",
    "area_m2", "consistent_area_m2", "change_area_m2", "unjudged_area_m2", "reason",
]
"""Columns of :func:`compare_current_use` (plus ``geometry``)."""

SUMMARY_COLUMNS = ["dimension", "unit", "current", "planned", "parcels", "consistent_area_m2",
                   "change_area_m2", "unjudged_area_m2"]
"""Columns of :func:`current_use_summary`."""

PROGRESS_COLUMNS = ["unit", "current", "planned", "change_area_m2", "realised_area_m2",
                    "realised_pct"]
"""Columns of :func:`current_use_progress`."""

_PIECES = "current_use_pieces"


class _Pieces:
    """Holder of a result's pieces in ``attrs``: not copied nor compared by pandas."""

    def __init__(self, frame: gpd.GeoDataFrame) -> None:
        self.frame = frame

    def __deepcopy__(self, memo: dict) -> _Pieces:
        return self


def _latest_version(plan: gpd.GeoDataFrame) -> np.ndarray:
    """Whether each zone belongs to the latest approved version (the plan in force now)."""
    latest = version_table(plan)["plan_version"].iloc[-1]
    return (plan["plan_version"].fillna("v1") == latest).to_numpy()


def _known(values: np.ndarray, codes: pd.DataFrame) -> np.ndarray:
    """Whether each (possibly compound) code is present and every component is known."""
    return flags(values, lambda c: bool(split_code(c))
                 and all(p in codes.index for p in split_code(c)))


def compare_current_use(
    plan: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame, *,
    codes: pd.DataFrame | None = None, compat: pd.DataFrame | None = None,
    config: CheckConfig | None = None, lang: str | None = None,
) -> gpd.GeoDataFrame:
    """Compare a map of current use with the plan, parcel by parcel.

    Parameters
    ----------
    plan
        The plan's zones (raw or normalised, see :func:`landplan.normalize_plan`). With
        several versions, the latest approved is the plan compared with.
    parcels
        The current-use map (raw or normalised as decisions): only a land-use code column
        is needed; no kind, no date.
    codes, compat
        The code registry and compatibility table (default: the bundled ones).
    config
        Tolerances (``tolerance_pct`` and ``tolerance_m2``) and language (default:
        :class:`landplan.CheckConfig`).
    lang
        Language of ``reason`` (default: the configuration's).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per input record, in input order: :data:`CURRENT_USE_COLUMNS` and the
        parcel's geometry, in the plan's working CRS. ``status`` is ``cannot_judge`` when
        the parcel's code is missing or unknown or its geometry unusable; else
        ``planned_change`` when the area the plan does not allow for its current use is
        beyond the tolerances; else ``cannot_judge`` when the area outside the plan or in
        zones of unknown code is beyond the tolerances; else ``consistent``. The pieces
        (parcel × planned code) are kept for :func:`current_use_summary` and
        :func:`current_use_progress` (see :func:`pieces_of`).
    """
    config = config or CheckConfig()
    lang = check_lang(lang or config.lang)
    codes = load_codes() if codes is None else codes
    compat = load_compatibility() if compat is None else compat
    plan, parcels = as_normalized(plan, "plan"), as_normalized(parcels, "decisions")
    for name, layer in (("plan", plan), ("current-use", parcels)):
        if layer.crs is None:
            raise CRSError.of("current_use.no_crs", name=name)
    target = working_crs(plan)
    plan = plan.to_crs(target).reset_index(drop=True)
    parcels = parcels.to_crs(target).reset_index(drop=True)
    drawn = plan.geometry.values
    usable_zone = (plan["geometry_status"] != "unusable").to_numpy() & _latest_version(plan)
    zone_geoms = np.where(usable_zone, np.asarray(drawn, dtype=object), None)
    overlaps = plan_overlaps(zone_geoms, plan["plan_version"].to_numpy())
    zone_geoms = np.where(usable_zone, resolve_overlaps(zone_geoms, overlaps), None)
    geoms = np.asarray(parcels.geometry.values, dtype=object)
    usable = (parcels["geometry_status"] != "unusable").to_numpy()
    area = np.where(usable, shapely.area(geoms), 0.0).astype(float)
    current = parcels["land_use"].to_numpy(dtype=object)
    code_ok = _known(current, codes)
    pairs = overlay_pairs(np.where(usable, geoms, None), zone_geoms)
    p, z = pairs["parcel"].to_numpy(), pairs["zone"].to_numpy()
    planned = plan["land_use"].to_numpy(dtype=object)
    judged = code_ok[p] & _known(planned, codes)[z]
    allowed = np.zeros(len(pairs), dtype=bool)
    allowed[judged] = allowed_matrix(current[p[judged]], planned[z[judged]], codes, compat,
                                     load_code_mapping())
    n = len(parcels)
    consistent = np.bincount(p[judged & allowed], pairs["area_m2"].to_numpy()[judged & allowed],
                             minlength=n)
    change = np.bincount(p[judged & ~allowed], pairs["area_m2"].to_numpy()[judged & ~allowed],
                         minlength=n)
    unjudged = np.maximum(area - consistent - change, 0.0)
    unjudged[unjudged <= 1e-9 * np.maximum(area, 1.0)] = 0.0
    tol = (config.tolerance_pct, config.tolerance_m2)
    changed = beyond_tolerances(change, area, *tol)
    outside_plan = beyond_tolerances(unjudged, area, *tol)
    status = np.where(~usable | ~code_ok, "cannot_judge",
                      np.where(changed, "planned_change",
                               np.where(outside_plan, "cannot_judge", "consistent")))
    words = labels("current_use_reason", lang)
    missing = pd.isna(parcels["land_use"]).to_numpy()
    unknown_zone = np.bincount(p[~_known(planned, codes)[z]], minlength=n) > 0
    reason = np.select(
        [~usable, missing, ~code_ok, outside_plan & unknown_zone, outside_plan],
        [words["unusable_geometry"], words["missing_code"], words["unknown_code"],
         words["unknown_plan_code"], words["outside_plan"]], default=None).astype(object)
    reason[reason == "None"] = None
    unit = parcels["unit"].to_numpy(dtype=object).copy()
    zone_unit = _largest_zone_value(pairs, plan["unit"].to_numpy(dtype=object), n)
    unit = np.where(pd.isna(unit), zone_unit, unit)
    out = gpd.GeoDataFrame({
        "source_row": parcels["source_row"].to_numpy(),
        "parcel_id": parcels["parcel_id"].to_numpy(dtype=object),
        "unit": unit, "land_use": current,
        "planned_land_use": _joined_codes(p, planned[z], n),
        "status": status, "area_m2": area, "consistent_area_m2": consistent,
        "change_area_m2": change, "unjudged_area_m2": np.where(usable, unjudged, 0.0),
        "reason": reason,
    }, geometry=parcels.geometry.values, crs=target)
    verdict = np.where(judged, np.where(allowed, "consistent", "planned_change"),
                       "cannot_judge")
    out.attrs[_PIECES] = _Pieces(_pieces(out, pairs, verdict, planned, geoms, zone_geoms))
    return out


def _largest_zone_value(pairs: pd.DataFrame, values: np.ndarray, n: int) -> np.ndarray:
    """Per parcel, ``values`` of the zone it overlaps most (None when none)."""
    out = np.full(n, None, dtype=object)
    if pairs.empty:
        return out
    order = pairs.sort_values(["parcel", "area_m2", "zone"], ascending=[True, False, True],
                              kind="stable").drop_duplicates("parcel")
    out[order["parcel"].to_numpy()] = values[order["zone"].to_numpy()]
    return out


def _joined_codes(parcel: np.ndarray, code: np.ndarray, n: int) -> np.ndarray:
    """Per parcel, the distinct planned codes met, sorted and joined by ``", "``."""
    out = np.full(n, None, dtype=object)
    frame = pd.DataFrame({"parcel": parcel, "code": pd.Series(code, dtype=object).fillna("?")})
    frame = frame.sort_values(["parcel", "code"], kind="stable")
    keys, joined = join_per_key(frame["parcel"].to_numpy(), frame["code"], ", ", distinct=True)
    out[keys] = joined
    return out


def _pieces(out: gpd.GeoDataFrame, pairs: pd.DataFrame, verdict: np.ndarray,
            planned: np.ndarray, geoms: np.ndarray, zones: np.ndarray) -> gpd.GeoDataFrame:
    """One row per (parcel, planned code, verdict) and one per parcel's unjudged rest.

    The geometry of the planned-change pieces is computed (their part of the parcel); the
    others carry none.
    """
    p, z = pairs["parcel"].to_numpy(), pairs["zone"].to_numpy()
    geometry = np.full(len(pairs), None, dtype=object)
    change = np.flatnonzero(verdict == "planned_change")
    inside = pairs["inside"].to_numpy(dtype=bool)[change]
    geometry[change[inside]] = geoms[p[change[inside]]]
    crossing = change[~inside]
    geometry[crossing] = intersection_geometries(geoms, zones, p[crossing], z[crossing])
    # what the pairs left: outside the plan, or the whole of an unusable parcel
    rest = out["unjudged_area_m2"].to_numpy() - np.bincount(
        p[verdict == "cannot_judge"], pairs["area_m2"].to_numpy()[verdict == "cannot_judge"],
        minlength=len(out))
    rest_rows = np.flatnonzero((rest > 1e-9) | (out["area_m2"].to_numpy() == 0))
    frame = pd.DataFrame({
        "row": np.concatenate([p, rest_rows]),
        "planned": np.concatenate([planned[z], np.full(len(rest_rows), None, dtype=object)]),
        "verdict": np.concatenate([verdict, np.full(len(rest_rows), "cannot_judge")]),
        "area_m2": np.concatenate([pairs["area_m2"].to_numpy(), np.maximum(rest[rest_rows],
                                                                           0.0)]),
        "geometry": np.concatenate([geometry, np.full(len(rest_rows), None, dtype=object)]),
    })
    frame["planned"] = frame["planned"].fillna("")
    keys = ["row", "planned", "verdict"]
    groups = frame.groupby(keys, sort=True)
    merged = groups["area_m2"].sum().reset_index()
    number = groups.ngroup().to_numpy()
    drawn = ~shapely.is_missing(frame["geometry"].to_numpy())  # the change pieces
    merged["geometry"] = union_by_group(frame["geometry"].to_numpy()[drawn], number[drawn],
                                        len(merged))
    rows = merged["row"].to_numpy()
    merged.insert(1, "unit", out["unit"].to_numpy(dtype=object)[rows])
    merged.insert(2, "current", out["land_use"].to_numpy(dtype=object)[rows])
    merged["current"] = merged["current"].fillna("")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=out.crs)


def pieces_of(result: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the pieces of a :func:`compare_current_use` result.

    One row per (parcel ``row``, ``planned`` code, ``verdict``) with ``unit``, ``current``
    code, ``area_m2`` and, for planned changes, the part of the parcel to change as
    geometry; the area outside the plan is a ``cannot_judge`` piece with no planned code.
    """
    holder = result.attrs.get(_PIECES)
    if not isinstance(holder, _Pieces):
        raise ValueError("not a result of compare_current_use (its pieces are missing)")
    return holder.frame


def current_use_summary(result: gpd.GeoDataFrame,
                        codes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Summarise a :func:`compare_current_use` result.

    Rows of three ``dimension`` s: ``unit`` (per unit), ``code`` (per unit and current code
    → planned code) and ``group`` (per unit and current group → planned group, see
    :func:`landplan.codes.code_group`), and a ``total`` row. Columns
    :data:`SUMMARY_COLUMNS`: ``parcels`` counts the parcels with some area in the row (a
    parcel in two zones counts in both code rows), the areas are those of the pieces.
    Sorted by dimension, unit, current, planned.
    """
    codes = load_codes() if codes is None else codes
    pieces = pieces_of(result)
    frame = pd.DataFrame({
        "row": pieces["row"].to_numpy(),
        "unit": pieces["unit"].fillna("").to_numpy(dtype=object),
        "current": pieces["current"].to_numpy(dtype=object),
        "planned": pieces["planned"].to_numpy(dtype=object),
    })
    for verdict, column in (("consistent", "consistent_area_m2"),
                            ("planned_change", "change_area_m2"),
                            ("cannot_judge", "unjudged_area_m2")):
        frame[column] = np.where(pieces["verdict"].to_numpy() == verdict,
                                 pieces["area_m2"].to_numpy(), 0.0)
    grouped = frame.assign(current=_groups(codes, frame["current"]),
                           planned=_groups(codes, frame["planned"]))
    parts = [_summed(frame.assign(current="", planned=""), "unit", result),
             _summed(frame, "code", result), _summed(grouped, "group", result),
             _summed(frame.assign(unit="", current="", planned=""), "total", result)]
    order = {"total": 0, "unit": 1, "group": 2, "code": 3}
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["dimension", "unit", "current", "planned"], kind="stable",
                          key=lambda s: s.map(order) if s.name == "dimension" else s)
    return out[SUMMARY_COLUMNS].reset_index(drop=True)


def _groups(codes: pd.DataFrame, values: pd.Series) -> pd.Series:
    """Map each code to its group (compound codes: their first component; blank if none)."""
    return pd.Series(per_distinct(values, lambda v: code_group(v, codes) or ""),
                     index=values.index, dtype=object)


def _summed(frame: pd.DataFrame, dimension: str, result: gpd.GeoDataFrame) -> pd.DataFrame:
    areas = ["consistent_area_m2", "change_area_m2", "unjudged_area_m2"]
    keys = ["unit", "current", "planned"]
    summed = frame.groupby(keys, sort=True)[areas].sum()
    counted = frame.drop_duplicates([*keys, "row"]).groupby(keys, sort=True).size()
    out = summed.assign(parcels=counted).reset_index()
    if dimension in ("unit", "total"):  # parcels without area (unusable) count too
        units = result["unit"].fillna("").to_numpy(dtype=object) if dimension == "unit" \
            else np.full(len(result), "", dtype=object)
        per = pd.Series(units).value_counts()
        out["parcels"] = out["unit"].map(per).fillna(0)
    out["parcels"] = out["parcels"].astype(np.int64)
    return out.assign(dimension=dimension)


def current_use_progress(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, *,
                         codes: pd.DataFrame | None = None,
                         compat: pd.DataFrame | None = None) -> pd.DataFrame:
    """How much of each planned change of ``before`` is realised in ``after``.

    Parameters
    ----------
    before, after
        Results of :func:`compare_current_use` for the maps of current use of an earlier
        and a later date, against the same plan (same working CRS).
    codes, compat
        The code registry and compatibility table (default: the bundled ones).

    Returns
    -------
    pandas.DataFrame
        :data:`PROGRESS_COLUMNS`, one row per unit and (current code at the earlier date →
        planned code) with planned change, then a total row (blank unit and codes):
        ``change_area_m2`` the planned-change area at the earlier date,
        ``realised_area_m2`` the part of it where the later map's parcel has a use the
        planned code allows (the earlier change pieces overlaid with the later parcels,
        each overlap judged like :func:`compare_current_use` judges a piece),
        ``realised_pct`` their ratio in percent. Sorted by unit, current, planned.
    """
    codes = load_codes() if codes is None else codes
    compat = load_compatibility() if compat is None else compat
    changes = pieces_of(before)
    changes = changes[changes["verdict"] == "planned_change"].reset_index(drop=True)
    later = after.to_crs(changes.crs) if changes.crs is not None else after
    later_code = later["land_use"].to_numpy(dtype=object)
    readable = _known(later_code, codes) & (later["area_m2"].to_numpy() > 0)
    later_geoms = np.where(readable, np.asarray(later.geometry.values, dtype=object), None)
    pairs = overlay_pairs(np.asarray(changes.geometry.values, dtype=object), later_geoms)
    c, g = pairs["parcel"].to_numpy(), pairs["zone"].to_numpy()
    allowed = allowed_matrix(later_code[g], changes["planned"].to_numpy(dtype=object)[c],
                             codes, compat, load_code_mapping())
    realised = np.bincount(c[allowed], pairs["area_m2"].to_numpy()[allowed],
                           minlength=len(changes))
    frame = pd.DataFrame({"unit": changes["unit"].fillna("").to_numpy(dtype=object),
                          "current": changes["current"].to_numpy(dtype=object),
                          "planned": changes["planned"].to_numpy(dtype=object),
                          "change_area_m2": changes["area_m2"].to_numpy(dtype=float),
                          "realised_area_m2": np.minimum(realised,
                                                         changes["area_m2"].to_numpy())})
    keys = ["unit", "current", "planned"]
    areas = ["change_area_m2", "realised_area_m2"]
    out = frame.groupby(keys, sort=True)[areas].sum().reset_index()
    total = pd.DataFrame({"unit": [""], "current": [""], "planned": [""],
                          "change_area_m2": [frame["change_area_m2"].sum()],
                          "realised_area_m2": [frame["realised_area_m2"].sum()]})
    out = pd.concat([out, total], ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["realised_pct"] = 100.0 * out["realised_area_m2"] / out["change_area_m2"]
    return out[PROGRESS_COLUMNS]
