"""Rules on overlaps: restriction corridors, and land granted twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import shapely

from .._dates import format_dates
from .._distinct import per_distinct
from .._labels import labels
from ..codes import is_allowed
from ..engine import (
    default_workers,
    interiors_meet,
    intersection_geometries,
    overlap_candidates,
    overlay_pairs,
)
from ._context import CheckContext
from ._kinds import GRANTS, NOT_GRANTS, judged_as, unread
from ._registry import register


def _restriction_words(kinds: np.ndarray, lang: str) -> np.ndarray:
    """Each corridor's kind of restriction in words (``[message.restriction]``), once per kind.

    A kind the table does not list is shown as the data writes it.
    """
    words = labels("message.restriction", lang)
    return per_distinct(kinds, lambda k: words.get(k, k), missing="")


@register("protected-area")
def protected_area(ctx: CheckContext) -> pd.DataFrame:
    """Decisions granting a use that a restriction corridor does not allow.

    A corridor's ``allowed`` list is exact: the listed codes and their descendants (LUC where
    LUA is listed), and a 2018 code and its 2024 equivalent (BHK ~ HNK), are allowed; the
    compatibility table does not widen it (CLN is not allowed in a dyke corridor that lists
    HNK) unless the corridor layer's optional ``compatible`` column is true for that
    corridor. Flagged on more than the tolerance of the parcel; one finding per corridor,
    geometry = the overlap. Recoveries and records that are no State decision grant no use
    and are not judged.
    """
    d, corridors = ctx.decisions, ctx.corridors
    usable = (corridors["geometry_status"] != "unusable").to_numpy()
    parcels = np.where(ctx.checkable & ~np.isin(ctx.kinds, NOT_GRANTS), d.geometry.values,
                       None)
    pairs = overlay_pairs(parcels, np.where(usable, corridors.geometry.values, None))
    if pairs.empty:
        return pd.DataFrame(columns=["row"])
    zone = pairs["zone"].to_numpy()
    granted = d["land_use"].to_numpy(dtype=object)[pairs["parcel"].to_numpy()]
    allowed_codes = corridors["allowed"].to_numpy(dtype=object)[zone]
    widened = (corridors["compatible"].to_numpy(dtype=bool) if "compatible" in corridors
               else np.zeros(len(corridors), dtype=bool))[zone]
    keys = pd.Series(list(zip(granted, allowed_codes, widened, strict=True)), dtype=object)
    exact = ctx.compat.iloc[0:0]
    verdict = {k: any(is_allowed(k[0], c, ctx.codes, ctx.compat if k[2] else exact,
                                 ctx.mapping)
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
        "restriction": _restriction_words(
            corridors["restriction"].fillna("").to_numpy(dtype=object)[zone],
            ctx.config.lang),
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
    decision number counted as a number: "99/QĐ-UBND" before "100/QĐ-UBND") is flagged,
    naming the earlier. Conversions are not grants of new land. A record is never in
    conflict with its own copy — same decision number, date, kind, parcel id (both
    present) and geometry: such copies are reported by ``duplicate-id`` alone. A decision
    of unrecognised kind is read as a grant when it is the later one; as the earlier one it
    makes no other decision a violation.
    """
    d = ctx.decisions
    active = (judged_as(ctx, *GRANTS)
              & (d["geometry_status"] != "unusable").to_numpy())
    if active.sum() < 2:  # no pair to test (a pre-check of one application)
        return pd.DataFrame(columns=["row"])
    geoms = np.where(active, d.geometry.values, None)
    a, b, tested = overlap_candidates(geoms)
    untested = np.flatnonzero(~tested)  # large polygons: GEOS says first whether they meet
    meet = np.ones(len(a), dtype=bool)
    meet[untested] = interiors_meet(geoms[a[untested]], geoms[b[untested]])
    a, b, tested = a[meet], b[meet], tested[meet]
    keep = ~_copies(ctx, a, b)
    a, b, tested = a[keep], b[keep], tested[keep]
    # each pair as (later, earlier): the overlap is cut as the later decision's part
    rank = ctx.issue_order()
    position = np.empty(len(d), dtype=np.int64)
    position[rank] = np.arange(len(d))
    swap = position[a] < position[b]
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    known = ~unread(ctx)[b]  # an unreadable earlier decision blames no other
    a, b, tested = a[known], b[known], tested[known]
    parts = _cut(ctx, geoms, a, b, tested)
    if not parts or not sum(len(part[0]) for part in parts):
        return pd.DataFrame(columns=["row"])
    later, earlier, area, smaller, pieces = (np.concatenate([part[k] for part in parts])
                                             for k in range(5))
    dates = format_dates(d["decision_date"], ctx.config.lang)
    return pd.DataFrame({
        "row": later,
        "other": d["decision_no"].fillna("?").to_numpy(dtype=object)[earlier],
        "other_date": [x if isinstance(x, str) else "?" for x in dates[earlier]],
        "area": area, "pct": 100.0 * area / smaller, "conflict_area_m2": area,
        "conflict_pct": 100.0 * area / smaller,
        "geometry": pieces,
    })


