"""Rules on the plan layer itself: overlapping zones and holes no zone covers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._labels import label
from ..planlayer import plan_gaps
from ._context import CheckContext
from ._registry import register


@register("plan-overlap")
def plan_overlap(ctx: CheckContext) -> pd.DataFrame:
    """Pairs of zones of the same plan version that overlap on more than ``min_area_m2``.

    Identical duplicated zones, slivers between neighbours, a zone drawn inside another
    (same or different codes), reported on the plan layer with the overlap as geometry.
    The check counts every overlap once: it is given to the smaller zone (the one listed
    first when both are equal), so a parcel's shares never exceed 100 % and no area is
    doubled. Reported in every case so that the plan can be corrected; decisions are not
    made violations by it.
    """
    found = ctx.plan_overlaps
    minimum = float(ctx.config.param("plan-overlap", "min_area_m2"))
    if found is None or found.empty:
        return pd.DataFrame(columns=["row"])
    found = found[found["area_m2"].to_numpy() > minimum]
    plan = ctx.plan
    ids = plan["zone_id"].fillna("").to_numpy(dtype=object)
    codes = plan["land_use"].fillna("∅").to_numpy(dtype=object)
    versions = plan["plan_version"].fillna("v1").to_numpy(dtype=object)
    a, b, w = (found[c].to_numpy(dtype=np.int64) for c in ("zone_a", "zone_b", "winner"))
    same = codes[a] == codes[b]
    lang = ctx.config.lang
    kind = np.where(same, label("message.same_code", lang),
                    label("message.different_codes", lang))
    return pd.DataFrame({
        "row": a, "layer": "plan", "zone_a": ids[a], "code_a": codes[a], "zone_b": ids[b],
        "code_b": codes[b], "version": versions[a], "winner": ids[w], "winner_code": codes[w],
        "same": kind, "area": found["area_m2"].to_numpy(), "conflict_area_m2":
        found["area_m2"].to_numpy(),
        "planned_land_use": np.where(same, codes[a], codes[a] + ", " + codes[b]),
        "geometry": found["geometry"].to_numpy(dtype=object),
    })


@register("plan-gap")
def plan_gap(ctx: CheckContext) -> pd.DataFrame:
    """Holes inside a plan version's extent that no zone covers, larger than ``min_area_m2``.

    The holes are the interior rings of the union of its zones, reported on the plan layer
    with the hole as geometry. Parcels in a hole are reported by ``no-plan-coverage``.
    """
    minimum = float(ctx.config.param("plan-gap", "min_area_m2"))
    plan = ctx.plan
    usable = (plan["geometry_status"] != "unusable").to_numpy()
    # the gaps of the plan as drawn (overlaps resolved or not, the holes are the same)
    gaps = plan_gaps(np.where(usable, ctx.plan_drawn, None), plan["plan_version"].to_numpy(),
                     minimum, coverages=ctx.plan_coverages)
    return pd.DataFrame({"row": -1, "layer": "plan", "version": gaps["version"].to_numpy(),
                         "area": gaps["area_m2"].to_numpy(),
                         "conflict_area_m2": gaps["area_m2"].to_numpy(),
                         "geometry": gaps["geometry"].to_numpy(dtype=object)})
