"""Plan adjustments that legalise earlier violations (hợp thức hóa vi phạm).

For each pair of consecutive plan versions, the decisions dated before the adjustment
that violated the version in force on their date (and still violate the version the
adjustment replaces) but comply with the adjusted version: the adjustment made them
lawful after the fact. The violation is judged by the zoning rules themselves
(``judged_by``: ``zoning-conflict`` and ``conversion-contrary-to-plan``), run on the
overlay of those decisions with each version, so that "violates" means here exactly what
it means in the findings.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import shapely

from .._dates import format_date, format_dates
from .._distinct import flags
from .._labels import label
from ..codes import allowed_matrix
from ..engine import intersection_geometries, overlay_pairs, union_by_group
from ..plandiff import plan_diff
from ..planlayer import polygonal
from ._context import CheckContext
from ._registry import RULES, register

_RULE = "adjustment-legalises-violation"
_EMPTY = ["row"]


@register(_RULE)
def adjustment_legalises_violation(ctx: CheckContext) -> pd.DataFrame:
    """Report the adjustments that make an earlier violation comply (on the plan layer).

    For each adjustment (a plan version and the one before it), every decision dated
    before it that violated the plan version in force on its date, still violates the
    version the adjustment replaces, and complies with the adjusted version (no
    ``judged_by`` violation beyond the tolerance, and no more than the tolerance outside
    its zones or in zones of unknown code). One finding per (decision, adjusted zone, old
    code) on the adjusted zone, with the part of the decision that was in conflict and now
    lies in that zone under a new code that allows the granted use; geometry = that part.
    A plan without dated versions, or with one version, has no adjustment to judge.
    """
    approvals = ctx.approvals
    if approvals is None or len(approvals) < 2 or ctx.version_of is None:
        return pd.DataFrame(columns=_EMPTY)
    judges = [RULES[r] for r in ctx.config.param(_RULE, "judged_by")
              if r in RULES and ctx.config.enabled(r)]
    last = len(approvals) - 1
    version_of = np.asarray(ctx.version_of)
    early = ctx.judged & (version_of < last)
    if not judges or not early.any():
        return pd.DataFrame(columns=_EMPTY)
    names = approvals["plan_version"].tolist()
    plan_names = ctx.plan["plan_version"].fillna("v1").to_numpy(dtype=object)
    usable = (ctx.plan["geometry_status"] != "unusable").to_numpy()
    # only a decision on a place whose planned code an adjustment changed can change verdict
    touches = _touching_changes(ctx, early, plan_names, names)
    candidate = np.zeros(len(early), dtype=bool)
    for j in range(1, last + 1):
        candidate |= early & (version_of < j) & touches[j]
    if not candidate.any():
        return pd.DataFrame(columns=_EMPTY)
    pairs = ctx.pairs[candidate[ctx.pairs["parcel"].to_numpy()]]
    violations = _violations(ctx, judges, pairs)
    carried = violations.iloc[:0]
    frames = []
    for j in range(1, last + 1):
        fresh = violations[version_of[violations["row"].to_numpy()] == j - 1]
        before = pd.concat([carried, fresh], ignore_index=True)  # violating version j - 1
        if before.empty:
            carried = before
            continue
        moved = touches[j][before["row"].to_numpy()]
        # elsewhere version j has the codes of version j - 1: still the same violation
        unchanged, before = before[~moved], before[moved]
        rows = np.unique(before["row"].to_numpy())
        if not len(rows):
            carried = unchanged
            continue
        zones = np.flatnonzero((plan_names == names[j]) & usable)
        new_pairs = _pairs_with(ctx, rows, zones)
        after = _violations(ctx, judges, new_pairs)
        complies = _complying(ctx, rows, new_pairs, after)
        legalised = before[np.isin(before["row"].to_numpy(), complies)]
        if len(legalised):
            frames.append(_findings(ctx, legalised, zones, j))
        # still violating version j: an adjustment after it may legalise them
        carried = pd.concat([unchanged, after], ignore_index=True)
    if not frames:
        return pd.DataFrame(columns=_EMPTY)
    return pd.concat(frames, ignore_index=True)


def _touching_changes(ctx: CheckContext, early: np.ndarray, plan_names: np.ndarray,
                      names: list) -> np.ndarray:
    """Return, per version j (row j; row 0 unused), the decisions on a place j changed.

    Places whose planned code (or coverage) differs between version j - 1 and j
    (:func:`landplan.plandiff.plan_diff`), met by the ``early`` decisions' parcels.
    """
    out = np.zeros((len(names), len(early)), dtype=bool)
    rows = np.flatnonzero(early)
    parcels = np.asarray(ctx.decisions.geometry.values, dtype=object)[rows]
    plan = ctx.plan
    for j in range(1, len(names)):
        diff = plan_diff(plan[plan_names == names[j - 1]], plan[plan_names == names[j]],
                         min_area_m2=0.01)
        if not len(diff):
            continue
        tree = shapely.STRtree(np.asarray(diff.geometry.values, dtype=object))
        hit, _ = tree.query(parcels, predicate="intersects")
        out[j, rows[np.unique(hit)]] = True
    return out


def _violations(ctx: CheckContext, judges: list, pairs: pd.DataFrame) -> pd.DataFrame:
    """Return the judges' findings on ``pairs``: ``row``, ``planned_land_use``, ``geometry``.

    One row per (decision, planned code) in conflict beyond the tolerance, the conflicting
    part as geometry (what ``zoning-conflict`` and ``conversion-contrary-to-plan`` report).
    """
    sub = replace(ctx, pairs=pairs.reset_index(drop=True), _memo={})
    parts = [judge.func(sub) for judge in judges]
    parts = [p[["row", "planned_land_use", "geometry"]] for p in parts
             if p is not None and len(p)]
    if not parts:
        return pd.DataFrame({"row": np.zeros(0, dtype=np.int64), "planned_land_use": [],
                             "geometry": []})
    found = pd.concat(parts, ignore_index=True)
    found["row"] = found["row"].to_numpy(dtype=np.int64)
    return found.sort_values(["row", "planned_land_use"], kind="stable").reset_index(drop=True)


def _pairs_with(ctx: CheckContext, rows: np.ndarray, zones: np.ndarray) -> pd.DataFrame:
    """Overlay pairs of the decisions ``rows`` with the plan zones ``zones``.

    With ``plan_code_known`` and ``allowed``, as the check's own pairs.
    """
    d = ctx.decisions
    mine = np.zeros(len(d), dtype=bool)
    mine[rows] = True
    parcels = np.where(mine, d.geometry.values, None)
    pairs = overlay_pairs(parcels, ctx.plan.geometry.values[zones])
    pairs["zone"] = zones[pairs["zone"].to_numpy()]
    planned = ctx.plan["land_use"].to_numpy(dtype=object)[pairs["zone"].to_numpy()]
    known = flags(planned, lambda c: all(p in ctx.codes.index for p in c.split("+")))
    granted = d["land_use"].to_numpy(dtype=object)[pairs["parcel"].to_numpy()]
    allowed = np.zeros(len(pairs), dtype=bool)
    allowed[known] = allowed_matrix(granted[known], planned[known], ctx.codes, ctx.compat,
                                    ctx.mapping)
    pairs["plan_code_known"] = known
    pairs["allowed"] = allowed
    return pairs


def _complying(ctx: CheckContext, rows: np.ndarray, pairs: pd.DataFrame,
               violations: pd.DataFrame) -> np.ndarray:
    """Return the decisions of ``rows`` that comply with the version of ``pairs``.

    No violation, and no more than the tolerance outside its zones or in zones whose code
    is unknown (what could not be judged does not comply).
    """
    known = pairs[pairs["plan_code_known"]]
    judged = np.bincount(known["parcel"], weights=known["area_m2"], minlength=len(ctx.area))
    unjudged = np.clip(np.nan_to_num(ctx.area) - judged, 0.0, None)
    clear = ~ctx.exceeds_tolerance(unjudged, ctx.area)
    ok = rows[clear[rows]]
    return ok[~np.isin(ok, violations["row"].to_numpy())]


def _findings(ctx: CheckContext, legalised: pd.DataFrame, zones: np.ndarray,
              j: int) -> pd.DataFrame:
    """One row per (decision, adjusted zone, old code): the legalised part of the decision."""
    d, plan, lang = ctx.decisions, ctx.plan, ctx.config.lang
    pieces = polygonal(legalised["geometry"].to_numpy(dtype=object))
    hits = overlay_pairs(pieces, plan.geometry.values[zones])
    piece = hits["parcel"].to_numpy()
    zone = zones[hits["zone"].to_numpy()]
    row = legalised["row"].to_numpy(dtype=np.int64)[piece]
    old = legalised["planned_land_use"].to_numpy(dtype=object)[piece]
    new = plan["land_use"].to_numpy(dtype=object)[zone]
    granted = d["land_use"].to_numpy(dtype=object)[row]
    known = flags(new, lambda c: all(p in ctx.codes.index for p in c.split("+")))
    allows = np.zeros(len(new), dtype=bool)
    allows[known] = allowed_matrix(granted[known], new[known], ctx.codes, ctx.compat,
                                   ctx.mapping)
    keep = allows & (new != old)
    if not keep.any():
        return pd.DataFrame(columns=_EMPTY)
    piece, zone, row, old = piece[keep], zone[keep], row[keep], old[keep]
    parts = polygonal(intersection_geometries(pieces, plan.geometry.values, piece, zone))
    frame = pd.DataFrame({"zone_row": zone, "row": row, "old": old,
                          "area": shapely.area(parts)})
    groups = frame.groupby(["zone_row", "row", "old"], sort=True)
    out = groups.agg(area=("area", "sum")).reset_index()
    geometry = union_by_group(parts, groups.ngroup().to_numpy(), len(out))
    rows = out["row"].to_numpy(dtype=np.int64)
    zone_rows = out["zone_row"].to_numpy(dtype=np.int64)
    approvals = ctx.approvals
    number = d["decision_no"].to_numpy(dtype=object)[rows]
    missing = pd.isna(number) | (number == "")
    source = d["source_row"].to_numpy()[rows]
    number[missing] = [f"({label('message.row', lang)} {s})" for s in source[missing]]
    return pd.DataFrame({
        "row": zone_rows, "layer": "plan",
        "version": str(approvals["plan_version"].iat[j]),
        "approved": format_date(pd.Timestamp(approvals["approved"].iat[j]), lang),
        "zone": plan["zone_id"].fillna("").to_numpy(dtype=object)[zone_rows],
        "old": out["old"].to_numpy(dtype=object),
        "planned": plan["land_use"].to_numpy(dtype=object)[zone_rows],
        "planned_land_use": plan["land_use"].to_numpy(dtype=object)[zone_rows],
        "decision_no": number,
        "date": format_dates(d["decision_date"].iloc[rows], lang),
        "granted": d["land_use"].to_numpy(dtype=object)[rows],
        "area": out["area"].to_numpy(dtype=float),
        "conflict_area_m2": out["area"].to_numpy(dtype=float),
        "old_version": approvals["plan_version"].to_numpy(dtype=object)[
            np.asarray(ctx.version_of)[rows]],
        "decision_row": rows,
        "geometry": geometry,
    })