def _copies(ctx: CheckContext, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which pairs ``a, b`` are copies of one record (what ``duplicate-id`` reports).

    Same decision number and parcel id (both present), same date (or both undated), same
    kind (or both unrecognised) and equal geometry. Array comparisons; GEOS is asked only
    about the pairs equal on every attribute.
    """
    same = np.zeros(len(a), dtype=bool)
    if not len(a):
        return same
    d = ctx.decisions
    number = pd.factorize(d["decision_no"])[0]  # -1: missing
    parcel = pd.factorize(d["parcel_id"])[0]
    kind = pd.factorize(pd.Series(ctx.kinds, dtype=object))[0]  # -1 == -1: both unrecognised
    dates = d["decision_date"].to_numpy(dtype="datetime64[ns]").view(np.int64)  # NaT == NaT
    equal = ((number[a] >= 0) & (parcel[a] >= 0) & (number[a] == number[b])
             & (parcel[a] == parcel[b]) & (kind[a] == kind[b]) & (dates[a] == dates[b]))
    idx = np.flatnonzero(equal)
    geoms = np.asarray(d.geometry.values, dtype=object)
    same[idx] = shapely.equals(geoms[a[idx]], geoms[b[idx]])
    return same


_PAIRS = 250_000  # candidate pairs cut at a time: only the overlaps found are kept


def _cut(ctx: CheckContext, geoms: np.ndarray, a: np.ndarray, b: np.ndarray,
         tested: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """Run :func:`_overlaps` on the candidate pairs, :data:`_PAIRS` at a time, on all cores.

    Each thread cuts its own copies of its chunk's geometries (read back from WKB, the same
    coordinates), as the engine's threads do: GEOS objects are not shared between threads.
    """
    chunks = [slice(i, i + _PAIRS) for i in range(0, len(a), _PAIRS)]
    workers = min(default_workers(), len(chunks))
    if workers <= 1:
        return [_overlaps(ctx, geoms, a[c], b[c], tested[c]) for c in chunks]

    def own_copies(chunk: slice) -> tuple[np.ndarray, np.ndarray]:
        rows = np.unique(np.concatenate([a[chunk], b[chunk]]))
        return rows, shapely.to_wkb(geoms[rows])

    def run(chunk: slice, rows: np.ndarray, wkb: np.ndarray) -> tuple[np.ndarray, ...]:
        local = np.full(len(geoms), None, dtype=object)
        local[rows] = shapely.from_wkb(wkb)
        return _overlaps(ctx, local, a[chunk], b[chunk], tested[chunk])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run, chunk, *own_copies(chunk)) for chunk in chunks]
        return [future.result() for future in futures]
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
