"""Rules on the annual plan's projects themselves."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._dates import format_date
from ..codes import allowed_matrix
from ..engine import overlay_pairs
from ._context import CheckContext
from ._registry import register

_REALISING = ("recovery", "conversion", "allocation", "lease")


@register("stale-plan-item")
def stale_plan_item(ctx: CheckContext) -> pd.DataFrame:
    """Annual-plan projects with no decision on their land within ``years`` of their year.

    Projects of year Y with no decision carrying them out overlapping them by more than
    ``tolerance_m2``, dated from 1 January of Y to the evaluation date, once the evaluation
    date reaches 1 January of Y + ``years`` (default 2: Land Law 2024 Art. 76(7)).
    Reported on the project (``layer`` = projects). What carries a project out is what Art.
    76(7) names, a recovery (whatever its code: the use of the land recovered) or a
    permission to change use, and also an allocation or a lease — evidence that the land
    was recovered, or was the State's already, for the project; a conversion, allocation
    or lease counts only when the project's purpose allows its granted use (an SKC
    allocation does not carry out a TMD project). Recognitions, records that are no State
    decision and unrecognised kinds carry nothing out.
    """
    years_param = int(ctx.config.param("stale-plan-item", "years"))
    projects, d = ctx.projects, ctx.decisions
    as_of = ctx.config.as_of
    year = projects["year"].to_numpy(dtype=float)
    due = ~np.isnan(year) & (as_of.year >= np.nan_to_num(year) + years_param)
    due &= (projects["geometry_status"] != "unusable").to_numpy()
    dates = d["decision_date"]
    realising = (np.isin(ctx.kinds, _REALISING) & dates.notna().to_numpy()
                 & (d["geometry_status"] != "unusable").to_numpy()
                 & (dates <= as_of).to_numpy())
    pairs = overlay_pairs(np.where(due, projects.geometry.values, None),
                          np.where(realising, d.geometry.values, None))
    start = pd.to_datetime(year[pairs["parcel"].to_numpy()].astype(int).astype(str)
                           + "-01-01") if len(pairs) else pd.DatetimeIndex([])
    in_window = dates.to_numpy()[pairs["zone"].to_numpy()] >= start.to_numpy()
    decision, project = pairs["zone"].to_numpy(), pairs["parcel"].to_numpy()
    purpose = (ctx.kinds[decision] == "recovery") | allowed_matrix(
        d["land_use"].to_numpy(dtype=object)[decision],
        projects["land_use"].to_numpy(dtype=object)[project], ctx.codes, ctx.compat,
        ctx.mapping)
    counts = pairs[in_window & purpose
                   & (pairs["area_m2"].to_numpy() > ctx.config.tolerance_m2)]
    realised = np.zeros(len(projects), dtype=bool)
    realised[counts["parcel"].to_numpy()] = True
    rows = np.flatnonzero(due & ~realised)
    return pd.DataFrame({
        "row": rows, "layer": "projects",
        "project": projects["project_name"].to_numpy(dtype=object)[rows],
        "year": year[rows].astype(int),
        "years": (as_of.year - year[rows]).astype(int),
        "as_of": format_date(as_of, ctx.config.lang),
        "planned_land_use": projects["land_use"].to_numpy(dtype=object)[rows],
    })


@register("project-year-unreadable")
def project_year_unreadable(ctx: CheckContext) -> pd.DataFrame:
    """Annual-plan projects whose year is blank or not one year of 1945–2100.

    ``2023``, ``Năm 2023`` and ``KH 2023`` are read; ``2021-2025`` is not one year. The rules
    that use the year cannot use them, so each is reported on the project.
    """
    projects = ctx.projects
    rows = np.flatnonzero(projects["year"].isna().to_numpy())
    raw = (projects["year_raw"] if "year_raw" in projects.columns
           else pd.Series([None] * len(projects), index=projects.index))
    return pd.DataFrame({
        "row": rows, "layer": "projects",
        "project": projects["project_name"].to_numpy(dtype=object)[rows],
        "value": raw.fillna("").to_numpy(dtype=object)[rows],
    })
