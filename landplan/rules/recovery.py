"""Recoveries of land (thu hồi đất): they carry out the annual plan's projects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import covered_once, overlay_pairs
from ._context import CheckContext
from ._registry import register


@register("recovery-not-in-annual-plan")
def recovery_not_in_annual_plan(ctx: CheckContext) -> pd.DataFrame:
    """Recoveries of land outside every project of their year's annual plan.

    Recovery decisions (thu hồi đất) dated in a year the annual-plan project layer covers,
    whose parcel lies outside every project of that year by more than the tolerance
    (projects that overlap count once). Whatever the project's purpose: a recovery's
    land-use code is the use of the land recovered, not what it is recovered for. Years
    without any project in the layer are not judged. A recovery is never judged as a grant
    (no ``zoning-conflict``, ``protected-area``…). Recoveries for a violation or because
    use ends (Land Law 2024 Art. 81, 82) do not carry out the annual plan: disable this rule
    when the decisions hold them.
    """
    d, projects = ctx.decisions, ctx.projects
    years = d["decision_date"].dt.year.to_numpy(dtype=float)
    covered_years = projects["year"].dropna().astype(int).unique()
    candidate = ((ctx.kinds == "recovery") & (d["geometry_status"] != "unusable").to_numpy()
                 & np.isin(np.nan_to_num(years, nan=-1).astype(int), covered_years))
    usable = (projects["geometry_status"] != "unusable").to_numpy()
    parcels = np.where(candidate, d.geometry.values, None)
    zones = np.where(usable, projects.geometry.values, None)
    pairs = overlay_pairs(parcels, zones)
    p_year = projects["year"].to_numpy(dtype=float)[pairs["zone"].to_numpy()]
    match = pairs[p_year == years[pairs["parcel"].to_numpy()]]
    covered = covered_once(d.geometry.values, zones, match, len(d))
    outside = np.clip(np.nan_to_num(ctx.area) - covered, 0, None)
    rows = np.flatnonzero(candidate & ctx.exceeds_tolerance(outside, ctx.area))
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = 100.0 * outside[rows] / ctx.area[rows]
    return pd.DataFrame({"row": rows, "year": years[rows].astype(int), "area": outside[rows],
                         "pct": pct, "conflict_area_m2": outside[rows], "conflict_pct": pct})
