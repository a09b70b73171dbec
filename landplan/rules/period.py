"""The plan period: decisions must fall within the plan's validity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._dates import format_date, format_dates
from ._context import CheckContext
from ._registry import register
from ._skip import SkipRule


@register("outside-plan-period")
def outside_plan_period(ctx: CheckContext) -> pd.DataFrame:
    """Decisions dated outside the plan period.

    Before the plan's (earliest) approval date or ``plan_start``, or after ``plan_end``
    (configuration). Decisions without a date are left to ``missing-date``; records that
    are no State decision (kind ``non-state``) need no plan as their basis.
    """
    earliest = ctx.approvals["approved"].min() if ctx.approvals is not None else pd.NaT
    starts = [t for t in (earliest, ctx.config.plan_start) if pd.notna(t)]
    start = max(starts) if starts else None
    end = ctx.config.plan_end
    if start is None and end is None:
        raise SkipRule("no plan approval date and no plan_start/plan_end configured")
    dates = ctx.decisions["decision_date"]
    flagged = pd.Series(False, index=dates.index)
    if start is not None:
        flagged |= dates < start
    if end is not None:
        flagged |= dates > end
    rows = np.flatnonzero(flagged.to_numpy() & (ctx.kinds != "non-state"))
    lang = ctx.config.lang
    return pd.DataFrame({
        "row": rows,
        "date": format_dates(dates.iloc[rows], lang),
        "start": format_date(start, lang) if start is not None else "…",
        "end": format_date(end, lang) if end is not None else "…",
    })
