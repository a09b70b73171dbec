"""The plan period and the plan versions: which plan a decision is judged against.

Land Law 2024 Art. 60: when a plan period ends before the next plan is approved, the
unfinished indicators of the expired plan stay in force until it is. A decision is
therefore judged against the plan version in force on its date; one dated before every
version given was issued under the previous plan, which is missing (``no-plan-version``,
unchecked), and being dated outside the configured period is a note, not a violation
(``outside-plan-period``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._dates import format_date, format_dates
from ._context import CheckContext
from ._registry import RULES, register
from ._skip import SkipRule


@register("outside-plan-period")
def outside_plan_period(ctx: CheckContext) -> pd.DataFrame:
    """Decisions dated outside the plan period, judged against the version in force then.

    Before the plan's (earliest) approval date or ``plan_start``, or after ``plan_end``
    (configuration). Not a violation (Land Law 2024 Art. 60): after the period the expired
    plan stays in force until the next is approved, so the decision is judged against the
    latest version given; before it, against the version given (approved by then, or
    undated). Decisions dated before every dated version are left to ``no-plan-version``,
    those without a date to ``missing-date``; records that are no State decision (kind
    ``non-state``) need no plan as their basis.
    """
    earliest = ctx.approvals["approved"].min() if ctx.approvals is not None else pd.NaT
    starts = [t for t in (earliest, ctx.config.plan_start) if pd.notna(t)]
    start = max(starts) if starts else None
    end = ctx.config.plan_end
    if start is None and end is None:
        raise SkipRule("no plan approval date and no plan_start/plan_end configured")
    dates = ctx.decisions["decision_date"]
    before = np.zeros(len(dates), dtype=bool)
    after = np.zeros(len(dates), dtype=bool)
    if start is not None:
        before = (dates < start).to_numpy()
    if end is not None:
        after = (dates > end).to_numpy()
    in_force = np.ones(len(dates), dtype=bool) if ctx.version_of is None \
        else np.asarray(ctx.version_of) >= 0
    rows = np.flatnonzero((before | after) & in_force & (ctx.kinds != "non-state"))
    lang = ctx.config.lang
    why = RULES["outside-plan-period"].why
    return pd.DataFrame({
        "row": rows,
        "date": format_dates(dates.iloc[rows], lang),
        "start": format_date(start, lang) if start is not None else "…",
        "end": format_date(end, lang) if end is not None else "…",
        "why": np.where(after[rows], why[f"after_{lang}"], why[f"before_{lang}"]),
    })


@register("no-plan-version")
def no_plan_version(ctx: CheckContext) -> pd.DataFrame:
    """Decisions dated before the earliest plan version given: unchecked.

    Only versions with an approval date count: a plan given without one (a single file
    without ``@DATE``) is in force for every decision. A decision dated before the earliest
    approval was issued under the previous plan (Land Law 2024 Art. 60: an expired plan
    stays in force until the next is approved); judging it against a later plan would be
    wrong, so it is ``unchecked`` until that plan is given (``--plan FILE@DATE``).
    """
    if ctx.version_of is None or ctx.approvals is None:
        return pd.DataFrame(columns=["row"])
    rows = np.flatnonzero((np.asarray(ctx.version_of) < 0) & (ctx.kinds != "non-state"))
    approvals = ctx.approvals.dropna(subset=["approved"])
    if not len(rows) or approvals.empty:
        return pd.DataFrame(columns=["row"])
    lang = ctx.config.lang
    first = approvals.iloc[0]
    return pd.DataFrame({
        "row": rows,
        "date": format_dates(ctx.decisions["decision_date"].iloc[rows], lang),
        "version": str(first["plan_version"]),
        "approved": format_date(pd.Timestamp(first["approved"]), lang),
        "blocking": True,
    })
