"""Rules on overlaps: restriction corridors, and land granted twice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .._dates import format_dates
from ..codes import is_allowed
from ..engine import interiors_meet, intersection_geometries, overlap_candidates, overlay_pairs
from ._context import CheckContext
from ._kinds import GRANTS, NOT_GRANTS, judged_as, unread
from ._registry import register


@register("protected-area")
def protected_area(ctx: CheckContext) -> pd.DataFrame:
    """Decisions granting a use that a restriction corridor does not allow.

    The corridor allows its ``allowed`` codes (same/child/compatible codes count); flagged
    on more than the tolerance of the parcel; one finding per corridor, geometry = the
    overlap. Recoveries and records that are no State decision grant no use and are not
    judged.
    """
    d, corridors = ctx.decisions, ctx.corridors
    usable = (corridors["geometry_status"] != "unusable").to_numpy()
    parcels = np.where(ctx.checkable & ~np.isin(ctx.kinds, NOT_GRANTS), d.geometry.values,
                       None)
    pairs = overlay_pairs(parcels, np.where(usable, corridors.geometry.values, None))
    if pairs.empty:
        return pd.DataFrame(columns=["row"])
    granted = d["land_use"].to_numpy(dtype=object)[pairs["parcel"].to_numpy()]
    allowed_codes = corridors["allowed"].to_numpy(dtype=object)[pairs["zone"].to_numpy()]
    keys = pd.Series(list(zip(granted, allowed_codes, strict=True)), dtype=object)
    verdict = {k: any(is_allowed(k[0], c, ctx.codes, ctx.compat, ctx.mapping)
                      for c in (k[1] or "").split(",") if c)
               for k in keys.unique()}
    ok = keys.map(verdict).to_numpy(dtype=bool)
    parcel_area = ctx.area[pairs["parcel"].to_numpy()]
    hit = ~ok & ctx.exceeds_tolerance(pairs["area_m2"].to_numpy(), parcel_area)
    pairs = pairs[hit]
    if pairs.empty:
        return pd.DataFrame(columns=["row"])
    zone = pairs["zone"].to_numpy()
    area = pairs["area_m2"].to_numpy()
    pct = 100.0 * area / ctx.area[pairs["parcel"].to_numpy()]
    return pd.DataFrame({
        "row": pairs["parcel"].to_numpy(),
        "corridor": corridors["name"].to_numpy(dtype=object)[zone],
        "restriction": corridors["restriction"].fillna("").to_numpy(dtype=object)[zone],
        "allowed": [a.replace(",", ", ") if a else "—"
                    for a in corridors["allowed"].to_numpy(dtype=object)[zone]],
        "area": area, "pct": pct, "conflict_area_m2": area, "conflict_pct": pct,
        "geometry": intersection_geometries(d.geometry.values, corridors.geometry.values,
                                            pairs["parcel"].to_numpy(), zone),
    })


@register("double-allocation")
def double_allocation(ctx: CheckContext) -> pd.DataFrame:
    """Two allocations, leases or recognitions whose parcels overlap by more than the tolerance.

    The tolerance is relative to the smaller parcel. The later decision (by date, then
    decision number) is flagged, naming the earlier. Conversions are not grants of new land.
    A decision of unrecognised kind is read as a grant when it is the later one; as the
    earlier one it makes no other decision a violation.
    """
    d = ctx.decisions
    active = (judged_as(ctx, *GRANTS)
              & (d["geometry_status"] != "unusable").to_numpy())
    geoms = np.where(active, d.geometry.values, None)
    a, b, tested = overlap_candidates(geoms)
    untested = np.flatnonzero(~tested)  # large polygons: GEOS says first whether they meet
    meet = np.ones(len(a), dtype=bool)
    meet[untested] = interiors_meet(geoms[a[untested]], geoms[b[untested]])
    a, b, tested = a[meet], b[meet], tested[meet]
    parts = [_overlaps(ctx, geoms, a[i:i + _PAIRS], b[i:i + _PAIRS], tested[i:i + _PAIRS])
             for i in range(0, len(a), _PAIRS)]
    if not parts or not sum(len(part[0]) for part in parts):
        return pd.DataFrame(columns=["row"])
    a, b, area, smaller, pieces = (np.concatenate([part[k] for part in parts])
                                   for k in range(5))
    rank = ctx.issue_order()
    position = np.empty(len(d), dtype=np.int64)
    position[rank] = np.arange(len(d))
    later = np.where(position[a] > position[b], a, b)
    earlier = np.where(later == a, b, a)
    known = ~unread(ctx)[earlier]  # an unreadable earlier decision blames no other
    a, b, area, smaller, pieces, later, earlier = (
        x[known] for x in (a, b, area, smaller, pieces, later, earlier))
    if not len(later):
        return pd.DataFrame(columns=["row"])
    # the overlap as the later decision's part: the piece already cut where it is a's
    swapped = np.flatnonzero(later != a)
    pieces[swapped] = intersection_geometries(d.geometry.values, d.geometry.values,
                                              later[swapped], earlier[swapped])
    dates = format_dates(d["decision_date"], ctx.config.lang)
    return pd.DataFrame({
        "row": later,
        "other": d["decision_no"].fillna("?").to_numpy(dtype=object)[earlier],
        "other_date": [x if isinstance(x, str) else "?" for x in dates[earlier]],
        "area": area, "pct": 100.0 * area / smaller, "conflict_area_m2": area,
        "conflict_pct": 100.0 * area / smaller,
        "geometry": pieces,
    })


_PAIRS = 250_000  # candidate pairs cut at a time: only the overlaps found are kept
_CERTAIN_M2 = 1e-6  # an overlap of more than this leaves no doubt that the interiors meet


def _overlaps(ctx: CheckContext, geoms: np.ndarray, a: np.ndarray, b: np.ndarray,
              tested: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return the pairs among ``a, b`` that overlap beyond the tolerance, with the overlap.

    ``(a, b, area, smaller parcel's area, overlap)``. A pair that the separating-axis test
    could not part (``tested``) is cut without asking GEOS first whether the interiors meet:
    they do when the overlap has area; GEOS is asked only of the overlaps of no more than
    :data:`_CERTAIN_M2` that a tolerance of zero would count.
    """
    pieces = intersection_geometries(geoms, geoms, a, b)
    area = shapely.area(pieces)
    smaller = np.minimum(ctx.area[a], ctx.area[b])
    hit = ctx.exceeds_tolerance(area, smaller)
    doubt = np.flatnonzero(hit & tested & ~(area > _CERTAIN_M2))
    hit[doubt] = interiors_meet(geoms[a[doubt]], geoms[b[doubt]])
    return a[hit], b[hit], area[hit], smaller[hit], pieces[hit]
