"""Zoning rules: granted use against planned use, and what the plan does not cover."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import intersection_geometries, uncovered_area, uncovered_geometries, union_by_group
from ._context import CheckContext
from ._kinds import GRANTS, judged_as, unread_as_conversion
from ._registry import register


@register("zoning-conflict")
def zoning_conflict(ctx: CheckContext) -> pd.DataFrame:
    """Grants whose use the plan version in force does not allow, on more than the tolerance.

    Allocations, leases and recognitions (and decisions of unrecognised kind, read as
    grants) whose granted use is not allowed by the planned use of the plan version in
    force on their date. The conflicting area counts in total over every planned code that
    does not allow the use (a parcel 3 % in each of two such zones conflicts on 6 %: what an
    official asks is how much of the land was granted against the plan), and the decision
    is flagged when that total is beyond the tolerance; one finding per conflicting planned
    code, geometry = the conflicting part. Conversions (and unrecognised kinds that record
    another previous use) are judged by ``conversion-contrary-to-plan``; recoveries and
    records that are no State decision are not grants and are not judged.
    """
    pairs = ctx.pairs
    grants = judged_as(ctx, *GRANTS) & ~unread_as_conversion(ctx)
    bad = pairs[pairs["plan_code_known"] & ~pairs["allowed"]
                & grants[pairs["parcel"].to_numpy()]]
    return conflict_findings(ctx, bad)


def conflict_findings(ctx: CheckContext, bad: pd.DataFrame) -> pd.DataFrame:
    """Make the findings of decisions whose conflicting pairs ``bad`` exceed the tolerance.

    The pairs count in total; one row per (decision, planned code) with the union of the
    conflicting parts.
    """
    if bad.empty:
        return pd.DataFrame(columns=["row"])
    total = np.bincount(bad["parcel"], weights=bad["area_m2"], minlength=len(ctx.area))
    flagged = ctx.exceeds_tolerance(total, ctx.area)
    bad = bad[flagged[bad["parcel"].to_numpy()]]
    if bad.empty:
        return pd.DataFrame(columns=["row"])
    planned = ctx.plan["land_use"].to_numpy()[bad["zone"].to_numpy()]
    pieces = _pieces(ctx, bad)
    frame = pd.DataFrame({"row": bad["parcel"].to_numpy(), "planned_land_use": planned,
                          "conflict_area_m2": bad["area_m2"].to_numpy(), "geometry": pieces})
    groups = frame.groupby(["row", "planned_land_use"], sort=True)
    grouped = groups.agg(conflict_area_m2=("conflict_area_m2", "sum")).reset_index()
    grouped["geometry"] = union_by_group(frame["geometry"].to_numpy(), groups.ngroup()
                                         .to_numpy(), len(grouped))
    grouped["conflict_pct"] = 100.0 * grouped["conflict_area_m2"] / ctx.area[grouped["row"]]
    grouped["planned"] = grouped["planned_land_use"]
    grouped["area"] = grouped["conflict_area_m2"]
    grouped["pct"] = grouped["conflict_pct"]
    grouped["blocking"] = False
    return grouped


def _pieces(ctx: CheckContext, pairs: pd.DataFrame) -> np.ndarray:
    """Return the part of each pair's parcel that lies in its zone.

    A parcel wholly inside the zone (``inside``) is that part: only the pairs that cross the
    zone's boundary are intersected.
    """
    parcel, zone = pairs["parcel"].to_numpy(), pairs["zone"].to_numpy()
    inside = pairs["inside"].to_numpy(dtype=bool)
    parcels = np.asarray(ctx.decisions.geometry.values, dtype=object)
    pieces = parcels[parcel]
    crossing = np.flatnonzero(~inside)
    pieces[crossing] = intersection_geometries(parcels, ctx.plan.geometry.values,
                                               parcel[crossing], zone[crossing])
    return pieces


def _uncovered(ctx: CheckContext) -> tuple[np.ndarray, np.ndarray]:
    """Per decision: area outside every zone, and area in zones with an unknown code."""
    pairs = ctx.pairs
    unknown_pairs = pairs[~pairs["plan_code_known"]]
    unknown = np.bincount(unknown_pairs["parcel"], weights=unknown_pairs["area_m2"],
                          minlength=len(ctx.area))
    outside = np.where(ctx.judged, uncovered_area(np.nan_to_num(ctx.area), pairs), 0.0)
    return outside, unknown


def _share_finding(ctx: CheckContext, area: np.ndarray, other: np.ndarray) -> pd.DataFrame:
    """Rows where ``area`` exceeds the tolerance; blocking when too little is left to check."""
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = 100.0 * area / ctx.area
        checked_pct = 100.0 - 100.0 * (area + other) / ctx.area
    flagged = ctx.judged & ctx.exceeds_tolerance(area, ctx.area)
    rows = np.flatnonzero(flagged)
    return pd.DataFrame({
        "row": rows, "area": area[rows], "pct": pct[rows],
        "blocking": ~(checked_pct[rows] > ctx.config.tolerance_pct),
    })


@register("no-plan-coverage")
def no_plan_coverage(ctx: CheckContext) -> pd.DataFrame:
    """Decisions partly or wholly outside every plan zone; the outside part is reported.

    Blocking (unchecked) when what is left inside the plan is within the tolerance.
    """
    outside, unknown = _uncovered(ctx)
    found = _share_finding(ctx, outside, unknown)
    if found.empty:
        return found
    found["geometry"] = uncovered_geometries(ctx.decisions.geometry.values,
                                             ctx.plan.geometry.values, ctx.pairs,
                                             found["row"].to_numpy())
    return found


@register("unknown-plan-code")
def unknown_plan_code(ctx: CheckContext) -> pd.DataFrame:
    """Decisions lying in plan zones whose code is missing or not in the registry."""
    outside, unknown = _uncovered(ctx)
    found = _share_finding(ctx, unknown, outside)
    if found.empty:
        return found
    pairs = ctx.pairs[~ctx.pairs["plan_code_known"] & ctx.pairs["parcel"].isin(found["row"])]
    codes = ctx.plan["land_use"].fillna("").to_numpy()[pairs["zone"].to_numpy()]
    listed = pd.Series(codes).groupby(pairs["parcel"].to_numpy()).agg(
        lambda c: ", ".join(sorted(set(c))))
    found["planned"] = listed.reindex(found["row"]).to_numpy()
    found["planned_land_use"] = found["planned"]
    return found
